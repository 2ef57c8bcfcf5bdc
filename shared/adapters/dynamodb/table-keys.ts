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
 * | suppression     | A#{account}#C#{contact}     | SUPPRESSION#{channel}            |
 * | unsubscribe key | A#{account}                 | SECRET#UNSUBSCRIBE#{keyId}       |
 * | WA verify token | VERIFY#whatsapp#{sha256}    | A#{account}#L#{lineId}           |
 * | erasure key     | A#{account}                 | SECRET#ERASURE                   |
 * | tombstone       | A#{account}#ERASED#{hmac}   | TOMBSTONE                        |
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
 *
 * Items that expire also carry the byExpiry index attributes (expiryIndexAttributes) so the sweep
 * finds them by day without scanning the table.
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
  erasureKey: (accountId: string) => ({ pk: `A#${accountId}`, sk: 'SECRET#ERASURE' }),
  /** Keyed by HMAC(account erasure key, contact): blocks marketing after erasure without keeping the address. */
  tombstone: (accountId: string, contactHmac: string) => ({ pk: `A#${accountId}#ERASED#${contactHmac}`, sk: 'TOMBSTONE' }),
} as const;

/** Spreads expiry-day buckets over shards so one busy day is not one hot index partition. */
export const EXPIRY_INDEX_SHARDS = 8;

/**
 * byExpiry index attributes for an item that expires: gsi2pk = EXP#{yyyy-mm-dd}#{shard},
 * gsi2sk = {expiresAt as 10 digits}#{pk}#{sk}. The shard is derived from the key, so rewriting an
 * item keeps it in the same bucket.
 */
export function expiryIndexAttributes(expiresAt: number, pk: string, sk: string): { gsi2pk: string; gsi2sk: string } {
  const day = new Date(expiresAt * 1000).toISOString().slice(0, 10);
  let hash = 0;
  for (const char of `${pk}|${sk}`) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return { gsi2pk: `EXP#${day}#${hash % EXPIRY_INDEX_SHARDS}`, gsi2sk: `${String(expiresAt).padStart(10, '0')}#${pk}#${sk}` };
}

export const SK_PREFIX = {
  line: 'LINE#',
  rule: 'RULE#',
  consent: 'CONSENT#',
  event: 'EVENT#',
  inbound: 'INBOUND#',
  message: 'MSG#',
  suppression: 'SUPPRESSION#',
  unsubscribeKey: 'SECRET#UNSUBSCRIBE#',
} as const;
