import { DynamoDBClient, ProvisionedThroughputExceededException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, TransactWriteCommand, type BatchGetCommandInput, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { SendMessageBatchCommand, SQSClient, type SendMessageBatchCommandInput } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { OutboundStore } from '../../../shared/adapters/dynamodb/outbound-store.ts';
import { keys } from '../../../shared/adapters/dynamodb/table-keys.ts';
import { defaultAccountSettings } from '../../../shared/domain/accounts/account-settings.ts';
import { ServiceUnavailableError } from '../../../shared/domain/errors.ts';
import { checkConsent } from '../../../shared/use-cases/check-consent.ts';
import { gateOutboundBatch, type GateDeps, type GateRecord } from '../../../shared/use-cases/gate-outbound-batch.ts';
import type { MarketingSend } from '../../../shared/use-cases/record-marketing-send.ts';
import { SEALING_CONTEXT } from '../../../shared/security/secret-box.ts';
import { testSecretBox } from '../../support/secret-box.ts';

const secrets = testSecretBox();

/**
 * The gate against injected DynamoDB and SQS faults. The table is a small in-memory model behind
 * aws-sdk-client-mock (BatchGetItem with UnprocessedKeys, conditional TransactWriteItems with
 * cancellation reasons), so a fault can hit exactly one call and the test can check what was
 * dispatched, suppressed, retried and written, over several deliveries.
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
let faults: {
  batchGet?: (input: BatchGetCommandInput, call: number) => Error | 'unprocessed-all' | ((key: { pk: string; sk: string }) => boolean) | undefined;
  transact?: (input: TransactWriteCommandInput, call: number) => Error | undefined;
  send?: (input: SendMessageBatchCommandInput, call: number) => Error | Set<string> | undefined;
  marketingSends?: Error;
};
let marketingSends: MarketingSend[];
let clock: number;
const log = { lines: [] as string[], info: () => undefined, warn: (m: string) => log.lines.push(m), error: (m: string) => log.lines.push(m) };

const id = (key: Record<string, unknown>) => `${String(key.pk)}|${String(key.sk)}`;
const throttled = () => new ProvisionedThroughputExceededException({ message: 'Rate exceeded', $metadata: {} });
const timeout = () => Object.assign(new Error('Connection timed out after 3000 ms'), { name: 'TimeoutError' });

function seedConsent(contact: string, status: 'opted_in' | 'opted_out') {
  const key = keys.consent(ACCOUNT, contact, 'sms', '*');
  table.set(id(key), { ...key, contact, channel: 'sms', scope: '*', status, occurredAt: '2026-01-01T00:00:00.000Z', eventId: 'E1' });
}

function installFakes() {
  let batchGets = 0;
  dynamo.on(BatchGetCommand).callsFake((input: BatchGetCommandInput) => {
    batchGets += 1;
    const requested = (input.RequestItems?.[TABLE]?.Keys ?? []) as { pk: string; sk: string }[];
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
        const values = entry.Put.ExpressionAttributeValues ?? {};
        const ok =
          !old ||
          (old.state === 'done' && old.outcome === 'deferred') ||
          (old.state === 'claimed' && Number(old.leaseUntil) < Number(values[':nowMs']));
        return ok ? { Code: 'None' } : { Code: 'ConditionalCheckFailed', Item: { state: { S: String(old.state) }, outcome: { S: String(old.outcome) } } };
      }
      const update = entry.Update;
      const old = update ? table.get(id(update.Key as Item)) : undefined;
      return old && old.claimToken === update?.ExpressionAttributeValues?.[':token'] ? { Code: 'None' } : { Code: 'ConditionalCheckFailed' };
    });
    if (reasons.some((reason) => reason.Code !== 'None')) {
      throw new TransactionCanceledException({ message: 'cancelled', $metadata: {}, CancellationReasons: reasons as never });
    }
    for (const entry of items) {
      if (entry.Put) table.set(id(entry.Put.Item as Item), { ...(entry.Put.Item as Item) });
      else if (entry.Update) {
        const key = id(entry.Update.Key as Item);
        const old = table.get(key) as Item;
        if (entry.Update.UpdateExpression?.startsWith('SET #state')) table.set(key, { ...old, state: 'done', leaseUntil: undefined });
        else table.set(key, { ...old, leaseUntil: 0 });
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
function deps(): GateDeps {
  return {
    store,
    sqs: sqsClient,
    queues: { outbound: 'q-outbound', dispatch: 'q-dispatch', suppressed: 'q-suppressed', dlq: 'q-dlq' },
    now: () => new Date(clock),
    leaseMs: 60_000,
    newToken: (() => {
      let n = 0;
      return () => `token-${clock}-${(n += 1)}`;
    })(),
    log,
    sendOptions: { sleep: noSleep },
    marketingSends: async (sends) => {
      if (faults.marketingSends) throw faults.marketingSends;
      marketingSends.push(...sends);
    },
  };
}

function record(messageId: string, to: string, category: 'marketing' | 'transactional' = 'marketing'): GateRecord {
  return { messageId: `sqs-${messageId}`, body: JSON.stringify({ messageId, channel: 'sms', from: LINE, to, category }) };
}
const dispatchedIds = () => sent.filter((message) => message.queue === 'q-dispatch').map((message) => (JSON.parse(message.body) as { decision: { messageId: string } }).decision.messageId);
const suppressedIds = () => sent.filter((message) => message.queue === 'q-suppressed').map((message) => (JSON.parse(message.body) as { decision: { messageId: string } }).decision.messageId);
const failedIds = (result: { batchItemFailures: { itemIdentifier: string }[] }) => result.batchItemFailures.map((failure) => failure.itemIdentifier).sort();

const A = '+12025550101';
const B = '+12025550102';
const C = '+12025550103';

beforeEach(() => {
  dynamo.reset();
  sqs.reset();
  table = new Map();
  sent = [];
  marketingSends = [];
  faults = {};
  log.lines = [];
  clock = Date.parse('2026-11-24T12:00:00.000Z');
  const route = keys.route('sms', LINE);
  table.set(id(route), { ...route, accountId: ACCOUNT, lineId: 'line_1', channel: 'sms', address: LINE });
  const settings = keys.settings(ACCOUNT);
  table.set(id(settings), { ...settings, settings: defaultAccountSettings() });
  seedConsent(A, 'opted_in');
  seedConsent(B, 'opted_in');
  seedConsent(C, 'opted_out');
  store = new OutboundStore(documentClient, TABLE, { cacheTtlMs: 30_000, secrets, batchGet: { sleep: noSleep }, sleep: noSleep });
  installFakes();
});

describe('gate under DynamoDB faults', () => {
  it('without faults: dispatches, suppresses and records every decision (the baseline the faults are compared with)', async () => {
    const result = await gateOutboundBatch(deps(), [record('m1', A), record('m2', B), record('m3', C)]);
    expect(result.batchItemFailures).toEqual([]);
    expect(dispatchedIds().sort()).toEqual(['m1', 'm2']);
    expect(suppressedIds()).toEqual(['m3']);
    expect(table.get(id(keys.outboundMessage(ACCOUNT, A, 'm1')))).toMatchObject({ state: 'done', outcome: 'allowed' });
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

  it('a failed tombstone read (second round) fails closed the marketing it could block, and only that', async () => {
    const erasure = keys.erasureKey(ACCOUNT);
    table.set(id(erasure), { ...erasure, key: await secrets.seal(Buffer.alloc(32, 1).toString('base64'), SEALING_CONTEXT.erasureKey(ACCOUNT)) });
    faults.batchGet = (input) => ((input.RequestItems?.[TABLE]?.Keys ?? []).some((key) => String(key.pk).includes('#ERASED#')) ? throttled() : undefined);
    const result = await gateOutboundBatch(deps(), [record('m1', A), record('m2', B, 'transactional'), record('m3', C)]);
    expect(failedIds(result)).toEqual(['sqs-m1']);
    expect(dispatchedIds()).toEqual(['m2']);
    expect(suppressedIds()).toEqual(['m3']);
  });

  it('a throttled claim transaction sends nothing and retries every message', async () => {
    faults.transact = (_input, call) => (call === 1 ? throttled() : undefined);
    const result = await gateOutboundBatch(deps(), [record('m1', A), record('m2', C)]);
    expect(failedIds(result)).toEqual(['sqs-m1', 'sqs-m2']);
    expect(sent).toEqual([]);
  });

  it('a conflicting transaction is retried for the other items and reports the busy one', async () => {
    // Another invocation holds a live claim on m2.
    const key = keys.outboundMessage(ACCOUNT, B, 'm2');
    table.set(id(key), { ...key, state: 'claimed', outcome: 'allowed', claimToken: 'other', leaseUntil: clock + 30_000 });
    const result = await gateOutboundBatch(deps(), [record('m1', A), record('m2', B)]);
    expect(failedIds(result)).toEqual(['sqs-m2']);
    expect(dispatchedIds()).toEqual(['m1']);
  });
});

describe('gate under SQS faults and redeliveries: nothing lost, nothing dispatched twice', () => {
  it('SendMessageBatch partial failure: the failed message is retried and released, the rest never resent', async () => {
    // The first dispatch request fails entry m0 (the first entry) every time the gate tries it in this invocation.
    faults.send = (input) => (input.QueueUrl === 'q-dispatch' && input.Entries?.some((entry) => entry.MessageBody?.includes('"m1"')) ? new Set(['m0']) : undefined);
    const first = await gateOutboundBatch(deps(), [record('m1', A), record('m2', B)]);
    expect(failedIds(first)).toEqual(['sqs-m1']);
    expect(dispatchedIds()).toEqual(['m2']);
    expect(table.get(id(keys.outboundMessage(ACCOUNT, A, 'm1')))).toMatchObject({ state: 'claimed', leaseUntil: 0 });
    expect(table.get(id(keys.outboundMessage(ACCOUNT, B, 'm2')))).toMatchObject({ state: 'done' });

    // SQS redelivers m1; a duplicate of m2 arrives too.
    faults = {};
    clock += 1_000;
    const second = await gateOutboundBatch(deps(), [record('m1', A), record('m2', B)]);
    expect(second.batchItemFailures).toEqual([]);
    expect(second.summary).toMatchObject({ dispatched: 1, duplicates: 1 });
    expect(dispatchedIds().sort()).toEqual(['m1', 'm2']);
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
    // The "crashed" invocation claimed m1 and died before sending.
    const key = keys.outboundMessage(ACCOUNT, A, 'm1');
    table.set(id(key), { ...key, state: 'claimed', outcome: 'allowed', claimToken: 'dead', leaseUntil: clock + 60_000 });
    const early = await gateOutboundBatch(deps(), [record('m1', A)]);
    expect(failedIds(early)).toEqual(['sqs-m1']);
    expect(sent).toEqual([]);
    clock += 61_000;
    const late = await gateOutboundBatch(deps(), [record('m1', A)]);
    expect(late.batchItemFailures).toEqual([]);
    expect(dispatchedIds()).toEqual(['m1']);
  });

  it('marking done fails after a successful send: the message is acknowledged (not resent by a retry) and the error logged', async () => {
    faults.transact = (input) => (input.TransactItems?.[0]?.Update ? throttled() : undefined);
    const result = await gateOutboundBatch(deps(), [record('m1', A)]);
    expect(result.batchItemFailures).toEqual([]);
    expect(dispatchedIds()).toEqual(['m1']);
    expect(log.lines).toContain('Could not mark gated messages done');
    // A stray duplicate while the lease is live is held back, not sent.
    faults = {};
    const duplicate = await gateOutboundBatch(deps(), [record('m1', A)]);
    expect(failedIds(duplicate)).toEqual(['sqs-m1']);
    expect(dispatchedIds()).toEqual(['m1']);
  });

  it('duplicates of one messageId inside a batch are dispatched once', async () => {
    const result = await gateOutboundBatch(deps(), [record('m1', A), { ...record('m1', A), messageId: 'sqs-m1-copy' }]);
    expect(result.batchItemFailures).toEqual([]);
    expect(result.summary).toMatchObject({ dispatched: 1, duplicates: 1 });
    expect(dispatchedIds()).toEqual(['m1']);
  });
});

describe('gate: marketing sends for opt-out attribution', () => {
  it('records each dispatched marketing message once (not suppressed, transactional, failed or redelivered ones)', async () => {
    const campaign = (messageId: string, to: string): GateRecord => ({
      messageId: `sqs-${messageId}`,
      body: JSON.stringify({ messageId, channel: 'sms', from: LINE, to, category: 'marketing', campaignId: 'spring' }),
    });
    faults.send = (input) => (input.QueueUrl === 'q-dispatch' ? new Set(['m0']) : undefined);
    const first = await gateOutboundBatch(deps(), [campaign('m1', A), record('m2', B, 'transactional'), campaign('m3', C), campaign('m4', B)]);
    expect(failedIds(first)).toEqual(['sqs-m1']);
    expect(marketingSends).toEqual([{ accountId: ACCOUNT, contact: B, lineId: 'line_1', campaignId: 'spring', sentAt: new Date(clock).toISOString(), retentionMonths: 13 }]);

    faults = {};
    clock += 1_000;
    await gateOutboundBatch(deps(), [campaign('m1', A), campaign('m4', B)]);
    expect(marketingSends.map((send) => send.contact)).toEqual([B, A]);
  });

  it('a failure to record them is logged; the dispatched messages are not retried', async () => {
    faults.marketingSends = timeout();
    const result = await gateOutboundBatch(deps(), [record('m1', A)]);
    expect(result.batchItemFailures).toEqual([]);
    expect(dispatchedIds()).toEqual(['m1']);
    expect(log.lines).toContain('Could not record marketing sends for opt-out attribution');
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
