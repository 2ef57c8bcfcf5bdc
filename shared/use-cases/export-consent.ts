import { stringify } from 'csv-stringify/sync';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ProfileReader } from '../adapters/dynamodb/profile-reader.ts';
import { batchGetAll } from '../adapters/dynamodb/batch-get-items.ts';
import { keys } from '../adapters/dynamodb/table-keys.ts';
import { CHANNEL_SCOPE, CHANNELS, type Channel } from '../domain/channels.ts';
import { ValidationError } from '../domain/errors.ts';
import { isExpired } from '../domain/retention/expires-at.ts';

/** The export's columns: the import's columns first, so an export can be imported elsewhere. */
export const CONSENT_EXPORT_COLUMNS = ['contact', 'channel', 'line', 'status', 'occurredAt', 'source', 'evidence', 'eventId', 'updatedAt'] as const;

export interface ConsentExportPage {
  csv: string;
  rows: number;
  contacts: number;
  nextCursor?: string;
}

const CURSOR_PATTERN = /^[A-Za-z0-9_-]{1,600}$/;

/**
 * One page of the account's consent records as CSV, in contact order. Contacts come from the
 * byContact index (merged shards); their consent records are read with BatchGetItem by the keys
 * each profile lists. Only the first page (no cursor) starts with the header row, so the pages
 * concatenated are one CSV file. Expired records are left out.
 */
export async function exportConsentPage(
  deps: { profileStore: ProfileReader; db: DynamoDBDocumentClient; tableName: string },
  accountId: string,
  query: { cursor?: string; limit: number; prefix?: string },
  now: Date,
): Promise<ConsentExportPage> {
  let after: string | undefined;
  if (query.cursor !== undefined) {
    after = CURSOR_PATTERN.test(query.cursor) ? Buffer.from(query.cursor, 'base64url').toString('utf8') : '';
    if (!after || after.length > 320) throw new ValidationError('cursor is not a value this API returned');
  }
  const prefix = query.prefix?.trim().toLowerCase();
  const page = await deps.profileStore.listPage(accountId, {
    ...(prefix ? { prefix } : {}),
    ...(after ? { after } : {}),
    limit: query.limit,
    nowMs: now.getTime(),
    includeExpired: true,
  });
  const recordKeys = page.profiles.flatMap((profile) =>
    profile.consentKeys.flatMap((consentKey) => {
      const [channel, ...scope] = consentKey.split('#');
      if (!CHANNELS.includes(channel as Channel) || scope.length === 0) return [];
      return [keys.consent(accountId, profile.contact, channel as Channel, scope.join('#'))];
    }),
  );
  const records = (await batchGetAll(deps.db, deps.tableName, recordKeys, { concurrency: 8 })).filter(
    (item) => !isExpired(item.expiresAt as number | undefined, now.getTime()),
  );
  records.sort((a, b) => compare(String(a.contact), String(b.contact)) || compare(String(a.sk), String(b.sk)));
  const rows = records.map((item) => [
    String(item.contact),
    String(item.channel),
    item.scope === CHANNEL_SCOPE ? '' : String(item.scope),
    String(item.status),
    String(item.occurredAt),
    String(item.source),
    JSON.stringify(item.evidence ?? {}),
    String(item.eventId),
    String(item.updatedAt),
  ]);
  const csv = stringify(rows, { header: query.cursor === undefined, columns: [...CONSENT_EXPORT_COLUMNS], record_delimiter: '\n' });
  return {
    csv,
    rows: rows.length,
    contacts: page.profiles.length,
    ...(page.nextAfter ? { nextCursor: Buffer.from(page.nextAfter, 'utf8').toString('base64url') } : {}),
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
