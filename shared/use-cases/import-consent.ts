import type { RecordConsentChangeDeps } from './record-consent-change.ts';
import { createHash } from 'node:crypto';
import { monotonicFactory } from 'ulid';
import { ConsentStore, type ConsentWrite } from '../adapters/dynamodb/consent-store.ts';
import type { DataStores } from '../adapters/dynamodb/data-stores.ts';
import type { AccountReader } from '../adapters/dynamodb/account-reader.ts';
import type { LineReader } from '../adapters/dynamodb/line-reader.ts';
import { applyConsentEvent, type ConsentEffect } from '../domain/consent/apply-consent-event.ts';
import type { ConsentChange, ConsentRecord } from '../domain/consent/consent-record.ts';
import { isRowError, parseConsentCsv, validateImportRow, type ImportRow, type RowError } from '../domain/imports/consent-csv.ts';
import { TooManyRequestsError, ValidationError } from '../domain/errors.ts';
import { contactErasureHash } from '../domain/retention/erasure-hash.ts';
import { effectiveDataRetention, expiresAtAfter } from '../domain/retention/retention-policy.ts';
import { mapConcurrent } from '../concurrency/map-concurrent.ts';
import { Pacer } from '../concurrency/pacer.ts';
import { announceConsentChanges, consentAuditEvent, recordConsentChange } from './record-consent-change.ts';
import { consentStatIncrements, type StatIncrement } from '../domain/reports/consent-stats.ts';
import { expiresAtFor } from '../domain/retention/expires-at.ts';
import type { AuditEvent } from '../domain/consent/audit-event.ts';
import { LineDirectory } from '../domain/accounts/line-directory.ts';
import type { ErasureReader } from '../adapters/dynamodb/erasure-reader.ts';
import { logger } from '../observability/logger.ts';

/** One request carries at most this many rows; the CLI sends files in chunks below it. */
export const MAX_IMPORT_ROWS = 5000;
/** Contacts applied one row at a time (too many rows for one transaction) run this many at once. */
const ROW_CONCURRENCY = 16;
/** DynamoDB's TransactWriteItems limits: 100 items, 4 MB. */
const MAX_TRANSACTION_ITEMS = 100;
const MAX_TRANSACTION_BYTES = 3 * 1024 * 1024;
/**
 * Rows per second one account may import, however many clients send (back-pressure). Each row
 * writes five items, all in the same expiry day, and a profile and a consent record in the
 * account's byContact and the line's byLine shards: at 2,000 rows/s the busiest of those stays
 * under a third of its partition limit with the webhooks and a burst running (SCALING.md). A
 * 10-million-row import takes about 1 h 23 min.
 */
export const IMPORT_ROWS_PER_SECOND = 2000;
/** Packed transactions in flight at once. */
const TRANSACTION_CONCURRENCY = 8;
/** Counter updates of one packed transaction in flight at once. */
const COUNTER_CONCURRENCY = 4;
// Monotonic: the rows of one request share a millisecond and keep their order.
const nextEventId = monotonicFactory();
const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/** Idempotency markers of import rows use this provider name (sort key INBOUND#import#{batchId}:{line}). */
export const IMPORT_PROVIDER = 'import';

export interface ImportResult {
  batchId: string;
  rows: number;
  /** Rows that changed the status, confirmed it with a newer time, or arrived older than the state (audited only). */
  applied: Record<ConsentEffect, number>;
  /** Rows of this batch applied before (same batch id and line): nothing changed. */
  duplicates: number;
  rejected: RowError[];
  /**
   * False when the request's time ran out before every row was applied: send the same chunk again
   * (rows already applied come back as duplicates, the rest are applied).
   */
  complete: boolean;
}

export type ImportDeps = Pick<DataStores, 'consentStore' | 'importPaceStore'> &
  Pick<RecordConsentChangeDeps, 'statsStore' | 'consentEvents'> & {
  /** Only the erasure key and tombstones (rows of erased contacts are checked, never erased here). */
  erasureStore: ErasureReader;
  /** Only the account's settings (retention months, default statuses). */
  accountStore: AccountReader;
  /** Only the account's lines (the import resolves line references; it never opens credentials). */
  lineStore: LineReader;
  now: () => Date;
  realNowMs: () => number;
  /** Rows per second for this account (default IMPORT_ROWS_PER_SECOND). */
  importRowsPerSecond?: number;
  /** The pacing's wait (tests pass one that records instead of waiting). */
  sleep?: (ms: number) => Promise<void>;
};

const BATCH_ID_PATTERN = /^[A-Za-z0-9_-]{8,80}$/;

/** A batch id derived from the content, so the same file always gets the same id (and re-running it changes nothing). */
export function batchIdFor(content: string | Buffer): string {
  return `imp_${createHash('sha256').update(content).digest('hex').slice(0, 32)}`;
}

/**
 * Applies a CSV of consent changes (the whole file, or one chunk of it that starts with the header).
 * Each row is validated and reported by its line number in the file; valid rows go through the same
 * path as every other consent change (ordering by occurredAt, audit event, profile, retention) with
 * the batch id and line as evidence and as idempotency key: the same file imported again changes
 * nothing. Rows for an erased contact are rejected unless they are an opt-in given after the
 * erasure (the person came back); anything else would silently re-create what was erased.
 */
export async function importConsentCsv(
  deps: ImportDeps,
  input: { accountId: string; keyId: string; csv: string; batchId?: string; firstLine?: number; deadlineMs?: number },
): Promise<ImportResult> {
  const timeLeft = () => input.deadlineMs === undefined || deps.realNowMs() < input.deadlineMs;
  let complete = true;
  const batchId = input.batchId ?? batchIdFor(input.csv);
  if (!BATCH_ID_PATTERN.test(batchId)) throw new ValidationError('batchId must be 8-80 letters, digits, _ or -');
  const { header, records } = parseConsentCsv(input.csv, input.firstLine);
  if (records.length > MAX_IMPORT_ROWS) {
    throw new ValidationError(`At most ${MAX_IMPORT_ROWS} rows per request: send larger files in chunks (the CLI does)`);
  }
  const now = deps.now();
  // Back-pressure: this request's rows get their time slot at the account's rate, or the caller waits.
  const rate = deps.importRowsPerSecond ?? IMPORT_ROWS_PER_SECOND;
  const reservedAt = deps.realNowMs();
  const reservation = await deps.importPaceStore.reserve(input.accountId, records.length, rate, reservedAt);
  if (!reservation.ok) {
    const seconds = Math.ceil(reservation.retryAfterMs / 1000);
    throw new TooManyRequestsError(`This account imports at most ${rate} rows per second: send this chunk again in ${seconds} s`, seconds);
  }
  const pacer = new Pacer(rate, deps.realNowMs, deps.sleep);
  const [lines, settings] = await Promise.all([deps.lineStore.listLines(input.accountId), deps.accountStore.getSettings(input.accountId)]);
  const context = { lines: new LineDirectory(lines), nowMs: now.getTime(), batchId };
  const rejected: RowError[] = [];
  let valid: ImportRow[] = [];
  for (const record of records) {
    const row = validateImportRow(header, record, context);
    if (isRowError(row)) rejected.push(row);
    else valid.push({ ...row, evidence: { ...row.evidence, apiKeyId: input.keyId } });
  }

  valid = await rejectErased(deps, input.accountId, valid, rejected);
  const applied: Record<ConsentEffect, number> = { changed: 0, confirmed: 0, superseded: 0 };
  const counts = { duplicates: 0 };
  const state = await deps.consentStore.prefetch(
    input.accountId,
    {
      markers: valid.map((row) => ({ contact: row.contact, provider: IMPORT_PROVIDER, messageId: markerId(batchId, row.line) })),
      records: valid.map((row) => ({ contact: row.contact, channel: row.channel, scope: row.scope })),
      contacts: [...new Set(valid.map((row) => row.contact))],
    },
    now.getTime(),
  );
  const fresh = valid.filter((row) => !state.markers.has(ConsentStore.markerRef(input.accountId, row.contact, IMPORT_PROVIDER, markerId(batchId, row.line))));
  counts.duplicates += valid.length - fresh.length;

  // One plan per contact (its rows in file order); plans are packed into transactions of up to 100 items.
  const byContact = new Map<string, ImportRow[]>();
  for (const row of fresh) {
    const rows = byContact.get(row.contact);
    if (rows) rows.push(row);
    else byContact.set(row.contact, [row]);
  }
  const plans = [...byContact.entries()].map(([contact, rows]) =>
    planContact({ accountId: input.accountId, batchId, contact, rows, state, dataMonths: settings.retention.dataMonths, now }),
  );
  const packed: ContactPlan[][] = [];
  const oneByOne: ContactPlan[] = [];
  let current: ContactPlan[] = [];
  let items = 0;
  let bytes = 0;
  for (const plan of plans) {
    if (plan.items > MAX_TRANSACTION_ITEMS || plan.bytes > MAX_TRANSACTION_BYTES) {
      oneByOne.push(plan);
      continue;
    }
    if (items + plan.items > MAX_TRANSACTION_ITEMS || bytes + plan.bytes > MAX_TRANSACTION_BYTES) {
      packed.push(current);
      current = [];
      items = 0;
      bytes = 0;
    }
    current.push(plan);
    items += plan.items;
    bytes += plan.bytes;
  }
  if (current.length > 0) packed.push(current);

  const count = (effects: ConsentEffect[]) => {
    for (const effect of effects) applied[effect] += 1;
  };
  const applyOneByOne = async (plan: ContactPlan) => {
    for (const row of plan.rows) {
      const result = await applyRow(deps, input.accountId, batchId, row, settings.retention.dataMonths);
      if (result === 'duplicate') counts.duplicates += 1;
      else applied[result] += 1;
    }
  };
  await mapConcurrent(packed, TRANSACTION_CONCURRENCY, async (group) => {
    await pacer.take(group.reduce((sum, plan) => sum + plan.rows.length, 0));
    if (!timeLeft()) {
      complete = false;
      return;
    }
    const writes = group.flatMap((plan) => plan.writes);
    if (await deps.consentStore.commitMany(writes)) {
      for (const plan of group) count(plan.effects);
      await reportPackedChanges(deps, input.accountId, writes.map((write) => write.event), settings.retention.dataMonths);
      return;
    }
    // Something changed since the prefetch (a concurrent write or import): redo these rows one by one, re-reading.
    for (const plan of group) await applyOneByOne(plan);
  });
  await mapConcurrent(oneByOne, ROW_CONCURRENCY, async (plan) => {
    await pacer.take(plan.rows.length);
    if (timeLeft()) await applyOneByOne(plan);
    else complete = false;
  });

  // Answer once this request's time slot is over, so the client's next chunk finds the account free.
  const slotLeftMs = reservedAt + Math.ceil((records.length * 1000) / rate) - deps.realNowMs();
  if (complete && slotLeftMs > 0) await (deps.sleep ?? defaultSleep)(slotLeftMs);
  rejected.sort((a, b) => a.line - b.line);
  return { batchId, rows: records.length, applied, duplicates: counts.duplicates, rejected, complete };
}

interface ContactPlan {
  rows: ImportRow[];
  writes: ConsentWrite[];
  effects: ConsentEffect[];
  items: number;
  /** A rough size of what the transaction will carry (DynamoDB caps one at 4 MB). */
  bytes: number;
}

/**
 * Decides a contact's rows in memory, in file order, from the prefetched state (the same pure
 * decision as every consent change: ordering by occurredAt), and lays out its writes: a marker and
 * an audit event per row, the final state of each scope (conditional on the version read), and
 * one profile touch.
 */
function planContact(input: {
  accountId: string;
  batchId: string;
  contact: string;
  rows: ImportRow[];
  state: Awaited<ReturnType<ConsentStore['prefetch']>>;
  dataMonths: number;
  now: Date;
}): ContactPlan {
  const { accountId, contact, rows, state, now } = input;
  const recordedAt = now.toISOString();
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const retention = state.contacts.get(contact) ?? { live: false };
  const expiresAt = expiresAtAfter(recordedAt, effectiveDataRetention(input.dataMonths, retention.override));
  const scopes = new Map<string, { current: ConsentRecord | undefined; readVersion: number | undefined; lastWrite?: ConsentWrite }>();
  const writes: ConsentWrite[] = [];
  const effects: ConsentEffect[] = [];
  for (const row of rows) {
    const scopeKey = `${row.channel}#${row.scope}`;
    let scope = scopes.get(scopeKey);
    if (!scope) {
      const stored = state.records.get(ConsentStore.recordRef(accountId, contact, row.channel, row.scope));
      scope = { current: stored, readVersion: stored?.version };
      scopes.set(scopeKey, scope);
    }
    const change = changeOf(row);
    const decision = applyConsentEvent(scope.current, change);
    const eventId = nextEventId(now.getTime());
    const write: ConsentWrite = {
      accountId,
      contact,
      event: consentAuditEvent(change, decision, eventId, recordedAt),
      marker: { provider: IMPORT_PROVIDER, providerMessageId: markerId(input.batchId, row.line), eventId, receivedAt: recordedAt, replyState: 'none' },
      expiresAt,
      nowSeconds,
      activityAt: recordedAt,
    };
    writes.push(write);
    effects.push(decision.effect);
    if (decision.next) {
      scope.current = { ...decision.next, eventId, updatedAt: recordedAt };
      scope.lastWrite = write;
    }
  }
  // Only the last state of each scope is stored; the version condition is the one read.
  const consentKeys: string[] = [];
  for (const [scopeKey, scope] of scopes) {
    if (!scope.lastWrite || !scope.current) continue;
    scope.lastWrite.record = { next: scope.current, expectedVersion: scope.readVersion };
    consentKeys.push(scopeKey);
  }
  const last = writes.at(-1);
  if (last) last.profile = { live: retention.live, consentKeys };
  return {
    rows,
    writes,
    effects,
    items: writes.reduce((sum, write) => sum + ConsentStore.itemCount(write), 0) + ConsentStore.summaryCount(writes),
    bytes: writes.reduce((sum, write) => sum + JSON.stringify(write).length * 2, 0),
  };
}

/**
 * What a packed transaction committed, told as every other change tells it: report counters (one
 * ADD per counter for the whole group, so concurrent transactions never contend on a counter item)
 * and the opt-out / opt-in metrics and ConsentChanged events. Rows applied one by one go through
 * recordConsentChange, which does the same. The rows are committed either way: a counter that
 * cannot be written is logged (the report then undercounts this group), never retried into a
 * double count.
 */
async function reportPackedChanges(deps: ImportDeps, accountId: string, events: readonly AuditEvent[], retentionMonths: number): Promise<void> {
  const counters = new Map<string, StatIncrement>();
  for (const event of events) {
    for (const increment of consentStatIncrements(event)) {
      const key = JSON.stringify([increment.dimension, increment.day, increment.value, increment.field]);
      const counter = counters.get(key);
      if (counter) counter.amount += increment.amount;
      else counters.set(key, { ...increment });
    }
  }
  try {
    await mapConcurrent([...counters.values()], COUNTER_CONCURRENCY, (increment) =>
      deps.statsStore.addToCounter(accountId, increment, expiresAtFor(`${increment.day}T00:00:00.000Z`, retentionMonths)),
    );
  } catch (error) {
    logger.error('Report counters of imported rows not written', { counters: counters.size, error: error as Error });
  }
  await announceConsentChanges(deps, accountId, events.map((event) => ({ event })));
}

function changeOf(row: ImportRow): ConsentChange {
  return { contact: row.contact, channel: row.channel, scope: row.scope, status: row.status, occurredAt: row.occurredAt, source: row.source, evidence: row.evidence };
}

/** The one-row path (re-reads everything, retries conflicts): for rows a packed transaction could not take. */
async function applyRow(deps: ImportDeps, accountId: string, batchId: string, row: ImportRow, dataMonths: number): Promise<ConsentEffect | 'duplicate'> {
  const result = await recordConsentChange(deps, {
    accountId,
    retentionMonths: dataMonths,
    change: changeOf(row),
    idempotency: {
      provider: IMPORT_PROVIDER,
      providerMessageId: markerId(batchId, row.line),
      marker: () => ({ receivedAt: deps.now().toISOString(), replyState: 'none' }),
    },
  });
  return result.duplicate ? 'duplicate' : result.decision.effect;
}

function markerId(batchId: string, line: number): string {
  return `${batchId}:${line}`;
}

async function rejectErased(deps: ImportDeps, accountId: string, rows: ImportRow[], rejected: RowError[]): Promise<ImportRow[]> {
  if (rows.length === 0) return rows;
  const key = await deps.erasureStore.getKey(accountId);
  if (!key) return rows;
  const hashes = new Map(rows.map((row) => [row.contact, contactErasureHash(key, row.contact)]));
  const tombstones = await deps.erasureStore.getTombstones(accountId, [...new Set(hashes.values())]);
  if (tombstones.size === 0) return rows;
  return rows.filter((row) => {
    const tombstone = tombstones.get(hashes.get(row.contact) ?? '');
    if (!tombstone) return true;
    if (row.status === 'opted_in' && Date.parse(row.occurredAt) > Date.parse(tombstone.erasedAt)) return true;
    rejected.push({
      line: row.line,
      code: 'contact_erased',
      message: `this contact was erased on ${tombstone.erasedAt}; only an opt-in given after that can be imported`,
    });
    return false;
  });
}
