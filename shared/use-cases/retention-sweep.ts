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
 * Deletes per second of one run. The sweep works through one expiry bucket at a time, so every
 * delete of the moment lands on that bucket's byExpiry partition (one write each): 300 keeps it under
 * a third of the partition's 1,000 writes per second, and still deletes 1 million items a day in
 * under an hour of runs (SCALING.md).
 */
export const SWEEP_DELETES_PER_SECOND = 300;
/** Keys deleted per paced step. */
const PACED_SLICE = 50;
const CONDITIONAL_DELETE_CONCURRENCY = 16;

/**
 * Deletes items past their expiry that TTL has not removed yet, found through the byExpiry index
 * (bucket per day and shard, sorted by expiry second): never a table scan, so the work grows with
 * what is due, not with the table. Resumable (the position is saved after every page), idempotent
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
    const resume = state.position && days.includes(state.position.day) ? state.position : undefined;
    for (const day of days) {
      for (let shard = 0; shard < EXPIRY_INDEX_SHARDS; shard += 1) {
        if (resume && (day < resume.day || (day === resume.day && shard < resume.shard))) continue;
        let startKey = resume && day === resume.day && shard === resume.shard ? resume.lastKey : undefined;
        report.bucketsQueried += 1;
        for (;;) {
          if (deps.realNowMs() > options.deadlineMs) {
            await deps.sweepStore.savePosition(owner, position(day, shard, startKey), leaseUntil());
            await deps.sweepStore.release(owner);
            return finish({ ...report, status: 'partial' });
          }
          const page = await deps.sweepStore.queryDue(day, shard, nowSeconds, {
            limit: options.pageSize ?? 1000,
            ...(startKey ? { startKey } : {}),
          });
          report.itemsRead += page.keys.length;
          const { deleted, renewed } = await deleteDue(deps, page.keys, nowSeconds, pacer);
          report.deleted = addCounts(report.deleted, deleted);
          report.renewed += renewed;
          if (!page.lastKey) break;
          startKey = page.lastKey;
          await deps.sweepStore.savePosition(owner, position(day, shard, startKey), leaseUntil());
        }
      }
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
