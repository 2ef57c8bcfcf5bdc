import { createHash } from 'node:crypto';
import type { DataStores } from '../adapters/dynamodb/data-stores.ts';
import { batchGetItems } from '../adapters/dynamodb/batch-get.ts';
import { keys } from '../adapters/dynamodb/table-keys.ts';
import type { Channel } from '../domain/channels.ts';
import type { ConsentEffect } from '../domain/consent/apply-consent-event.ts';
import { isRowError, parseConsentCsv, validateImportRow, type ImportRow, type RowError } from '../domain/imports/consent-csv.ts';
import { ValidationError } from '../domain/errors.ts';
import { contactErasureHash } from '../domain/retention/erasure-hash.ts';
import { mapConcurrent } from '../concurrency/map-concurrent.ts';
import { recordConsentChange } from './record-consent-change.ts';

/** One request carries at most this many rows; the CLI sends files in chunks below it. */
export const MAX_IMPORT_ROWS = 5000;
/** Rows of different (contact, channel, scope) are applied this many at a time. */
const ROW_CONCURRENCY = 24;
/** Idempotency markers of import rows use this provider name (sort key INBOUND#import#{batchId}:{line}). */
export const IMPORT_PROVIDER = 'import';

export interface ImportResult {
  batchId: string;
  rows: number;
  /** Rows that changed the status, confirmed it with a newer time, or arrived older than the state (audited only). */
  applied: Record<ConsentEffect, number>;
  /** Rows of this batch applied before (same batch id and line): nothing changed. */
  duplicates: number;
  rejected: RowError[];
}

export type ImportDeps = Pick<DataStores, 'accountStore' | 'lineStore' | 'consentStore' | 'erasureStore' | 'db' | 'tableName'> & {
  now: () => Date;
};

const BATCH_ID_PATTERN = /^[A-Za-z0-9_-]{8,80}$/;

/** A batch id derived from the content, so the same file always gets the same id (and re-running it changes nothing). */
export function batchIdFor(content: string | Buffer): string {
  return `imp_${createHash('sha256').update(content).digest('hex').slice(0, 32)}`;
}

/**
 * Applies a CSV of consent changes (the whole file, or one chunk of it that starts with the header).
 * Each row is validated and reported by its line number in the file; valid rows go through the same
 * path as every other consent change (ordering by occurredAt, audit event, profile, retention) with
 * the batch id and line as evidence and as idempotency key: the same file imported again changes
 * nothing. Rows for an erased contact are rejected unless they are an opt-in given after the
 * erasure (the person came back); anything else would silently re-create what was erased.
 */
export async function importConsentCsv(
  deps: ImportDeps,
  input: { accountId: string; keyId: string; csv: string; batchId?: string; firstLine?: number },
): Promise<ImportResult> {
  const batchId = input.batchId ?? batchIdFor(input.csv);
  if (!BATCH_ID_PATTERN.test(batchId)) throw new ValidationError('batchId must be 8-80 letters, digits, _ or -');
  const { header, records } = parseConsentCsv(input.csv, input.firstLine ?? 2);
  if (records.length > MAX_IMPORT_ROWS) {
    throw new ValidationError(`At most ${MAX_IMPORT_ROWS} rows per request: send larger files in chunks (the CLI does)`);
  }
  const now = deps.now();
  const [lines, settings] = await Promise.all([deps.lineStore.listLines(input.accountId), deps.accountStore.getSettings(input.accountId)]);
  const context = { lines: new Map<string, Channel>(lines.map((line) => [line.lineId, line.channel])), nowMs: now.getTime(), batchId };
  const rejected: RowError[] = [];
  let valid: ImportRow[] = [];
  for (const record of records) {
    const row = validateImportRow(header, record, context);
    if (isRowError(row)) rejected.push(row);
    else valid.push({ ...row, evidence: { ...row.evidence, apiKeyId: input.keyId } });
  }

  valid = await rejectErased(deps, input.accountId, valid, rejected);
  const { fresh, duplicates } = await skipApplied(deps, input.accountId, batchId, valid);

  const applied: Record<ConsentEffect, number> = { changed: 0, confirmed: 0, superseded: 0 };
  let duplicateCount = duplicates;
  // Rows of one (contact, channel, scope) run in file order; different ones run concurrently.
  const groups = new Map<string, ImportRow[]>();
  for (const row of fresh) {
    const key = `${row.contact}\u0000${row.channel}\u0000${row.scope}`;
    const group = groups.get(key);
    if (group) group.push(row);
    else groups.set(key, [row]);
  }
  await mapConcurrent([...groups.values()], ROW_CONCURRENCY, async (group) => {
    for (const row of group) {
      const result = await recordConsentChange(deps, {
        accountId: input.accountId,
        retentionMonths: settings.retention.dataMonths,
        change: {
          contact: row.contact,
          channel: row.channel,
          scope: row.scope,
          status: row.status,
          occurredAt: row.occurredAt,
          source: row.source,
          evidence: row.evidence,
        },
        idempotency: {
          provider: IMPORT_PROVIDER,
          providerMessageId: markerId(batchId, row.line),
          marker: () => ({ receivedAt: deps.now().toISOString(), replyState: 'none' }),
        },
      });
      if (result.duplicate) duplicateCount += 1;
      else applied[result.decision.effect] += 1;
    }
  });
  rejected.sort((a, b) => a.line - b.line);
  return { batchId, rows: records.length, applied, duplicates: duplicateCount, rejected };
}

function markerId(batchId: string, line: number): string {
  return `${batchId}:${line}`;
}

async function rejectErased(deps: ImportDeps, accountId: string, rows: ImportRow[], rejected: RowError[]): Promise<ImportRow[]> {
  if (rows.length === 0) return rows;
  const key = await deps.erasureStore.getKey(accountId);
  if (!key) return rows;
  const hashes = new Map(rows.map((row) => [row.contact, contactErasureHash(key, row.contact)]));
  const tombstones = await deps.erasureStore.getTombstones(accountId, [...new Set(hashes.values())]);
  if (tombstones.size === 0) return rows;
  return rows.filter((row) => {
    const tombstone = tombstones.get(hashes.get(row.contact) ?? '');
    if (!tombstone) return true;
    if (row.status === 'opted_in' && Date.parse(row.occurredAt) > Date.parse(tombstone.erasedAt)) return true;
    rejected.push({
      line: row.line,
      code: 'contact_erased',
      message: `this contact was erased on ${tombstone.erasedAt}; only an opt-in given after that can be imported`,
    });
    return false;
  });
}

/** Re-running a file should cost one batched read per 100 rows, not a transaction per row. */
async function skipApplied(
  deps: ImportDeps,
  accountId: string,
  batchId: string,
  rows: ImportRow[],
): Promise<{ fresh: ImportRow[]; duplicates: number }> {
  const markerKeys = rows.map((row) => keys.inboundMarker(accountId, row.contact, IMPORT_PROVIDER, markerId(batchId, row.line)));
  const found = await batchGetItems(deps.db, deps.tableName, markerKeys, { projection: 'pk, sk', concurrency: 8 });
  const existing = new Set(found.map((item) => `${String(item.pk)}\u0000${String(item.sk)}`));
  const fresh = rows.filter((_row, index) => {
    const key = markerKeys[index];
    return !key || !existing.has(`${key.pk}\u0000${key.sk}`);
  });
  return { fresh, duplicates: rows.length - fresh.length };
}
