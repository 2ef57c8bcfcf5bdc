import { describe, expect, it } from 'vitest';
import { api, createAccount, createLine, uniquePhone } from '../support/api-client.ts';
import { localTable, partitionItems } from '../support/table.ts';

type ImportResult = {
  batchId: string;
  rows: number;
  applied: { changed: number; confirmed: number; superseded: number };
  duplicates: number;
  rejected: { line: number; code: string; message: string }[];
};
type ErrorBody = { error: { code: string; message: string } };

const db = localTable();
const post = (apiKey: string, csv: string, query = '') =>
  api<ImportResult>('POST', `/v1/imports${query}`, { key: apiKey, body: csv, headers: { 'content-type': 'text/csv' } });

describe('consent import (CSV)', () => {
  it('applies valid rows with the batch as evidence, reports bad rows by line, and changes nothing when re-run', async () => {
    const { accountId, apiKey } = await createAccount();
    const line = await createLine(apiKey, { provider: 'aws' });
    const [a, b, c] = [uniquePhone(), uniquePhone(), uniquePhone()];
    const csv = [
      'contact,channel,line,status,occurredAt,source,form_id',
      `${a},sms,${line.lineId},opted_in,2026-01-10T09:00:00Z,form,F-1`,
      `${b},sms,,opted_out,2026-01-11T09:00:00+01:00,,`,
      `not-a-phone,sms,,opted_in,2026-01-10T09:00:00Z,,`,
      `${c},sms,line_nope,opted_in,2026-01-10T09:00:00Z,,`,
      `${c},fax,,opted_in,2026-01-10T09:00:00Z,,`,
      `${c},sms,,maybe,2026-01-10T09:00:00Z,,`,
      `${c},sms,,opted_in,last tuesday,,`,
      '',
      `"${c}",sms,,opted_in,2026-01-12T09:00:00Z,import,"multi`,
      `line note"`,
      `${a},sms,${line.lineId},opted_out,2026-01-09T09:00:00Z,,`,
      `${c},sms,,opted_in,2026-01-12T09:00:00Z`,
    ].join('\r\n');
    const first = await post(apiKey, csv);
    expect(first.status, first.text).toBe(200);
    expect(first.body.batchId).toMatch(/^imp_[0-9a-f]{32}$/);
    expect(first.body.rows).toBe(10);
    expect(first.body.rejected.map((row) => [row.line, row.code])).toEqual([
      [4, 'invalid_contact'],
      [5, 'unknown_line'],
      [6, 'invalid_channel'],
      [7, 'invalid_status'],
      [8, 'invalid_occurred_at'],
      [13, 'wrong_field_count'],
    ]);
    // a (opt-in), b, c (multi-line row); a's older opt-out is audited but superseded.
    expect(first.body.applied).toEqual({ changed: 3, confirmed: 0, superseded: 1 });
    expect(first.body.duplicates).toBe(0);

    const consent = await api<{ lines: { status: string; evidence: Record<string, unknown>; source: string }[] }>(
      'GET',
      `/v1/contacts/${encodeURIComponent(a)}/consent`,
      { key: apiKey },
    );
    expect(consent.body.lines[0]).toMatchObject({
      status: 'opted_in',
      source: 'form',
      evidence: { importBatchId: first.body.batchId, importLine: 2, form_id: 'F-1' },
    });
    const cEvents = await api<{ events: { evidence: Record<string, unknown> }[] }>('GET', `/v1/contacts/${encodeURIComponent(c)}/events`, {
      key: apiKey,
    });
    expect(cEvents.body.events[0]?.evidence).toMatchObject({ importLine: 10, form_id: 'multi\r\nline note' });

    const stored = async () => (await Promise.all([a, b, c].map((contact) => partitionItems(db, accountId, contact)))).flat().length;
    const before = await stored();
    const again = await post(apiKey, csv);
    expect(again.body).toMatchObject({ batchId: first.body.batchId, applied: { changed: 0, confirmed: 0, superseded: 0 }, duplicates: 4 });
    expect(again.body.rejected).toEqual(first.body.rejected);
    expect(await stored()).toBe(before);
  });

  it('announces every imported status change as ConsentChanged and counts it in the opt-out report, once', async () => {
    const { accountId, apiKey } = await createAccount();
    const line = await createLine(apiKey, { provider: 'aws' });
    const contacts = Array.from({ length: 30 }, () => uniquePhone());
    const rows = contacts.map((contact, index) =>
      `${contact},sms,${index % 2 === 0 ? line.lineId : ''},${index % 3 === 0 ? 'opted_out' : 'opted_in'},2026-02-0${1 + (index % 2)}T10:00:00Z`,
    );
    // The first contact's second row is older than its first: audited, superseded, not announced.
    const csv = ['contact,channel,line,status,occurredAt', ...rows, `${contacts[0]},sms,${line.lineId},opted_in,2026-01-01T00:00:00Z`].join('\n');
    const imported = await post(apiKey, csv);
    expect(imported.body.applied).toEqual({ changed: 30, confirmed: 0, superseded: 1 });

    type Published = { detail: { contact: string; status: string; source: string; previousStatus: string } };
    const published = async () => (await api<{ events: Published[] }>('GET', `/local/events?accountId=${accountId}`)).body.events;
    const events = await published();
    expect(events).toHaveLength(30);
    expect(new Set(events.map((event) => event.detail.contact))).toEqual(new Set(contacts));
    expect(events.every((event) => event.detail.source === 'import' && event.detail.previousStatus === 'not_defined')).toBe(true);
    expect(events.filter((event) => event.detail.status === 'opted_out')).toHaveLength(10);

    const report = await api<{ totals: { optOuts: number; optIns: number }; rows: { key: string; optOuts: number; optIns: number }[] }>(
      'GET',
      '/v1/reports/opt-outs?from=2026-02-01&to=2026-02-02&groupBy=day',
      { key: apiKey },
    );
    expect(report.body.totals).toMatchObject({ optOuts: 10, optIns: 20 });

    // The same file again changes nothing, announces nothing and counts nothing.
    expect((await post(apiKey, csv)).body.duplicates).toBe(31);
    expect(await published()).toHaveLength(30);
    const again = await api<{ totals: { optOuts: number; optIns: number } }>('GET', '/v1/reports/opt-outs?from=2026-02-01&to=2026-02-02&groupBy=day', { key: apiKey });
    expect(again.body.totals).toMatchObject({ optOuts: 10, optIns: 20 });
  });

  it('numbers lines of a chunk as lines of the whole file, and keeps one batch across chunks', async () => {
    const { apiKey } = await createAccount();
    const contact = uniquePhone();
    const chunk = ['contact,channel,status,occurredAt', `${contact},sms,opted_out,2026-02-01T00:00:00Z`, 'oops,sms,opted_out,2026-02-01T00:00:00Z'].join('\n');
    const result = await post(apiKey, chunk, '?batchId=imp_test_chunked_0001&firstLine=5001');
    expect(result.body.batchId).toBe('imp_test_chunked_0001');
    expect(result.body.rejected).toEqual([expect.objectContaining({ line: 5002, code: 'invalid_contact' })]);
    const events = await api<{ events: { evidence: Record<string, unknown> }[] }>('GET', `/v1/contacts/${encodeURIComponent(contact)}/events`, {
      key: apiKey,
    });
    expect(events.body.events[0]?.evidence).toMatchObject({ importBatchId: 'imp_test_chunked_0001', importLine: 5001 });
  });

  it('keeps an account under its import rate: a chunk sent while another holds the time slot gets 429 with Retry-After and changes nothing', async () => {
    const { accountId, apiKey } = await createAccount();
    const line = await createLine(apiKey, { provider: 'aws' });
    // 600 rows hold the account's slot for 0.3 s at 2,000 rows/s: two chunks sent at once cannot both have it.
    const chunk = (prefix: string) => {
      const contacts = Array.from({ length: 600 }, (_, index) => `${prefix}${String(index).padStart(3, '0')}`);
      return { contacts, csv: ['contact,channel,line,status,occurredAt', ...contacts.map((contact) => `${contact},sms,${line.lineId},opted_in,2026-01-10T09:00:00Z`)].join('\n') };
    };
    const [a, b] = [chunk(uniquePhone().slice(0, 9)), chunk(uniquePhone().slice(0, 9))];
    const answers = await Promise.all([post(apiKey, a.csv), post(apiKey, b.csv)]);
    const refused = answers.filter((answer) => answer.status === 429);
    const accepted = answers.filter((answer) => answer.status === 200);
    expect(accepted).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect(Number(refused[0]?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((refused[0]?.body as unknown as ErrorBody).error.code).toBe('rate_limited');
    // The refused chunk wrote nothing; sent again after the wait, it is applied in full.
    const refusedChunk = answers[0]?.status === 429 ? a : b;
    expect(await partitionItems(db, accountId, refusedChunk.contacts[0] ?? '')).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, Number(refused[0]?.headers.get('retry-after')) * 1000));
    const retried = await post(apiKey, refusedChunk.csv);
    expect(retried.status, retried.text).toBe(200);
    expect(retried.body.applied.changed).toBe(600);
  });

  it('rejects what is not a usable CSV as a whole with a 4xx, changing nothing', async () => {
    const { apiKey } = await createAccount();
    const cases: [string, string, number][] = [
      ['missing columns', 'contact,channel\n+12025550100,sms\n', 400],
      ['duplicate column', 'contact,channel,status,occurredAt,status\n', 400],
      ['empty body', '', 400],
      ['unterminated quote', 'contact,channel,status,occurredAt\n"+1202,sms,opted_in,2026-01-01T00:00:00Z\n', 400],
    ];
    for (const [name, csv, status] of cases) {
      const response = await api<ErrorBody>('POST', '/v1/imports', { key: apiKey, body: csv, headers: { 'content-type': 'text/csv' } });
      expect(response.status, name).toBe(status);
      expect(response.body.error.code, name).toBe('validation_failed');
    }
    const json = await api<ErrorBody>('POST', '/v1/imports', { key: apiKey, json: { rows: [] } });
    expect(json.status).toBe(415);
    const badBatch = await post(apiKey, 'contact,channel,status,occurredAt\n', '?batchId=../../x');
    expect(badBatch.status).toBe(400);
    const tooMany = ['contact,channel,status,occurredAt', ...Array.from({ length: 5001 }, () => '+12025550100,sms,opted_in,2026-01-01T00:00:00Z')].join('\n');
    expect((await post(apiKey, tooMany)).status).toBe(400);
    expect((await api<{ contacts: unknown[] }>('GET', '/v1/contacts', { key: apiKey })).body.contacts).toEqual([]);
  });
});

describe('consent export (CSV)', () => {
  it('exports the account’s consent page by page as one CSV that imports into another account unchanged', async () => {
    const { apiKey } = await createAccount();
    const contacts = Array.from({ length: 7 }, () => uniquePhone());
    for (const [index, contact] of contacts.entries()) {
      await api('PUT', `/v1/contacts/${encodeURIComponent(contact)}/consent`, {
        key: apiKey,
        json: { channel: 'sms', status: index % 2 === 0 ? 'opted_in' : 'opted_out', evidence: { note: `row, "${index}"` } },
      });
    }
    let csv = '';
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await api('GET', `/v1/exports/consent?limit=3${cursor ? `&cursor=${cursor}` : ''}`, { key: apiKey });
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toContain('text/csv');
      csv += page.text;
      cursor = page.headers.get('x-optgate-next-cursor') ?? undefined;
      pages += 1;
    } while (cursor && pages < 10);
    const lines = csv.trim().split('\n');
    expect(lines[0]).toBe('contact,channel,line,status,occurredAt,source,evidence,eventId,updatedAt');
    expect(lines.slice(1).map((line) => line.split(',')[0])).toEqual([...contacts].sort());
    expect(pages).toBeGreaterThanOrEqual(3);

    const target = await createAccount();
    const imported = await post(target.apiKey, csv);
    expect(imported.body.rejected).toEqual([]);
    expect(imported.body.applied.changed).toBe(7);
    const copy = await api<{ channels: { channel: string; status: string; evidence: Record<string, unknown> }[] }>(
      'GET',
      `/v1/contacts/${encodeURIComponent(contacts[1] ?? '')}/consent`,
      { key: target.apiKey },
    );
    expect(copy.body.channels.find((entry) => entry.channel === 'sms')).toMatchObject({
      status: 'opted_out',
      evidence: expect.objectContaining({ note: 'row, "1"' }),
    });
  });

  it('exports only a header for an account without consent', async () => {
    const { apiKey } = await createAccount();
    const page = await api('GET', '/v1/exports/consent', { key: apiKey });
    expect(page.text).toBe('contact,channel,line,status,occurredAt,source,evidence,eventId,updatedAt\n');
    expect(page.headers.get('x-optgate-next-cursor')).toBeNull();
  });
});
