import { monotonicFactory } from 'ulid';
import type { AccountStore } from '../adapters/dynamodb/account-store.ts';
import type { LineRoute } from '../adapters/dynamodb/line-router.ts';
import { CHANNEL_SCOPE } from '../domain/channels.ts';
import type { AuditEvent } from '../domain/consent/audit-event.ts';
import type { ConsentEvidence } from '../domain/consent/consent-record.ts';
import { normalizeEmail } from '../domain/contact-address.ts';
import type { SuppressionReason } from '../domain/email/email-suppression.ts';
import { expiresAtFor } from '../domain/retention/expires-at.ts';
import { recordConsentChange, type RecordConsentChangeDeps } from './record-consent-change.ts';

export interface EmailFeedback {
  /** The line that sent the message that bounced or was complained about (its account is the one affected). */
  route: LineRoute;
  reason: SuppressionReason;
  recipient: string;
  /** SES's feedback id: with the recipient, the idempotency key. */
  feedbackId: string;
  occurredAt: string;
  evidence: ConsentEvidence;
}

const PROVIDER = 'ses-feedback';
const nextEventId = monotonicFactory();

/**
 * SES feedback for one recipient. A complaint is an opt-out of email for the whole account (scope
 * `*`, source `provider`) AND a suppression; a hard bounce is a suppression only (the address does
 * not exist: nothing about consent). Suppressions block every email to the address, marketing and
 * transactional. Each is written atomically with its audit event and an idempotency marker, so a
 * redelivery changes nothing.
 */
export async function recordEmailFeedback(
  deps: RecordConsentChangeDeps & { accountStore: AccountStore },
  feedback: EmailFeedback,
): Promise<{ contact: string; duplicate: boolean }> {
  const { route } = feedback;
  const contact = normalizeEmail(feedback.recipient);
  const settings = await deps.accountStore.getSettings(route.accountId);
  const evidence: ConsentEvidence = {
    provider: 'ses',
    reason: feedback.reason,
    feedbackId: feedback.feedbackId,
    lineId: route.lineId,
    lineAddress: route.address,
    ...feedback.evidence,
  };

  if (feedback.reason === 'complaint') {
    const result = await recordConsentChange(deps, {
      accountId: route.accountId,
      retentionMonths: settings.retention.dataMonths,
      change: { contact, channel: 'email', scope: CHANNEL_SCOPE, status: 'opted_out', occurredAt: feedback.occurredAt, source: 'provider', evidence },
      idempotency: {
        provider: PROVIDER,
        providerMessageId: feedback.feedbackId,
        marker: () => ({ receivedAt: deps.now().toISOString(), replyState: 'none' }),
      },
      suppression: { channel: 'email', reason: 'complaint' },
    });
    return { contact, duplicate: result.duplicate };
  }

  if (await deps.consentStore.getInboundMarker(route.accountId, contact, PROVIDER, feedback.feedbackId)) {
    return { contact, duplicate: true };
  }
  const now = deps.now();
  const recordedAt = now.toISOString();
  const event: AuditEvent = {
    eventId: nextEventId(now.getTime()),
    type: 'suppression',
    contact,
    channel: 'email',
    scope: CHANNEL_SCOPE,
    suppressionReason: feedback.reason,
    occurredAt: feedback.occurredAt,
    recordedAt,
    source: 'provider',
    evidence,
  };
  const result = await deps.consentStore.commit({
    accountId: route.accountId,
    contact,
    event,
    marker: { provider: PROVIDER, providerMessageId: feedback.feedbackId, receivedAt: recordedAt, replyState: 'none', eventId: event.eventId },
    suppression: { channel: 'email', value: { reason: feedback.reason, occurredAt: feedback.occurredAt, eventId: event.eventId, evidence } },
    expiresAt: expiresAtFor(recordedAt, settings.retention.dataMonths),
    nowSeconds: Math.floor(now.getTime() / 1000),
  });
  return { contact, duplicate: result === 'duplicate' };
}
