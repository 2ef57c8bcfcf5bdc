import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, type BatchGetCommandInput } from '@aws-sdk/lib-dynamodb';
import { SendMessageBatchCommand, SQSClient, type SendMessageBatchCommandInput } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { batchGetAll, batchGetItems, keyId } from '../../../shared/adapters/dynamodb/batch-get-items.ts';
import { chunkForSendBatch, sendBatch } from '../../../shared/adapters/sqs/queue-sender.ts';

const credentials = { accessKeyId: 'x', secretAccessKey: 'x' };
const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1', credentials }));
const dynamo = mockClient(documentClient);
const sqsClient = new SQSClient({ region: 'us-east-1', credentials });
const sqs = mockClient(sqsClient);
const noSleep = () => Promise.resolve();

beforeEach(() => {
  dynamo.reset();
  sqs.reset();
});

describe('batchGetItems', () => {
  it('deduplicates keys and uses one request per 100 distinct keys', async () => {
    const calls: number[] = [];
    dynamo.on(BatchGetCommand).callsFake((input: BatchGetCommandInput) => {
      const requested = input.RequestItems?.t?.Keys ?? [];
      calls.push(requested.length);
      return { Responses: { t: requested.map((key) => ({ ...key, found: true })) } };
    });
    const keys = Array.from({ length: 250 }, (_, index) => ({ pk: `P${index % 210}`, sk: 'S' }));
    const result = await batchGetItems(documentClient, 't', keys, { sleep: noSleep });
    expect(calls.sort((a, b) => a - b)).toEqual([10, 100, 100]);
    expect(result.items.size).toBe(210);
    expect(result.failed.size).toBe(0);
    expect(result.requests).toBe(3);
  });

  it('asks for the keys in a projection and passes ConsistentRead through', async () => {
    dynamo.on(BatchGetCommand).resolves({ Responses: { t: [] } });
    await batchGetItems(documentClient, 't', [{ pk: 'a', sk: 'b' }], { consistentRead: true, attributes: ['accountId'] });
    const input = dynamo.commandCalls(BatchGetCommand)[0]?.args[0].input;
    expect(input?.RequestItems?.t).toMatchObject({ ConsistentRead: true, ProjectionExpression: '#a0, #a1, #a2', ExpressionAttributeNames: { '#a0': 'pk', '#a1': 'sk', '#a2': 'accountId' } });
  });

  it('gives up after maxRounds and reports the keys still unprocessed', async () => {
    dynamo.on(BatchGetCommand).callsFake((input: BatchGetCommandInput) => ({
      Responses: { t: [] },
      UnprocessedKeys: { t: { Keys: input.RequestItems?.t?.Keys } },
    }));
    const waits: number[] = [];
    const result = await batchGetItems(documentClient, 't', [{ pk: 'a', sk: 'b' }], { maxRounds: 3, baseDelayMs: 100, sleep: async (ms) => void waits.push(ms) });
    expect(result.requests).toBe(3);
    expect([...result.failed]).toEqual([keyId({ pk: 'a', sk: 'b' })]);
    expect(waits).toHaveLength(2);
    expect(waits[1]).toBeLessThanOrEqual(400);
  });
});

describe('batchGetAll', () => {
  it('returns every item, with at most `concurrency` requests in flight', async () => {
    let inFlight = 0;
    let most = 0;
    dynamo.on(BatchGetCommand).callsFake(async (input: BatchGetCommandInput) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 1));
      inFlight -= 1;
      return { Responses: { t: (input.RequestItems?.t?.Keys ?? []).map((key) => ({ ...key })) } };
    });
    const keys = Array.from({ length: 950 }, (_, index) => ({ pk: `P${index}`, sk: 'S' }));
    const items = await batchGetAll(documentClient, 't', keys, { concurrency: 3, sleep: noSleep });
    expect(items).toHaveLength(950);
    expect(most).toBe(3);
  });

  it("throws the request's own error, or says how many keys stayed unprocessed", async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    dynamo.on(BatchGetCommand).rejects(throttled);
    await expect(batchGetAll(documentClient, 't', [{ pk: 'a', sk: 'b' }], { sleep: noSleep })).rejects.toBe(throttled);
    dynamo.reset();
    dynamo.on(BatchGetCommand).callsFake((input: BatchGetCommandInput) => ({ Responses: { t: [] }, UnprocessedKeys: { t: { Keys: input.RequestItems?.t?.Keys } } }));
    await expect(batchGetAll(documentClient, 't', [{ pk: 'a', sk: 'b' }, { pk: 'c', sk: 'd' }], { maxRounds: 2, sleep: noSleep })).rejects.toThrow(
      'BatchGetItem left 2 key(s) unprocessed',
    );
  });
});

describe('sendBatch', () => {
  it('chunks by 10 entries and by 256 KiB', () => {
    const small = Array.from({ length: 23 }, (_, index) => ({ id: `s${index}`, body: 'x' }));
    expect(chunkForSendBatch(small).map((chunk) => chunk.length)).toEqual([10, 10, 3]);
    const large = Array.from({ length: 4 }, (_, index) => ({ id: `l${index}`, body: 'x'.repeat(100 * 1024) }));
    expect(chunkForSendBatch(large).map((chunk) => chunk.length)).toEqual([2, 2]);
  });

  it('retries entries SQS failed on its side and reports the sender-fault ones without retrying them', async () => {
    let call = 0;
    sqs.on(SendMessageBatchCommand).callsFake((input: SendMessageBatchCommandInput) => {
      call += 1;
      const entries = input.Entries ?? [];
      const failed = entries.filter((entry) => (call === 1 && entry.Id === 'm1') || entry.MessageBody === 'rejected');
      return {
        Successful: entries.filter((entry) => !failed.includes(entry)).map((entry) => ({ Id: entry.Id, MessageId: 'x', MD5OfMessageBody: 'x' })),
        Failed: failed.map((entry) => ({ Id: entry.Id, Code: entry.MessageBody === 'rejected' ? 'InvalidParameterValue' : 'InternalError', SenderFault: entry.MessageBody === 'rejected' })),
      };
    });
    const result = await sendBatch(sqsClient, 'q', [{ id: 'a', body: 'ok' }, { id: 'b', body: 'transient' }, { id: 'c', body: 'rejected' }], { sleep: noSleep });
    expect([...result.failed.keys()]).toEqual(['c']);
    expect(result.requests).toBe(2);
    expect(sqs.commandCalls(SendMessageBatchCommand)[1]?.args[0].input.Entries?.map((entry) => entry.MessageBody)).toEqual(['transient']);
  });
});
