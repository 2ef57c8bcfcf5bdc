import type { Channel, ConsentCategory, ConsentSource, ConsentStatus } from '../channels.ts';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Proof of a change: the provider message id and text and the rule, the form and IP, the API key id… */
export type ConsentEvidence = { [key: string]: JsonValue };

/** A requested consent change, before it is applied. */
export interface ConsentChange {
  contact: string;
  channel: Channel;
  /** A line id, or `*` (CHANNEL_SCOPE) for every line of the channel. */
  scope: string;
  status: ConsentStatus;
  /** Set: the change concerns that category only (a marketing-only opt-out). Absent: every message. */
  category?: ConsentCategory;
  /** When the person expressed it (ISO 8601); orders changes that arrive late. */
  occurredAt: string;
  source: ConsentSource;
  evidence: ConsentEvidence;
}

/** The stored state for one (contact, channel, scope). */
export interface ConsentRecord extends ConsentChange {
  /** The audit event that set this state. */
  eventId: string;
  /** Optimistic-concurrency counter: every write checks the version it read. */
  version: number;
  updatedAt: string;
}
