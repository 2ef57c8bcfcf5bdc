import type { ConsentCategory, ReportedStatus } from '../channels.ts';
import type { ConsentChange, ConsentRecord } from './consent-record.ts';

/**
 * - `changed`: the status flips.
 * - `confirmed`: same status, newer event: the record moves forward in time (so a late older event
 *   cannot override it) and carries the newest evidence.
 * - `superseded`: the event is older than the stored state: audited, but the state is left alone.
 */
export type ConsentEffect = 'changed' | 'confirmed' | 'superseded';

export interface ConsentDecision {
  effect: ConsentEffect;
  previousStatus: ReportedStatus;
  /** The record to store, absent when the state must not change. */
  next?: Omit<ConsentRecord, 'eventId' | 'updatedAt'>;
}

/** Orders consent changes by the time the person acted, not the time we heard of it. */
export function applyConsentEvent(current: ConsentRecord | undefined, change: ConsentChange): ConsentDecision {
  if (!current) {
    return { effect: 'changed', previousStatus: 'not_defined', next: { ...change, version: 1 } };
  }
  if (Date.parse(change.occurredAt) < Date.parse(current.occurredAt)) {
    return { effect: 'superseded', previousStatus: current.status };
  }
  const { category: _requested, ...rest } = change;
  const category = nextCategory(current, change);
  return {
    effect: current.status === change.status ? 'confirmed' : 'changed',
    previousStatus: current.status,
    next: { ...rest, ...(category ? { category } : {}), version: current.version + 1 },
  };
}

/**
 * One record per (contact, channel, scope) holds both kinds of opt-out. A full opt-out (STOP) already
 * covers marketing, so a later marketing-only opt-out must not narrow it to marketing: the person
 * would start receiving service messages again without having asked for them. Any other change sets
 * its own category (a full STOP after "stop promotions" widens it; an opt-in replaces either).
 */
function nextCategory(current: ConsentRecord, change: ConsentChange): ConsentCategory | undefined {
  const narrowsFullOptOut =
    change.category !== undefined && change.status === 'opted_out' && current.status === 'opted_out' && current.category === undefined;
  return narrowsFullOptOut ? undefined : change.category;
}
