import { randomInt } from 'node:crypto';
import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { StatIncrement, LastMarketingSend } from '../../domain/reports/consent-stats.ts';
import { isExpired } from '../../domain/retention/expires-at.ts';
import { batchGetAll } from './batch-get-items.ts';
import { claimRefOf, readReceipts, wasSent } from './gate-receipts.ts';
import { StatsReader } from './stats-reader.ts';
import { expiryIndexAttributes, keys, marketingSendPartition, STATS_SHARDS } from './table-keys.ts';

export type { StatRow } from './stats-reader.ts';

/** The sparse index of allowed marketing messages by (contact, line) and time (see marketingSendIndexAttributes). */
export const MARKETING_SEND_INDEX = 'byMarketingSend';
/** Index entries read per page while looking for the newest message that was really sent. */
const MARKETING_SEND_PAGE = 10;
const MARKETING_SEND_MAX_PAGES = 5;

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

/** Report counters and the marketing sends opt-outs are attributed to; every read is a Query or a read by key. */
export class StatsStore extends StatsReader {
  async addToCounter(accountId: string, increment: StatIncrement, expiresAt: number): Promise<void> {
    await this.db.send(new UpdateCommand(statCounterUpdate(this.tableName, accountId, increment, expiresAt)));
  }

  /**
   * The newest marketing message the gate allowed to the contact on the line between `from` and
   * `to` (ISO) and put on the dispatch queue: the history items of the byMarketingSend index,
   * newest first, each checked against its receipt (a claim whose send failed does not count).
   */
  async lastMarketingSend(accountId: string, contact: string, lineId: string, window: { from: string; to: string; nowMs: number }): Promise<LastMarketingSend | undefined> {
    let startKey: Record<string, unknown> | undefined;
    for (let page = 0; page < MARKETING_SEND_MAX_PAGES; page += 1) {
      const found = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: MARKETING_SEND_INDEX,
          KeyConditionExpression: 'gsi4pk = :pk AND gsi4sk BETWEEN :from AND :to',
          ExpressionAttributeValues: { ':pk': marketingSendPartition(accountId, contact, lineId), ':from': window.from, ':to': window.to },
          ScanIndexForward: false,
          Limit: MARKETING_SEND_PAGE,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      const entries = (found.Items ?? []).map((entry) => ({ pk: String(entry.pk), sk: String(entry.sk) }));
      const history = new Map((await batchGetAll(this.db, this.tableName, entries)).map((item) => [`${String(item.pk)}|${String(item.sk)}`, item]));
      const live = entries.flatMap((entry) => {
        const item = history.get(`${entry.pk}|${entry.sk}`);
        return item && !isExpired(item.expiresAt as number | undefined, window.nowMs) ? [item] : [];
      });
      const { receipts, failed } = await readReceipts(this.db, this.tableName, live.flatMap((item) => claimRefOf(item)?.receiptId ?? []), window.nowMs);
      if (failed.size > 0) throw new Error(`Gate receipts could not be read (${failed.size})`);
      const sent = live.find((item) => wasSent(item, receipts));
      if (sent) return { lineId, sentAt: String(sent.decidedAt), ...(typeof sent.campaignId === 'string' ? { campaignId: sent.campaignId } : {}) };
      startKey = found.LastEvaluatedKey;
      if (!startKey) return undefined;
    }
    return undefined;
  }
}
