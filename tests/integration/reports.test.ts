import { describe, expect, it } from 'vitest';
import { ConsentSnapshotReader } from '../../shared/adapters/dynamodb/consent-snapshot-reader.ts';
import { createStores } from '../../shared/adapters/dynamodb/stores.ts';
import { STATS_SHARDS } from '../../shared/adapters/dynamodb/table-keys.ts';
import { LOCAL_TABLE_NAME } from '../../infra/local/local-stack.ts';
import { getConsentSnapshot } from '../../shared/use-cases/get-consent-snapshot.ts';
import { getOptOutReport } from '../../shared/use-cases/get-opt-out-report.ts';
import { api, createAccount, createLine, uniquePhone } from '../support/api-client.ts';
import { gateAt, newMessageId } from '../support/outbound.ts';
import { recordingDocumentClient } from '../support/recording-dynamodb.ts';
import { postTwilio, TWILIO_AUTH_TOKEN, twilioParams } from '../support/twilio.ts';
import { localSecretBox } from '../support/secret-box.ts';

type ErrorBody = { error: { code: string; message: string } };
type SnapshotRow = { contact: string; channel: string; line: string; status: string; occurredAt: string; source: string };
type SnapshotPage = { lines: string[]; rows: SnapshotRow[]; nextCursor?: string };
type Group = { key: string; optOuts: number; optIns: number; sent?: number; optOutRate?: number | null; optOutRatePercent?: string | null };
type Report = { from: string; to: string; groupBy: string; attributionWindowHours: number; totals: { optOuts: number; optIns: number }; groups: Group[] };

const today = () => new Date().toISOString().slice(0, 10);

async function setConsent(key: string, contact: string, body: Record<string, unknown>): Promise<void> {
  const response = await api('PUT', `/v1/contacts/${encodeURIComponent(contact)}/consent`, { key, json: body });
  if (response.status !== 200) throw new Error(`setConsent: ${response.status} ${response.text}`);
}

/** Follows nextCursor to the end. */
async function allPages(key: string, query: string): Promise<{ rows: SnapshotRow[]; pages: number }> {
  const rows: SnapshotRow[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const response = await api<SnapshotPage>('GET', `/v1/reports/snapshot?${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { key });
    expect(response.status, response.text).toBe(200);
    rows.push(...response.body.rows);
    cursor = response.body.nextCursor;
    pages += 1;
  } while (cursor && pages < 50);
  return { rows, pages };
}

describe('contact view', () => {
  it('covers every line of every channel, not_defined where there is no record', async () => {
    const { apiKey } = await createAccount();
    const sms = await createLine(apiKey, { provider: 'aws' });
    const whatsapp = await createLine(apiKey, { channel: 'whatsapp', provider: 'twilio', credentials: { authToken: TWILIO_AUTH_TOKEN } });
    const email = await createLine(apiKey, { channel: 'email', provider: 'ses', address: `news${Date.now()}@example.com` });
    const contact = uniquePhone();
    await setConsent(apiKey, contact, { channel: 'whatsapp', line: whatsapp.lineId, status: 'opted_in' });
    const view = await api<{ lines: { lineId: string; channel: string; status: string }[]; channels: { channel: string; status: string }[] }>(
      'GET',
      `/v1/contacts/${encodeURIComponent(contact)}/consent`,
      { key: apiKey },
    );
    expect(view.body.lines.map(({ lineId, channel, status }) => ({ lineId, channel, status })).sort((a, b) => a.channel.localeCompare(b.channel))).toEqual([
      { lineId: email.lineId, channel: 'email', status: 'not_defined' },
      { lineId: sms.lineId, channel: 'sms', status: 'not_defined' },
      { lineId: whatsapp.lineId, channel: 'whatsapp', status: 'opted_in' },
    ]);
    expect(view.body.channels.map((entry) => [entry.channel, entry.status])).toEqual([
      ['sms', 'not_defined'],
      ['whatsapp', 'not_defined'],
      ['email', 'not_defined'],
    ]);
  });
});

describe('Opt In & Out Snapshot', () => {
  it('lists a line’s contacts from the byLine index in order, across pages, as JSON and CSV', async () => {
    const { accountId, apiKey } = await createAccount();
    const line = await createLine(apiKey, { provider: 'aws' });
    const other = await createLine(apiKey, { provider: 'aws' });
    const expected: SnapshotRow[] = [];
    for (let index = 0; index < 23; index += 1) {
      const contact = uniquePhone();
      const status = index % 3 === 0 ? 'opted_out' : 'opted_in';
      await setConsent(apiKey, contact, { channel: 'sms', line: line.lineId, status });
      expected.push({ contact, channel: 'sms', line: line.lineId, status, occurredAt: '', source: 'api' });
    }
    const elsewhere = uniquePhone();
    await setConsent(apiKey, elsewhere, { channel: 'sms', line: other.lineId, status: 'opted_in' });
    const stopAll = uniquePhone();
    await setConsent(apiKey, stopAll, { channel: 'sms', status: 'opted_out' });
    const order = (rows: SnapshotRow[]) => rows.map((row) => `${row.status}#${row.contact}`);
    const sorted = [...expected].sort((a, b) => (`${a.status}#${a.contact}` < `${b.status}#${b.contact}` ? -1 : 1));

    const paged = await allPages(apiKey, `line=${line.lineId}&limit=5`);
    expect(paged.pages).toBe(5);
    expect(order(paged.rows)).toEqual(order(sorted));
    expect(paged.rows[0]).toMatchObject({ channel: 'sms', line: line.lineId, source: 'api', occurredAt: expect.any(String) });

    const outOnly = await allPages(apiKey, `line=${line.lineId}&status=opted_out&limit=3`);
    expect(order(outOnly.rows)).toEqual(order(sorted.filter((row) => row.status === 'opted_out')));

    // Several lines (repeated parameter): one after the other; channel-wide records under sms:*.
    const several = await allPages(apiKey, `line=${other.lineId}&line=${encodeURIComponent('sms:*')}&line=${line.lineId}&limit=10`);
    expect(several.rows.map((row) => [row.line, row.contact]).slice(0, 2)).toEqual([
      [other.lineId, elsewhere],
      ['sms:*', stopAll],
    ]);
    expect(several.rows).toHaveLength(25);

    // CSV in parts: the header once, each part naming the next one.
    const parts: string[] = [];
    let url = `/v1/reports/snapshot?line=${line.lineId}&format=csv&limit=10`;
    for (let guard = 0; guard < 10 && url; guard += 1) {
      const response = await api('GET', url, { key: apiKey });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      parts.push(response.text);
      const link = /<([^>]+)>; rel="next"/.exec(response.headers.get('link') ?? '')?.[1];
      url = link ? link.slice(link.indexOf('/v1/')) : '';
    }
    expect(parts).toHaveLength(3);
    const lines = parts.join('').trim().split('\n');
    expect(lines[0]).toBe('contact,channel,line,status,occurred_at,source,updated_at');
    expect(lines.slice(1).map((row) => row.split(',').slice(0, 4).join(','))).toEqual(sorted.map((row) => `${row.contact},sms,${line.lineId},${row.status}`));

    // The use case reads only the byLine index (and the account's lines): no Scan, no other table read.
    const { db, commands } = recordingDocumentClient();
    const stores = createStores(db, LOCAL_TABLE_NAME, localSecretBox());
    const page = await getConsentSnapshot(
      { lineStore: stores.lineStore, snapshotReader: new ConsentSnapshotReader(db, LOCAL_TABLE_NAME) },
      { accountId, query: { line: line.lineId, format: 'json', limit: 1000 }, now: new Date() },
    );
    expect(page.rows).toHaveLength(23);
    expect(commands.map((command) => command.name).every((name) => name === 'QueryCommand')).toBe(true);
    const indexQueries = commands.filter((command) => command.input.IndexName === 'byLine');
    expect(indexQueries.length).toBeGreaterThanOrEqual(8);
    expect(commands.length - indexQueries.length).toBe(1);
    for (const query of indexQueries) {
      expect(String((query.input.ExpressionAttributeValues as Record<string, unknown>)[':pk'])).toMatch(new RegExp(`^A#${accountId}#L#${line.lineId}#[0-7]$`));
    }
  });

  it('rejects unknown lines, foreign cursors and tampered cursors with a 400', async () => {
    const { apiKey } = await createAccount();
    const line = await createLine(apiKey, { provider: 'aws' });
    for (let index = 0; index < 3; index += 1) await setConsent(apiKey, uniquePhone(), { channel: 'sms', line: line.lineId, status: 'opted_in' });
    const first = await api<SnapshotPage>('GET', `/v1/reports/snapshot?line=${line.lineId}&limit=1`, { key: apiKey });
    const cursor = first.body.nextCursor ?? '';
    expect(cursor).not.toBe('');
    for (const query of [
      'line=line_unknown',
      '',
      `line=${line.lineId}&status=opted_out&cursor=${encodeURIComponent(cursor)}`,
      `line=${line.lineId}&cursor=${encodeURIComponent(`${cursor.slice(0, -4)}AAAA`)}`,
      `line=${line.lineId}&cursor=bm90LWpzb24`,
      `line=${line.lineId}&format=xml`,
    ]) {
      const response = await api<ErrorBody>('GET', `/v1/reports/snapshot?${query}`, { key: apiKey });
      expect(response.status, query).toBe(400);
      expect(response.body.error.code).toBe('validation_failed');
    }
    const stranger = await createAccount();
    expect((await api('GET', `/v1/reports/snapshot?line=${line.lineId}`, { key: stranger.apiKey })).status).toBe(400);
  });
});

describe('opt-out analytics', () => {
  it('reads a 3.0% opt-out rate for a campaign with 1,000 sends and 30 attributed opt-outs, from counters only', async () => {
    const { accountId, apiKey } = await createAccount();
    const line = await createLine(apiKey, { provider: 'twilio', credentials: { authToken: TWILIO_AUTH_TOKEN } });
    // Marketing goes to everyone without a record: no consent to seed for the 1,000 contacts.
    await api('PUT', '/v1/settings', { key: apiKey, json: { channels: { sms: { defaultStatus: 'opted_in' } } } });
    const { db, commands } = recordingDocumentClient();
    const stores = createStores(db, LOCAL_TABLE_NAME, localSecretBox());
    const contacts = Array.from({ length: 1000 }, () => uniquePhone());
    const campaign = (to: string, campaignId: string) => ({ messageId: newMessageId('mkt'), channel: 'sms', from: line.address, to, category: 'marketing', campaignId });
    // The gate allowed and dispatched them an hour ago, in two batches of 500.
    const results = await gateAt(new Date(Date.now() - 3600_000), contacts.map((contact) => campaign(contact, 'spring-sale')), db);
    expect(results.map((result) => result.summary.dispatched)).toEqual([500, 500]);
    // What that cost: no write per message beyond the claims (100 per transaction); the sent counter
    // rides in each batch's receipt transaction; consent is one key per message.
    const gateCalls = commands.map((command) => command.name);
    expect(gateCalls.filter((name) => name === 'TransactWriteItemsCommand')).toHaveLength(2 * (5 + 1));
    expect(gateCalls.filter((name) => !['TransactWriteItemsCommand', 'BatchGetItemCommand'].includes(name))).toEqual([]);
    // Reads: the line and the settings once (then cached); per batch 5 × 100 consent summaries, and
    // the account's erasure key (marketing allowed by default could still be stopped by an erasure;
    // this account has none, so no tombstone is read).
    expect(gateCalls.filter((name) => name === 'BatchGetItemCommand')).toHaveLength(2 + 2 * (5 + 1));

    // Too late to count against its campaign: sent 80 h before the STOP (window: 72 h).
    const late = uniquePhone();
    await gateAt(new Date(Date.now() - 80 * 3600_000), [campaign(late, 'winter-sale')]);
    for (const contact of [...contacts.slice(0, 30), late]) {
      const reply = await postTwilio(twilioParams({ from: contact, to: line.address, body: 'Stop' }));
      expect(reply.status).toBe(200);
    }
    // A redelivered STOP is not counted twice.
    const again = twilioParams({ from: contacts[0] ?? '', to: line.address, body: 'STOP' });
    await postTwilio(again);
    await postTwilio(again);
    // Opt-ins are counted too.
    await postTwilio(twilioParams({ from: contacts[1] ?? '', to: line.address, body: 'START' }));

    const byCampaign = await api<Report>('GET', '/v1/reports/opt-outs?groupBy=campaign', { key: apiKey });
    expect(byCampaign.status).toBe(200);
    expect(byCampaign.body.attributionWindowHours).toBe(72);
    expect(byCampaign.body.groups).toEqual([
      { key: 'spring-sale', optOuts: 30, optIns: 0, sent: 1000, optOutRate: 0.03, optOutRatePercent: '3.0%' },
      { key: 'winter-sale', optOuts: 0, optIns: 0, sent: 1, optOutRate: 0, optOutRatePercent: '0.0%' },
    ]);
    expect(byCampaign.body.totals).toEqual({ optOuts: 31, optIns: 1 });

    const csv = await api('GET', '/v1/reports/opt-outs?groupBy=campaign&format=csv', { key: apiKey });
    expect(csv.text.trim().split('\n')).toEqual(['campaign,opt_outs,opt_ins,sent,opt_out_rate', 'spring-sale,30,0,1000,3.0%', 'winter-sale,0,0,1,0.0%']);

    const groups = async (groupBy: string) => (await api<Report>('GET', `/v1/reports/opt-outs?groupBy=${groupBy}`, { key: apiKey })).body.groups;
    const days = await groups('day');
    expect(days).toHaveLength(30);
    expect(days.at(-1)?.key).toBe(today());
    expect(days.reduce((sum, group) => sum + group.optOuts, 0)).toBe(31);
    expect(await groups('line')).toEqual([{ key: line.lineId, optOuts: 31, optIns: 1 }]);
    expect(await groups('keyword')).toEqual([
      { key: 'STOP', optOuts: 31, optIns: 0 },
      { key: 'START', optOuts: 0, optIns: 1 },
    ]);
    expect(await groups('reason')).toEqual([{ key: 'keyword', optOuts: 31, optIns: 1 }]);

    // Counters only: one Query per shard of the dimension (and of `day` for the totals), one GetItem for the settings.
    commands.length = 0;
    const report = await getOptOutReport(stores, { accountId, query: { groupBy: 'campaign', format: 'json' }, now: new Date() });
    expect(report.groups[0]?.optOutRatePercent).toBe('3.0%');
    const names = commands.map((command) => command.name);
    expect(names.filter((name) => name === 'QueryCommand')).toHaveLength(2 * STATS_SHARDS);
    expect(names.filter((name) => name !== 'QueryCommand')).toEqual(['GetItemCommand']);
    for (const command of commands.filter((entry) => entry.name === 'QueryCommand')) {
      expect(command.input.IndexName).toBeUndefined();
      expect(String((command.input.ExpressionAttributeValues as Record<string, unknown>)[':pk'])).toMatch(new RegExp(`^A#${accountId}#STATS#(day|campaign)#\\d+$`));
      expect(Number(String((command.input.ExpressionAttributeValues as Record<string, unknown>)[':pk']).split('#').pop())).toBeLessThan(STATS_SHARDS);
    }
  });

  it('fills every day of the range, attributes by the account window, and rejects bad ranges', async () => {
    const { accountId, apiKey } = await createAccount();
    const line = await createLine(apiKey, { provider: 'twilio', credentials: { authToken: TWILIO_AUTH_TOKEN } });
    await api('PUT', '/v1/settings', { key: apiKey, json: { attributionWindowHours: 1 } });
    await api('PUT', '/v1/settings', { key: apiKey, json: { channels: { sms: { defaultStatus: 'opted_in' } } } });
    const [recent, older, uncampaigned] = [uniquePhone(), uniquePhone(), uniquePhone()];
    const now = Date.now();
    const marketing = (to: string, campaignId?: string) => ({ messageId: newMessageId('mkt'), channel: 'sms', from: line.address, to, category: 'marketing', ...(campaignId ? { campaignId } : {}) });
    await gateAt(new Date(now - 10 * 60_000), [marketing(recent, 'flash')]);
    await gateAt(new Date(now - 2 * 3600_000), [marketing(older, 'flash')]);
    // The last marketing message had no campaign: its opt-out is not blamed on the earlier one.
    await gateAt(new Date(now - 20 * 60_000), [marketing(uncampaigned, 'flash')]);
    await gateAt(new Date(now - 5 * 60_000), [marketing(uncampaigned)]);
    // A marketing message on another line does not count for this line's opt-out.
    const otherLine = await createLine(apiKey, { provider: 'twilio', credentials: { authToken: TWILIO_AUTH_TOKEN } });
    await gateAt(new Date(now - 60_000), [{ ...marketing(older, 'other-line'), from: otherLine.address }]);
    for (const contact of [recent, older, uncampaigned]) await postTwilio(twilioParams({ from: contact, to: line.address, body: 'STOP' }));
    const campaign = await api<Report>('GET', '/v1/reports/opt-outs?groupBy=campaign', { key: apiKey });
    expect(campaign.body.groups).toEqual([
      { key: 'flash', optOuts: 1, optIns: 0, sent: 3, optOutRate: 1 / 3, optOutRatePercent: '33.3%' },
      { key: 'other-line', optOuts: 0, optIns: 0, sent: 1, optOutRate: 0, optOutRatePercent: '0.0%' },
    ]);
    const events = await api<{ events: { attribution?: { campaignId: string } }[] }>('GET', `/v1/contacts/${encodeURIComponent(recent)}/events`, { key: apiKey });
    expect(events.body.events[0]?.attribution).toMatchObject({ campaignId: 'flash', lineId: line.lineId });
    const bus = await api<{ events: { detail: { contact: string; campaignId?: string } }[] }>('GET', `/local/events?accountId=${accountId}`);
    expect(bus.body.events.map((event) => [event.detail.contact, event.detail.campaignId])).toEqual(
      expect.arrayContaining([[recent, 'flash'], [older, undefined], [uncampaigned, undefined]]),
    );

    const week = await api<Report>('GET', '/v1/reports/opt-outs?groupBy=day&from=2026-01-01&to=2026-01-07', { key: apiKey });
    expect(week.body.groups.map((group) => group.key)).toEqual(['2026-01-01', '2026-01-02', '2026-01-03', '2026-01-04', '2026-01-05', '2026-01-06', '2026-01-07']);
    expect(week.body.groups.every((group) => group.optOuts === 0)).toBe(true);
    for (const query of ['from=2026-02-01&to=2026-01-01', 'from=2024-01-01&to=2026-01-01', 'groupBy=weekday', 'from=yesterday']) {
      const response = await api<ErrorBody>('GET', `/v1/reports/opt-outs?${query}`, { key: apiKey });
      expect(response.status, query).toBe(400);
    }
    const other = await createAccount();
    expect((await api<Report>('GET', '/v1/reports/opt-outs?groupBy=campaign', { key: other.apiKey })).body.groups).toEqual([]);
  });
});
