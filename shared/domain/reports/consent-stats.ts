import type { Channel } from '../channels.ts';
import { CHANNEL_SCOPE } from '../channels.ts';
import type { AuditEvent } from '../consent/audit-event.ts';

/**
 * Opt-out analytics are counters updated when a consent change is committed (never computed by
 * scanning). Each change bumps one counter per dimension it has a value for.
 */
export const STAT_DIMENSIONS = ['day', 'line', 'keyword', 'campaign', 'reason'] as const;
export type StatDimension = (typeof STAT_DIMENSIONS)[number];

/** `sent` exists on campaign counters only (marketing messages the gate allowed). */
export type StatField = 'optOuts' | 'optIns' | 'sent';

export interface StatIncrement {
  dimension: StatDimension;
  /** UTC day the person acted (yyyy-mm-dd). */
  day: string;
  value: string;
  field: StatField;
  amount: number;
}

/** The campaign an opt-out is attributed to: the last marketing message on that line, within the window. */
export interface Attribution {
  campaignId: string;
  lineId: string;
  sentAt: string;
}

/** The last marketing message sent to a contact on a line (the pointer the gate keeps). */
export interface LastMarketingSend {
  lineId: string;
  campaignId?: string;
  sentAt: string;
}

/** The value of the `day` dimension: one counter per day for the whole account. */
export const ALL_VALUE = 'all';

export function dayOf(iso: string): string {
  return new Date(iso).toISOString().slice(0, 10);
}

/** A line id, or `{channel}:*` for changes that cover every line of a channel (STOPALL). */
export function scopeLabel(channel: Channel, scope: string): string {
  return scope === CHANNEL_SCOPE ? `${channel}:*` : scope;
}

/** Free text from people ("too many texts") is bounded so it stays a usable group key. */
function normalizeReason(reason: string): string {
  return reason.normalize('NFKC').replace(/\s+/g, ' ').trim().toLowerCase().slice(0, 100);
}

/** The reason a person gave (evidence.reason: a one-click unsubscribe reason, complaint, hard_bounce…), else the source. */
export function reasonOf(event: Pick<AuditEvent, 'evidence' | 'source'>): string {
  const given = event.evidence.reason;
  if (typeof given === 'string' && normalizeReason(given) !== '') return normalizeReason(given);
  return event.source;
}

/**
 * Attributes an opt-out to the last marketing message sent on that line, when it carried a campaign
 * and was sent at most `windowHours` before the person opted out.
 */
export function attributeOptOut(
  lastSend: LastMarketingSend | undefined,
  optedOutAt: string,
  windowHours: number,
): Attribution | undefined {
  if (!lastSend?.campaignId) return undefined;
  const elapsedMs = Date.parse(optedOutAt) - Date.parse(lastSend.sentAt);
  if (Number.isNaN(elapsedMs) || elapsedMs < 0 || elapsedMs > windowHours * 3600 * 1000) return undefined;
  return { campaignId: lastSend.campaignId, lineId: lastSend.lineId, sentAt: lastSend.sentAt };
}

/**
 * Counters a committed consent event bumps. Only real transitions count (effect `changed`): a
 * repeated STOP from someone already out, or a late superseded event, is audited but not counted.
 */
export function consentStatIncrements(event: AuditEvent, attribution?: Attribution): StatIncrement[] {
  if (event.type !== 'consent' || event.effect !== 'changed' || event.status === undefined) return [];
  const field: StatField = event.status === 'opted_out' ? 'optOuts' : 'optIns';
  const day = dayOf(event.occurredAt);
  const bump = (dimension: StatDimension, value: string): StatIncrement => ({ dimension, day, value, field, amount: 1 });
  const increments = [bump('day', ALL_VALUE), bump('line', scopeLabel(event.channel, event.scope)), bump('reason', reasonOf(event))];
  const keyword = event.evidence.keyword;
  if (event.source === 'keyword' && typeof keyword === 'string' && keyword.trim() !== '') {
    increments.push(bump('keyword', keyword.trim().toUpperCase().slice(0, 40)));
  }
  if (attribution && event.status === 'opted_out') increments.push(bump('campaign', attribution.campaignId));
  return increments;
}

/** "3.0%" for 30 of 1,000; null when nothing was sent. */
export function formatRatePercent(count: number, total: number): string | null {
  if (total <= 0) return null;
  return `${((count / total) * 100).toFixed(1)}%`;
}
