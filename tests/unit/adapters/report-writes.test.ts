import { ConditionalCheckFailedException, DynamoDBClient, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoRateLimiter } from '../../../shared/adapters/dynamodb/rate-limiter.ts';
import { StatsStore } from '../../../shared/adapters/dynamodb/stats-store.ts';
import { recordMarketingSend } from '../../../shared/use-cases/record-marketing-send.ts';

const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }));
const dynamo = mockClient(documentClient);
const statsStore = new StatsStore(documentClient, 'optgate-test');

describe('recordMarketingSend (what the gate calls for allowed marketing messages)', () => {
  beforeEach(() => {
    dynamo.reset();
    dynamo.on(UpdateCommand).resolves({});
    dynamo.on(BatchWriteCommand).resolves({});
  });

  it('adds one counter update per campaign and day, and writes pointers 25 per batch, newest send per contact and line', async () => {
    const sends = Array.from({ length: 60 }, (_, index) => ({
      accountId: 'acc_1',
      contact: `+1202555${String(index % 55).padStart(4, '0')}`,
      lineId: 'line_1',
      campaignId: index < 40 ? 'spring' : 'summer',
      sentAt: index < 50 ? '2026-11-24T10:00:00.000Z' : '2026-11-25T10:00:00.000Z',
    }));
    const result = await recordMarketingSend({ statsStore }, sends);
    expect(result).toEqual({ counterUpdates: 3, pointerBatches: 3 });
    const counters = dynamo.commandCalls(UpdateCommand).map((call) => {
      const input = call.args[0].input;
      return [String(input.Key?.pk).replace(/#\d$/, ''), input.Key?.sk, input.ExpressionAttributeNames?.['#field'], input.ExpressionAttributeValues?.[':amount']];
    });
    expect(counters).toEqual([
      ['A#acc_1#STATS#campaign', '2026-11-24#spring', 'sent', 40],
      ['A#acc_1#STATS#campaign', '2026-11-24#summer', 'sent', 10],
      ['A#acc_1#STATS#campaign', '2026-11-25#summer', 'sent', 10],
    ]);
    const pointers = dynamo.commandCalls(BatchWriteCommand).flatMap((call) => call.args[0].input.RequestItems?.['optgate-test'] ?? []);
    expect(pointers).toHaveLength(55);
    const repeated = pointers.find((request) => request.PutRequest?.Item?.contact === '+12025550000')?.PutRequest?.Item;
    expect(repeated).toMatchObject({ sk: 'LASTMKT#line_1', campaignId: 'summer', sentAt: '2026-11-25T10:00:00.000Z', expiresAt: Date.parse('2026-12-02T10:00:00.000Z') / 1000 });
    expect(repeated?.gsi2pk).toMatch(/^EXP#2026-12-02#\d$/);
  });

  it('retries what BatchWriteItem leaves unprocessed (throttling)', async () => {
    dynamo
      .on(BatchWriteCommand)
      .resolvesOnce({ UnprocessedItems: { 'optgate-test': [{ PutRequest: { Item: { pk: 'x', sk: 'y' } } }] } })
      .resolves({});
    await recordMarketingSend({ statsStore }, { accountId: 'acc_1', contact: '+12025550143', lineId: 'line_1', sentAt: '2026-11-24T10:00:00.000Z' });
    expect(dynamo.commandCalls(BatchWriteCommand)).toHaveLength(2);
    expect(dynamo.commandCalls(UpdateCommand)).toHaveLength(0);
  });
});

describe('DynamoRateLimiter', () => {
  const limiter = new DynamoRateLimiter(documentClient, 'optgate-test');
  beforeEach(() => dynamo.reset());

  it('counts a hit with one conditional ADD in a fixed window keyed by a hash, never the raw subject', async () => {
    dynamo.on(UpdateCommand).resolves({});
    expect(await limiter.hit('acc_1', 'form-ip', '198.51.100.7', { limit: 3, windowSeconds: 600 }, Date.parse('2026-11-24T10:04:59.000Z'))).toBe(true);
    const input = dynamo.commandCalls(UpdateCommand)[0]?.args[0].input;
    expect(input?.Key).toEqual({ pk: expect.stringMatching(/^A#acc_1#RL#form-ip#[0-9a-f]{32}$/), sk: `W#${Date.parse('2026-11-24T10:00:00.000Z') / 1000}` });
    expect(JSON.stringify(input)).not.toContain('198.51.100.7');
    expect(input?.ConditionExpression).toBe('attribute_not_exists(#count) OR #count < :limit');
    expect(input?.ExpressionAttributeValues).toMatchObject({ ':limit': 3, ':expiresAt': Date.parse('2026-11-24T10:11:00.000Z') / 1000 });
  });

  it('answers false over the limit, and lets storage errors through (the request fails, nothing is recorded)', async () => {
    dynamo.on(UpdateCommand).rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));
    expect(await limiter.hit('acc_1', 'form-ip', '198.51.100.7', { limit: 3, windowSeconds: 600 }, Date.now())).toBe(false);
    dynamo.on(UpdateCommand).rejects(new ProvisionedThroughputExceededException({ message: 'Rate exceeded', $metadata: {} }));
    await expect(limiter.hit('acc_1', 'form-ip', '198.51.100.7', { limit: 3, windowSeconds: 600 }, Date.now())).rejects.toBeInstanceOf(ProvisionedThroughputExceededException);
  });
});
