import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { StatDimension, StatField } from '../../domain/reports/consent-stats.ts';
import { isExpired } from '../../domain/retention/expires-at.ts';
import { queryAll } from './query-all.ts';
import { keys, STATS_SHARDS } from './table-keys.ts';

/** One counter row of a report: the sum over the shards of (dimension, day, value). */
export interface StatRow {
  day: string;
  value: string;
  optOuts: number;
  optIns: number;
  sent: number;
}

const FIELDS: readonly StatField[] = ['optOuts', 'optIns', 'sent'];

/**
 * The report counters' reads, in a module of their own so that a read-only function (reports)
 * carries no write command. StatsStore adds the counter writes and the opt-out attribution.
 */
export class StatsReader {
  constructor(
    protected readonly db: DynamoDBDocumentClient,
    protected readonly tableName: string,
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
}
