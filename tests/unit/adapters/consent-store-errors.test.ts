import {
  ProvisionedThroughputExceededException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { logger } from '../../../shared/observability/logger.ts';
import { ConsentStore } from '../../../shared/adapters/dynamodb/consent-store.ts';
import { StatsStore } from '../../../shared/adapters/dynamodb/stats-store.ts';
import type { ConsentChangedDetail } from '../../../shared/domain/consent/consent-changed-event.ts';
import { recordConsentChange, ConsentWriteContentionError } from '../../../shared/use-cases/record-consent-change.ts';
import type { ConsentChange } from '../../../shared/domain/consent/consent-record.ts';
import { testSecretBox } from '../../support/secret-box.ts';

const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }));
const dynamo = mockClient(documentClient);
const store = new ConsentStore(documentClient, 'optgate-test', testSecretBox());

const change: ConsentChange = {
  contact: '+12025550143',
  channel: 'sms',
  scope: 'line_1',
  status: 'opted_out',
  occurredAt: '2026-11-24T08:00:00.000Z',
  source: 'keyword',
  evidence: { text: 'STOP' },
};

function cancelled(codes: string[]): TransactionCanceledException {
  return new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });
}

const published: ConsentChangedDetail[][] = [];
const deps = {
  consentStore: store,
  statsStore: new StatsStore(documentClient, 'optgate-test'),
  consentEvents: { publish: async (events: readonly ConsentChangedDetail[]) => void published.push([...events]) },
  now: () => new Date('2026-11-24T08:00:01.000Z'),
};
const input = {
  accountId: 'acc_1',
  change,
  retentionMonths: 13,
  idempotency: { provider: 'twilio', providerMessageId: 'SM1', marker: () => ({ receivedAt: '2026-11-24T08:00:01.000Z', replyState: 'none' as const }) },
};

describe('consent writes when DynamoDB misbehaves', () => {
  beforeEach(() => {
    dynamo.reset();
    dynamo.on(GetCommand).resolves({});
    // No consent summary, no erasure key, no earlier marketing send: the first write of this contact.
    dynamo.on(BatchGetCommand).resolves({ Responses: {} });
    dynamo.on(QueryCommand).resolves({ Items: [] });
    published.length = 0;
  });

  it('reports a redelivery when the idempotency marker already exists, and publishes nothing', async () => {
    dynamo.on(TransactWriteCommand).rejects(cancelled(['ConditionalCheckFailed', 'None', 'None']));
    await expect(recordConsentChange(deps, input)).resolves.toEqual({ duplicate: true });
    expect(published).toEqual([]);
  });

  it('retries when another transaction touched a counter shard at the same time (TransactionConflict)', async () => {
    dynamo
      .on(TransactWriteCommand)
      .rejectsOnce(cancelled(['None', 'None', 'None', 'TransactionConflict']))
      .resolves({});
    const result = await recordConsentChange(deps, input);
    expect(result.duplicate).toBe(false);
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(2);
    expect(published).toHaveLength(1);
  });

  it('publishes one ConsentChanged event after the commit, and a publishing failure does not undo or fail it', async () => {
    dynamo.on(TransactWriteCommand).resolves({});
    await recordConsentChange(deps, input);
    expect(published).toEqual([
      [expect.objectContaining({ accountId: 'acc_1', contact: change.contact, channel: 'sms', scope: 'line_1', previousStatus: 'not_defined', status: 'opted_out', source: 'keyword' })],
    ]);
    const failing = { ...deps, consentEvents: { publish: () => Promise.reject(new Error('EventBridge down')) } };
    const logged = vi.spyOn(logger, 'error').mockImplementation(() => undefined);
    const result = await recordConsentChange(failing, input);
    expect(result).toMatchObject({ duplicate: false });
    // Logged with the event id, from which the change can be replayed; the contact masked.
    expect(logged).toHaveBeenCalledWith('ConsentChanged events not published', expect.objectContaining({ eventIds: [result.duplicate ? '' : result.event.eventId], contact: '+12***43' }));
    logged.mockRestore();
  });

  it('re-reads and retries when the state changed concurrently, then succeeds', async () => {
    dynamo
      .on(TransactWriteCommand)
      .rejectsOnce(cancelled(['None', 'None', 'ConditionalCheckFailed']))
      .resolves({});
    const result = await recordConsentChange(deps, input);
    expect(result.duplicate).toBe(false);
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(2);
  });

  it('reads the consent summary again when only the summary moved (another scope of the channel was written), without a new audit event', async () => {
    const summaryKey = { pk: 'A#acc_1#C#+12025550143', sk: 'SUMMARY#sms' };
    dynamo
      .on(BatchGetCommand)
      .resolvesOnce({ Responses: {} })
      .resolves({ Responses: { 'optgate-test': [{ ...summaryKey, version: 4, records: { '*': { status: 'opted_in', occurredAt: '2026-11-01T00:00:00.000Z', eventId: '01JALL', expiresAt: 4_000_000_000, activityAt: '2026-11-01T00:00:00.000Z' } } }] } });
    dynamo
      .on(TransactWriteCommand)
      .rejectsOnce(cancelled(['None', 'None', 'None', 'None', 'None', 'None', 'None', 'ConditionalCheckFailed']))
      .resolves({});
    const result = await recordConsentChange(deps, input);
    expect(result.duplicate).toBe(false);
    const [first, second] = dynamo.commandCalls(TransactWriteCommand).map((call) => call.args[0].input.TransactItems ?? []);
    expect(first?.at(-1)?.Put).toMatchObject({ Item: summaryKey, ConditionExpression: 'attribute_not_exists(pk)' });
    // The second attempt keeps the channel-wide entry another writer added and is conditional on its version.
    expect(second?.at(-1)?.Put).toMatchObject({ Item: { ...summaryKey, version: 5, records: { '*': { status: 'opted_in' }, line_1: { status: 'opted_out' } } }, ExpressionAttributeValues: { ':summaryVersion': 4 } });
    // Same audit event: the consent change was decided once.
    expect(second?.find((item) => item.Put?.Item?.type === 'event')?.Put?.Item).toEqual(first?.find((item) => item.Put?.Item?.type === 'event')?.Put?.Item);
  });

  it('gives up with a contention error after repeated conflicts instead of looping forever', async () => {
    dynamo.on(TransactWriteCommand).rejects(cancelled(['None', 'None', 'ConditionalCheckFailed']));
    await expect(recordConsentChange(deps, input)).rejects.toBeInstanceOf(ConsentWriteContentionError);
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(5);
  });

  it('propagates throttling so the caller answers 5xx and the provider retries; nothing half-written', async () => {
    dynamo.on(TransactWriteCommand).rejects(new ProvisionedThroughputExceededException({ message: 'Rate exceeded', $metadata: {} }));
    await expect(recordConsentChange(deps, input)).rejects.toBeInstanceOf(ProvisionedThroughputExceededException);
    // The contact's new profile went first, on its own (it lists the record, which may not exist yet)…
    expect(dynamo.commandCalls(PutCommand).map((call) => [call.args[0].input.Item?.type, call.args[0].input.Item?.consentKeys])).toEqual([['profile', new Set(['sms#line_1'])]]);
    // …then one transaction carried the marker, event, state and summary: a failure leaves none of them.
    const [call] = dynamo.commandCalls(TransactWriteCommand);
    const transactItems = call?.args[0].input.TransactItems ?? [];
    expect(transactItems.filter((item) => item.Put).map((item) => item.Put?.Item?.type)).toEqual(['inbound', 'event', 'consent', 'consentSummary']);
    // …and the report counters in the same transaction (day, line, reason), so they cannot drift.
    expect(transactItems.filter((item) => item.Update).map((item) => String(item.Update?.Key?.pk).replace(/#\d+$/, ''))).toEqual([
      'A#acc_1#STATS#day',
      'A#acc_1#STATS#line',
      'A#acc_1#STATS#reason',
    ]);
    expect(published).toEqual([]);
  });

  it('reads the marker back when the commit fails without an answer: applied (answer lost) is committed, not applied is an error', async () => {
    let written: { eventId?: string } | undefined;
    const lost = Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });
    dynamo.on(TransactWriteCommand).callsFake((command: { TransactItems: { Put?: { Item: Record<string, unknown> } }[] }) => {
      written = command.TransactItems.find((item) => item.Put?.Item.type === 'inbound')?.Put?.Item.marker as { eventId?: string };
      throw lost;
    });
    dynamo.on(GetCommand).callsFake((command: { Key: { sk: string } }) => (command.Key.sk.startsWith('INBOUND#') && written ? { Item: { marker: written } } : {}));
    const applied = await recordConsentChange(deps, input);
    expect(applied).toMatchObject({ duplicate: false, event: { eventId: written?.eventId } });
    expect(published).toHaveLength(1);

    written = undefined;
    dynamo.on(TransactWriteCommand).rejects(lost);
    await expect(recordConsentChange(deps, input)).rejects.toThrow('socket hang up');
  });

  it('propagates a read timeout without writing anything', async () => {
    const timeout = Object.assign(new Error('socket timed out'), { name: 'TimeoutError' });
    dynamo.on(GetCommand).rejects(timeout);
    await expect(recordConsentChange(deps, input)).rejects.toThrow('socket timed out');
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it('writes the consent state only if the version it read is still there', async () => {
    dynamo.on(GetCommand).callsFake((command: { Key: { sk: string } }) =>
      command.Key.sk.startsWith('CONSENT#')
        ? {
            Item: {
              ...change,
              status: 'opted_in',
              occurredAt: '2026-11-20T00:00:00.000Z',
              eventId: '01JOLD',
              version: 7,
              updatedAt: '2026-11-20T00:00:00.000Z',
            },
          }
        : {},
    );
    dynamo.on(TransactWriteCommand).resolves({});
    await recordConsentChange(deps, input);
    const put = dynamo.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems?.[2]?.Put;
    expect(put?.ConditionExpression).toBe('version = :version');
    expect(put?.ExpressionAttributeValues).toEqual({ ':version': 7 });
    expect(put?.Item).toMatchObject({ status: 'opted_out', version: 8 });
  });
});
