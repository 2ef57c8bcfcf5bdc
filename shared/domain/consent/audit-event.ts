import type { Channel, ConsentCategory, ConsentSource, ConsentStatus, ReportedStatus } from '../channels.ts';
import type { SuppressionReason } from '../email/email-suppression.ts';
import type { ConsentEffect } from './apply-consent-event.ts';
import type { ConsentEvidence } from './consent-record.ts';
import type { Attribution } from '../reports/consent-stats.ts';

/**
 * One immutable entry of a contact's audit trail. Consent changes (including late, superseded
 * ones), inbound messages flagged for review and email suppressions (complaint, hard bounce) are
 * recorded; nothing is ever updated in place.
 */
export interface AuditEvent {
  eventId: string;
  type: 'consent' | 'flagged_for_review' | 'suppression';
  contact: string;
  channel: Channel;
  scope: string;
  /** For consent events: the requested status and what happened to it. */
  status?: ConsentStatus;
  previousStatus?: ReportedStatus;
  effect?: ConsentEffect;
  /** For consent events that concern one category only (a marketing-only opt-out). */
  category?: ConsentCategory;
  /** For suppression events. */
  suppressionReason?: SuppressionReason;
  occurredAt: string;
  recordedAt: string;
  source: ConsentSource;
  evidence: ConsentEvidence;
  /** For opt-outs: the marketing campaign last sent to the contact on that line, within the attribution window. */
  attribution?: Attribution;
}
