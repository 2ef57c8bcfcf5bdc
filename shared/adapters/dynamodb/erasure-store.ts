import { randomBytes } from 'node:crypto';
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { KindCounts } from '../../domain/retention/item-kind.ts';
import { batchGetAll } from './batch-get-items.ts';
import { ConsentSummaryStore, type TransactItem } from './consent-summary-store.ts';
import { ErasureReader, type Tombstone } from './erasure-reader.ts';
import { keys } from './table-keys.ts';
import { SEALING_CONTEXT } from '../../security/secret-box.ts';

export type { Tombstone };

/** Rounds for a start whose only obstacle is a consent summary written at the same moment. */
const START_ROUNDS = 5;

export class ErasureStore extends ErasureReader {

  /** Created on first need; a conditional put lets exactly one concurrent creator win, the others read its key. */
  async getOrCreateKey(accountId: string, now: Date): Promise<Buffer> {
    const existing = await this.getKey(accountId);
    if (existing) return existing;
    const key = randomBytes(32);
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...keys.erasureKey(accountId),
            type: 'erasureKey',
            accountId,
            key: await this.secrets.seal(key.toString('base64'), SEALING_CONTEXT.erasureKey(accountId)),
            createdAt: now.toISOString(),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return key;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const winner = await this.getKey(accountId);
      if (!winner) throw error;
      return winner;
    }
  }

  /**
   * Starts an erasure run. Only one run starts: the put succeeds when there is no tombstone or the
   * previous run is complete (and still the one the caller saw); otherwise the caller re-reads.
   *
   * In the same transaction every existing consent summary of the contact gets the erasure time, and
   * the absent ones must still be absent: the outbound gate, which reads only the summary, blocks
   * marketing from this instant exactly as the tombstone does (summaries created later read the
   * tombstone themselves: ConsentSummaryStore.read).
   */
  async start(accountId: string, tombstone: Tombstone & { contact: string }, previousReceiptId: string | undefined): Promise<boolean> {
    const put: TransactItem = {
      Put: {
        TableName: this.tableName,
        Item: { ...keys.tombstone(accountId, tombstone.contactHash), type: 'tombstone', accountId, ...tombstone },
        ConditionExpression: previousReceiptId === undefined ? 'attribute_not_exists(pk)' : '#status = :complete AND receiptId = :previous',
        ...(previousReceiptId === undefined
          ? {}
          : { ExpressionAttributeNames: { '#status': 'status' }, ExpressionAttributeValues: { ':complete': 'complete', ':previous': previousReceiptId } }),
      },
    };
    const summaryKeys = ConsentSummaryStore.contactKeys(accountId, tombstone.contact);
    for (let round = 1; round <= START_ROUNDS; round += 1) {
      const existing = new Map(
        (await batchGetAll(this.db, this.tableName, summaryKeys, { consistentRead: true, attributes: ['version'] })).map((item) => [String(item.sk), item]),
      );
      const stamps = summaryKeys.map((key): TransactItem => {
        const version = existing.get(key.sk)?.version;
        if (version === undefined) {
          return { ConditionCheck: { TableName: this.tableName, Key: key, ConditionExpression: 'attribute_not_exists(pk)' } };
        }
        return {
          Update: {
            TableName: this.tableName,
            Key: key,
            UpdateExpression: 'SET erasedAt = :erasedAt, #version = :next',
            ConditionExpression: '#version = :version',
            ExpressionAttributeNames: { '#version': 'version' },
            ExpressionAttributeValues: { ':erasedAt': tombstone.erasedAt, ':version': version, ':next': Number(version) + 1 },
          },
        };
      });
      try {
        await this.db.send(new TransactWriteCommand({ TransactItems: [put, ...stamps] }));
        return true;
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        const reasons = error.CancellationReasons ?? [];
        if (reasons[0]?.Code === 'ConditionalCheckFailed') return false;
        // A summary was written meanwhile: read them again.
        if (!reasons.some((reason) => reason.Code === 'ConditionalCheckFailed' || reason.Code === 'TransactionConflict')) throw error;
      }
    }
    throw new Error('Erasure could not start: the contact\'s consent summaries kept changing');
  }

  /** One worker per run: a lease with an expiry, so a crashed worker's run is picked up later. */
  async acquireLease(accountId: string, contactHash: string, receiptId: string, owner: string, untilMs: number, nowMs: number): Promise<boolean> {
    return this.conditionalUpdate({
      Key: keys.tombstone(accountId, contactHash),
      UpdateExpression: 'SET leaseOwner = :owner, leaseUntil = :until',
      ConditionExpression:
        'receiptId = :receipt AND #status = :running AND (attribute_not_exists(leaseUntil) OR leaseUntil < :now OR leaseOwner = :owner)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':owner': owner, ':until': untilMs, ':receipt': receiptId, ':running': 'in_progress', ':now': nowMs },
    });
  }

  /** Records the counts of a page before its items are deleted (see eraseContact). */
  async recordCounted(
    accountId: string,
    contactHash: string,
    owner: string,
    progress: { deleted: KindCounts; countedThroughSk: string; leaseUntil: number },
  ): Promise<boolean> {
    return this.conditionalUpdate({
      Key: keys.tombstone(accountId, contactHash),
      UpdateExpression: 'SET deleted = :deleted, countedThroughSk = :sk, leaseUntil = :until',
      ConditionExpression: 'leaseOwner = :owner',
      ExpressionAttributeValues: { ':deleted': progress.deleted, ':sk': progress.countedThroughSk, ':until': progress.leaseUntil, ':owner': owner },
    });
  }

  /** Frees the lease of a run stopped by its deadline, so the next call continues at once. */
  async releaseLease(accountId: string, contactHash: string, owner: string): Promise<void> {
    await this.conditionalUpdate({
      Key: keys.tombstone(accountId, contactHash),
      UpdateExpression: 'REMOVE leaseOwner, leaseUntil',
      ConditionExpression: 'leaseOwner = :owner',
      ExpressionAttributeValues: { ':owner': owner },
    });
  }

  /** The run is over: the address and the progress bookkeeping go, the hash and receipt stay. */
  async complete(accountId: string, contactHash: string, owner: string, completedAt: string): Promise<boolean> {
    return this.conditionalUpdate({
      Key: keys.tombstone(accountId, contactHash),
      UpdateExpression: 'SET #status = :complete, completedAt = :at REMOVE contact, countedThroughSk, leaseOwner, leaseUntil',
      ConditionExpression: 'leaseOwner = :owner',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':complete': 'complete', ':at': completedAt, ':owner': owner },
    });
  }

  private async conditionalUpdate(input: Omit<ConstructorParameters<typeof UpdateCommand>[0], 'TableName'>): Promise<boolean> {
    try {
      await this.db.send(new UpdateCommand({ TableName: this.tableName, ...input }));
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}
