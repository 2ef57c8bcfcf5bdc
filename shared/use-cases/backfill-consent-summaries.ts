import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { ScanCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { CONSENT_SUMMARY_MIGRATION, ConsentSummaryStore } from '../adapters/dynamodb/consent-summary-store.ts';
import { keys, SK_PREFIX } from '../adapters/dynamodb/table-keys.ts';
import { CHANNELS, type Channel } from '../domain/channels.ts';

export interface BackfillDeps {
  db: DynamoDBDocumentClient;
  tableName: string;
  /** The real clock, for the time budget and the lease. */
  realNowMs: () => number;
}

export interface BackfillReport {
  /** `busy`: another run holds the lease. `partial`: the deadline came first; the next run resumes. */
  status: 'complete' | 'partial' | 'busy';
  itemsRead: number;
  /** Summaries created for consent data written before summaries existed. */
  created: number;
}

const PAGE_SIZE = 1000;
const LEASE_MS = 2 * 60 * 1000;

/**
 * The one-time migration to consent summaries, for tables with consent data written before them:
 * creates the summary of every (contact, channel) that has records or a suppression but no summary
 * (built from those items and the contact's tombstone, conditional on still being absent), then
 * marks the migration complete, from which point the outbound gate reads summaries instead of
 * records. A table Scan (consent and suppression items only are returned), resumable page by page
 * from the position saved on the migration item, one run at a time (lease). Writes made meanwhile
 * maintain their summaries themselves.
 */
export async function backfillConsentSummaries(deps: BackfillDeps, options: { now: Date; deadlineMs: number }): Promise<BackfillReport> {
  const summaries = new ConsentSummaryStore(deps.db, deps.tableName);
  const report: BackfillReport = { status: 'complete', itemsRead: 0, created: 0 };
  if (await summaries.migrationComplete()) return report;
  const owner = randomUUID();
  const state = await lease(deps, owner);
  if (!state) return { ...report, status: 'busy' };
  let startKey = state.lastKey;
  for (;;) {
    if (deps.realNowMs() > options.deadlineMs) {
      await saveProgress(deps, owner, startKey, true);
      return { ...report, status: 'partial' };
    }
    const page = await deps.db.send(
      new ScanCommand({
        TableName: deps.tableName,
        FilterExpression: 'begins_with(sk, :consent) OR begins_with(sk, :suppression)',
        ProjectionExpression: 'accountId, contact, channel',
        ExpressionAttributeValues: { ':consent': SK_PREFIX.consent, ':suppression': SK_PREFIX.suppression },
        ConsistentRead: true,
        Limit: PAGE_SIZE,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    const groups = new Map<string, { accountId: string; contact: string; channel: Channel }>();
    for (const item of page.Items ?? []) {
      report.itemsRead += 1;
      const channel = CHANNELS.find((candidate) => candidate === item.channel);
      if (typeof item.accountId !== 'string' || typeof item.contact !== 'string' || !channel) continue;
      groups.set(JSON.stringify([item.accountId, item.contact, channel]), { accountId: item.accountId, contact: item.contact, channel });
    }
    for (const group of groups.values()) {
      if (await summaries.createIfAbsent(group.accountId, group.contact, group.channel, options.now.getTime())) report.created += 1;
    }
    startKey = page.LastEvaluatedKey;
    if (!startKey) break;
    await saveProgress(deps, owner, startKey, false);
  }
  await summaries.markMigrationComplete(options.now);
  return report;
}

async function lease(deps: BackfillDeps, owner: string): Promise<{ lastKey?: Record<string, unknown> } | undefined> {
  try {
    const { Attributes } = await deps.db.send(
      new UpdateCommand({
        TableName: deps.tableName,
        Key: keys.migration(CONSENT_SUMMARY_MIGRATION),
        UpdateExpression: 'SET leaseOwner = :owner, leaseUntil = :until, #type = :type',
        ConditionExpression: 'attribute_not_exists(leaseUntil) OR leaseUntil < :now',
        ExpressionAttributeNames: { '#type': 'type' },
        ExpressionAttributeValues: { ':owner': owner, ':until': deps.realNowMs() + LEASE_MS, ':now': deps.realNowMs(), ':type': 'migration' },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return { ...(Attributes?.lastKey ? { lastKey: Attributes.lastKey as Record<string, unknown> } : {}) };
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return undefined;
    throw error;
  }
}

async function saveProgress(deps: BackfillDeps, owner: string, lastKey: Record<string, unknown> | undefined, release: boolean): Promise<void> {
  await deps.db.send(
    new UpdateCommand({
      TableName: deps.tableName,
      Key: keys.migration(CONSENT_SUMMARY_MIGRATION),
      UpdateExpression: `SET ${lastKey ? 'lastKey = :lastKey, ' : ''}leaseUntil = :until`,
      ConditionExpression: 'leaseOwner = :owner',
      ExpressionAttributeValues: { ...(lastKey ? { ':lastKey': lastKey } : {}), ':until': release ? 0 : deps.realNowMs() + LEASE_MS, ':owner': owner },
    }),
  );
}
