import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { provisionTable } from '../../infra/local/provision.ts';
import { ConsentStore } from '../../shared/adapters/dynamodb/consent-store.ts';
import { CONSENT_SUMMARIES_FLAG, parseSummaryItem } from '../../shared/adapters/dynamodb/consent-summary-store.ts';
import { OutboundStore } from '../../shared/adapters/dynamodb/outbound-store.ts';
import { keys } from '../../shared/adapters/dynamodb/table-keys.ts';
import type { Channel } from '../../shared/domain/channels.ts';
import { decideOutbound, tombstoneCanMatter } from '../../shared/domain/outbound/decide-outbound.ts';
import { contactErasureHash } from '../../shared/domain/retention/erasure-hash.ts';
import { SEALING_CONTEXT } from '../../shared/security/secret-box.ts';
import { backfillConsentSummaries } from '../../shared/use-cases/backfill-consent-summaries.ts';
import { gatherOutboundFacts, type ConsentSource } from '../../shared/use-cases/gather-outbound-facts.ts';
import { testSecretBox } from '../support/secret-box.ts';

/**
 * A table holding consent data from before consent summaries (seeded as that version wrote it: no
 * summary, no flag on the account): the gate reads its records until the migration has created
 * every summary and marked the account; then it reads summaries and decides exactly as before.
 * Its own table on the stack's DynamoDB Local, since the migration scans the whole table.
 */
const client = new DynamoDBClient({ region: 'us-east-1', endpoint: inject('dynamoDbEndpoint'), credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
const db = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
afterAll(() => client.destroy());

const ACCOUNT = 'acc_legacy';
const LINE = { address: '+12025550190', lineId: 'line_1' };
const EMAIL_DOMAIN = 'legacy.example.com';
const HOUR = 3600_000;
// This table's own service keyring (the migration opens the sealed erasure key with it).
const secrets = testSecretBox();

describe('consent summary migration (a table with data from before summaries)', () => {
  it('creates every missing summary, marks the account, and the gate then reads one item per message and decides as from the records', async () => {
    const table = `legacy-${randomBytes(4).toString('hex')}`;
    await provisionTable(client, table);
    const now = Date.now();
    const iso = (offset: number) => new Date(now + offset).toISOString();
    const far = Math.floor(now / 1000) + 400 * 86_400;
    const erasureKey = randomBytes(32);
    const record = (contact: string, channel: Channel, scope: string, status: string, occurredAt: string, expiresAt = far) => ({
      ...keys.consent(ACCOUNT, contact, channel, scope),
      type: 'consent', accountId: ACCOUNT, contact, channel, scope, status, occurredAt, source: 'api', evidence: {}, eventId: `01J${randomBytes(6).toString('hex').toUpperCase()}`, version: 1, updatedAt: occurredAt, expiresAt, activityAt: occurredAt,
    });
    const [optedIn, mixed, erased, expired] = ['+12025550191', '+12025550192', '+12025550193', '+12025550194'];
    const complained = 'jane@customer.example.org';
    const items = [
      { ...keys.account(ACCOUNT), type: 'account', accountId: ACCOUNT, name: 'Before summaries' },
      { ...keys.route('sms', LINE.address), accountId: ACCOUNT, lineId: LINE.lineId, channel: 'sms', address: LINE.address },
      { ...keys.route('email', EMAIL_DOMAIN), accountId: ACCOUNT, lineId: 'line_mail', channel: 'email', address: EMAIL_DOMAIN },
      { ...keys.erasureKey(ACCOUNT), key: await secrets.seal(erasureKey.toString('base64'), SEALING_CONTEXT.erasureKey(ACCOUNT)) },
      record(optedIn, 'sms', LINE.lineId, 'opted_in', iso(-2 * HOUR)),
      record(mixed, 'sms', '*', 'opted_out', iso(-1 * HOUR)),
      record(mixed, 'sms', LINE.lineId, 'opted_in', iso(-3 * HOUR)),
      // Erased an hour ago; an older opt-in came back afterwards (a late import): marketing stays blocked.
      { ...keys.tombstone(ACCOUNT, contactErasureHash(erasureKey, erased)), type: 'tombstone', erasedAt: iso(-HOUR), status: 'complete' },
      record(erased, 'sms', LINE.lineId, 'opted_in', iso(-5 * HOUR)),
      record(expired, 'sms', LINE.lineId, 'opted_out', iso(-9 * HOUR), Math.floor(now / 1000) - 60),
      record(complained, 'email', '*', 'opted_in', iso(-4 * HOUR)),
      { ...keys.suppression(ACCOUNT, complained, 'email'), type: 'suppression', accountId: ACCOUNT, contact: complained, channel: 'email', reason: 'complaint', occurredAt: iso(-HOUR), eventId: 'E1', evidence: {}, expiresAt: far },
    ];
    await db.send(new BatchWriteCommand({ RequestItems: { [table]: items.map((Item) => ({ PutRequest: { Item } })) } }));

    const store = new OutboundStore(db, table, { cacheTtlMs: 0, secrets });
    const consentStore = new ConsentStore(db, table, secrets);
    const messages = [
      ...[optedIn, mixed, erased, expired].map((to) => ({ channel: 'sms' as const, from: LINE.address, to })),
      { channel: 'email' as const, from: `news@${EMAIL_DOMAIN}`, to: complained },
    ].flatMap((message) => (['marketing', 'transactional'] as const).map((category) => ({ ...message, category })));
    const decisions = async (source?: ConsentSource) =>
      (
        await gatherOutboundFacts(
          store,
          messages.map((message) => ({
            channel: message.channel,
            from: message.from,
            contact: message.to,
            needsConsent: true,
            tombstoneMatters: (stored, account) => tombstoneCanMatter({ channel: message.channel, category: message.category, policy: account.settings.channels[message.channel], ...stored }),
          })),
          Date.now(),
          source ? { source } : {},
        )
      ).map((result, index) => {
        const message = messages[index] as (typeof messages)[number];
        return result.kind === 'ready' ? decideOutbound({ channel: message.channel, category: message.category, policy: result.account.settings.channels[message.channel], ...result.stored }) : result.kind;
      });

    // Before the migration the account reads its records, and decides by them.
    const readsSummaries = async () => (await store.accountContexts([ACCOUNT])).contexts.get(ACCOUNT)?.summaries;
    expect(await readsSummaries()).toBe(false);
    const fromRecords = await decisions();
    expect(fromRecords.map((decision) => (typeof decision === 'string' ? decision : decision.reason))).toEqual([
      'opted_in', 'transactional', // line opt-in
      'opted_out', 'opted_out', // the newer channel-wide STOP wins (policy all)
      'erased', 'transactional', // an opt-in older than the erasure
      'not_opted_in', 'transactional', // its record expired
      'complaint', 'complaint', // suppressed email
    ]);

    // A consent write before the migration creates its summary from every record of the channel.

    const at = iso(0);
    const committed = await consentStore.commit({
      accountId: ACCOUNT,
      contact: mixed,
      event: { eventId: '01JMIGRATIONTESTEVENT00000', type: 'consent', contact: mixed, channel: 'sms', scope: 'line_2', status: 'opted_in', previousStatus: 'not_defined', effect: 'changed', occurredAt: at, recordedAt: at, source: 'api', evidence: {} },
      record: { next: { contact: mixed, channel: 'sms', scope: 'line_2', status: 'opted_in', occurredAt: at, source: 'api', evidence: {}, eventId: '01JMIGRATIONTESTEVENT00000', version: 1, updatedAt: at }, expectedVersion: undefined },
      expiresAt: far,
      nowSeconds: Math.floor(Date.now() / 1000),
      activityAt: at,
    });
    expect(committed).toBe('committed');
    const summaryOf = async (contact: string, channel: Channel) =>
      parseSummaryItem((await db.send(new GetCommand({ TableName: table, Key: keys.consentSummary(ACCOUNT, contact, channel), ConsistentRead: true }))).Item);
    expect(Object.keys((await summaryOf(mixed, 'sms'))?.summary.records ?? {}).sort()).toEqual(['*', 'line_1', 'line_2']);

    const report = await backfillConsentSummaries({ db, tableName: table, consentStore, realNowMs: Date.now }, { now: new Date(), deadlineMs: Date.now() + 60_000 });
    expect(report).toMatchObject({ status: 'complete', created: 3, accountsMarked: 1 });
    expect((await db.send(new GetCommand({ TableName: table, Key: keys.account(ACCOUNT) }))).Item?.[CONSENT_SUMMARIES_FLAG]).toBe(true);
    expect((await summaryOf(erased, 'sms'))?.summary.erasedAt).toBe(iso(-HOUR));
    expect((await summaryOf(complained, 'email'))?.summary.suppression).toMatchObject({ reason: 'complaint' });
    expect(await summaryOf(expired, 'sms')).toBeUndefined();

    // Now the gate reads the summaries (the account is marked), and decides as from the records.
    expect(await readsSummaries()).toBe(true);
    const migrated = await decisions();
    expect(migrated).toEqual(await decisions('records'));
    expect(migrated.slice(0, 2)).toEqual(fromRecords.slice(0, 2));
    expect(migrated.slice(4)).toEqual(fromRecords.slice(4));

    // Running it again finds it complete.
    expect(await backfillConsentSummaries({ db, tableName: table, consentStore, realNowMs: Date.now }, { now: new Date(), deadlineMs: Date.now() + 60_000 })).toEqual({
      status: 'complete',
      itemsRead: 0,
      created: 0,
      accountsMarked: 0,
    });
  });
});
