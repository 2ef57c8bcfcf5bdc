import type { ConsentEvidence } from '../consent/consent-record.ts';

/**
 * Why an email address is suppressed. Unlike an opt-out, a suppression blocks EVERY email to the
 * address, marketing and transactional alike: a complaint or a hard bounce means more mail harms the
 * sender's reputation, and SES would refuse it anyway. Transient bounces suppress nothing.
 */
export const SUPPRESSION_REASONS = ['complaint', 'hard_bounce'] as const;
export type SuppressionReason = (typeof SUPPRESSION_REASONS)[number];

/** The suppression item of one contact on one channel (only email has them today). */
export interface Suppression {
  reason: SuppressionReason;
  /** When the provider reported it (ISO 8601). */
  occurredAt: string;
  /** The audit event that recorded it. */
  eventId: string;
  evidence: ConsentEvidence;
}
