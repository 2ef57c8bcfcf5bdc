import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { KindCounts } from '../../domain/retention/item-kind.ts';
import { expiryBucket, expiryPrefix, keys } from './table-keys.ts';

/** Where an interrupted sweep run resumes: the bucket and the index key after which to continue. */
export interface SweepPosition {
  day: string;
  shard: number;
  lastKey?: Record<string, string>;
}

export interface SweepState {
  /** The first day the last completed run left open (today at the time). */
  nextStartDay?: string;
  /** The day whose run last re-queried the look-back days (done once a day: see sweepExpiredItems). */
  lookbackDoneFor?: string;
  /** Set while a run is unfinished (it stopped at its time budget or failed). */
  position?: SweepPosition;
  lastRun?: { completedAt: string; now: string; deleted: KindCounts; itemsRead: number };
}

export interface DueKey {
  pk: string;
  sk: string;
}

const INDEX_NAME = 'byExpiry';

/** The sweep's own bookkeeping (one item) and its reads of the byExpiry index. */
export class SweepStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async getState(): Promise<SweepState> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.sweepState(), ConsistentRead: true }));
    if (!Item) return {};
    return {
      ...(typeof Item.nextStartDay === 'string' ? { nextStartDay: Item.nextStartDay } : {}),
      ...(typeof Item.lookbackDoneFor === 'string' ? { lookbackDoneFor: Item.lookbackDoneFor } : {}),
      ...(Item.position ? { position: Item.position as SweepPosition } : {}),
      ...(Item.lastRun ? { lastRun: Item.lastRun as SweepState['lastRun'] & object } : {}),
    };
  }

  /** One sweep at a time (EventBridge may deliver a schedule twice; a local timer may overlap a manual run). */
  async acquireLease(owner: string, untilMs: number, nowMs: number): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.sweepState(),
          UpdateExpression: 'SET leaseOwner = :owner, leaseUntil = :until',
          ConditionExpression: 'attribute_not_exists(leaseUntil) OR leaseUntil < :now OR leaseOwner = :owner',
          ExpressionAttributeValues: { ':owner': owner, ':until': untilMs, ':now': nowMs },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async savePosition(owner: string, position: SweepPosition, leaseUntil: number): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.sweepState(),
        UpdateExpression: 'SET #position = :position, leaseUntil = :until',
        ConditionExpression: 'leaseOwner = :owner',
        ExpressionAttributeNames: { '#position': 'position' },
        ExpressionAttributeValues: { ':position': position, ':until': leaseUntil, ':owner': owner },
      }),
    );
  }

  /** A run went through every bucket: forget the position, remember where the next run starts, free the lease. */
  async complete(owner: string, nextStartDay: string, lastRun: NonNullable<SweepState['lastRun']>, lookbackDoneFor?: string): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...keys.sweepState(), type: 'sweepState', nextStartDay, lastRun, ...(lookbackDoneFor ? { lookbackDoneFor } : {}) },
        ConditionExpression: 'leaseOwner = :owner',
        ExpressionAttributeValues: { ':owner': owner },
      }),
    );
  }

  /** Frees the lease of an unfinished run (its position stays for the next run). */
  async release(owner: string): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.sweepState(),
          UpdateExpression: 'REMOVE leaseOwner, leaseUntil',
          ConditionExpression: 'leaseOwner = :owner',
          ExpressionAttributeValues: { ':owner': owner },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /**
   * One page of the keys due in a bucket: gsi2sk starts with the 10-digit expiry second, so
   * `gsi2sk < {now + 1}` reads exactly the items with expiresAt <= now and nothing that is still
   * live. Items read therefore track items due, not the size of the table.
   */
  async queryDue(
    day: string,
    shard: number,
    nowSeconds: number,
    options: { limit: number; startKey?: Record<string, string> },
  ): Promise<{ keys: DueKey[]; lastKey?: Record<string, string> }> {
    const page = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: INDEX_NAME,
        KeyConditionExpression: 'gsi2pk = :bucket AND gsi2sk < :upper',
        ExpressionAttributeValues: { ':bucket': expiryBucket(day, shard), ':upper': expiryPrefix(nowSeconds + 1) },
        Limit: options.limit,
        ...(options.startKey ? { ExclusiveStartKey: options.startKey } : {}),
      }),
    );
    return {
      keys: (page.Items ?? []).map((item) => ({ pk: String(item.pk), sk: String(item.sk) })),
      ...(page.LastEvaluatedKey ? { lastKey: page.LastEvaluatedKey as Record<string, string> } : {}),
    };
  }

  /**
   * Deletes an item that a new write may have renewed, only if it is still expired. Returns false
   * when it was renewed (or is already gone), so it is not counted as deleted.
   */
  async deleteIfExpired(key: DueKey, nowSeconds: number): Promise<boolean> {
    try {
      await this.db.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { pk: key.pk, sk: key.sk },
          ConditionExpression: 'expiresAt <= :now',
          ExpressionAttributeValues: { ':now': nowSeconds },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}
