import { randomUUID } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { batchDeleteKeys } from '../adapters/dynamodb/batch-write.ts';
import { EXPIRY_INDEX_SHARDS } from '../adapters/dynamodb/table-keys.ts';
import type { DueKey, SweepPosition, SweepStore } from '../adapters/dynamodb/sweep-store.ts';
import { addCounts, isWriteOnce, itemKindOf, totalCount, type KindCounts } from '../domain/retention/item-kind.ts';
import { expiryDay, sweepDays } from '../domain/retention/sweep-window.ts';
import { mapConcurrent } from '../concurrency/map-concurrent.ts';

export interface SweepDeps {
  db: DynamoDBDocumentClient;
  tableName: string;
  sweepStore: SweepStore;
  /** The real clock, for the time budget and the lease; `now` (what is due) may be injected. */
  realNowMs: () => number;
}

export interface SweepOptions {
  /** Items with expiresAt <= now are due. */
  now: Date;
  /** Real-clock ms after which the run checkpoints and stops. */
  deadlineMs: number;
  lookbackDays?: number;
  maxCatchUpDays?: number;
  pageSize?: number;
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
/** Deletes per second of one run (see SCALING.md). */
export const SWEEP_DELETES_PER_SECOND = 400;
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
  if (!(await deps.sweepStore.acquireLease(owner, leaseUntil(), deps.realNowMs()))) return { ...report, status: 'busy' };
  try {
    const state = await deps.sweepStore.getState();
    const days = sweepDays({
      nowSeconds,
      nextStartDay: state.nextStartDay,
      lookbackDays: options.lookbackDays ?? 3,
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
          const { deleted, renewed } = await deleteDue(deps, page.keys, nowSeconds);
          report.deleted = addCounts(report.deleted, deleted);
          report.renewed += renewed;
          if (!page.lastKey) break;
          startKey = page.lastKey;
          await deps.sweepStore.savePosition(owner, position(day, shard, startKey), leaseUntil());
        }
      }
    }
    const done = finish(report);
    await deps.sweepStore.complete(owner, expiryDay(nowSeconds), {
      completedAt: new Date(deps.realNowMs()).toISOString(),
      now: report.now,
      deleted: done.deleted,
      itemsRead: done.itemsRead,
    });
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
 * condition that they are still expired.
 */
async function deleteDue(deps: SweepDeps, due: DueKey[], nowSeconds: number): Promise<{ deleted: KindCounts; renewed: number }> {
  const deleted: KindCounts = {};
  const count = (sk: string) => {
    const kind = itemKindOf(sk);
    deleted[kind] = (deleted[kind] ?? 0) + 1;
  };
  const bulk = due.filter((key) => isWriteOnce(itemKindOf(key.sk)));
  const guarded = due.filter((key) => !isWriteOnce(itemKindOf(key.sk)));
  await batchDeleteKeys(deps.db, deps.tableName, bulk);
  for (const key of bulk) count(key.sk);
  const results = await mapConcurrent(guarded, CONDITIONAL_DELETE_CONCURRENCY, (key) => deps.sweepStore.deleteIfExpired(key, nowSeconds));
  let renewed = 0;
  guarded.forEach((key, index) => {
    if (results[index]) count(key.sk);
    else renewed += 1;
  });
  return { deleted, renewed };
}
