import type { LineRoute } from '../adapters/dynamodb/line-router.ts';
import { CHANNEL_SCOPE } from '../domain/channels.ts';
import type { AuditEvent } from '../domain/consent/audit-event.ts';
import type { ConsentEvidence } from '../domain/consent/consent-record.ts';
import { normalizeEmail } from '../domain/contact-address.ts';
import { evaluateKeywords, type KeywordEvaluation } from '../domain/keywords/evaluate-keywords.ts';
import { expiresAtFor } from '../domain/retention/expires-at.ts';
import type { InboundDeps } from './handle-inbound-message.ts';
import { recordConsentChange } from './record-consent-change.ts';
import { monotonicFactory } from 'ulid';

export interface EmailReply {
  route: LineRoute;
  /** The SES message id: a redelivery of the same notification changes nothing. */
  messageId: string;
  from: string;
  /** Without Re:/Fwd: prefixes. */
  subject?: string;
  firstLine?: string;
  occurredAt: string;
}

export type EmailReplyOutcome =
  | { action: 'opted_out'; contact: string; matchedOn: 'subject' | 'first_line'; scope: string; duplicate: boolean }
  | { action: 'flagged' | 'none'; contact: string; duplicate: boolean };

const nextEventId = monotonicFactory();

/**
 * A reply to an email (or a mail to the unsubscribe mailto): when its subject or its first line is
 * an unsubscribe keyword of the line's rules (channel `email`), the sender is opted out of email on
 * the receiving line (channel-wide for STOPALL-style rules). Only opt-outs act: a From header can be
 * forged, and a forged opt-out harms far less than a forged opt-in. Nothing is replied. A message
 * that reads like a plain-language revocation is flagged for review.
 */
export async function handleEmailReply(deps: InboundDeps, reply: EmailReply): Promise<EmailReplyOutcome> {
  const { route } = reply;
  const contact = normalizeEmail(reply.from);
  const [settings, customRules] = await Promise.all([deps.accountStore.getSettings(route.accountId), deps.ruleStore.listRules(route.accountId)]);
  const evaluate = (text: string | undefined): KeywordEvaluation | undefined =>
    text === undefined ? undefined : evaluateKeywords({ text, channel: 'email', lineId: route.lineId, customRules });
  const candidates = [
    { on: 'subject' as const, evaluation: evaluate(reply.subject) },
    { on: 'first_line' as const, evaluation: evaluate(reply.firstLine) },
  ];
  const hit = candidates.find((candidate) => candidate.evaluation?.match?.action === 'opt_out');
  const evidence: ConsentEvidence = {
    provider: 'ses',
    providerMessageId: reply.messageId,
    lineId: route.lineId,
    lineAddress: route.address,
    ...(reply.subject !== undefined ? { subject: reply.subject.slice(0, 200) } : {}),
    ...(reply.firstLine !== undefined ? { firstLine: reply.firstLine.slice(0, 200) } : {}),
  };
  const retentionMonths = settings.retention.dataMonths;

  if (hit?.evaluation?.match) {
    const { rule, scope } = hit.evaluation.match;
    const consentScope = scope === 'channel' ? CHANNEL_SCOPE : route.lineId;
    const result = await recordConsentChange(deps, {
      accountId: route.accountId,
      retentionMonths,
      change: {
        contact,
        channel: 'email',
        scope: consentScope,
        status: 'opted_out',
        occurredAt: reply.occurredAt,
        source: 'keyword',
        evidence: { ...evidence, matchedOn: hit.on, ruleId: rule.ruleId, keyword: rule.keyword },
      },
      idempotency: {
        provider: 'ses',
        providerMessageId: reply.messageId,
        marker: () => ({ receivedAt: deps.now().toISOString(), replyState: 'none' }),
      },
    });
    return { action: 'opted_out', contact, matchedOn: hit.on, scope: consentScope, duplicate: result.duplicate };
  }

  const flaggedOn = candidates.find((candidate) => candidate.evaluation?.flaggedRevocation);
  if (!flaggedOn) return { action: 'none', contact, duplicate: false };
  const now = deps.now();
  const flagged: AuditEvent = {
    eventId: nextEventId(now.getTime()),
    type: 'flagged_for_review',
    contact,
    channel: 'email',
    scope: route.lineId,
    occurredAt: reply.occurredAt,
    recordedAt: now.toISOString(),
    source: 'keyword',
    evidence: { ...evidence, reason: 'looks_like_revocation', matchedOn: flaggedOn.on },
  };
  const result = await deps.consentStore.putInboundMarker(
    route.accountId,
    contact,
    { provider: 'ses', providerMessageId: reply.messageId, receivedAt: now.toISOString(), replyState: 'none', eventId: flagged.eventId },
    expiresAtFor(now.toISOString(), retentionMonths),
    flagged,
  );
  return { action: 'flagged', contact, duplicate: result === 'duplicate' };
}
