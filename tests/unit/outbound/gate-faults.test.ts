import { DynamoDBClient, ProvisionedThroughputExceededException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, TransactWriteCommand, type BatchGetCommandInput, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { SendMessageBatchCommand, SQSClient, type SendMessageBatchCommandInput } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { CONSENT_SUMMARIES_FLAG, summaryItem } from '../../../shared/adapters/dynamodb/consent-summary-store.ts';
import { OutboundStore } from '../../../shared/adapters/dynamodb/outbound-store.ts';
import { keys } from '../../../shared/adapters/dynamodb/table-keys.ts';
import { defaultAccountSettings } from '../../../shared/domain/accounts/account-settings.ts';
import { ServiceUnavailableError } from '../../../shared/domain/errors.ts';
import { contactErasureHash } from '../../../shared/domain/retention/erasure-hash.ts';
import { checkConsent } from '../../../shared/use-cases/check-consent.ts';
import { gateOutboundBatch, type GateDeps, type GateRecord } from '../../../shared/use-cases/gate-outbound-batch.ts';
import { SEALING_CONTEXT } from '../../../shared/security/secret-box.ts';
import { testSecretBox } from '../../support/secret-box.ts';

const secrets = testSecretBox();

/**
 * The gate against injected DynamoDB and SQS faults. The table is a small in-memory model behind
 * aws-sdk-client-mock (BatchGetItem with UnprocessedKeys, conditional TransactWriteItems with
 * cancellation reasons and the old item, as DynamoDB returns them), so a fault can hit exactly one
 * call and the test can check what was dispatched, suppressed, retried and written, over several
 * deliveries.
 */
const TABLE = 'optgate-test';
const LINE = '+12025550100';
const ACCOUNT = 'acc_1';
const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }));
const dynamo = mockClient(documentClient);
const sqsClient = new SQSClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
const sqs = mockClient(sqsClient);

type Item = Record<string, unknown>;
let table: Map<string, Item>;
let sent: { queue: string; body: string }[];
let requestedKeys: string[];
let faults: {
  batchGet?: (input: BatchGetCommandInput, call: number) => Error | 'unprocessed-all' | ((key: { pk: string; sk: string }) => boolean) | undefined;
  transact?: (input: TransactWriteCommandInput, call: number) => Error | undefined;
  send?: (input: SendMessageBatchCommandInput, call: number) => Error | Set<string> | undefined;
};
let clock: number;
const log = { lines: [] as string[], info: () => undefined, warn: (m: string) => log.lines.push(m), error: (m: string) => log.lines.push(m) };

const id = (key: Record<string, unknown>) => `${String(key.pk)}|${String(key.sk)}`;
const throttled = () => new ProvisionedThroughputExceededException({ message: 'Rate exceeded', $metadata: {} });
const timeout = () => Object.assign(new Error('Connection timed out after 3000 ms'), { name: 'TimeoutError' });
const EVENT_AT = '2026-01-01T00:00:00.000Z';
const FAR = Date.parse('2027-01-01T00:00:00.000Z') / 1000;

/** A contact's SMS consent as the consent store keeps it: the channel record and its summary. */
function seedConsent(contact: string, status: 'opted_in' | 'opted_out', extra: { erasedAt?: string } = {}) {
  const key = keys.consent(ACCOUNT, contact, 'sms', '*');
  table.set(id(key), { ...key, contact, channel: 'sms', scope: '*', status, occurredAt: EVENT_AT, eventId: 'E1', expiresAt: FAR });
  const summary = summaryItem(ACCOUNT, contact, 'sms', { records: { '*': { status, occurredAt: EVENT_AT, eventId: 'E1', expiresAt: FAR, activityAt: EVENT_AT } }, ...extra }, 1);
  table.set(id(summary), summary);
}

/** An old item in the AttributeValue form DynamoDB returns with ReturnValuesOnConditionCheckFailure. */
function attributeValues(item: Item): Item {
  return Object.fromEntries(
    Object.entries(item).flatMap(([name, value]): [string, unknown][] => (typeof value === 'string' ? [[name, { S: value }]] : typeof value === 'number' ? [[name, { N: String(value) }]] : [])),
  );
}

/** The conditions the gate writes with, evaluated against the model table. */
function conditionHolds(condition: string | undefined, old: Item | undefined, values: Record<string, unknown>): boolean {
  switch (condition) {
    case undefined:
      return true;
    case 'attribute_not_exists(pk)':
      return !old;
    case 'attribute_not_exists(pk) OR expiresAt <= :nowSeconds OR outcome = :deferred':
      return !old || Number(old.expiresAt) <= Number(values[':nowSeconds']) || old.outcome === 'deferred';
    case 'claimToken = :previous':
      return old?.claimToken === values[':previous'];
    default:
      throw new Error(`The model does not know the condition ${condition}`);
  }
}

function installFakes() {
  let batchGets = 0;
  dynamo.on(BatchGetCommand).callsFake((input: BatchGetCommandInput) => {
    batchGets += 1;
    const requested = (input.RequestItems?.[TABLE]?.Keys ?? []) as { pk: string; sk: string }[];
    requestedKeys.push(...requested.map(id));
    const fault = faults.batchGet?.(input, batchGets);
    if (fault instanceof Error) throw fault;
    const unprocessed = requested.filter((key) => fault === 'unprocessed-all' || (typeof fault === 'function' && fault(key)));
    const served = requested.filter((key) => !unprocessed.includes(key));
    return {
      Responses: { [TABLE]: served.flatMap((key) => (table.has(id(key)) ? [table.get(id(key)) as Item] : [])) },
      ...(unprocessed.length > 0 ? { UnprocessedKeys: { [TABLE]: { Keys: unprocessed } } } : {}),
    };
  });
  let transacts = 0;
  dynamo.on(TransactWriteCommand).callsFake((input: TransactWriteCommandInput) => {
    transacts += 1;
    const fault = faults.transact?.(input, transacts);
    if (fault) throw fault;
    const items = input.TransactItems ?? [];
    const reasons = items.map((entry) => {
      if (entry.Put) {
        const old = table.get(id(entry.Put.Item as Item));
        return conditionHolds(entry.Put.ConditionExpression, old, entry.Put.ExpressionAttributeValues ?? {})
          ? { Code: 'None' }
          : { Code: 'ConditionalCheckFailed', ...(old ? { Item: attributeValues(old) } : {}) };
      }
      return { Code: entry.Update && !entry.Update.ConditionExpression ? 'None' : 'ValidationError' };
    });
    if (reasons.some((reason) => reason.Code !== 'None')) {
      throw new TransactionCanceledException({ message: 'cancelled', $metadata: {}, CancellationReasons: reasons as never });
    }
    for (const entry of items) {
      if (entry.Put) table.set(id(entry.Put.Item as Item), { ...(entry.Put.Item as Item) });
      else if (entry.Update) {
        // Counters: ADD #field :amount.
        const key = id(entry.Update.Key as Item);
        const field = String(entry.Update.ExpressionAttributeNames?.['#field']);
        const old = table.get(key) ?? { ...(entry.Update.Key as Item) };
        table.set(key, { ...old, [field]: Number(old[field] ?? 0) + Number(entry.Update.ExpressionAttributeValues?.[':amount']) });
      }
    }
    return {};
  });
  let sends = 0;
  sqs.on(SendMessageBatchCommand).callsFake((input: SendMessageBatchCommandInput) => {
    sends += 1;
    const fault = faults.send?.(input, sends);
    if (fault instanceof Error) throw fault;
    const failedIds = fault ?? new Set<string>();
    const entries = input.Entries ?? [];
    for (const entry of entries) if (!failedIds.has(entry.Id ?? '')) sent.push({ queue: input.QueueUrl ?? '', body: entry.MessageBody ?? '' });
    return {
      Successful: entries.filter((entry) => !failedIds.has(entry.Id ?? '')).map((entry) => ({ Id: entry.Id, MessageId: 'x', MD5OfMessageBody: 'x' })),
      Failed: entries.filter((entry) => failedIds.has(entry.Id ?? '')).map((entry) => ({ Id: entry.Id, Code: 'InternalError', SenderFault: false, Message: 'try again' })),
    };
  });
}

const noSleep = () => Promise.resolve();
let store: OutboundStore;
let receiptIds: string[];
function deps(): GateDeps {
  return {
    store,
    sqs: sqsClient,
    queues: { outbound: 'q-outbound', dispatch: 'q-dispatch', suppressed: 'q-suppressed', dlq: 'q-dlq' },
    now: () => new Date(clock),
    leaseMs: 60_000,
    newToken: () => {
      receiptIds.push(`receipt-${receiptIds.length + 1}`);
      return receiptIds.at(-1) as string;
    },
    log,
    sendOptions: { sleep: noSleep },
  };
}

function record(messageId: string, to: string, category: 'marketing' | 'transactional' = 'marketing', campaignId?: string): GateRecord {
  return { messageId: `sqs-${messageId}`, body: JSON.stringify({ messageId, channel: 'sms', from: LINE, to, category, ...(campaignId ? { campaignId } : {}) }) };
}
const dispatchedIds = () => sent.filter((message) => message.queue === 'q-dispatch').map((message) => (JSON.parse(message.body) as { decision: { messageId: string } }).decision.messageId);
const suppressedIds = () => sent.filter((message) => message.queue === 'q-suppressed').map((message) => (JSON.parse(message.body) as { decision: { messageId: string } }).decision.messageId);
const failedIds = (result: { batchItemFailures: { itemIdentifier: string }[] }) => result.batchItemFailures.map((failure) => failure.itemIdentifier).sort();
const receipt = (receiptId: string) => table.get(id(keys.gateReceipt(receiptId)));
const history = (contact: string, messageId: string) => table.get(id(keys.outboundMessage(ACCOUNT, contact, messageId)));
const sentCounter = (campaignId: string) =>
  [...table.values()].filter((item) => String(item.pk).startsWith(`A#${ACCOUNT}#STATS#campaign#`) && String(item.sk).endsWith(`#${campaignId}`)).reduce((sum, item) => sum + Number(item.sent ?? 0), 0);

const A = '+12025550101';
const B = '+12025550102';
const C = '+12025550103';
const D = '+12025550104';

beforeEach(() => {
  dynamo.reset();
  sqs.reset();
  table = new Map();
  sent = [];
  requestedKeys = [];
  receiptIds = [];
  faults = {};
  log.lines = [];
  clock = Date.parse('2026-11-24T12:00:00.000Z');
  const route = keys.route('sms', LINE);
  table.set(id(route), { ...route, accountId: ACCOUNT, lineId: 'line_1', channel: 'sms', address: LINE });
  const settings = keys.settings(ACCOUNT);
  table.set(id(settings), { ...settings, settings: defaultAccountSettings() });
  const account = keys.account(ACCOUNT);
  table.set(id(account), { ...account, accountId: ACCOUNT, [CONSENT_SUMMARIES_FLAG]: true });
  seedConsent(A, 'opted_in');
  seedConsent(B, 'opted_in');
  seedConsent(C, 'opted_out');
  store = new OutboundStore(documentClient, TABLE, { cacheTtlMs: 30_000, secrets, batchGet: { sleep: noSleep }, sleep: noSleep });
  installFakes();
});

describe('gate under DynamoDB faults', () => {
  it('without faults: dispatches, suppresses and records every decision and one receipt (the baseline the faults are compared with)', async () => {
    const result = await gateOutboundBatch(deps(), [record('m1', A), record('m2', B), record('m3', C)]);
    expect(result.batchItemFailures).toEqual([]);
    expect(dispatchedIds().sort()).toEqual(['m1', 'm2']);
    expect(suppressedIds()).toEqual(['m3']);
    expect(history(A, 'm1')).toMatchObject({ outcome: 'allowed', receiptId: 'receipt-1', claimIndex: 0 });
    expect(receipt('receipt-1')?.sent).toEqual(new Set([0, 1, 2]));
    expect(receipt('receipt-1')).not.toHaveProperty('released');
    // One key per message: the consent summary (no record, suppression or tombstone key).
    const consentKeys = requestedKeys.filter((key) => key.includes('#C#'));
    expect(consentKeys.sort()).toEqual([A, B, C].map((contact) => id(keys.consentSummary(ACCOUNT, contact, 'sms'))).sort());
  });

  it('reads the records instead for an account with data from before consent summaries (not migrated yet)', async () => {
    table.set(id(keys.account(ACCOUNT)), { ...keys.account(ACCOUNT), accountId: ACCOUNT });
    const result = await gateOutboundBatch(deps(), [record('m1', A), record('m3', C)]);
    expect(result.batchItemFailures).toEqual([]);
    expect(dispatchedIds()).toEqual(['m1']);
    expect(suppressedIds()).toEqual(['m3']);
    expect(requestedKeys).toContain(id(keys.consent(ACCOUNT, A, 'sms', 'line_1')));
    expect(requestedKeys.some((key) => key.includes('SUMMARY#'))).toBe(false);
  });

  it('remembers that an email address of a domain line is no line of its own (one route read per cache period, not per batch)', async () => {
    const route = keys.route('email', 'news.example.com');
    table.set(id(route), { ...route, accountId: ACCOUNT, lineId: 'line_mail', channel: 'email', address: 'news.example.com' });
    const mail = (messageId: string): GateRecord => ({
      messageId: `sqs-${messageId}`,
      body: JSON.stringify({ messageId, channel: 'email', from: 'offers@news.example.com', to: 'jane@example.org', category: 'transactional' }),
    });
    await gateOutboundBatch(deps(), [mail('e1')]);
    await gateOutboundBatch(deps(), [mail('e2')]);
    expect(dispatchedIds()).toEqual(['e1', 'e2']);
    expect(requestedKeys.filter((key) => key.startsWith('ROUTE#email#'))).toEqual([id(keys.route('email', 'offers@news.example.com')), id(route)]);
  });

  it('throttled consent reads: every affected message is retried, none is sent unchecked', async () => {
    faults.batchGet = (input) => (input.RequestItems?.[TABLE]?.ConsistentRead ? throttled() : undefined);
    const result = await gateOutboundBatch(deps(), [record('m1', A), record('m2', B), record('m3', C)]);
    expect(failedIds(result)).toEqual(['sqs-m1', 'sqs-m2', 'sqs-m3']);
    expect(sent).toEqual([]);
    expect([...table.keys()].some((key) => key.includes('MSG#'))).toBe(false);

    faults = {};
    const retried = await gateOutboundBatch(deps(), [record('m1', A), record('m2', B), record('m3', C)]);
    expect(retried.batchItemFailures).toEqual([]);
    expect(dispatchedIds().sort()).toEqual(['m1', 'm2']);
    expect(suppressedIds()).toEqual(['m3']);
  });

  it('a timeout on the line lookup fails the batch closed', async () => {
    faults.batchGet = (_input, call) => (call === 1 ? timeout() : undefined);
    const result = await gateOutboundBatch(deps(), [record('m1', A), record('m2', C)]);
    expect(failedIds(result)).toEqual(['sqs-m1', 'sqs-m2']);
    expect(sent).toEqual([]);
  });

  it('retries UnprocessedKeys with backoff and decides once they are read', async () => {
    faults.batchGet = (input, call) => (input.RequestItems?.[TABLE]?.ConsistentRead && call <= 4 ? 'unprocessed-all' : undefined);
    const result = await gateOutboundBatch(deps(), [record('m1', A), record('m2', C)]);
    expect(result.batchItemFailures).toEqual([]);
    expect(dispatchedIds()).toEqual(['m1']);
    expect(suppressedIds()).toEqual(['m2']);
  });

  it('keys that stay unprocessed fail only the messages that need them', async () => {
    faults.batchGet = (input) => (input.RequestItems?.[TABLE]?.ConsistentRead ? (key) => key.pk.endsWith(B) : undefined);
    const result = await gateOutboundBatch(deps(), [record('m1', A), record('m2', B)]);
    expect(failedIds(result)).toEqual(['sqs-m2']);
    expect(dispatchedIds()).toEqual(['m1']);
  });

  it('an erased contact is blocked from its summary alone; the tombstone is read only where no summary exists, and fails closed there', async () => {
    const erasureKey = Buffer.alloc(32, 1);
    const erasure = keys.erasureKey(ACCOUNT);
    table.set(id(erasure), { ...erasure, key: await secrets.seal(erasureKey.toString('base64'), SEALING_CONTEXT.erasureKey(ACCOUNT)) });
    // The channel's default lets marketing through to D, who has no summary: only a tombstone could stop it.
    const settings = defaultAccountSettings();
    settings.channels.sms.defaultStatus = 'opted_in';
    table.set(id(keys.settings(ACCOUNT)), { ...keys.settings(ACCOUNT), settings });
    seedConsent(A, 'opted_in', { erasedAt: '2026-06-01T00:00:00.000Z' });
    faults.batchGet = (input) => ((input.RequestItems?.[TABLE]?.Keys ?? []).some((key) => String(key.pk).includes('#ERASED#')) ? throttled() : undefined);
    const result = await gateOutboundBatch(deps(), [record('m1', A), record('m2', D), record('m3', D, 'transactional'), record('m4', C)]);
    expect(failedIds(result)).toEqual(['sqs-m2']);
    expect(dispatchedIds()).toEqual(['m3']);
    expect(suppressedIds().sort()).toEqual(['m1', 'm4']);
    expect(JSON.parse(sent.find((message) => message.body.includes('"m1"'))?.body ?? '{}')).toMatchObject({ decision: { reason: 'erased', basis: { erasure: { erasedAt: '2026-06-01T00:00:00.000Z' } } } });
    expect(requestedKeys.filter((key) => key.includes('#ERASED#'))).toEqual([id(keys.tombstone(ACCOUNT, contactErasureHash(erasureKey, D)))]);
  });

  it('a throttled claim transaction sends nothing and retries every message', async () => {
    faults.transact = (_input, call) => (call === 1 ? throttled() : undefined);
    const result = await gateOutboundBatch(deps(), [record('m1', A), record('m2', C)]);
    expect(failedIds(result)).toEqual(['sqs-m1', 'sqs-m2']);
    expect(sent).toEqual([]);
  });

  it('a conflicting transaction is retried for the other items and reports the busy one', async () => {
    // Another invocation holds a live claim on m2 (its receipt is not written yet).
    const key = keys.outboundMessage(ACCOUNT, B, 'm2');
    table.set(id(key), { ...key, outcome: 'allowed', receiptId: 'other', claimIndex: 0, claimToken: 'other:0', leaseUntil: clock + 30_000, expiresAt: FAR });
    const result = await gateOutboundBatch(deps(), [record('m1', A), record('m2', B)]);
    expect(failedIds(result)).toEqual(['sqs-m2']);
    expect(dispatchedIds()).toEqual(['m1']);
  });
});

describe('gate under SQS faults and redeliveries: nothing lost, nothing dispatched twice', () => {
  it('SendMessageBatch partial failure: the failed message is retried (its claim given back in the receipt), the rest never resent', async () => {
    // The dispatch request that carries m1 fails its first entry (m1) every time in this invocation.
    faults.send = (input) => (input.QueueUrl === 'q-dispatch' && input.Entries?.some((entry) => entry.MessageBody?.includes('"m1"')) ? new Set(['m0']) : undefined);
    const first = await gateOutboundBatch(deps(), [record('m1', A), record('m2', B)]);
    expect(failedIds(first)).toEqual(['sqs-m1']);
    expect(dispatchedIds()).toEqual(['m2']);
    expect(receipt('receipt-1')).toMatchObject({ sent: new Set([1]), released: new Set([0]) });

    // SQS redelivers m1 at once (its lease is still live, but its claim was given back); a duplicate of m2 arrives too.
    faults = {};
    clock += 1_000;
    const second = await gateOutboundBatch(deps(), [record('m1', A), record('m2', B)]);
    expect(second.batchItemFailures).toEqual([]);
    expect(second.summary).toMatchObject({ dispatched: 1, duplicates: 1 });
    expect(dispatchedIds().sort()).toEqual(['m1', 'm2']);
    expect(history(A, 'm1')).toMatchObject({ receiptId: 'receipt-2' });
  });

  it('a SendMessageBatch that throws leaves every message of it for retry', async () => {
    faults.send = (input) => (input.QueueUrl === 'q-suppressed' ? timeout() : undefined);
    const result = await gateOutboundBatch(deps(), [record('m1', A), record('m2', C)]);
    expect(failedIds(result)).toEqual(['sqs-m2']);
    expect(dispatchedIds()).toEqual(['m1']);
    expect(suppressedIds()).toEqual([]);
  });

  it('an invalid envelope whose DLQ write fails is retried, not dropped', async () => {
    faults.send = (input) => (input.QueueUrl === 'q-dlq' ? throttled() : undefined);
    const result = await gateOutboundBatch(deps(), [{ messageId: 'sqs-bad', body: '{"messageId":' }]);
    expect(failedIds(result)).toEqual(['sqs-bad']);
  });

  it('a crash between claim and send: the retry waits for the lease, then dispatches once', async () => {
    // The "crashed" invocation claimed m1 and died before sending (so it wrote no receipt).
    const key = keys.outboundMessage(ACCOUNT, A, 'm1');
    table.set(id(key), { ...key, outcome: 'allowed', receiptId: 'dead', claimIndex: 3, claimToken: 'dead:3', leaseUntil: clock + 60_000, expiresAt: FAR });
    const early = await gateOutboundBatch(deps(), [record('m1', A)]);
    expect(failedIds(early)).toEqual(['sqs-m1']);
    expect(sent).toEqual([]);
    clock += 61_000;
    const late = await gateOutboundBatch(deps(), [record('m1', A)]);
    expect(late.batchItemFailures).toEqual([]);
    expect(dispatchedIds()).toEqual(['m1']);
  });

  it('a redelivery after the send is acknowledged from the receipt, also once the lease is over', async () => {
    await gateOutboundBatch(deps(), [record('m1', A), record('m3', C)]);
    for (const delay of [1_000, 3_600_000]) {
      clock += delay;
      const again = await gateOutboundBatch(deps(), [record('m1', A), record('m3', C)]);
      expect(again.batchItemFailures).toEqual([]);
      expect(again.summary).toMatchObject({ duplicates: 2, dispatched: 0, suppressed: 0 });
    }
    expect(dispatchedIds()).toEqual(['m1']);
    expect(suppressedIds()).toEqual(['m3']);
  });

  it('a message held back by quiet hours (deferral) is decided again when it comes back, even while its lease runs', async () => {
    const key = keys.outboundMessage(ACCOUNT, A, 'm1');
    table.set(id(key), { ...key, outcome: 'deferred', receiptId: 'earlier', claimIndex: 0, claimToken: 'earlier:0', leaseUntil: clock + 30_000, expiresAt: FAR });
    const result = await gateOutboundBatch(deps(), [record('m1', A)]);
    expect(result.batchItemFailures).toEqual([]);
    expect(dispatchedIds()).toEqual(['m1']);
  });

  it('the receipt cannot be written after the send: the message is acknowledged, the error logged, and a duplicate is held back while the lease runs (then the README’s window)', async () => {
    faults.transact = (input) => ((input.TransactItems?.[0]?.Put?.Item as Item | undefined)?.type === 'gateReceipt' ? throttled() : undefined);
    const result = await gateOutboundBatch(deps(), [record('m1', A)]);
    expect(result.batchItemFailures).toEqual([]);
    expect(dispatchedIds()).toEqual(['m1']);
    expect(log.lines).toContain('Could not record the batch receipt');
    faults = {};
    const duplicate = await gateOutboundBatch(deps(), [record('m1', A)]);
    expect(failedIds(duplicate)).toEqual(['sqs-m1']);
    expect(dispatchedIds()).toEqual(['m1']);
    // Once the lease is over nothing tells a send from a crash before it: the message goes again
    // (delivery workers drop repeats by decision.messageId).
    clock += 61_000;
    await gateOutboundBatch(deps(), [record('m1', A)]);
    expect(dispatchedIds()).toEqual(['m1', 'm1']);
  });

  it('campaign counters that keep conflicting (a burst: every gate invocation of the campaign updates them) do not cost the receipt: it is written alone, the counters after it', async () => {
    const conflict = (input: TransactWriteCommandInput) =>
      new TransactionCanceledException({ message: 'cancelled', $metadata: {}, CancellationReasons: (input.TransactItems ?? []).map((entry) => ({ Code: entry.Update ? 'TransactionConflict' : 'None' })) as never });
    // The counter item is held by other receipts for the first rounds: receipt + counter conflict every time, the counter alone twice more.
    let counterConflicts = 0;
    faults.transact = (input) => {
      const items = input.TransactItems ?? [];
      if (!items.some((entry) => entry.Update)) return undefined;
      if (items.some((entry) => entry.Put)) return conflict(input);
      counterConflicts += 1;
      return counterConflicts <= 2 ? conflict(input) : undefined;
    };
    const result = await gateOutboundBatch(deps(), [record('m1', A, 'marketing', 'spring'), record('m2', B, 'marketing', 'spring')]);
    expect(result.batchItemFailures).toEqual([]);
    expect(receipt('receipt-1')?.sent).toEqual(new Set([0, 1]));
    expect(sentCounter('spring')).toBe(2);
    expect(log.lines).toEqual([]);

    // Counters that never get through are reported lost; the receipt still stands.
    faults.transact = (input) => ((input.TransactItems ?? []).some((entry) => entry.Update) ? conflict(input) : undefined);
    await gateOutboundBatch(deps(), [record('m3', A, 'marketing', 'spring')]);
    expect(receipt('receipt-2')?.sent).toEqual(new Set([0]));
    expect(sentCounter('spring')).toBe(2);
    expect(log.lines).toContain('Could not record campaign sent counters');
  });

  it('duplicates of one messageId inside a batch are dispatched once', async () => {
    const result = await gateOutboundBatch(deps(), [record('m1', A), { ...record('m1', A), messageId: 'sqs-m1-copy' }]);
    expect(result.batchItemFailures).toEqual([]);
    expect(result.summary).toMatchObject({ dispatched: 1, duplicates: 1 });
    expect(dispatchedIds()).toEqual(['m1']);
  });
});

describe('gate: campaign sent counters and opt-out attribution', () => {
  it('counts each dispatched marketing message of a campaign once, in the receipt’s transaction (not suppressed, transactional, failed or redelivered ones)', async () => {
    faults.send = (input) => (input.QueueUrl === 'q-dispatch' ? new Set(['m0']) : undefined);
    const first = await gateOutboundBatch(deps(), [record('m1', A, 'marketing', 'spring'), record('m2', B, 'transactional', 'spring'), record('m3', C, 'marketing', 'spring'), record('m4', B, 'marketing', 'spring')]);
    expect(failedIds(first)).toEqual(['sqs-m1']);
    expect(sentCounter('spring')).toBe(1);

    faults = {};
    clock += 1_000;
    await gateOutboundBatch(deps(), [record('m1', A, 'marketing', 'spring'), record('m4', B, 'marketing', 'spring')]);
    expect(sentCounter('spring')).toBe(2);
  });

  it('marks allowed marketing for attribution (byMarketingSend index attributes), nothing else', async () => {
    await gateOutboundBatch(deps(), [record('m1', A, 'marketing', 'spring'), record('m2', B, 'transactional'), record('m3', C, 'marketing', 'spring')]);
    expect(history(A, 'm1')).toMatchObject({ gsi4pk: `A#${ACCOUNT}#C#${A}#MKT#line_1`, gsi4sk: new Date(clock).toISOString() });
    expect(history(B, 'm2')).not.toHaveProperty('gsi4pk');
    expect(history(C, 'm3')).not.toHaveProperty('gsi4pk');
  });

  it('a receipt that cannot be written counts nothing; the dispatched messages are not retried', async () => {
    faults.transact = (input) => ((input.TransactItems?.[0]?.Put?.Item as Item | undefined)?.type === 'gateReceipt' ? timeout() : undefined);
    const result = await gateOutboundBatch(deps(), [record('m1', A, 'marketing', 'spring')]);
    expect(result.batchItemFailures).toEqual([]);
    expect(dispatchedIds()).toEqual(['m1']);
    expect(sentCounter('spring')).toBe(0);
  });
});

describe('check API under DynamoDB faults', () => {
  const items = [
    { channel: 'sms' as const, from: LINE, to: A, category: 'marketing' as const },
    { channel: 'sms' as const, from: LINE, to: C, category: 'transactional' as const },
  ];

  it('answers 503 rather than a guess when consent cannot be read, and decides once it can', async () => {
    faults.batchGet = (input) => (input.RequestItems?.[TABLE]?.ConsistentRead ? timeout() : undefined);
    await expect(checkConsent({ store, now: () => new Date(clock) }, ACCOUNT, { items })).rejects.toBeInstanceOf(ServiceUnavailableError);
    faults = {};
    const { decisions } = await checkConsent({ store, now: () => new Date(clock) }, ACCOUNT, { items });
    expect(decisions.map((decision) => [decision.allowed, decision.reason])).toEqual([
      [true, 'opted_in'],
      [false, 'opted_out'],
    ]);
    expect(sent).toEqual([]);
    expect([...table.keys()].some((key) => key.includes('MSG#'))).toBe(false);
  });

  it('treats another account\'s line as unknown', async () => {
    const { decisions } = await checkConsent({ store, now: () => new Date(clock) }, 'acc_other', { items });
    expect(decisions.map((decision) => decision.reason)).toEqual(['unknown_line', 'unknown_line']);
  });
});
