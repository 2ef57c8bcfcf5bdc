import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, ScanCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ConsentStore } from '../adapters/dynamodb/consent-store.ts';
import { CONSENT_SUMMARY_MIGRATION } from '../adapters/dynamodb/consent-summary-store.ts';
import { keys, SK_PREFIX } from '../adapters/dynamodb/table-keys.ts';
import { CHANNELS, type Channel } from '../domain/channels.ts';

export interface BackfillDeps {
  db: DynamoDBDocumentClient;
  tableName: string;
  /** Its summaries (ConsentStore.summaries) create the missing ones. */
  consentStore: ConsentStore;
  /** The real clock, for the time budget and the lease. */
  realNowMs: () => number;
}

export interface BackfillReport {
  /** `busy`: another run holds the lease. `partial`: the deadline came first; the next run resumes. */
  status: 'complete' | 'partial' | 'busy';
  itemsRead: number;
  /** Summaries created for consent data written before summaries existed. */
  created: number;
  /** Accounts marked as having every summary. */
  accountsMarked: number;
}

const PAGE_SIZE = 1000;
const LEASE_MS = 2 * 60 * 1000;
type Phase = 'summaries' | 'accounts';

/**
 * The one-time migration to consent summaries, for a table with consent data written before them.
 * Pass 1 creates the summary of every (contact, channel) that has records or a suppression but no
 * summary (built from those items and the contact's tombstone, conditional on still being absent);
 * pass 2, once every summary exists, marks every account (CONSENT_SUMMARIES_FLAG), from which point
 * the outbound gate reads that account's summaries instead of its records. Both passes are table
 * Scans returning only the items they need, resumable page by page from the position saved on the
 * migration item, one run at a time (lease). Writes made meanwhile keep their summaries themselves,
 * and accounts created meanwhile are marked at creation. Needs dynamodb:Scan, which the deployed
 * functions do not have: an operator runs it (infra/tools/migrate-consent-summaries.ts).
 */
export async function backfillConsentSummaries(deps: BackfillDeps, options: { now: Date; deadlineMs: number }): Promise<BackfillReport> {
  const { summaries } = deps.consentStore;
  const report: BackfillReport = { status: 'complete', itemsRead: 0, created: 0, accountsMarked: 0 };
  const owner = randomUUID();
  const state = await lease(deps, owner);
  if (state === 'complete') return report;
  if (!state) return { ...report, status: 'busy' };
  let { phase, lastKey: startKey } = state;
  for (;;) {
    if (deps.realNowMs() > options.deadlineMs) {
      await saveProgress(deps, owner, { phase, lastKey: startKey, release: true });
      return { ...report, status: 'partial' };
    }
    const page = await deps.db.send(
      new ScanCommand({
        TableName: deps.tableName,
        ...(phase === 'summaries'
          ? {
              FilterExpression: 'begins_with(sk, :consent) OR begins_with(sk, :suppression)',
              ProjectionExpression: 'accountId, contact, channel',
              ExpressionAttributeValues: { ':consent': SK_PREFIX.consent, ':suppression': SK_PREFIX.suppression },
            }
          : { FilterExpression: 'sk = :account', ProjectionExpression: 'accountId', ExpressionAttributeValues: { ':account': keys.account('').sk } }),
        ConsistentRead: true,
        Limit: PAGE_SIZE,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    report.itemsRead += page.Items?.length ?? 0;
    if (phase === 'summaries') {
      const groups = new Map<string, { accountId: string; contact: string; channel: Channel }>();
      for (const item of page.Items ?? []) {
        const channel = CHANNELS.find((candidate) => candidate === item.channel);
        if (typeof item.accountId !== 'string' || typeof item.contact !== 'string' || !channel) continue;
        groups.set(JSON.stringify([item.accountId, item.contact, channel]), { accountId: item.accountId, contact: item.contact, channel });
      }
      for (const group of groups.values()) {
        if (await summaries.createIfAbsent(group.accountId, group.contact, group.channel, options.now.getTime())) report.created += 1;
      }
    } else {
      const accountIds = (page.Items ?? []).flatMap((item) => (typeof item.accountId === 'string' ? [item.accountId] : []));
      await summaries.markAccountsMigrated(accountIds);
      report.accountsMarked += accountIds.length;
    }
    startKey = page.LastEvaluatedKey;
    if (!startKey) {
      if (phase === 'accounts') break;
      phase = 'accounts';
    }
    await saveProgress(deps, owner, { phase, lastKey: startKey, release: false });
  }
  await deps.db.send(
    new PutCommand({
      TableName: deps.tableName,
      Item: { ...keys.migration(CONSENT_SUMMARY_MIGRATION), type: 'migration', complete: true, completedAt: options.now.toISOString() },
      ConditionExpression: 'leaseOwner = :owner',
      ExpressionAttributeValues: { ':owner': owner },
    }),
  );
  return report;
}

async function lease(deps: BackfillDeps, owner: string): Promise<{ phase: Phase; lastKey?: Record<string, unknown> } | 'complete' | undefined> {
  try {
    const { Attributes } = await deps.db.send(
      new UpdateCommand({
        TableName: deps.tableName,
        Key: keys.migration(CONSENT_SUMMARY_MIGRATION),
        UpdateExpression: 'SET leaseOwner = :owner, leaseUntil = :until, #type = :type',
        ConditionExpression: '(attribute_not_exists(leaseUntil) OR leaseUntil < :now) AND attribute_not_exists(complete)',
        ExpressionAttributeNames: { '#type': 'type' },
        ExpressionAttributeValues: { ':owner': owner, ':until': deps.realNowMs() + LEASE_MS, ':now': deps.realNowMs(), ':type': 'migration' },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return { phase: Attributes?.phase === 'accounts' ? 'accounts' : 'summaries', ...(Attributes?.lastKey ? { lastKey: Attributes.lastKey as Record<string, unknown> } : {}) };
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    const { Item } = await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: keys.migration(CONSENT_SUMMARY_MIGRATION), ConsistentRead: true }));
    return Item?.complete === true ? 'complete' : undefined;
  }
}

async function saveProgress(deps: BackfillDeps, owner: string, progress: { phase: Phase; lastKey: Record<string, unknown> | undefined; release: boolean }): Promise<void> {
  await deps.db.send(
    new UpdateCommand({
      TableName: deps.tableName,
      Key: keys.migration(CONSENT_SUMMARY_MIGRATION),
      UpdateExpression: `SET phase = :phase, leaseUntil = :until${progress.lastKey ? ', lastKey = :lastKey' : ''}${progress.lastKey ? '' : ' REMOVE lastKey'}`,
      ConditionExpression: 'leaseOwner = :owner',
      ExpressionAttributeValues: {
        ':phase': progress.phase,
        ':until': progress.release ? 0 : deps.realNowMs() + LEASE_MS,
        ':owner': owner,
        ...(progress.lastKey ? { ':lastKey': progress.lastKey } : {}),
      },
    }),
  );
}
