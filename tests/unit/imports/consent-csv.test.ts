import { describe, expect, it } from 'vitest';
import { CsvHeaderError, isRowError, parseConsentCsv, validateImportRow, type ImportRow, type RowError } from '../../../shared/domain/imports/consent-csv.ts';
import { LineDirectory } from '../../../shared/domain/accounts/line-directory.ts';
import { ValidationError } from '../../../shared/domain/errors.ts';

const context = {
  lines: new LineDirectory([
    { lineId: 'line_sms', channel: 'sms', address: '+12025550100' },
    { lineId: 'line_short', channel: 'sms', address: '55123' },
    { lineId: 'line_mail', channel: 'email', address: 'news@example.com' },
    { lineId: 'line_domain', channel: 'email', address: 'example.org' },
  ]),
  nowMs: Date.parse('2026-11-24T08:00:00Z'),
  batchId: 'imp_unit_test_batch',
};

function rows(csv: string, firstLine?: number): (ImportRow | RowError)[] {
  const { header, records } = parseConsentCsv(csv, firstLine);
  return records.map((record) => validateImportRow(header, record, context));
}

const HEADER = 'contact,channel,line,status,occurredAt,source';

describe('consent CSV line column', () => {
  it('takes a line id or the line\'s address as other systems write it', () => {
    const scopes = rows(
      `${HEADER}\n` +
        [
          '+12025550143,sms,line_sms,opted_in,2026-01-01T00:00:00Z,',
          '+12025550143,sms,+1 (202) 555-0100,opted_in,2026-01-01T00:00:00Z,',
          '+12025550143,sms,55123,opted_in,2026-01-01T00:00:00Z,',
          'jane@example.com,email,News@Example.com,opted_out,2026-01-01T00:00:00Z,',
          'jane@example.com,email,info@example.org,opted_out,2026-01-01T00:00:00Z,',
          '+12025550143,sms,,opted_in,2026-01-01T00:00:00Z,',
        ].join('\n'),
    ).map((row) => (isRowError(row) ? row.code : row.scope));
    expect(scopes).toEqual(['line_sms', 'line_sms', 'line_short', 'line_mail', 'line_domain', '*']);
  });

  it('reports an address that is no line of the account, or of another channel', () => {
    const errors = rows(`${HEADER}\n+12025550143,sms,+12025550199,opted_in,2026-01-01T00:00:00Z,\n+12025550143,whatsapp,+12025550100,opted_in,2026-01-01T00:00:00Z,\n`);
    expect(errors).toEqual([
      expect.objectContaining({ line: 2, code: 'unknown_line', message: expect.stringContaining('no sms line +12025550199') }),
      expect.objectContaining({ line: 3, code: 'unknown_line' }),
    ]);
  });
});

describe('consent CSV header', () => {
  it('accepts the columns in any order and case, and keeps unknown columns as evidence', () => {
    const [row] = rows('Status,CONTACT,occurred_at,Channel,lineId,campaign\nopted_in,+1 202 555 0143,2026-01-01T00:00:00Z,sms,line_sms,spring\n');
    expect(row).toEqual({
      line: 2,
      contact: '+12025550143',
      channel: 'sms',
      scope: 'line_sms',
      status: 'opted_in',
      occurredAt: '2026-01-01T00:00:00.000Z',
      source: 'import',
      evidence: { campaign: 'spring', importBatchId: 'imp_unit_test_batch', importLine: 2 },
    });
  });

  it.each([
    ['', 'empty'],
    ['contact,channel,status\n', 'lacks'],
    ['contact,channel,status,occurredAt,Contact\n', 'twice'],
    ['contact,channel,status,occurredAt,bad name!\n', 'not a valid column name'],
  ])('rejects %j as a whole', (csv, message) => {
    expect(() => parseConsentCsv(csv)).toThrow(message);
    expect(() => parseConsentCsv(csv)).toThrow(csv === '' ? CsvHeaderError : ValidationError);
  });

  it('rejects a malformed CSV as a whole with the line near the problem', () => {
    expect(() => parseConsentCsv(`${HEADER}\n+12025550143,sms,,opted_in,2026-01-01T00:00:00Z,"unclosed\n`)).toThrow(/cannot be parsed/);
  });
});

describe('consent CSV rows', () => {
  it.each([
    ['+12025550143,fax,,opted_in,2026-01-01T00:00:00Z,', 'invalid_channel'],
    ['12,sms,,opted_in,2026-01-01T00:00:00Z,', 'invalid_contact'],
    ['not-an-email,email,,opted_in,2026-01-01T00:00:00Z,', 'invalid_contact'],
    ['+12025550143,sms,,subscribed,2026-01-01T00:00:00Z,', 'invalid_status'],
    ['+12025550143,sms,,opted_in,2026-01-01,', 'invalid_occurred_at'],
    ['+12025550143,sms,,opted_in,2026-01-01T00:00:00,', 'invalid_occurred_at'],
    ['+12025550143,sms,,opted_in,2027-01-01T00:00:00Z,', 'occurred_at_in_future'],
    ['+12025550143,sms,line_nope,opted_in,2026-01-01T00:00:00Z,', 'unknown_line'],
    ['+12025550143,sms,line_mail,opted_in,2026-01-01T00:00:00Z,', 'line_channel_mismatch'],
    ['+12025550143,sms,,opted_in,2026-01-01T00:00:00Z,newsletter', 'invalid_source'],
    ['+12025550143,sms,,opted_in,2026-01-01T00:00:00Z', 'wrong_field_count'],
    [`+12025550143,sms,,opted_in,2026-01-01T00:00:00Z,${'x'.repeat(2001)}`, 'field_too_long'],
  ])('%s → %s', (line, code) => {
    const [row] = rows(`${HEADER}\n${line}\n`);
    expect(row && isRowError(row) ? row.code : row).toBe(code);
    expect(row).toMatchObject({ line: 2 });
  });

  it('merges a JSON evidence column, but the batch and line cannot be forged', () => {
    const [row] = rows(
      'contact,channel,status,occurredAt,evidence\njane@example.com,email,OPTED_OUT,2026-01-01T10:00:00+02:00,"{""ip"":""198.51.100.7"",""importLine"":99,""importBatchId"":""x""}"\n',
    );
    expect(row).toMatchObject({
      contact: 'jane@example.com',
      status: 'opted_out',
      occurredAt: '2026-01-01T08:00:00.000Z',
      evidence: { ip: '198.51.100.7', importLine: 2, importBatchId: 'imp_unit_test_batch' },
    });
    const [bad] = rows('contact,channel,status,occurredAt,evidence\njane@example.com,email,opted_out,2026-01-01T10:00:00Z,[1]\n');
    expect(bad).toMatchObject({ code: 'invalid_evidence' });
  });

  it('numbers records by the line they start on: blank lines, CRLF and quoted line breaks included', () => {
    const csv = [HEADER, '+12025550143,sms,,opted_in,2026-01-01T00:00:00Z,', '', '"+1202555', '0144",sms,,opted_in,2026-01-01T00:00:00Z,', '12,sms,,opted_in,2026-01-01T00:00:00Z,'].join('\r\n');
    expect(rows(csv).map((row) => row.line)).toEqual([2, 4, 6]);
    expect(rows(csv.replaceAll('\r\n', '\n')).map((row) => row.line)).toEqual([2, 4, 6]);
  });

  it('numbers the records of a chunk as lines of the whole file', () => {
    const chunk = `${HEADER}\n\n12,sms,,opted_in,2026-01-01T00:00:00Z,\n+12025550143,sms,,opted_in,2026-01-01T00:00:00Z,\n`;
    expect(rows(chunk, 1001).map((row) => row.line)).toEqual([1002, 1003]);
  });

  it('reads a UTF-8 byte order mark and multi-byte text without shifting lines', () => {
    const [row] = rows(`\uFEFF${HEADER},note\n+12025550143,sms,,opted_in,2026-01-01T00:00:00Z,,café ☕\n`);
    expect(row).toMatchObject({ line: 2, evidence: { note: 'café ☕' } });
  });
});
