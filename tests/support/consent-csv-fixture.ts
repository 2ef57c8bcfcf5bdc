import { randomInt } from 'node:crypto';

export interface GeneratedCsv {
  csv: string;
  /** File lines of the rows made invalid on purpose, with the error code they must get. */
  badLines: { line: number; code: string }[];
  contacts: string[];
}

/**
 * A consent CSV of `rows` rows: distinct US numbers under a random area code and exchange (so files
 * of parallel tests do not meet; the exchange moves on every 10,000 rows, keeping each number ten
 * digits), alternating line-scoped and channel-wide rows, and every `badEvery`-th row broken in one
 * of three ways.
 */
export function generateConsentCsv(options: { rows: number; lineId: string; badEvery?: number }): GeneratedCsv {
  const areaCode = randomInt(200, 990);
  const exchange = randomInt(200, 990 - Math.ceil(options.rows / 10_000));
  const lines = ['contact,channel,line,status,occurredAt,source,campaign'];
  const badLines: GeneratedCsv['badLines'] = [];
  const contacts: string[] = [];
  const start = Date.parse('2026-01-01T00:00:00Z');
  for (let index = 0; index < options.rows; index += 1) {
    const line = index + 2;
    const contact = `+1${areaCode}${exchange + Math.floor(index / 10_000)}${String(index % 10_000).padStart(4, '0')}`;
    const occurredAt = new Date(start + index * 1000).toISOString();
    const status = index % 3 === 0 ? 'opted_out' : 'opted_in';
    const scope = index % 2 === 0 ? options.lineId : '';
    const bad = options.badEvery !== undefined && index % options.badEvery === options.badEvery - 1;
    if (bad) {
      const kind = Math.floor(index / (options.badEvery ?? 1)) % 3;
      if (kind < 1) {
        lines.push(`${contact},sms,${scope},subscribed,${occurredAt},import,spring`);
        badLines.push({ line, code: 'invalid_status' });
      } else if (kind < 2) {
        lines.push(`12,sms,${scope},${status},${occurredAt},import,spring`);
        badLines.push({ line, code: 'invalid_contact' });
      } else {
        lines.push(`${contact},sms,${scope},${status},yesterday,import,spring`);
        badLines.push({ line, code: 'invalid_occurred_at' });
      }
      continue;
    }
    contacts.push(contact);
    lines.push(`${contact},sms,${scope},${status},${occurredAt},import,spring`);
  }
  return { csv: `${lines.join('\n')}\n`, badLines, contacts };
}
