import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ChannelPolicy } from '../../../shared/domain/accounts/account-settings.ts';
import { CHANNEL_SCOPE, type Channel } from '../../../shared/domain/channels.ts';
import { applyConsentEvent } from '../../../shared/domain/consent/apply-consent-event.ts';
import type { ConsentRecord } from '../../../shared/domain/consent/consent-record.ts';
import { EMPTY_SUMMARY, liveSummary, summaryExpiry, withReappliedExpiry, withRecord, withSuppression, type ConsentSummary } from '../../../shared/domain/consent/consent-summary.ts';
import { decideOutbound, type OutboundFacts } from '../../../shared/domain/outbound/decide-outbound.ts';
import { outboundFactsFromSummary, type StoredOutboundFacts } from '../../../shared/domain/outbound/summary-facts.ts';
import { isExpired } from '../../../shared/domain/retention/expires-at.ts';
import { expiresAtAfter, reappliedExpiresAt, type RetentionPeriod } from '../../../shared/domain/retention/retention-policy.ts';

/**
 * The consent summary against the records it copies, as a pure model of the store: every write,
 * suppression, erasure, retention re-application and the passing of time is applied to both the
 * record items (with the rules the stores use: ordering by event time, per-item expiry, erasure
 * deleting everything but the tombstone) and the summary (with the functions the stores use), and
 * the gate must then decide every message exactly as it does from the records.
 */
const LINES = ['line_a', 'line_b'] as const;
const START = Date.parse('2026-06-01T00:00:00.000Z');
const HOUR = 3600_000;

interface StoredRecord extends ConsentRecord {
  expiresAt: number;
  activityAt: string;
}
interface World {
  channel: Channel;
  nowMs: number;
  records: Map<string, StoredRecord>;
  suppression?: { reason: 'complaint' | 'hard_bounce'; occurredAt: string; expiresAt: number; activityAt: string };
  tombstone?: { erasedAt: string };
  summary?: ConsentSummary;
  period: RetentionPeriod;
}

type Operation =
  | { kind: 'consent'; scope: string; status: 'opted_in' | 'opted_out'; marketingOnly: boolean; ageHours: number }
  | { kind: 'suppression'; reason: 'complaint' | 'hard_bounce' }
  | { kind: 'erase' }
  | { kind: 'retention'; days: number }
  | { kind: 'wait'; hours: number };

const operation = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('consent' as const), scope: fc.constantFrom(CHANNEL_SCOPE, ...LINES), status: fc.constantFrom('opted_in' as const, 'opted_out' as const), marketingOnly: fc.boolean(), ageHours: fc.integer({ min: 0, max: 200 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('suppression' as const), reason: fc.constantFrom('complaint' as const, 'hard_bounce' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('erase' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('retention' as const), days: fc.integer({ min: 1, max: 10 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('wait' as const), hours: fc.integer({ min: 1, max: 100 }) }) },
);

function apply(world: World, op: Operation): void {
  const nowIso = new Date(world.nowMs).toISOString();
  const nowSeconds = Math.floor(world.nowMs / 1000);
  const expiry = { expiresAt: expiresAtAfter(nowIso, world.period), activityAt: nowIso };
  // Writers see the summary without its expired entries, and an absent one takes the tombstone's erasure.
  const current = () => world.summary ? liveSummary(world.summary, world.nowMs) : { ...EMPTY_SUMMARY, ...(world.tombstone ? { erasedAt: world.tombstone.erasedAt } : {}) };
  switch (op.kind) {
    case 'consent': {
      const existing = world.records.get(op.scope);
      const live = existing && !isExpired(existing.expiresAt, world.nowMs) ? existing : undefined;
      const marketingOnly = op.marketingOnly && world.channel === 'whatsapp';
      const decision = applyConsentEvent(live, {
        contact: 'c',
        channel: world.channel,
        scope: op.scope,
        status: op.status,
        ...(marketingOnly ? { category: 'marketing' as const } : {}),
        occurredAt: new Date(world.nowMs - op.ageHours * HOUR).toISOString(),
        source: 'api',
        evidence: {},
      });
      if (!decision.next) return;
      const record: StoredRecord = { ...decision.next, eventId: `e${world.nowMs}${op.scope}`, updatedAt: nowIso, ...expiry };
      world.records.set(op.scope, record);
      world.summary = withRecord(current(), op.scope, {
        status: record.status,
        occurredAt: record.occurredAt,
        eventId: record.eventId,
        ...(record.category ? { category: record.category } : {}),
        ...expiry,
      });
      return;
    }
    case 'suppression':
      if (world.channel !== 'email') return;
      world.suppression = { reason: op.reason, occurredAt: nowIso, ...expiry };
      world.summary = withSuppression(current(), world.suppression);
      return;
    case 'erase':
      world.records.clear();
      world.suppression = undefined;
      world.tombstone = { erasedAt: nowIso };
      world.summary = undefined;
      return;
    case 'retention': {
      world.period = { days: op.days };
      const next = (entry: { expiresAt: number; activityAt: string }) => reappliedExpiresAt({ activityAt: entry.activityAt, currentExpiresAt: entry.expiresAt, period: world.period, nowSeconds });
      for (const [scope, record] of world.records) world.records.set(scope, { ...record, expiresAt: next(record) ?? record.expiresAt });
      if (world.suppression) world.suppression = { ...world.suppression, expiresAt: next(world.suppression) ?? world.suppression.expiresAt };
      if (world.summary) world.summary = withReappliedExpiry(world.summary, (entry) => next(entry));
      return;
    }
    case 'wait':
      world.nowMs += op.hours * HOUR;
      // The sweep (or TTL) may delete expired items, and a summary whose entries all expired.
      for (const [scope, record] of world.records) if (isExpired(record.expiresAt, world.nowMs)) world.records.delete(scope);
      if (world.suppression && isExpired(world.suppression.expiresAt, world.nowMs)) world.suppression = undefined;
      if (world.summary && isExpired(summaryExpiry(world.summary)?.expiresAt, world.nowMs)) world.summary = undefined;
      return;
  }
}

/** What the gate reads from the record items (the path used before summaries). */
function factsFromRecords(world: World, lineId: string): StoredOutboundFacts {
  const live = (record: StoredRecord | undefined) => (record && !isExpired(record.expiresAt, world.nowMs) ? record : undefined);
  const gate = (record: StoredRecord | undefined) =>
    record ? { scope: record.scope, status: record.status, occurredAt: record.occurredAt, eventId: record.eventId, ...(record.category ? { category: record.category } : {}) } : undefined;
  const lineRecord = gate(live(world.records.get(lineId)));
  const channelRecord = gate(live(world.records.get(CHANNEL_SCOPE)));
  const suppression = world.channel === 'email' && world.suppression && !isExpired(world.suppression.expiresAt, world.nowMs) ? world.suppression : undefined;
  return {
    ...(lineRecord ? { lineRecord } : {}),
    ...(channelRecord ? { channelRecord } : {}),
    ...(suppression ? { suppression: { reason: suppression.reason, occurredAt: suppression.occurredAt } } : {}),
    ...(world.tombstone ? { tombstone: world.tombstone } : {}),
  };
}

/** What the gate reads from the summary; without one, the tombstone itself. */
function factsFromSummary(world: World, lineId: string): StoredOutboundFacts {
  if (!world.summary) return world.tombstone ? { tombstone: world.tombstone } : {};
  return outboundFactsFromSummary(world.summary, { channel: world.channel, lineId, nowMs: world.nowMs });
}

const policy = fc.record({ defaultStatus: fc.constantFrom('opted_in' as const, 'opted_out' as const), optOutBlocks: fc.constantFrom('all' as const, 'marketing' as const) });

describe('consent summary ≡ records (property)', () => {
  it('the gate decides every message the same from the summary as from the records, after any history of writes, erasures, retention changes and time', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<Channel>('sms', 'whatsapp', 'email'),
        fc.array(operation, { minLength: 1, maxLength: 25 }),
        policy,
        (channel, operations, channelPolicy: Pick<ChannelPolicy, 'defaultStatus' | 'optOutBlocks'>) => {
          const world: World = { channel, nowMs: START, records: new Map(), period: { months: 13 } };
          for (const op of operations) {
            apply(world, op);
            for (const lineId of LINES) {
              for (const category of ['marketing', 'transactional'] as const) {
                for (const requireOptIn of [false, true]) {
                  const base: Omit<OutboundFacts, keyof StoredOutboundFacts> = { channel, category, requireOptIn, policy: { ...channelPolicy } };
                  expect(decideOutbound({ ...base, ...factsFromSummary(world, lineId) })).toEqual(decideOutbound({ ...base, ...factsFromRecords(world, lineId) }));
                }
              }
            }
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
