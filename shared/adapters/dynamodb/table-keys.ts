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
} as const;

export const SK_PREFIX = {
  line: 'LINE#',
  rule: 'RULE#',
  consent: 'CONSENT#',
  event: 'EVENT#',
} as const;
