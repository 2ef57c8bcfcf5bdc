import { randomUUID } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { batchDeleteKeys } from '../adapters/dynamodb/batch-write.ts';
import { EXPIRY_INDEX_SHARDS } from '../adapters/dynamodb/table-keys.ts';
import type { DueKey, SweepPosition, SweepStore } from '../adapters/dynamodb/sweep-store.ts';
import { addCounts, isWriteOnce, itemKindOf, totalCount, type KindCounts } from '../domain/retention/item-kind.ts';
import { expiryDay, sweepDays } from '../domain/retention/sweep-window.ts';
import { mapConcurrent } from '../concurrency/map-concurrent.ts';
import { Pacer } from '../concurrency/pacer.ts';

export interface SweepDeps {
  db: DynamoDBDocumentClient;
  tableName: string;
  sweepStore: SweepStore;
  /** The real clock, for the time budget and the lease; `now` (what is due) may be injected. */
  realNowMs: () => number;
  /** Waits between paced deletes (tests pass one that records instead of waiting). */
  sleep?: (ms: number) => Promise<void>;
}

export interface SweepOptions {
  /** Items with expiresAt <= now are due. */
  now: Date;
  /** Real-clock ms after which the run checkpoints and stops. */
  deadlineMs: number;
  lookbackDays?: number;
  maxCatchUpDays?: number;
  pageSize?: number;
  /** Deletes per second (default SWEEP_DELETES_PER_SECOND). */
  deletesPerSecond?: number;
}

export interface SweepReport {
  /** `busy`: another sweep holds the lease. `partial`: the deadline came first; the next run resumes. */
  status: 'complete' | 'partial' | 'busy';
  now: string;
  bucketsQueried: number;
  /** Index entries read; equals deleted + renewed, since the query reads only due entries. */
  itemsRead: number;
  deleted: KindCounts;
  totalDeleted: number;
  /** Due when read, renewed by a write before the delete: left alone. */
  renewed: number;
}

const LEASE_MS = 2 * 60 * 1000;
/**
 * Deletes per second of one run. What is due usually sits in one expiry bucket (the hour's expiries
 * of one shard), so every delete of the moment may land on that bucket's byExpiry partition (one
 * write each): 300 keeps it under a third of the partition's 1,000 writes per second, and still
 * deletes 1 million items a day in under an hour of runs (SCALING.md).
 */
export const SWEEP_DELETES_PER_SECOND = 300;
/** Keys deleted per paced step. */
const PACED_SLICE = 50;
const CONDITIONAL_DELETE_CONCURRENCY = 16;
/**
 * Buckets queried at once. Most buckets hold nothing due (256 shards a day, 1,024 on the first run
 * of a day with its look-back), so one query after another made the run's time the sum of 256–1,024
 * round trips; each bucket is its own index partition, so 16 at a time add no hot spot, and every
 * delete still goes through the one pacer.
 */
const BUCKET_CONCURRENCY = 16;

/**
 * Deletes items past their expiry that TTL has not removed yet, found through the byExpiry index
 * (bucket per day and shard, sorted by expiry second): never a table scan, so the work grows with
 * what is due, not with the table. Resumable (the first bucket not yet finished is saved as the position), idempotent
 * (deleting a deleted item is a no-op), one run at a time (lease).
 */
export async function sweepExpiredItems(deps: SweepDeps, options: SweepOptions): Promise<SweepReport> {
  const owner = randomUUID();
  const nowSeconds = Math.floor(options.now.getTime() / 1000);
  const report: SweepReport = {
    status: 'complete',
    now: options.now.toISOString(),
    bucketsQueried: 0,
    itemsRead: 0,
    deleted: {},
    totalDeleted: 0,
    renewed: 0,
  };
  const leaseUntil = () => deps.realNowMs() + LEASE_MS;
  const pacer = new Pacer(options.deletesPerSecond ?? SWEEP_DELETES_PER_SECOND, deps.realNowMs, deps.sleep);
  if (!(await deps.sweepStore.acquireLease(owner, leaseUntil(), deps.realNowMs()))) return { ...report, status: 'busy' };
  try {
    const state = await deps.sweepStore.getState();
    const today = expiryDay(nowSeconds);
    // Each day has EXPIRY_INDEX_SHARDS buckets: the look-back days (already swept, re-read only for
    // late writers) are queried by the first run of each day, not by every hourly run.
    const lookbackDue = state.lookbackDoneFor !== today;
    const days = sweepDays({
      nowSeconds,
      nextStartDay: state.nextStartDay,
      lookbackDays: lookbackDue ? (options.lookbackDays ?? 3) : 0,
      maxCatchUpDays: options.maxCatchUpDays ?? 400,
    });
    const buckets = days.flatMap((day) => Array.from({ length: EXPIRY_INDEX_SHARDS }, (_, shard) => ({ day, shard })));
    const resume = state.position;
    const resumeAt = resume ? buckets.findIndex((bucket) => bucket.day === resume.day && bucket.shard === resume.shard) : -1;
    const first = Math.max(0, resumeAt);
    // Buckets are swept BUCKET_CONCURRENCY at a time, so a finished bucket may sit after an unfinished
    // one: the position is the first bucket not yet finished, and a resumed run starts there again.
    // Re-reading a bucket costs only what is still due in it (deleted and renewed items have left it).
    const finished = new Array<boolean>(buckets.length).fill(false);
    const checkpoint = (): SweepPosition => {
      let index = first;
      while (finished[index]) index += 1;
      const bucket = buckets[index] ?? buckets[first];
      return position(bucket?.day ?? today, bucket?.shard ?? 0, undefined);
    };
    let stopped = false;
    await mapConcurrent(buckets.slice(first), BUCKET_CONCURRENCY, async (bucket, offset) => {
      if (stopped) return;
      let startKey = offset === 0 && resumeAt >= 0 ? resume?.lastKey : undefined;
      report.bucketsQueried += 1;
      for (;;) {
        if (deps.realNowMs() > options.deadlineMs) {
          stopped = true;
          return;
        }
        const page = await deps.sweepStore.queryDue(bucket.day, bucket.shard, nowSeconds, {
          limit: options.pageSize ?? 1000,
          ...(startKey ? { startKey } : {}),
        });
        report.itemsRead += page.keys.length;
        const { deleted, renewed } = await deleteDue(deps, page.keys, nowSeconds, pacer);
        report.deleted = addCounts(report.deleted, deleted);
        report.renewed += renewed;
        if (!page.lastKey) break;
        startKey = page.lastKey;
        // A long bucket keeps the lease (and the position) fresh page by page.
        await deps.sweepStore.savePosition(owner, checkpoint(), leaseUntil());
      }
      finished[first + offset] = true;
    });
    if (stopped) {
      await deps.sweepStore.savePosition(owner, checkpoint(), leaseUntil());
      await deps.sweepStore.release(owner);
      return finish({ ...report, status: 'partial' });
    }
    const done = finish(report);
    await deps.sweepStore.complete(
      owner,
      today,
      { completedAt: new Date(deps.realNowMs()).toISOString(), now: report.now, deleted: done.deleted, itemsRead: done.itemsRead },
      lookbackDue ? today : state.lookbackDoneFor,
    );
    return done;
  } catch (error) {
    await deps.sweepStore.release(owner);
    throw error;
  }
}

function position(day: string, shard: number, lastKey: Record<string, string> | undefined): SweepPosition {
  return { day, shard, ...(lastKey ? { lastKey } : {}) };
}

function finish(report: SweepReport): SweepReport {
  return { ...report, totalDeleted: totalCount(report.deleted) };
}

/**
 * Write-once items (audit events, markers, message history) go in BatchWriteItem calls; items a
 * write can renew in place (consent state, profile, suppressions) are deleted one by one on the
 * condition that they are still expired. Paced: at most `pacer`'s rate, in slices.
 */
async function deleteDue(deps: SweepDeps, due: DueKey[], nowSeconds: number, pacer: Pacer): Promise<{ deleted: KindCounts; renewed: number }> {
  const deleted: KindCounts = {};
  const count = (sk: string) => {
    const kind = itemKindOf(sk);
    deleted[kind] = (deleted[kind] ?? 0) + 1;
  };
  let renewed = 0;
  for (let start = 0; start < due.length; start += PACED_SLICE) {
    const slice = due.slice(start, start + PACED_SLICE);
    await pacer.take(slice.length);
    const bulk = slice.filter((key) => isWriteOnce(itemKindOf(key.sk)));
    const guarded = slice.filter((key) => !isWriteOnce(itemKindOf(key.sk)));
    await batchDeleteKeys(deps.db, deps.tableName, bulk);
    for (const key of bulk) count(key.sk);
    const results = await mapConcurrent(guarded, CONDITIONAL_DELETE_CONCURRENCY, (key) => deps.sweepStore.deleteIfExpired(key, nowSeconds));
    guarded.forEach((key, index) => {
      if (results[index]) count(key.sk);
      else renewed += 1;
    });
  }
  return { deleted, renewed };
}
