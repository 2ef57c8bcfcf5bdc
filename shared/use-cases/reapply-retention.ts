import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AccountStore } from '../adapters/dynamodb/account-store.ts';
import type { ConsentStore } from '../adapters/dynamodb/consent-store.ts';
import { ACTIVITY_PROJECTION, activityAtOf, queryContactPartition } from '../adapters/dynamodb/contact-partition.ts';
import type { JobStore, RetentionJob } from '../adapters/dynamodb/job-store.ts';
import type { ProfileStore } from '../adapters/dynamodb/profile-store.ts';
import { CONTACT_INDEX_SHARDS, expiryAttributes } from '../adapters/dynamodb/table-keys.ts';
import { CHANNELS, type Channel } from '../domain/channels.ts';
import { isExpired } from '../domain/retention/expires-at.ts';
import { profileRetentionBase } from '../domain/retention/profile-touch.ts';
import { itemKindOf, retentionClassOf } from '../domain/retention/item-kind.ts';
import { effectiveRetention, reappliedExpiresAt, type EffectiveRetention, type RetentionOverride } from '../domain/retention/retention-policy.ts';
import { mapConcurrent } from '../concurrency/map-concurrent.ts';

export interface ReapplyDeps {
  db: DynamoDBDocumentClient;
  tableName: string;
  /** Consent records change together with their consent summary. */
  consentStore: ConsentStore;
  accountStore: AccountStore;
  profileStore: ProfileStore;
  jobStore: JobStore;
  /** The real clock, for time budgets and leases (the `now` of a run may be injected). */
  realNowMs: () => number;
}

export interface ReapplyProgress {
  done: boolean;
  updated: number;
}

const PAGE_SIZE = 500;
const UPDATE_CONCURRENCY = 16;
const PROFILES_PER_PAGE = 25;
const CONTACT_CONCURRENCY = 4;
const LEASE_MS = 2 * 60 * 1000;

/**
 * Gives every item of one contact the expiry its current retention implies: activity + period,
 * never reviving an expired item, clamped to now when already past. Each update is conditional on
 * the expiry it read, so an item a writer renewed meanwhile is left as the writer set it. Consent
 * records and suppressions change channel by channel together with their consent summary
 * (ConsentSummaryStore.reapplyChannel), in one transaction. Resumable: returns the sort key to
 * continue after when the deadline comes first.
 */
export async function reapplyContactItems(
  deps: Pick<ReapplyDeps, 'db' | 'tableName' | 'consentStore' | 'realNowMs'>,
  input: { accountId: string; contact: string; retention: EffectiveRetention; nowSeconds: number; afterSk?: string; deadlineMs: number },
): Promise<ReapplyProgress & { afterSk?: string }> {
  let afterSk = input.afterSk;
  let updated = 0;
  for (;;) {
    if (deps.realNowMs() > input.deadlineMs) return { done: false, updated, ...(afterSk ? { afterSk } : {}) };
    const page = await queryContactPartition(deps.db, deps.tableName, input.accountId, input.contact, {
      limit: PAGE_SIZE,
      ...(afterSk ? { afterSk } : {}),
      ...ACTIVITY_PROJECTION,
    });
    const channels = new Set<Channel>();
    const changes = page.items.flatMap((item) => {
      const channel = summarizedChannel(String(item.sk));
      if (channel) {
        channels.add(channel);
        return [];
      }
      const currentExpiresAt = typeof item.expiresAt === 'number' ? item.expiresAt : undefined;
      const activityAt = activityAtOf(item);
      // Items without an expiry are not retention-managed (none are expected in a contact partition).
      if (currentExpiresAt === undefined || activityAt === undefined) return [];
      const kind = itemKindOf(String(item.sk));
      const period = input.retention[retentionClassOf(kind)];
      // A profile's expiry runs from a day past its last touch (profileRetentionBase): it covers the items of that day.
      const base = kind === 'profile' ? profileRetentionBase(activityAt, period) : activityAt;
      const next = reappliedExpiresAt({ activityAt: base, currentExpiresAt, period, nowSeconds: input.nowSeconds });
      return next === undefined ? [] : [{ key: { pk: String(item.pk), sk: String(item.sk) }, currentExpiresAt, next, activityAt }];
    });
    const results = await mapConcurrent(changes, UPDATE_CONCURRENCY, async (change) => {
      try {
        await deps.db.send(
          new UpdateCommand({
            TableName: deps.tableName,
            Key: change.key,
            UpdateExpression: 'SET expiresAt = :expiresAt, activityAt = :activityAt, gsi2pk = :gsi2pk, gsi2sk = :gsi2sk',
            ConditionExpression: 'expiresAt = :current',
            ExpressionAttributeValues: {
              ...Object.fromEntries(
                Object.entries(expiryAttributes(change.key, change.next, change.activityAt)).map(([name, value]) => [`:${name}`, value]),
              ),
              ':current': change.currentExpiresAt,
            },
          }),
        );
        return 1;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return 0;
        throw error;
      }
    });
    updated += results.reduce((sum: number, value) => sum + value, 0);
    for (const channel of channels) {
      updated += await deps.consentStore.summaries.reapplyChannel(input.accountId, input.contact, channel, input.retention.data, input.nowSeconds);
    }
    if (!page.lastSk) return { done: true, updated };
    afterSk = page.lastSk;
  }
}

/** The channel of a consent record, suppression or consent summary (they are re-applied together), else undefined. */
function summarizedChannel(sk: string): Channel | undefined {
  const kind = itemKindOf(sk);
  if (kind !== 'consent' && kind !== 'suppression' && kind !== 'summary') return undefined;
  const channel = sk.split('#')[1];
  return CHANNELS.find((candidate) => candidate === channel);
}

/** The retention that applies to a contact now: its live override, else the account's settings. */
export async function contactRetention(
  deps: Pick<ReapplyDeps, 'accountStore' | 'profileStore'>,
  accountId: string,
  contact: string,
  nowMs: number,
): Promise<{ retention: EffectiveRetention; override?: RetentionOverride }> {
  const [settings, profile] = await Promise.all([deps.accountStore.getSettings(accountId), deps.profileStore.get(accountId, contact, nowMs)]);
  return { retention: effectiveRetention(settings.retention, profile?.retention), ...(profile?.retention ? { override: profile.retention } : {}) };
}

/**
 * Runs one open re-application job until done or the deadline: one contact's partition, or every
 * contact of the account (byContact shard by shard, a page of profiles at a time). Progress is
 * checkpointed on the job after each page; a newer request for the same scope replaces the job
 * and this worker stops at its next checkpoint.
 */
export async function runRetentionJob(
  deps: ReapplyDeps,
  job: RetentionJob,
  options: { now: Date; deadlineMs: number },
): Promise<ReapplyProgress> {
  const owner = randomUUID();
  const leaseUntil = () => deps.realNowMs() + LEASE_MS;
  if (!(await deps.jobStore.lease(job, owner, leaseUntil(), deps.realNowMs()))) return { done: false, updated: 0 };
  let progress: ReapplyProgress = { done: false, updated: job.updated };
  try {
    progress = await runLeasedJob(deps, job, options, owner);
    return progress;
  } finally {
    if (!progress.done) await deps.jobStore.release(job, owner);
  }
}

async function runLeasedJob(deps: ReapplyDeps, job: RetentionJob, options: { now: Date; deadlineMs: number }, owner: string): Promise<ReapplyProgress> {
  const leaseUntil = () => deps.realNowMs() + LEASE_MS;
  const nowSeconds = Math.floor(options.now.getTime() / 1000);
  let updated = job.updated;

  if (job.contact !== undefined) {
    const { retention } = await contactRetention(deps, job.accountId, job.contact, options.now.getTime());
    const result = await reapplyContactItems(deps, {
      accountId: job.accountId,
      contact: job.contact,
      retention,
      nowSeconds,
      deadlineMs: options.deadlineMs,
      ...(job.afterSk ? { afterSk: job.afterSk } : {}),
    });
    updated += result.updated;
    if (result.done) {
      await deps.jobStore.completeRetentionJob(job);
      return { done: true, updated };
    }
    await deps.jobStore.checkpoint(job, owner, { ...(result.afterSk ? { afterSk: result.afterSk } : {}), updated, leaseUntil: leaseUntil() });
    return { done: false, updated };
  }

  const settings = await deps.accountStore.getSettings(job.accountId);
  let cursor = job.cursor ?? { shard: 0 };
  while (cursor.shard < CONTACT_INDEX_SHARDS) {
    if (deps.realNowMs() > options.deadlineMs) return { done: false, updated };
    const page = await deps.profileStore.listShard(job.accountId, cursor.shard, cursor.after, PROFILES_PER_PAGE);
    const results = await mapConcurrent(page.items, CONTACT_CONCURRENCY, (profile) =>
      reapplyContactItems(deps, {
        accountId: job.accountId,
        contact: profile.contact,
        retention: effectiveRetention(settings.retention, isExpired(profile.expiresAt, options.now.getTime()) ? undefined : profile.retention),
        nowSeconds,
        deadlineMs: options.deadlineMs,
      }),
    );
    updated += results.reduce((sum, result) => sum + result.updated, 0);
    // A contact cut short by the deadline is redone from its start next time (updates are idempotent).
    if (results.some((result) => !result.done)) return { done: false, updated };
    const last = page.items.at(-1);
    cursor = page.more && last ? { shard: cursor.shard, after: last.contact } : { shard: cursor.shard + 1 };
    if (!(await deps.jobStore.checkpoint(job, owner, { cursor, updated, leaseUntil: leaseUntil() }))) return { done: false, updated };
  }
  await deps.jobStore.completeRetentionJob(job);
  return { done: true, updated };
}
