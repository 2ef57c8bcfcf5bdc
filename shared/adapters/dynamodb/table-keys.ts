import type { Channel } from '../../domain/channels.ts';
import { scopeLabel } from '../../domain/reports/consent-stats.ts';

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
 * | outbound message| A#{account}#C#{contact}     | MSG#OUT#{messageId}  (gate)      |
 * | suppression     | A#{account}#C#{contact}     | SUPPRESSION#{channel}            |
 * | unsubscribe key | A#{account}                 | SECRET#UNSUBSCRIBE#{keyId}       |
 * | WA verify token | VERIFY#whatsapp#{sha256}    | A#{account}#L#{lineId}           |
 * | erasure key     | A#{account}                 | SECRET#ERASURE                   |
 * | tombstone       | A#{account}#ERASED#{hmac}   | TOMBSTONE                        |
 * | web form        | A#{account}                 | FORM#{formId}                    |
 * | form (public)   | FORM#{formId}               | FORM                             |
 * | form token key  | A#{account}                 | SECRET#FORMS                     |
 * | import pace     | A#{account}                 | PACE#IMPORT                      |
 * | rate counter    | A#{account}#RL#{kind}#{hash}| W#{window start, epoch s}        |
 * | stats counter   | A#{account}#STATS#{dim}#{n} | {yyyy-mm-dd}#{value}             |
 * | consent summary | A#{account}#C#{contact}     | SUMMARY#{channel}                |
 * | gate receipt    | GATE#RECEIPT#{receiptId}    | RECEIPT                          |
 * | migration state | MIGRATION                   | {name}                           |
 *
 * Consent state items also carry the byLine index attributes (byLineIndexAttributes): the snapshot
 * report reads a line's records from the index, spread over BY_LINE_SHARDS partitions.
 *
 * Consent categories (read by the outbound gate with BatchGetItem, by key):
 * - A marketing-only opt-out or opt-in (WhatsApp `user_preferences` stop / resume, WhatsApp error
 *   131050) is the ordinary line record `CONSENT#whatsapp#{lineId}` with the attribute
 *   `category: 'marketing'`. Without `category` a record covers every message. A marketing-only
 *   opt-out never narrows a full opt-out already stored (see applyConsentEvent).
 * - An email suppression (complaint, hard bounce) is the item `SUPPRESSION#email` in the contact's
 *   partition, attributes `reason` ('complaint' | 'hard_bounce'), `occurredAt`, `eventId`,
 *   `evidence`, `expiresAt`: it blocks every email, whatever the category. A complaint also writes an
 *   opt-out on `CONSENT#email#*` (source `provider`).
 * - The consent summary `SUMMARY#{channel}` copies, for the outbound gate, every record of the
 *   channel, the suppression and the erasure time into one item (see ConsentSummaryStore): written
 *   in the same transaction as each record or suppression it copies.
 * - An outbound message's history item `MSG#OUT#{messageId}` is the gate's claim; the gate receipt
 *   (random id, no personal data) lists the claims of one invocation that reached their queue.
 *   Allowed marketing messages also carry the byMarketingSend index attributes
 *   (marketingSendIndexAttributes): an opt-out is attributed to the newest one on its line.
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
  /** The gate's history item of one outbound message: its decision, dispatch state and idempotency claim. */
  outboundMessage: (accountId: string, contact: string, messageId: string) => keys.message(accountId, contact, `OUT#${messageId}`),
  /** Email complaint / hard bounce (attributes `reason`, `occurredAt`): blocks every message on the channel. */
  suppression: (accountId: string, contact: string, channel: Channel) => ({
    pk: keys.contactPartition(accountId, contact),
    sk: `SUPPRESSION#${channel}`,
  }),
  /** Per-account keys that sign one-click unsubscribe tokens; the key id travels in the token, so keys can rotate. */
  unsubscribeKey: (accountId: string, keyId: string) => ({ pk: `A#${accountId}`, sk: `SECRET#UNSUBSCRIBE#${keyId}` }),
  /**
   * Meta's webhook verification handshake names only the verify token: one item per line that uses
   * it, under the token's hash, so the handshake is a Query on one partition (never a scan). Lines
   * of one Meta app share the token, hence one item per line.
   */
  whatsappVerifyTokenPartition: (tokenSha256: string) => `VERIFY#whatsapp#${tokenSha256}`,
  whatsappVerifyToken: (tokenSha256: string, accountId: string, lineId: string) => ({
    pk: keys.whatsappVerifyTokenPartition(tokenSha256),
    sk: `A#${accountId}#L#${lineId}`,
  }),
  profile: (accountId: string, contact: string) => ({ pk: keys.contactPartition(accountId, contact), sk: 'PROFILE' }),
  openJob: (jobId: string) => ({ pk: OPEN_JOBS_PARTITION, sk: jobId }),
  sweepState: () => ({ pk: 'SWEEP', sk: 'STATE' }),
  erasureKey: (accountId: string) => ({ pk: `A#${accountId}`, sk: 'SECRET#ERASURE' }),
  /** Keyed by HMAC(account erasure key, contact): blocks marketing after erasure without keeping the address. */
  tombstone: (accountId: string, contactHmac: string) => ({ pk: `A#${accountId}#ERASED#${contactHmac}`, sk: 'TOMBSTONE' }),
  form: (accountId: string, formId: string) => ({ pk: `A#${accountId}`, sk: `FORM#${formId}` }),
  /** The copy of a form the public page reads by id alone (the visitor does not know the account). */
  publicForm: (formId: string) => ({ pk: `FORM#${formId}`, sk: 'FORM' }),
  formTokenKey: (accountId: string) => ({ pk: `A#${accountId}`, sk: 'SECRET#FORMS' }),
  /** Fixed-window counter; the subject (IP, address) is hashed so keys hold no personal data. */
  rateCounter: (accountId: string, kind: string, subjectHash: string, windowStart: number) => ({
    pk: `A#${accountId}#RL#${kind}#${subjectHash}`,
    sk: `W#${windowStart}`,
  }),
  statsPartition: (accountId: string, dimension: string, shard: number) => `A#${accountId}#STATS#${dimension}#${shard}`,
  stats: (accountId: string, dimension: string, shard: number, day: string, value: string) => ({
    pk: keys.statsPartition(accountId, dimension, shard),
    sk: `${day}#${value}`,
  }),
  /** The gate's one-item copy of a contact's consent on a channel (records, suppression, erasure). */
  consentSummary: (accountId: string, contact: string, channel: Channel) => ({
    pk: keys.contactPartition(accountId, contact),
    sk: `SUMMARY#${channel}`,
  }),
  /** Which claims of one gate invocation reached their queue: no account, no contact, only claim numbers. */
  gateReceipt: (receiptId: string) => ({ pk: `GATE#RECEIPT#${receiptId}`, sk: 'RECEIPT' }),
  /** When the account's import may next write (import back-pressure, ImportPaceStore). */
  importPace: (accountId: string) => ({ pk: `A#${accountId}`, sk: 'PACE#IMPORT' }),
  /** A one-time data migration's state (e.g. consent summaries backfilled). */
  migration: (name: string) => ({ pk: 'MIGRATION', sk: name }),
} as const;

/**
 * Shard counts are chosen from the capacity model (SCALING.md, `npm run simulate`): at the modelled
 * peak no shard may take more than half of a partition's 1,000 write / 3,000 read units per second.
 * A count only ever grows by a multiple, so the shards of the old layout are a subset of the new
 * ones: readers query every shard and still find items written before (see SCALING.md, "Changing
 * a shard count").
 */
/** Partitions per line in the byLine index, so a line with millions of contacts is not one hot partition. */
export const BY_LINE_SHARDS = 8;
/**
 * Partitions per stats dimension. Counters are updated inside transactions (consent changes, gate
 * receipts), and two transactions on one item at once conflict: 64 keeps the busiest counter item
 * (a campaign's, during its burst and the STOP storm after it) under a 10 % conflict chance.
 */
export const STATS_SHARDS = 64;

function fnv1a(value: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < value.length; index += 1) {
    hash ^= value.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** A stable 32-bit hash (FNV-1a) for spreading keys over shards (the byLine index's). */
export function shardOf(value: string, shards: number): number {
  return fnv1a(value) % shards;
}

/**
 * FNV-1a with MurmurHash3's finaliser: every input bit reaches the low bits, so `% 2^k` spreads
 * sequential ids (message ids, phone numbers in a range) evenly. Plain FNV-1a or a 31-multiplier
 * hash modulo a power of two depends on a few low bits of each character: the simulation measured
 * one of 8 byExpiry shards taking 5× its share of a burst.
 */
export function spreadHash(value: string): number {
  let hash = fnv1a(value);
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b) >>> 0;
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35) >>> 0;
  hash ^= hash >>> 16;
  return hash >>> 0;
}

/** The byLine partition of a scope label (a line id, or `{channel}:*` for channel-wide records). */
export function byLinePartition(accountId: string, scopeKey: string, shard: number): string {
  return `A#${accountId}#L#${scopeKey}#${shard}`;
}

/**
 * byLine index attributes of a consent record: gsi1pk = A#{account}#L#{line}#{shard},
 * gsi1sk = {status}#{contact}. The shard comes from the contact, so a status change keeps the
 * record in its partition and a page can be merged in order across shards.
 */
export function byLineIndexAttributes(
  accountId: string,
  record: { contact: string; channel: Channel; scope: string; status: string },
): { gsi1pk: string; gsi1sk: string } {
  return {
    gsi1pk: byLinePartition(accountId, scopeLabel(record.channel, record.scope), shardOf(record.contact, BY_LINE_SHARDS)),
    gsi1sk: `${record.status}#${record.contact}`,
  };
}

export const OPEN_JOBS_PARTITION = 'JOBS#OPEN';

/**
 * Spreads expiry-day buckets over shards so one busy day is not one hot index partition: every item
 * written in a day (each gated message's history item, each webhook's audit event and marker, each
 * imported row's five items) lands in the same expiry day. At the modelled peak (a 50,000 msg/s burst
 * on top of everything else) that day takes about 70,000 index writes a second: 256 shards keep
 * each near a quarter of its limit. The sweep queries them all (see retention-sweep.ts).
 */
export const EXPIRY_INDEX_SHARDS = 256;

/**
 * byExpiry index attributes for an item that expires: gsi2pk = EXP#{yyyy-mm-dd}#{shard},
 * gsi2sk = {expiresAt as 10 digits}#{pk}#{sk}. The shard is derived from the key, so rewriting an
 * item keeps it in the same bucket.
 */
export function expiryIndexAttributes(expiresAt: number, pk: string, sk: string): { gsi2pk: string; gsi2sk: string } {
  const day = new Date(expiresAt * 1000).toISOString().slice(0, 10);
  return { gsi2pk: expiryBucket(day, spreadHash(`${pk}|${sk}`) % EXPIRY_INDEX_SHARDS), gsi2sk: `${expiryPrefix(expiresAt)}#${pk}#${sk}` };
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
 * Profiles of one account are spread over byContact partitions so that a burst of new contacts (an
 * import, a STOP wave) is not one hot index partition: every webhook and every imported row rewrites
 * a profile (ALL projection: each rewrite is an index write). At the modelled peak (an import at its
 * limit plus the webhooks) 16 keep each under a fifth of its limit. Listing merges the shards in
 * contact order (each shard is sorted by gsi3sk = contact).
 */
export const CONTACT_INDEX_SHARDS = 16;

export function contactIndexPartition(accountId: string, shard: number): string {
  return `A#${accountId}#P#${shard}`;
}

export function contactIndexAttributes(accountId: string, contact: string): { gsi3pk: string; gsi3sk: string } {
  return { gsi3pk: contactIndexPartition(accountId, spreadHash(contact) % CONTACT_INDEX_SHARDS), gsi3sk: contact };
}

/** byMarketingSend partition of (contact, line): the allowed marketing messages of that line, by time. */
export function marketingSendPartition(accountId: string, contact: string, lineId: string): string {
  return `A#${accountId}#C#${contact}#MKT#${lineId}`;
}

/**
 * byMarketingSend index attributes of an allowed marketing message's history item: gsi4pk = the
 * (contact, line) partition, gsi4sk = when the gate allowed it. Sparse: other history items lack
 * them. An opt-out reads the newest entry of its line within the attribution window.
 */
export function marketingSendIndexAttributes(accountId: string, contact: string, lineId: string, sentAt: string): { gsi4pk: string; gsi4sk: string } {
  return { gsi4pk: marketingSendPartition(accountId, contact, lineId), gsi4sk: sentAt };
}

export const SK_PREFIX = {
  line: 'LINE#',
  rule: 'RULE#',
  consent: 'CONSENT#',
  event: 'EVENT#',
  inbound: 'INBOUND#',
  message: 'MSG#',
  form: 'FORM#',
  summary: 'SUMMARY#',
  suppression: 'SUPPRESSION#',
  unsubscribeKey: 'SECRET#UNSUBSCRIBE#',
  openRetentionJob: 'RETENTION#',
  openErasureJob: 'ERASURE#',
} as const;
