import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { SweepStore } from '../../../shared/adapters/dynamodb/sweep-store.ts';
import { EXPIRY_INDEX_SHARDS, expiryBucket } from '../../../shared/adapters/dynamodb/table-keys.ts';
import { sweepExpiredItems } from '../../../shared/use-cases/retention-sweep.ts';

const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }));
const dynamo = mockClient(documentClient);
const TABLE = 'optgate-test';
const now = new Date('2026-06-10T12:00:00.000Z');

function queriedBuckets(): string[] {
  return dynamo.commandCalls(QueryCommand).map((call) => String(call.args[0].input.ExpressionAttributeValues?.[':bucket']));
}

describe('the sweep at scale', () => {
  let clock = 0;
  const sleeps: number[] = [];
  const deps = () => ({
    db: documentClient,
    tableName: TABLE,
    sweepStore: new SweepStore(documentClient, TABLE),
    realNowMs: () => clock,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      clock += ms;
    },
  });

  beforeEach(() => {
    dynamo.reset();
    clock = 1_000_000;
    sleeps.length = 0;
    dynamo.on(UpdateCommand).resolves({});
    dynamo.on(PutCommand).resolves({});
    dynamo.on(BatchWriteCommand).resolves({});
    dynamo.on(QueryCommand).resolves({ Items: [] });
  });

  it('queries the look-back days on the first run of a day only; later runs that day query just the days still open', async () => {
    dynamo.on(GetCommand).resolves({});
    await sweepExpiredItems(deps(), { now, deadlineMs: Number.POSITIVE_INFINITY });
    expect(queriedBuckets()).toHaveLength(4 * EXPIRY_INDEX_SHARDS);
    expect(queriedBuckets()).toContain(expiryBucket('2026-06-07', EXPIRY_INDEX_SHARDS - 1));
    const saved = dynamo.commandCalls(PutCommand)[0]?.args[0].input.Item;
    expect(saved).toMatchObject({ nextStartDay: '2026-06-10', lookbackDoneFor: '2026-06-10' });

    // The next hourly run finds that state: today's shards only.
    dynamo.reset();
    dynamo.on(UpdateCommand).resolves({});
    dynamo.on(PutCommand).resolves({});
    dynamo.on(QueryCommand).resolves({ Items: [] });
    dynamo.on(GetCommand).resolves({ Item: saved });
    await sweepExpiredItems(deps(), { now: new Date('2026-06-10T13:00:00.000Z'), deadlineMs: Number.POSITIVE_INFINITY });
    expect(queriedBuckets()).toHaveLength(EXPIRY_INDEX_SHARDS);
    expect(queriedBuckets().every((bucket) => bucket.startsWith('EXP#2026-06-10#'))).toBe(true);
    expect(dynamo.commandCalls(PutCommand)[0]?.args[0].input.Item).toMatchObject({ lookbackDoneFor: '2026-06-10' });

    // The first run after midnight goes back again (yesterday is still open, and the look-back is due).
    dynamo.reset();
    dynamo.on(UpdateCommand).resolves({});
    dynamo.on(PutCommand).resolves({});
    dynamo.on(QueryCommand).resolves({ Items: [] });
    dynamo.on(GetCommand).resolves({ Item: saved });
    await sweepExpiredItems(deps(), { now: new Date('2026-06-11T00:05:00.000Z'), deadlineMs: Number.POSITIVE_INFINITY });
    expect(queriedBuckets()).toHaveLength(4 * EXPIRY_INDEX_SHARDS);
  });

  it('paces its deletes: one bucket takes them all, so they go at the configured rate', async () => {
    dynamo.on(GetCommand).resolves({});
    const due = Array.from({ length: 400 }, (_, index) => ({ pk: `A#acc#C#+1202555${String(index).padStart(4, '0')}`, sk: `EVENT#${index}` }));
    dynamo.on(QueryCommand, { ExpressionAttributeValues: { ':bucket': expiryBucket('2026-06-10', 5), ':upper': '1781092801' } }).resolves({ Items: due });
    const report = await sweepExpiredItems(deps(), { now, deadlineMs: Number.POSITIVE_INFINITY, deletesPerSecond: 100 });
    expect(report.totalDeleted).toBe(400);
    // 400 deletes at 100/s in slices of 50: the first slice at once, then one slice every 0.5 s.
    expect(sleeps).toEqual([500, 500, 500, 500, 500, 500, 500]);
    expect(clock - 1_000_000).toBe(3500);
  });

  it('cut short by its deadline, saves the first bucket it did not finish; the next run resumes there and together they query every bucket', async () => {
    dynamo.on(GetCommand).resolves({});
    // Each query takes 1 ms of the (fake) clock; the deadline falls after about 100 of the 1,024 buckets.
    dynamo.on(QueryCommand).callsFake(async () => {
      clock += 1;
      return { Items: [] };
    });
    const cut = await sweepExpiredItems(deps(), { now, deadlineMs: clock + 100 });
    expect(cut.status).toBe('partial');
    const firstRun = queriedBuckets();
    const positions = dynamo.commandCalls(UpdateCommand).flatMap((call) => {
      const value = call.args[0].input.ExpressionAttributeValues?.[':position'] as { day: string; shard: number } | undefined;
      return value ? [value] : [];
    });
    const saved = positions.at(-1);
    expect(saved).toBeDefined();
    const resumeBucket = expiryBucket(saved?.day ?? '', saved?.shard ?? -1);
    // Every bucket before the saved one was queried by the cut run.
    const order = ['2026-06-07', '2026-06-08', '2026-06-09', '2026-06-10'].flatMap((day) => Array.from({ length: EXPIRY_INDEX_SHARDS }, (_, shard) => expiryBucket(day, shard)));
    const resumeIndex = order.indexOf(resumeBucket);
    expect(resumeIndex).toBeGreaterThan(0);
    expect(order.slice(0, resumeIndex).every((bucket) => firstRun.includes(bucket))).toBe(true);

    dynamo.reset();
    dynamo.on(UpdateCommand).resolves({});
    dynamo.on(PutCommand).resolves({});
    dynamo.on(QueryCommand).resolves({ Items: [] });
    dynamo.on(GetCommand).resolves({ Item: { position: saved } });
    const resumed = await sweepExpiredItems(deps(), { now, deadlineMs: Number.POSITIVE_INFINITY });
    expect(resumed.status).toBe('complete');
    expect(queriedBuckets()[0]).toBe(resumeBucket);
    expect(new Set([...firstRun, ...queriedBuckets()]).size).toBe(order.length);
  });
});
