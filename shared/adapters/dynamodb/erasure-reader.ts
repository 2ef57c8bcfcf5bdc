import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { KindCounts } from '../../domain/retention/item-kind.ts';
import { SEALING_CONTEXT, type SecretBox } from '../../security/secret-box.ts';
import { batchGetAll } from './batch-get-items.ts';
import { keys } from './table-keys.ts';

/**
 * What stays of an erased contact: its keyed hash, when it was erased and the receipt. While the
 * erasure runs, the item also holds the address (to find the partition again after a restart) and
 * the progress; both go when it completes.
 */
export interface Tombstone {
  contactHash: string;
  erasedAt: string;
  receiptId: string;
  status: 'in_progress' | 'complete';
  completedAt?: string;
  deleted: KindCounts;
  /** In progress only. */
  contact?: string;
  /** In progress only: items up to this sort key are already counted in `deleted`. */
  countedThroughSk?: string;
}

/**
 * The reads of erasure keys and tombstones, in a module of their own: the import checks every row
 * against the tombstones and carries none of the erasure's write path. ErasureStore adds the writes.
 */
export class ErasureReader {
  constructor(
    protected readonly db: DynamoDBDocumentClient,
    protected readonly tableName: string,
    /** The key is stored sealed: a copy of the table alone cannot turn tombstones back into addresses. */
    protected readonly secrets: SecretBox,
  ) {}

  /** The account's erasure key, if one was ever created (no key: nobody was ever erased). */
  async getKey(accountId: string): Promise<Buffer | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.erasureKey(accountId), ConsistentRead: true }));
    if (typeof Item?.key !== 'string') return undefined;
    return Buffer.from(await this.secrets.open(Item.key, SEALING_CONTEXT.erasureKey(accountId)), 'base64');
  }

  async getTombstone(accountId: string, contactHash: string): Promise<Tombstone | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.tombstone(accountId, contactHash), ConsistentRead: true }),
    );
    return Item ? toTombstone(Item) : undefined;
  }

  /** Tombstones of many contacts at once (imports check every row), by hash. */
  async getTombstones(accountId: string, contactHashes: readonly string[]): Promise<Map<string, Tombstone>> {
    const items = await batchGetAll(
      this.db,
      this.tableName,
      contactHashes.map((hash) => keys.tombstone(accountId, hash)),
      { consistentRead: true },
    );
    return new Map(items.map((item) => [String(item.contactHash), toTombstone(item)]));
  }
}

export function toTombstone(item: Record<string, unknown>): Tombstone {
  return {
    contactHash: String(item.contactHash),
    erasedAt: String(item.erasedAt),
    receiptId: String(item.receiptId),
    status: item.status === 'in_progress' ? 'in_progress' : 'complete',
    ...(typeof item.completedAt === 'string' ? { completedAt: item.completedAt } : {}),
    deleted: (item.deleted ?? {}) as KindCounts,
    ...(typeof item.contact === 'string' ? { contact: item.contact } : {}),
    ...(typeof item.countedThroughSk === 'string' ? { countedThroughSk: item.countedThroughSk } : {}),
  };
}
