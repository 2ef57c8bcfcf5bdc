import { randomUUID } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { batchDeleteKeys } from '../adapters/dynamodb/batch-write.ts';
import { queryContactPartition } from '../adapters/dynamodb/contact-partition.ts';
import type { ErasureStore, Tombstone } from '../adapters/dynamodb/erasure-store.ts';
import { JobStore } from '../adapters/dynamodb/job-store.ts';
import { contactErasureHash } from '../domain/retention/erasure-hash.ts';
import type { ErasureReceipt } from '../domain/retention/erasure-receipt.ts';
import { addCounts, countKinds, totalCount } from '../domain/retention/item-kind.ts';

export interface ErasureDeps {
  db: DynamoDBDocumentClient;
  tableName: string;
  erasureStore: ErasureStore;
  jobStore: JobStore;
  realNowMs: () => number;
}


const PAGE_SIZE = 1000;
const LEASE_MS = 60 * 1000;

/**
 * Right to be forgotten. Deletes every item of the contact's partition page by page with
 * BatchWriteItem, and keeps a tombstone keyed by the contact's HMAC.
 *
 * - Resumable: the tombstone records the run (and, while it runs, the address); a run stopped by
 *   its deadline or a crash continues on the next call, or from the sweep (open erasure job).
 * - Exact counts: before a page is deleted its counts are saved with the page's last sort key; a
 *   resumed run deletes items up to that key again without counting them twice.
 * - Idempotent: erasing again when nothing is left returns the same receipt; if the contact came
 *   back since (a fresh opt-in), a new run with a new receipt deletes the new data.
 */
export async function eraseContact(
  deps: ErasureDeps,
  input: { accountId: string; contact: string; now: Date; deadlineMs: number },
): Promise<ErasureReceipt> {
  const { accountId, contact, now } = input;
  const key = await deps.erasureStore.getOrCreateKey(accountId, now);
  const contactHash = contactErasureHash(key, contact);
  for (let attempt = 1; attempt <= 3; attempt += 1) {
    const tombstone = await deps.erasureStore.getTombstone(accountId, contactHash);
    if (tombstone?.status === 'in_progress') {
      return continueErasure(deps, { accountId, contact, tombstone, now, deadlineMs: input.deadlineMs });
    }
    if (tombstone && !(await hasItems(deps, accountId, contact))) return receiptOf(tombstone, true);
    const started: Tombstone & { contact: string } = {
      contactHash,
      erasedAt: now.toISOString(),
      receiptId: `er_${ulid(now.getTime()).toLowerCase()}`,
      status: 'in_progress',
      deleted: {},
      contact,
    };
    // The job first: if this request dies right after the tombstone, the sweep still finishes it.
    await deps.jobStore.openErasureJob(accountId, contactHash, now);
    if (await deps.erasureStore.start(accountId, started, tombstone?.receiptId)) {
      return continueErasure(deps, { accountId, contact, tombstone: started, now, deadlineMs: input.deadlineMs });
    }
    // Another request started a run at the same moment: join it.
  }
  throw new Error('Erasure could not start: the tombstone kept changing');
}

/** Continues a run found in progress (used by the sweep for erasures left unfinished). */
export async function resumeErasure(
  deps: ErasureDeps,
  input: { accountId: string; contactHash: string; now: Date; deadlineMs: number },
): Promise<ErasureReceipt | undefined> {
  const tombstone = await deps.erasureStore.getTombstone(input.accountId, input.contactHash);
  if (tombstone?.status !== 'in_progress' || tombstone.contact === undefined) {
    await deps.jobStore.delete(JobStore.erasureJobId(input.accountId, input.contactHash));
    return tombstone ? receiptOf(tombstone, false) : undefined;
  }
  return continueErasure(deps, { accountId: input.accountId, contact: tombstone.contact, tombstone, now: input.now, deadlineMs: input.deadlineMs });
}

async function continueErasure(
  deps: ErasureDeps,
  input: { accountId: string; contact: string; tombstone: Tombstone; now: Date; deadlineMs: number },
): Promise<ErasureReceipt> {
  const { accountId, contact, now } = input;
  const { contactHash, receiptId } = input.tombstone;
  const owner = randomUUID();
  const leaseUntil = () => deps.realNowMs() + LEASE_MS;
  // Someone else is running this erasure right now: report where it stands.
  if (!(await deps.erasureStore.acquireLease(accountId, contactHash, receiptId, owner, leaseUntil(), deps.realNowMs()))) {
    return receiptOf(input.tombstone, false);
  }
  let deleted = input.tombstone.deleted;
  let countedThroughSk = input.tombstone.countedThroughSk;
  for (;;) {
    if (deps.realNowMs() > input.deadlineMs) {
      await deps.erasureStore.releaseLease(accountId, contactHash, owner);
      return receiptOf({ ...input.tombstone, deleted }, false);
    }
    const page = await queryContactPartition(deps.db, deps.tableName, accountId, contact, {
      limit: PAGE_SIZE,
      projection: 'pk, sk',
    });
    if (page.items.length === 0) break;
    const pageKeys = page.items.map((item) => ({ pk: String(item.pk), sk: String(item.sk) }));
    const lastSk = pageKeys.at(-1)?.sk ?? '';
    const uncounted = pageKeys.filter((item) => countedThroughSk === undefined || item.sk > countedThroughSk);
    if (uncounted.length > 0) {
      deleted = addCounts(deleted, countKinds(uncounted.map((item) => item.sk)));
      countedThroughSk = countedThroughSk !== undefined && countedThroughSk > lastSk ? countedThroughSk : lastSk;
      const saved = await deps.erasureStore.recordCounted(accountId, contactHash, owner, { deleted, countedThroughSk, leaseUntil: leaseUntil() });
      if (!saved) return receiptOf({ ...input.tombstone, deleted }, false);
    }
    await batchDeleteKeys(deps.db, deps.tableName, pageKeys);
  }
  const completedAt = now.toISOString();
  await deps.erasureStore.complete(accountId, contactHash, owner, completedAt);
  // Background work about this contact would otherwise keep its address.
  await Promise.all([
    deps.jobStore.delete(JobStore.erasureJobId(accountId, contactHash)),
    deps.jobStore.delete(JobStore.retentionJobId(accountId, contact)),
  ]);
  return receiptOf({ ...input.tombstone, deleted, status: 'complete', completedAt }, false);
}

async function hasItems(deps: ErasureDeps, accountId: string, contact: string): Promise<boolean> {
  const page = await queryContactPartition(deps.db, deps.tableName, accountId, contact, { limit: 1, projection: 'pk, sk' });
  return page.items.length > 0;
}

function receiptOf(tombstone: Tombstone, alreadyErased: boolean): ErasureReceipt {
  return {
    receiptId: tombstone.receiptId,
    status: tombstone.status,
    erasedAt: tombstone.erasedAt,
    ...(tombstone.completedAt ? { completedAt: tombstone.completedAt } : {}),
    deleted: tombstone.deleted,
    totalDeleted: totalCount(tombstone.deleted),
    contactHash: tombstone.contactHash,
    alreadyErased,
  };
}
