import { CHANNEL_SCOPE, type ConsentStatus } from '../channels.ts';
import type { SuppressionReason } from '../email/email-suppression.ts';
import { isExpired } from '../retention/expires-at.ts';

/**
 * One (contact, channel)'s consent state in one item, for the outbound gate: every record of the
 * channel (line scopes and `*`), the email suppression and the erasure time, each entry with the
 * expiry of the item it copies. Written in the same transaction as every record or suppression it
 * copies, so the gate reads one key per message and decides exactly as from the records.
 */
export interface ConsentSummary {
  /** By scope: a line id, or `*` for the channel-wide record. */
  records: Record<string, SummaryRecord>;
  suppression?: SummarySuppression;
  /** The contact's erasure (its tombstone's erasedAt) when it predates this state. */
  erasedAt?: string;
}

/** What the gate reads of a consent record, plus the record's own expiry. */
export interface SummaryRecord extends SummaryExpiry {
  status: ConsentStatus;
  occurredAt: string;
  eventId: string;
  category?: 'marketing';
}

export interface SummarySuppression extends SummaryExpiry {
  reason: SuppressionReason;
  occurredAt: string;
}

/** The copied item's expiry (epoch seconds) and last activity, kept equal to the item's own. */
export interface SummaryExpiry {
  expiresAt: number;
  activityAt: string;
}

export const EMPTY_SUMMARY: ConsentSummary = { records: {} };

/** The summary after a record of `scope` was (re)written: the entry is replaced whole, as the record is. */
export function withRecord(summary: ConsentSummary, scope: string, record: SummaryRecord): ConsentSummary {
  return { ...summary, records: { ...summary.records, [scope]: record } };
}

export function withSuppression(summary: ConsentSummary, suppression: SummarySuppression): ConsentSummary {
  return { ...summary, suppression };
}

/** Entries whose item has expired are absent, as the items themselves are (reads ignore expired items). */
export function liveSummary(summary: ConsentSummary, nowMs: number): ConsentSummary {
  const records = Object.fromEntries(Object.entries(summary.records).filter(([, record]) => !isExpired(record.expiresAt, nowMs)));
  const suppression = summary.suppression && !isExpired(summary.suppression.expiresAt, nowMs) ? summary.suppression : undefined;
  return { records, ...(suppression ? { suppression } : {}), ...(summary.erasedAt ? { erasedAt: summary.erasedAt } : {}) };
}

/**
 * The summary item's own expiry and activity: those of its longest-lived entry, so the item outlives
 * every entry it holds (the sweep and TTL delete it only once all of them have expired). Undefined
 * when it holds no entry.
 */
export function summaryExpiry(summary: ConsentSummary): SummaryExpiry | undefined {
  const entries: SummaryExpiry[] = [...Object.values(summary.records), ...(summary.suppression ? [summary.suppression] : [])];
  return entries.reduce<SummaryExpiry | undefined>((latest, entry) => (!latest || entry.expiresAt > latest.expiresAt ? entry : latest), undefined);
}

/**
 * Gives every entry the expiry a retention change computes for it: `next` gets the entry and its
 * scope (undefined for the suppression) and returns undefined to leave it as it is.
 */
export function withReappliedExpiry(summary: ConsentSummary, next: (entry: SummaryExpiry, scope: string | undefined) => number | undefined): ConsentSummary {
  const apply = <T extends SummaryExpiry>(entry: T, scope: string | undefined): T => {
    const expiresAt = next(entry, scope);
    return expiresAt === undefined ? entry : { ...entry, expiresAt };
  };
  return {
    ...summary,
    records: Object.fromEntries(Object.entries(summary.records).map(([scope, record]) => [scope, apply(record, scope)])),
    ...(summary.suppression ? { suppression: apply(summary.suppression, undefined) } : {}),
  };
}

/** The records the gate weighs for one line: that line's record and the channel-wide one. */
export function summaryRecordsFor(summary: ConsentSummary, lineId: string): { lineRecord?: SummaryRecord; channelRecord?: SummaryRecord } {
  const lineRecord = lineId === CHANNEL_SCOPE ? undefined : summary.records[lineId];
  const channelRecord = summary.records[CHANNEL_SCOPE];
  return { ...(lineRecord ? { lineRecord } : {}), ...(channelRecord ? { channelRecord } : {}) };
}
