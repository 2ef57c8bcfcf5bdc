import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  ProvisionedThroughputExceededException,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { batchDeleteKeys, BatchWriteIncompleteError } from '../../../shared/adapters/dynamodb/batch-write.ts';
import { ErasureStore } from '../../../shared/adapters/dynamodb/erasure-store.ts';
import { SweepStore } from '../../../shared/adapters/dynamodb/sweep-store.ts';
import { EXPIRY_INDEX_SHARDS } from '../../../shared/adapters/dynamodb/table-keys.ts';
import { sweepExpiredItems } from '../../../shared/use-cases/retention-sweep.ts';
import { SEALING_CONTEXT } from '../../../shared/security/secret-box.ts';
import { testSecretBox } from '../../support/secret-box.ts';

const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }));
const dynamo = mockClient(documentClient);
const TABLE = 'optgate-test';
const noSleep = async () => undefined;

const keysOf = (count: number, prefix = 'EVENT#') => Array.from({ length: count }, (_, index) => ({ pk: 'A#acc#C#+12025550143', sk: `${prefix}${index}` }));
type DeleteRequest = { DeleteRequest?: { Key?: Record<string, unknown> } };
const requestsOf = (callIndex: number): DeleteRequest[] =>
  (dynamo.commandCalls(BatchWriteCommand)[callIndex]?.args[0].input.RequestItems?.[TABLE] ?? []) as DeleteRequest[];

describe('batchDeleteKeys when DynamoDB pushes back', () => {
  beforeEach(() => dynamo.reset());

  it('sends 25 deletes per BatchWriteItem call', async () => {
    dynamo.on(BatchWriteCommand).resolves({});
    await batchDeleteKeys(documentClient, TABLE, keysOf(60), { sleep: noSleep });
    expect(dynamo.commandCalls(BatchWriteCommand).map((_call, index) => requestsOf(index).length).sort()).toEqual([10, 25, 25]);
  });

  it('retries exactly the unprocessed items until DynamoDB takes them', async () => {
    const keys = keysOf(25);
    const leftOver = keys.slice(20).map((Key) => ({ DeleteRequest: { Key } }));
    dynamo
      .on(BatchWriteCommand)
      .resolvesOnce({ UnprocessedItems: { [TABLE]: leftOver } })
      .resolvesOnce({ UnprocessedItems: { [TABLE]: leftOver.slice(0, 2) } })
      .resolves({});
    const sleeps: number[] = [];
    await batchDeleteKeys(documentClient, TABLE, keys, { sleep: async (ms) => void sleeps.push(ms), concurrency: 1 });
    expect(dynamo.commandCalls(BatchWriteCommand).map((_call, index) => requestsOf(index).length)).toEqual([25, 5, 2]);
    expect(requestsOf(1).map((request) => request.DeleteRequest?.Key?.sk)).toEqual(['EVENT#20', 'EVENT#21', 'EVENT#22', 'EVENT#23', 'EVENT#24']);
    expect(sleeps).toHaveLength(2);
  });

  it('retries a throttled call as a whole, then succeeds', async () => {
    dynamo
      .on(BatchWriteCommand)
      .rejectsOnce(new ProvisionedThroughputExceededException({ message: 'Rate exceeded', $metadata: {} }))
      .resolves({});
    await batchDeleteKeys(documentClient, TABLE, keysOf(3), { sleep: noSleep });
    expect(dynamo.commandCalls(BatchWriteCommand)).toHaveLength(2);
  });

  it('gives up after maxAttempts with the count still unprocessed, instead of looping forever', async () => {
    const keys = keysOf(4);
    dynamo.on(BatchWriteCommand).resolves({ UnprocessedItems: { [TABLE]: keys.map((Key) => ({ DeleteRequest: { Key } })) } });
    const failure = batchDeleteKeys(documentClient, TABLE, keys, { sleep: noSleep, maxAttempts: 4 });
    await expect(failure).rejects.toBeInstanceOf(BatchWriteIncompleteError);
    await expect(failure).rejects.toMatchObject({ remaining: 4 });
    expect(dynamo.commandCalls(BatchWriteCommand)).toHaveLength(4);
  });

  it('does not retry an error that another attempt cannot fix, and starts no new batch after a failure', async () => {
    dynamo.on(BatchWriteCommand).rejects(new ResourceNotFoundException({ message: 'no such table', $metadata: {} }));
    await expect(batchDeleteKeys(documentClient, TABLE, keysOf(100), { sleep: noSleep, concurrency: 1 })).rejects.toBeInstanceOf(ResourceNotFoundException);
    expect(dynamo.commandCalls(BatchWriteCommand)).toHaveLength(1);
  });
});

describe('the sweep when DynamoDB pushes back or a write races it', () => {
  beforeEach(() => {
    dynamo.reset();
    dynamo.on(UpdateCommand).resolves({});
    dynamo.on(PutCommand).resolves({});
    dynamo.on(GetCommand).resolves({});
    dynamo.on(QueryCommand).resolves({ Items: [] });
  });

  const now = new Date('2026-06-10T12:00:00.000Z');
  const deps = () => ({ db: documentClient, tableName: TABLE, sweepStore: new SweepStore(documentClient, TABLE), realNowMs: () => Date.now() });

  it('deletes write-once items in batches and renewable ones only if still expired; a renewed one is left and reported', async () => {
    dynamo
      .on(QueryCommand, { ExpressionAttributeValues: { ':bucket': 'EXP#2026-06-10#3', ':upper': '1781092801' } })
      .resolves({
        Items: [
          { pk: 'A#acc#C#+12025550143', sk: 'EVENT#01J1' },
          { pk: 'A#acc#C#+12025550143', sk: 'MSG#1' },
          { pk: 'A#acc#C#+12025550143', sk: 'CONSENT#sms#*' },
          { pk: 'A#acc#C#+12025550143', sk: 'PROFILE' },
        ],
      });
    dynamo.on(BatchWriteCommand).resolves({});
    dynamo
      .on(DeleteCommand, { Key: { pk: 'A#acc#C#+12025550143', sk: 'CONSENT#sms#*' } })
      .rejects(new ConditionalCheckFailedException({ message: 'renewed', $metadata: {} }));
    dynamo.on(DeleteCommand, { Key: { pk: 'A#acc#C#+12025550143', sk: 'PROFILE' } }).resolves({});

    const report = await sweepExpiredItems(deps(), { now, deadlineMs: Date.now() + 60_000 });
    expect(report).toMatchObject({ status: 'complete', itemsRead: 4, totalDeleted: 3, renewed: 1, deleted: { event: 1, message: 1, profile: 1 } });
    expect(requestsOf(0).map((request) => request.DeleteRequest?.Key?.sk)).toEqual(['EVENT#01J1', 'MSG#1']);
    const conditional = dynamo.commandCalls(DeleteCommand).map((call) => call.args[0].input);
    expect(conditional.map((input) => input.ConditionExpression)).toEqual(['expiresAt <= :now', 'expiresAt <= :now']);
    // Buckets of the look-back days up to today, every shard of each: queried, never scanned.
    expect(report.bucketsQueried).toBe(4 * EXPIRY_INDEX_SHARDS);
  });

  it('frees its lease and fails (to be retried by the next schedule) when deletes keep being throttled', async () => {
    dynamo.on(QueryCommand, { ExpressionAttributeValues: { ':bucket': 'EXP#2026-06-09#0', ':upper': '1781092801' } }).resolves({
      Items: [{ pk: 'A#acc#C#+12025550143', sk: 'EVENT#01J1' }],
    });
    dynamo.on(BatchWriteCommand).rejects(new ProvisionedThroughputExceededException({ message: 'Rate exceeded', $metadata: {} }));
    await expect(sweepExpiredItems(deps(), { now, deadlineMs: Date.now() + 60_000 })).rejects.toBeInstanceOf(ProvisionedThroughputExceededException);
    const release = dynamo.commandCalls(UpdateCommand).map((call) => call.args[0].input.UpdateExpression);
    expect(release.at(-1)).toBe('REMOVE leaseOwner, leaseUntil');
  });

  it('stands back when another sweep holds the lease', async () => {
    dynamo.on(UpdateCommand).rejects(new ConditionalCheckFailedException({ message: 'leased', $metadata: {} }));
    const report = await sweepExpiredItems(deps(), { now, deadlineMs: Date.now() + 60_000 });
    expect(report.status).toBe('busy');
    expect(dynamo.commandCalls(QueryCommand)).toHaveLength(0);
  });
});

describe('the account erasure key', () => {
  beforeEach(() => dynamo.reset());

  it('is created once: a concurrent creator that loses the conditional put uses the winner’s key', async () => {
    const winner = Buffer.alloc(32, 7).toString('base64');
    const secrets = testSecretBox();
    dynamo.on(GetCommand).resolvesOnce({}).resolves({ Item: { key: await secrets.seal(winner, SEALING_CONTEXT.erasureKey('acc')) } });
    dynamo.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: 'exists', $metadata: {} }));
    const key = await new ErasureStore(documentClient, TABLE, secrets).getOrCreateKey('acc', new Date());
    expect(key.toString('base64')).toBe(winner);
    expect(dynamo.commandCalls(PutCommand)[0]?.args[0].input.ConditionExpression).toBe('attribute_not_exists(pk)');
  });
});
