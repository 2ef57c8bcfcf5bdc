import type { ReportedStatus } from '../channels.ts';
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
  return {
    effect: current.status === change.status ? 'confirmed' : 'changed',
    previousStatus: current.status,
    next: { ...change, version: current.version + 1 },
  };
}
