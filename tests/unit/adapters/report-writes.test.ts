import { ConditionalCheckFailedException, DynamoDBClient, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoRateLimiter } from '../../../shared/adapters/dynamodb/rate-limiter.ts';
import { campaignSentCounters } from '../../../shared/domain/reports/campaign-sends.ts';

const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }));
const dynamo = mockClient(documentClient);

describe('campaignSentCounters (what the gate adds to its receipt transaction)', () => {
  it('makes one increment per account, campaign and day, and counts messages without a campaign nowhere', () => {
    const sends = Array.from({ length: 60 }, (_, index) => ({
      accountId: index < 55 ? 'acc_1' : 'acc_2',
      ...(index % 20 === 19 ? {} : { campaignId: index < 40 ? 'spring' : 'summer' }),
      sentAt: index < 50 ? '2026-11-24T10:00:00.000Z' : '2026-11-25T00:30:00.000Z',
      retentionMonths: index < 55 ? 13 : 1,
    }));
    expect(campaignSentCounters(sends)).toEqual([
      { accountId: 'acc_1', increment: { dimension: 'campaign', day: '2026-11-24', value: 'spring', field: 'sent', amount: 38 }, expiresAt: Date.parse('2027-12-24T00:00:00.000Z') / 1000 },
      { accountId: 'acc_1', increment: { dimension: 'campaign', day: '2026-11-24', value: 'summer', field: 'sent', amount: 10 }, expiresAt: Date.parse('2027-12-24T00:00:00.000Z') / 1000 },
      { accountId: 'acc_1', increment: { dimension: 'campaign', day: '2026-11-25', value: 'summer', field: 'sent', amount: 5 }, expiresAt: Date.parse('2027-12-25T00:00:00.000Z') / 1000 },
      { accountId: 'acc_2', increment: { dimension: 'campaign', day: '2026-11-25', value: 'summer', field: 'sent', amount: 4 }, expiresAt: Date.parse('2026-12-25T00:00:00.000Z') / 1000 },
    ]);
    expect(campaignSentCounters([{ accountId: 'acc_1', sentAt: '2026-11-24T10:00:00.000Z', retentionMonths: 13 }])).toEqual([]);
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
