import { randomInt } from 'node:crypto';
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { StatDimension, StatField, StatIncrement, LastMarketingSend } from '../../domain/reports/consent-stats.ts';
import { isExpired } from '../../domain/retention/expires-at.ts';
import { batchWriteAll } from './batch-write-all.ts';
import { queryAll } from './query-all.ts';
import { expiryIndexAttributes, keys, STATS_SHARDS } from './table-keys.ts';

/** One counter row of a report: the sum over the shards of (dimension, day, value). */
export interface StatRow {
  day: string;
  value: string;
  optOuts: number;
  optIns: number;
  sent: number;
}

export interface LastMarketingSendItem extends LastMarketingSend {
  accountId: string;
  contact: string;
  expiresAt: number;
}

/**
 * The Update of one counter (for UpdateItem or inside a TransactWriteItems): ADD on a random shard,
 * so concurrent writers rarely touch the same item. The counter expires with the account's data.
 */
export function statCounterUpdate(tableName: string, accountId: string, increment: StatIncrement, expiresAt: number, shard = randomInt(STATS_SHARDS)) {
  const key = keys.stats(accountId, increment.dimension, shard, increment.day, increment.value);
  return {
    TableName: tableName,
    Key: key,
    UpdateExpression: 'ADD #field :amount SET #type = :type, #dimension = :dimension, #day = :day, #value = :value, expiresAt = :expiresAt, gsi2pk = :gsi2pk, gsi2sk = :gsi2sk',
    ExpressionAttributeNames: { '#field': increment.field, '#type': 'type', '#dimension': 'dimension', '#day': 'day', '#value': 'value' },
    ExpressionAttributeValues: {
      ':amount': increment.amount,
      ':type': 'stats',
      ':dimension': increment.dimension,
      ':day': increment.day,
      ':value': increment.value,
      ':expiresAt': expiresAt,
      ...Object.fromEntries(Object.entries(expiryIndexAttributes(expiresAt, key.pk, key.sk)).map(([name, value]) => [`:${name}`, value])),
    },
  };
}

const FIELDS: readonly StatField[] = ['optOuts', 'optIns', 'sent'];

/** Report counters and the last-marketing-send pointers; every read is a Query or GetItem by key. */
export class StatsStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** One Query per shard (in parallel) over the days from..to, summed per (day, value). */
  async sumCounters(accountId: string, dimension: StatDimension, fromDay: string, toDay: string, nowMs: number): Promise<StatRow[]> {
    const shards = await Promise.all(
      Array.from({ length: STATS_SHARDS }, (_, shard) =>
        queryAll(this.db, {
          TableName: this.tableName,
          // `$` sorts right after `#`: every `{toDay}#…` key is inside the range.
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: { ':pk': keys.statsPartition(accountId, dimension, shard), ':from': `${fromDay}#`, ':to': `${toDay}$` },
        }),
      ),
    );
    const rows = new Map<string, StatRow>();
    for (const item of shards.flat()) {
      if (isExpired(item.expiresAt as number | undefined, nowMs)) continue;
      const sk = String(item.sk);
      const day = sk.slice(0, 10);
      const value = sk.slice(11);
      const row = rows.get(sk) ?? { day, value, optOuts: 0, optIns: 0, sent: 0 };
      for (const field of FIELDS) row[field] += typeof item[field] === 'number' ? item[field] : 0;
      rows.set(sk, row);
    }
    return [...rows.values()];
  }

  async addToCounter(accountId: string, increment: StatIncrement, expiresAt: number): Promise<void> {
    await this.db.send(new UpdateCommand(statCounterUpdate(this.tableName, accountId, increment, expiresAt)));
  }

  async getLastMarketingSend(accountId: string, contact: string, lineId: string, nowMs: number): Promise<LastMarketingSend | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.lastMarketingSend(accountId, contact, lineId) }));
    if (!Item || isExpired(Item.expiresAt as number | undefined, nowMs)) return undefined;
    return {
      lineId,
      sentAt: String(Item.sentAt),
      ...(typeof Item.campaignId === 'string' ? { campaignId: Item.campaignId } : {}),
    };
  }

  /** Overwrites the pointers in batches of 25 (BatchWriteItem); returns the number of calls made. */
  async putLastMarketingSends(pointers: readonly LastMarketingSendItem[]): Promise<number> {
    return batchWriteAll(
      this.db,
      this.tableName,
      pointers.map((pointer) => {
        const key = keys.lastMarketingSend(pointer.accountId, pointer.contact, pointer.lineId);
        return {
          PutRequest: {
            Item: {
              ...key,
              type: 'lastMarketingSend',
              accountId: pointer.accountId,
              contact: pointer.contact,
              lineId: pointer.lineId,
              sentAt: pointer.sentAt,
              ...(pointer.campaignId ? { campaignId: pointer.campaignId } : {}),
              expiresAt: pointer.expiresAt,
              ...expiryIndexAttributes(pointer.expiresAt, key.pk, key.sk),
            },
          },
        };
      }),
    );
  }
}
