import type { Channel } from '../../domain/channels.ts';

/**
 * Single-table layout. Every key of tenant data starts with the account id, so a query can only
 * ever reach one account's items. Contact items share one partition per (account, contact): one
 * Query finds everything to export or erase.
 *
 * | item            | pk                          | sk                               |
 * |-----------------|-----------------------------|----------------------------------|
 * | account         | A#{account}                 | ACCOUNT                          |
 * | settings        | A#{account}                 | SETTINGS                         |
 * | line            | A#{account}                 | LINE#{lineId}                    |
 * | keyword rule    | A#{account}                 | RULE#{ruleId}                    |
 * | API key         | KEY#{sha256(key)}           | KEY                              |
 * | line route      | ROUTE#{channel}#{address}   | ROUTE                            |
 * | consent state   | A#{account}#C#{contact}     | CONSENT#{channel}#{scope}        |
 * | audit event     | A#{account}#C#{contact}     | EVENT#{eventId (ULID)}           |
 * | inbound marker  | A#{account}#C#{contact}     | INBOUND#{provider}#{messageId}   |
 * | message history | A#{account}#C#{contact}     | MSG#{messageKey}                 |
 * | contact profile | A#{account}#C#{contact}     | PROFILE                          |
 * | erasure key     | A#{account}                 | SECRET#ERASURE                   |
 * | tombstone       | A#{account}#ERASED#{hmac}   | TOMBSTONE                        |
 * | open job        | JOBS#OPEN                   | RETENTION#A#{account}[#C#{contact}] or ERASURE#A#{account}#{hmac} |
 * | sweep state     | SWEEP                       | STATE                            |
 *
 * Items that expire also carry `expiresAt`, `activityAt` and the byExpiry index attributes
 * (expiryAttributes) so the sweep finds them by day without scanning the table. Profiles carry the
 * byContact index attributes (contactIndexAttributes). Open jobs and the sweep state are the
 * service's own bookkeeping, read only by the sweep function.
 */
export const keys = {
  account: (accountId: string) => ({ pk: `A#${accountId}`, sk: 'ACCOUNT' }),
  settings: (accountId: string) => ({ pk: `A#${accountId}`, sk: 'SETTINGS' }),
  line: (accountId: string, lineId: string) => ({ pk: `A#${accountId}`, sk: `LINE#${lineId}` }),
  rule: (accountId: string, ruleId: string) => ({ pk: `A#${accountId}`, sk: `RULE#${ruleId}` }),
  apiKey: (keyHash: string) => ({ pk: `KEY#${keyHash}`, sk: 'KEY' }),
  route: (channel: Channel, address: string) => ({ pk: `ROUTE#${channel}#${address}`, sk: 'ROUTE' }),
  contactPartition: (accountId: string, contact: string) => `A#${accountId}#C#${contact}`,
  consent: (accountId: string, contact: string, channel: Channel, scope: string) => ({
    pk: keys.contactPartition(accountId, contact),
    sk: `CONSENT#${channel}#${scope}`,
  }),
  event: (accountId: string, contact: string, eventId: string) => ({
    pk: keys.contactPartition(accountId, contact),
    sk: `EVENT#${eventId}`,
  }),
  inboundMarker: (accountId: string, contact: string, provider: string, messageId: string) => ({
    pk: keys.contactPartition(accountId, contact),
    sk: `INBOUND#${provider}#${messageId}`,
  }),
  message: (accountId: string, contact: string, messageKey: string) => ({
    pk: keys.contactPartition(accountId, contact),
    sk: `MSG#${messageKey}`,
  }),
  profile: (accountId: string, contact: string) => ({ pk: keys.contactPartition(accountId, contact), sk: 'PROFILE' }),
  openJob: (jobId: string) => ({ pk: OPEN_JOBS_PARTITION, sk: jobId }),
  sweepState: () => ({ pk: 'SWEEP', sk: 'STATE' }),
  erasureKey: (accountId: string) => ({ pk: `A#${accountId}`, sk: 'SECRET#ERASURE' }),
  /** Keyed by HMAC(account erasure key, contact): blocks marketing after erasure without keeping the address. */
  tombstone: (accountId: string, contactHmac: string) => ({ pk: `A#${accountId}#ERASED#${contactHmac}`, sk: 'TOMBSTONE' }),
} as const;

export const OPEN_JOBS_PARTITION = 'JOBS#OPEN';

function keyHash(value: string): number {
  let hash = 0;
  for (const char of value) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return hash;
}

/** Spreads expiry-day buckets over shards so one busy day is not one hot index partition. */
export const EXPIRY_INDEX_SHARDS = 8;

/**
 * byExpiry index attributes for an item that expires: gsi2pk = EXP#{yyyy-mm-dd}#{shard},
 * gsi2sk = {expiresAt as 10 digits}#{pk}#{sk}. The shard is derived from the key, so rewriting an
 * item keeps it in the same bucket.
 */
export function expiryIndexAttributes(expiresAt: number, pk: string, sk: string): { gsi2pk: string; gsi2sk: string } {
  const day = new Date(expiresAt * 1000).toISOString().slice(0, 10);
  return { gsi2pk: expiryBucket(day, keyHash(`${pk}|${sk}`) % EXPIRY_INDEX_SHARDS), gsi2sk: `${expiryPrefix(expiresAt)}#${pk}#${sk}` };
}

export function expiryBucket(day: string, shard: number): string {
  return `EXP#${day}#${shard}`;
}

/** The sort-key prefix of an expiry second: 10 digits, so string order is time order. */
export function expiryPrefix(expiresAt: number): string {
  return String(expiresAt).padStart(10, '0');
}

/** Everything an expiring item carries: TTL attribute, its last activity, and the byExpiry keys. */
export function expiryAttributes(
  key: { pk: string; sk: string },
  expiresAt: number,
  activityAt: string,
): { expiresAt: number; activityAt: string; gsi2pk: string; gsi2sk: string } {
  return { expiresAt, activityAt, ...expiryIndexAttributes(expiresAt, key.pk, key.sk) };
}

/**
 * Profiles of one account are spread over a few byContact partitions so that a burst of new
 * contacts (an import, a STOP wave) is not one hot index partition. Listing merges the shards in
 * contact order (each shard is sorted by gsi3sk = contact).
 */
export const CONTACT_INDEX_SHARDS = 4;

export function contactIndexPartition(accountId: string, shard: number): string {
  return `A#${accountId}#P#${shard}`;
}

export function contactIndexAttributes(accountId: string, contact: string): { gsi3pk: string; gsi3sk: string } {
  return { gsi3pk: contactIndexPartition(accountId, keyHash(contact) % CONTACT_INDEX_SHARDS), gsi3sk: contact };
}

export const SK_PREFIX = {
  line: 'LINE#',
  rule: 'RULE#',
  consent: 'CONSENT#',
  event: 'EVENT#',
  inbound: 'INBOUND#',
  message: 'MSG#',
  openRetentionJob: 'RETENTION#',
  openErasureJob: 'ERASURE#',
} as const;
