import * as z from '../validation/zod.ts';
import type { ConsentSnapshotReader, IndexedSnapshotRow, SnapshotScope } from '../adapters/dynamodb/consent-snapshot-reader.ts';
import type { LineStore } from '../adapters/dynamodb/line-store.ts';
import { BY_LINE_SHARDS } from '../adapters/dynamodb/table-keys.ts';
import { CHANNEL_SCOPE, CHANNELS, CONSENT_STATUSES, type Channel } from '../domain/channels.ts';
import { ValidationError } from '../domain/errors.ts';
import type { SnapshotPage } from '../domain/reports/consent-snapshot.ts';
import { mergeSortedShards, type ShardState } from '../domain/reports/merge-sorted-shards.ts';
import { decodeSnapshotCursor, encodeSnapshotCursor, queryFingerprint } from '../domain/reports/snapshot-cursor.ts';
import { REPORT_FORMATS } from './get-opt-out-report.ts';

export const SNAPSHOT_MAX_SCOPES = 20;
export const SNAPSHOT_JSON_LIMIT = { default: 100, max: 1000 } as const;
/** Rows per CSV response: about 1 MB, well inside Lambda's 6 MB response limit. */
export const SNAPSHOT_CSV_LIMIT = { default: 10_000, max: 10_000 } as const;

export const snapshotQuerySchema = z.strictObject({
  /** Line ids, or `sms:*` / `whatsapp:*` / `email:*` for channel-wide records; repeat `line=` or separate with commas. */
  line: z.string().check(z.minLength(1), z.maxLength(2_000)),
  status: z.optional(z.enum(CONSENT_STATUSES)),
  format: z._default(z.enum(REPORT_FORMATS), 'json'),
  limit: z.optional(z.coerce.number().check(z.int(), z.gte(1), z.lte(SNAPSHOT_JSON_LIMIT.max))),
  cursor: z.optional(z.string().check(z.minLength(1), z.maxLength(4_000))),
});
export type SnapshotQuery = z.infer<typeof snapshotQuerySchema>;


const CHANNEL_WIDE = /^(sms|whatsapp|email):\*$/;

/** API Gateway joins a repeated query parameter with commas: `line=a&line=b` arrives as `a,b`. */
async function resolveScopes(deps: { lineStore: LineStore }, accountId: string, raw: string): Promise<SnapshotScope[]> {
  const labels = [...new Set(raw.split(',').map((label) => label.trim()).filter((label) => label !== ''))];
  if (labels.length === 0) throw new ValidationError('line is required: a line id, or sms:* / whatsapp:* / email:*');
  if (labels.length > SNAPSHOT_MAX_SCOPES) throw new ValidationError(`At most ${SNAPSHOT_MAX_SCOPES} lines per snapshot`);
  const lines = labels.some((label) => !CHANNEL_WIDE.test(label)) ? await deps.lineStore.listLines(accountId) : [];
  return labels.map((label) => {
    const channelWide = CHANNEL_WIDE.exec(label);
    if (channelWide?.[1] && (CHANNELS as readonly string[]).includes(channelWide[1])) {
      return { label, channel: channelWide[1] as Channel, scope: CHANNEL_SCOPE };
    }
    const line = lines.find((candidate) => candidate.lineId === label);
    if (!line) throw new ValidationError(`No line ${label} in this account`);
    return { label, channel: line.channel, scope: line.lineId };
  });
}

/**
 * The Opt In & Out Snapshot: contacts with a record on the chosen lines, from the byLine index
 * (BY_LINE_SHARDS partitions per line, merged in order), one page per call with a cursor. Lines
 * come one after the other, each ordered by status then contact.
 */
export async function getConsentSnapshot(
  deps: { lineStore: LineStore; snapshotReader: ConsentSnapshotReader },
  input: { accountId: string; query: SnapshotQuery; now: Date },
): Promise<SnapshotPage> {
  const { accountId, query } = input;
  const scopes = await resolveScopes(deps, accountId, query.line);
  const limits = query.format === 'csv' ? SNAPSHOT_CSV_LIMIT : SNAPSHOT_JSON_LIMIT;
  const limit = Math.min(query.limit ?? limits.default, limits.max);
  const fingerprint = queryFingerprint([...scopes.map((scope) => scope.label), query.status ?? '']);
  const fresh = (): ShardState[] => Array.from({ length: BY_LINE_SHARDS }, () => ({ position: null, exhausted: false }));
  let cursor = query.cursor ? decodeSnapshotCursor(query.cursor, fingerprint, BY_LINE_SHARDS) : { scopeIndex: 0, shards: fresh() };
  if (cursor.scopeIndex >= scopes.length) throw new ValidationError('cursor is not a value this API returned');

  const rows: IndexedSnapshotRow[] = [];
  let nextCursor: string | undefined;
  for (;;) {
    const scope = scopes[cursor.scopeIndex];
    if (!scope) break;
    const merged = await mergeSortedShards<IndexedSnapshotRow>({
      shards: cursor.shards,
      limit: limit - rows.length,
      keyOf: (row) => row.sortKey,
      fetch: (shard, after, fetchLimit) =>
        deps.snapshotReader.readShard(accountId, scope, shard, { status: query.status, after, limit: fetchLimit, nowMs: input.now.getTime() }),
    });
    rows.push(...merged.items);
    cursor = merged.complete ? { scopeIndex: cursor.scopeIndex + 1, shards: fresh() } : { scopeIndex: cursor.scopeIndex, shards: merged.shards };
    if (cursor.scopeIndex >= scopes.length) break;
    if (rows.length >= limit) {
      nextCursor = encodeSnapshotCursor(cursor, fingerprint);
      break;
    }
  }
  return {
    lines: scopes.map((scope) => scope.label),
    ...(query.status ? { status: query.status } : {}),
    rows: rows.map(({ sortKey: _sortKey, ...row }) => row),
    ...(nextCursor ? { nextCursor } : {}),
  };
}
