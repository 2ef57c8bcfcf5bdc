import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type Channel, type ConsentSource, type ConsentStatus } from '../../domain/channels.ts';
import type { SnapshotRow } from '../../domain/reports/consent-snapshot.ts';
import type { ShardFetch } from '../../domain/reports/merge-sorted-shards.ts';
import { isExpired } from '../../domain/retention/expires-at.ts';
import { byLinePartition, keys } from './table-keys.ts';

export const BY_LINE_INDEX = 'byLine';

/** A snapshot row as the byLine index yields it, with its sort key. */
export interface IndexedSnapshotRow extends SnapshotRow {
  /** The byLine sort key ({status}#{contact}): the merge order and the resume point. */
  sortKey: string;
}

/** A scope the snapshot can list: a line of the account, or every line of a channel (`sms:*`). */
export interface SnapshotScope {
  label: string;
  channel: Channel;
  scope: string;
}

/** Reads one shard of one scope from the byLine index, in sort-key order; never scans. */
export class ConsentSnapshotReader {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async readShard(
    accountId: string,
    target: SnapshotScope,
    shard: number,
    options: { status?: ConsentStatus; after: string | null; limit: number; nowMs: number },
  ): Promise<ShardFetch<IndexedSnapshotRow>> {
    const gsi1pk = byLinePartition(accountId, target.label, shard);
    const page = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: BY_LINE_INDEX,
        KeyConditionExpression: options.status ? 'gsi1pk = :pk AND begins_with(gsi1sk, :status)' : 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': gsi1pk, ...(options.status ? { ':status': `${options.status}#` } : {}) },
        Limit: options.limit,
        ...(options.after !== null
          ? {
              // An index key plus the table key of the same item; rebuilt here, never taken from the client.
              ExclusiveStartKey: {
                gsi1pk,
                gsi1sk: options.after,
                ...keys.consent(accountId, options.after.slice(options.after.indexOf('#') + 1), target.channel, target.scope),
              },
            }
          : {}),
      }),
    );
    const items = (page.Items ?? [])
      .filter((item) => !isExpired(item.expiresAt as number | undefined, options.nowMs))
      .map(
        (item): IndexedSnapshotRow => ({
          contact: String(item.contact),
          channel: item.channel as Channel,
          line: target.label,
          status: item.status as ConsentStatus,
          occurredAt: String(item.occurredAt),
          source: item.source as ConsentSource,
          updatedAt: String(item.updatedAt),
          sortKey: String(item.gsi1sk),
        }),
      );
    const last = page.LastEvaluatedKey?.gsi1sk;
    return { items, next: typeof last === 'string' ? last : null };
  }
}
