import { parse } from 'csv-parse/sync';
import * as z from '../../validation/zod.ts';
import { CHANNEL_SCOPE, CHANNELS, CONSENT_SOURCES, CONSENT_STATUSES, type Channel, type ConsentSource, type ConsentStatus } from '../channels.ts';
import type { ConsentEvidence, JsonValue } from '../consent/consent-record.ts';
import type { LineDirectory } from '../accounts/line-directory.ts';
import { normalizeContact } from '../contact-address.ts';
import { AppError, ValidationError } from '../errors.ts';
import { MAX_CLOCK_SKEW_MS } from '../consent/event-time.ts';

/**
 * Consent import CSV: a header row, then one consent change per record.
 *
 * | column       | required | meaning                                                                 |
 * |--------------|----------|-------------------------------------------------------------------------|
 * | contact      | yes      | E.164 phone number or email address                                     |
 * | channel      | yes      | sms, whatsapp or email                                                  |
 * | line         | no       | a line id or address of the account; empty = every line of the channel  |
 * | status       | yes      | opted_in or opted_out                                                   |
 * | occurredAt   | yes      | when the person gave or withdrew consent, ISO 8601 with a time zone     |
 * | source       | no       | form, api, import (default), provider or keyword                        |
 * | evidence     | no       | a JSON object merged into the evidence                                  |
 * | anything else| no       | kept as a string in the evidence under the column's name                |
 */
export const REQUIRED_COLUMNS = ['contact', 'channel', 'status', 'occurredAt'] as const;
export const OPTIONAL_COLUMNS = ['line', 'source', 'evidence'] as const;
type KnownColumn = (typeof REQUIRED_COLUMNS)[number] | (typeof OPTIONAL_COLUMNS)[number];

const EVIDENCE_COLUMN = /^[A-Za-z0-9_.-]{1,64}$/;
const MAX_FIELD_LENGTH = 2000;

export interface ImportHeader {
  /** Index of each known column in a record. */
  columns: Partial<Record<KnownColumn, number>>;
  /** Other columns, kept as evidence. */
  extra: { name: string; index: number }[];
  width: number;
}

export interface CsvRecord {
  /** Line of the original file on which the record starts. */
  line: number;
  fields: string[];
}

export interface ImportRow {
  line: number;
  contact: string;
  channel: Channel;
  /** Line id or `*`. */
  scope: string;
  status: ConsentStatus;
  occurredAt: string;
  source: ConsentSource;
  evidence: ConsentEvidence;
}

export interface RowError {
  line: number;
  code: string;
  message: string;
}

export class CsvHeaderError extends ValidationError {}

/**
 * Parses a CSV document into its header and records, each with the line it starts on. For one
 * chunk of a larger file (the header row, then a slice of the file's records), `firstLine` is the
 * file's line number where the slice begins, so errors name the line a person sees in the file.
 */
export function parseConsentCsv(text: string, firstLine?: number): { header: ImportHeader; records: CsvRecord[] } {
  const bytes = Buffer.from(text, 'utf8');
  let parsed: { record: string[]; info: { bytes: number } }[];
  try {
    parsed = parse(bytes, { info: true, bom: true, relax_column_count: true, skip_empty_lines: true }) as unknown as typeof parsed;
  } catch (error) {
    const lines = (error as { lines?: number }).lines;
    const at = typeof lines === 'number' ? ` near line ${firstLine === undefined ? lines : lines + firstLine - 2}` : '';
    throw new ValidationError(`The CSV cannot be parsed${at}: ${(error as Error).message.split('\n')[0] ?? ''}`);
  }
  const [headerRecord, ...rest] = parsed;
  if (!headerRecord) throw new CsvHeaderError('The CSV is empty: a header row is required');
  const header = parseImportHeader(headerRecord.record);
  // csv-parse's own line counter drifts on CRLF inside quoted fields; byte offsets do not.
  const lineOf = lineLocator(bytes);
  const shift = firstLine === undefined ? 0 : firstLine - lineOf(headerRecord.info.bytes);
  let end = headerRecord.info.bytes;
  const records = rest.map(({ record, info }) => {
    let start = end;
    while (bytes[start] === 0x0a || bytes[start] === 0x0d) start += 1;
    end = info.bytes;
    return { line: lineOf(start) + shift, fields: record };
  });
  return { header, records };
}

/** Maps a byte offset to its 1-based line number (LF, CRLF and lone CR end a line). */
function lineLocator(bytes: Buffer): (offset: number) => number {
  const starts = [0];
  for (let index = 0; index < bytes.length; index += 1) {
    const byte = bytes[index];
    if (byte === 0x0a || (byte === 0x0d && bytes[index + 1] !== 0x0a)) starts.push(index + 1);
  }
  return (offset) => {
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const middle = Math.ceil((low + high) / 2);
      if ((starts[middle] ?? 0) <= offset) low = middle;
      else high = middle - 1;
    }
    return low + 1;
  };
}

export function parseImportHeader(names: string[]): ImportHeader {
  const columns: Partial<Record<KnownColumn, number>> = {};
  const extra: { name: string; index: number }[] = [];
  const known = new Map<string, KnownColumn>(
    [...REQUIRED_COLUMNS, ...OPTIONAL_COLUMNS].map((name) => [name.toLowerCase(), name] as const),
  );
  known.set('lineid', 'line');
  known.set('occurred_at', 'occurredAt');
  const seen = new Set<string>();
  names.forEach((raw, index) => {
    const name = raw.trim();
    const lower = name.toLowerCase();
    if (seen.has(lower)) throw new CsvHeaderError(`The header names the column "${name}" twice`);
    seen.add(lower);
    const column = known.get(lower);
    if (column) {
      if (columns[column] !== undefined) throw new CsvHeaderError(`The header names the column "${column}" twice`);
      columns[column] = index;
    } else if (EVIDENCE_COLUMN.test(name)) {
      extra.push({ name, index });
    } else {
      throw new CsvHeaderError(`Column ${index + 1} of the header ("${name.slice(0, 64)}") is not a valid column name`);
    }
  });
  const missing = REQUIRED_COLUMNS.filter((column) => columns[column] === undefined);
  if (missing.length > 0) throw new CsvHeaderError(`The header lacks the column(s) ${missing.join(', ')}`);
  return { columns, extra, width: names.length };
}

const occurredAtSchema = z.iso.datetime({ offset: true });
const evidenceJsonSchema: z.ZodMiniType<ConsentEvidence> = z.record(z.string().check(z.minLength(1), z.maxLength(100)), z.json()) as z.ZodMiniType<ConsentEvidence>;

export interface RowContext {
  /** The account's lines, by id or address. */
  lines: LineDirectory;
  nowMs: number;
  batchId: string;
}

/** Validates one record; a row is applied only if every field is valid. */
export function validateImportRow(header: ImportHeader, record: CsvRecord, context: RowContext): ImportRow | RowError {
  const { line, fields } = record;
  const fail = (code: string, message: string): RowError => ({ line, code, message });
  if (fields.length !== header.width) {
    return fail('wrong_field_count', `expected ${header.width} fields as in the header, found ${fields.length}`);
  }
  const tooLong = fields.findIndex((field) => field.length > MAX_FIELD_LENGTH);
  if (tooLong !== -1) return fail('field_too_long', `field ${tooLong + 1} is longer than ${MAX_FIELD_LENGTH} characters`);
  const field = (column: KnownColumn): string => {
    const index = header.columns[column];
    return index === undefined ? '' : (fields[index] ?? '').trim();
  };

  const channel = field('channel').toLowerCase();
  if (!isOneOf(CHANNELS, channel)) return fail('invalid_channel', `channel must be one of ${CHANNELS.join(', ')}`);

  let contact: string;
  try {
    contact = normalizeContact(field('contact'), channel);
  } catch (error) {
    return fail('invalid_contact', error instanceof AppError ? error.message : 'not a valid contact address');
  }

  const status = field('status').toLowerCase();
  if (!isOneOf(CONSENT_STATUSES, status)) return fail('invalid_status', `status must be one of ${CONSENT_STATUSES.join(', ')}`);

  const occurredAtRaw = field('occurredAt');
  if (!occurredAtSchema.safeParse(occurredAtRaw).success) {
    return fail('invalid_occurred_at', 'occurredAt must be an ISO 8601 date-time with a time zone, e.g. 2026-11-24T08:00:00Z');
  }
  const occurredAtMs = Date.parse(occurredAtRaw);
  if (occurredAtMs > context.nowMs + MAX_CLOCK_SKEW_MS) return fail('occurred_at_in_future', 'occurredAt is in the future');

  const lineReference = field('line');
  let lineId = '';
  if (lineReference !== '') {
    const lookup = context.lines.resolve(channel, lineReference);
    if ('missing' in lookup) return fail('unknown_line', `no ${channel} line ${lineReference.slice(0, 64)} in this account (a line id or the line's address)`);
    if (lookup.found.channel !== channel) return fail('line_channel_mismatch', `line ${lineReference} is a ${lookup.found.channel} line, not ${channel}`);
    lineId = lookup.found.lineId;
  }

  const sourceRaw = field('source').toLowerCase() || 'import';
  if (!isOneOf(CONSENT_SOURCES, sourceRaw)) return fail('invalid_source', `source must be one of ${CONSENT_SOURCES.join(', ')}`);

  const evidence: ConsentEvidence = {};
  for (const { name, index } of header.extra) {
    const value = fields[index] ?? '';
    if (value !== '') evidence[name] = value;
  }
  const evidenceRaw = field('evidence');
  if (evidenceRaw !== '') {
    let parsedJson: unknown;
    try {
      parsedJson = JSON.parse(evidenceRaw);
    } catch {
      return fail('invalid_evidence', 'evidence must be a JSON object');
    }
    const checked = evidenceJsonSchema.safeParse(parsedJson);
    if (!checked.success) return fail('invalid_evidence', 'evidence must be a JSON object');
    Object.assign(evidence, checked.data);
  }
  // The batch and line come last so that a file cannot forge them.
  evidence.importBatchId = context.batchId;
  evidence.importLine = line;

  return {
    line,
    contact,
    channel,
    scope: lineId === '' ? CHANNEL_SCOPE : lineId,
    status,
    occurredAt: new Date(occurredAtMs).toISOString(),
    source: sourceRaw,
    evidence: evidence as Record<string, JsonValue>,
  };
}

function isOneOf<T extends string>(values: readonly T[], value: string): value is T {
  return (values as readonly string[]).includes(value);
}

export function isRowError(row: ImportRow | RowError): row is RowError {
  return 'code' in row;
}
