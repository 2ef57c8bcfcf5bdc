import { monotonicFactory } from 'ulid';
import type { AccountStore } from '../adapters/dynamodb/account-store.ts';
import type { ConsentStore, InboundMarker, InboundMarkerRef } from '../adapters/dynamodb/consent-store.ts';
import type { LineRoute } from '../adapters/dynamodb/line-store.ts';
import type { RuleStore } from '../adapters/dynamodb/rule-store.ts';
import { CHANNEL_SCOPE, type Channel, type ConsentStatus } from '../domain/channels.ts';
import type { AuditEvent } from '../domain/consent/audit-event.ts';
import type { ConsentEffect } from '../domain/consent/apply-consent-event.ts';
import type { ConsentEvidence } from '../domain/consent/consent-record.ts';
import { attributionWindowHoursOf } from '../domain/accounts/account-settings.ts';
import { normalizeContact } from '../domain/contact-address.ts';
import { evaluateKeywords, type KeywordMatch } from '../domain/keywords/evaluate-keywords.ts';
import { effectiveRetention, expiresAtAfter } from '../domain/retention/retention-policy.ts';
import { recordConsentChange, type RecordConsentChangeDeps } from './record-consent-change.ts';

export interface InboundMessage {
  provider: string;
  providerMessageId: string;
  channel: Channel;
  /** The line the message was sent to, already resolved (its credentials verified the signature). */
  route: LineRoute;
  from: string;
  text: string;
  /** A button payload or interactive reply id (WhatsApp): matched against the rules when the text matches none. */
  payload?: string;
  occurredAt: string;
  /** The provider already acted on an opt-out keyword and replied itself (Twilio Advanced Opt-Out's OptOutType). */
  providerOptOutType?: 'STOP' | 'START' | 'HELP';
  /** `inline`: the reply goes back in the webhook response. `async`: the caller sends it with sendAsyncReply. */
  replyMode: 'inline' | 'async';
}

export interface InboundOutcome {
  duplicate: boolean;
  contact: string;
  /** The reply to send now; absent when none is due (or it was already sent). */
  reply?: string;
  match?: { ruleId: string; action: string; scope: string; keyword: string };
  consent?: { status: ConsentStatus; scope: string; effect: ConsentEffect; eventId: string };
  flaggedForReview: boolean;
}

export interface InboundDeps extends RecordConsentChangeDeps {
  accountStore: AccountStore;
  ruleStore: RuleStore;
  consentStore: ConsentStore;
  now: () => Date;
}

const nextEventId = monotonicFactory();

/**
 * How long the invocation that recorded a message holds its async reply: longer than any inbound
 * function runs (≤ 15 s), so a redelivery never sends a reply its first delivery is still sending.
 */
export const REPLY_LEASE_MS = 60_000;

/**
 * The inbound slice: keyword rules turn a message into a consent change and a reply. Idempotent on
 * the provider's message id; an event older than the stored state is audited without a reply.
 */
export async function handleInboundMessage(deps: InboundDeps, message: InboundMessage): Promise<InboundOutcome> {
  const { route } = message;
  const contact = normalizeContact(message.from, message.channel);
  const [settings, customRules, contactRetention] = await Promise.all([
    deps.accountStore.getSettings(route.accountId),
    deps.ruleStore.listRules(route.accountId),
    deps.consentStore.getContactRetention(route.accountId, contact, deps.now().getTime()),
  ]);
  const evaluate = (text: string) =>
    evaluateKeywords({ text, channel: message.channel, lineId: route.lineId, customRules, brand: route.brandName ?? settings.brandName });
  const textEvaluation = evaluate(message.text);
  const payloadEvaluation = textEvaluation.match || message.payload === undefined ? undefined : evaluate(message.payload);
  const evaluation = payloadEvaluation?.match ? payloadEvaluation : textEvaluation;
  const match = evaluation.match ?? providerOptOutMatch(message.providerOptOutType);
  const providerReplied = message.providerOptOutType !== undefined;
  const retentionMonths = settings.retention.dataMonths;
  const evidence: ConsentEvidence = {
    provider: message.provider,
    providerMessageId: message.providerMessageId,
    lineId: route.lineId,
    lineAddress: route.address,
    text: message.text.slice(0, 1600),
    ...(message.payload !== undefined ? { payload: message.payload.slice(0, 256) } : {}),
    ...(match ? { ruleId: match.rule.ruleId, keyword: match.rule.keyword } : {}),
    ...(message.providerOptOutType ? { providerOptOutType: message.providerOptOutType } : {}),
  };
  const summary = match
    ? { ruleId: match.rule.ruleId, action: match.action, scope: match.scope, keyword: match.rule.keyword }
    : undefined;
  const replyFields = (reply: string | undefined): Pick<InboundMarker, 'replyState' | 'replyLeaseUntil'> =>
    reply === undefined
      ? { replyState: 'none' }
      : message.replyMode === 'inline'
        ? { replyState: 'sent' }
        : { replyState: 'pending', replyLeaseUntil: deps.now().getTime() + REPLY_LEASE_MS };

  if (match && (match.action === 'opt_out' || match.action === 'opt_in')) {
    const status: ConsentStatus = match.action === 'opt_out' ? 'opted_out' : 'opted_in';
    const scope = match.scope === 'channel' ? CHANNEL_SCOPE : route.lineId;
    const result = await recordConsentChange(deps, {
      accountId: route.accountId,
      retentionMonths,
      attributionWindowHours: attributionWindowHoursOf(settings),
      change: { contact, channel: message.channel, scope, status, occurredAt: message.occurredAt, source: 'keyword', evidence },
      idempotency: {
        provider: message.provider,
        providerMessageId: message.providerMessageId,
        marker: (decision) => {
          // A late, superseded STOP must not tell someone who re-subscribed that they are out.
          const reply = decision.effect === 'superseded' || providerReplied ? undefined : match.reply;
          return { receivedAt: deps.now().toISOString(), reply, ...replyFields(reply) };
        },
      },
    });
    if (result.duplicate) return duplicateOutcome(deps, contact, message, result.marker, summary);
    return {
      duplicate: false,
      contact,
      reply: result.marker?.reply,
      match: summary,
      consent: { status, scope, effect: result.decision.effect, eventId: result.event.eventId },
      flaggedForReview: false,
    };
  }

  // HELP, custom replies and plain chatter change no consent but are still de-duplicated.
  const reply = providerReplied ? undefined : match?.reply;
  const now = deps.now();
  const flagged: AuditEvent | undefined = evaluation.flaggedRevocation
    ? {
        eventId: nextEventId(now.getTime()),
        type: 'flagged_for_review',
        contact,
        channel: message.channel,
        scope: route.lineId,
        occurredAt: message.occurredAt,
        recordedAt: now.toISOString(),
        source: 'keyword',
        evidence: { ...evidence, reason: 'looks_like_revocation' },
      }
    : undefined;
  const marker: InboundMarker = {
    provider: message.provider,
    providerMessageId: message.providerMessageId,
    receivedAt: now.toISOString(),
    reply,
    ...replyFields(reply),
    ...(flagged ? { eventId: flagged.eventId } : {}),
  };
  const retention = effectiveRetention(settings.retention, contactRetention.override);
  const result = await deps.consentStore.putInboundMarker(
    route.accountId,
    contact,
    marker,
    expiresAtAfter(now.toISOString(), retention.data),
    flagged,
    { profileLive: contactRetention.live, nowSeconds: Math.floor(now.getTime() / 1000) },
  );
  if (result === 'duplicate') {
    const existing = await deps.consentStore.getInboundMarker(route.accountId, contact, message.provider, message.providerMessageId);
    return duplicateOutcome(deps, contact, message, existing, summary);
  }
  return { duplicate: false, contact, reply, match: summary, flaggedForReview: flagged !== undefined };
}

/**
 * A redelivery changes nothing. Inline replies went out with the first response; an async reply that
 * never reached the provider (the first attempt failed or died after the commit) is handed back to
 * send now, once its holder's lease has run out or been given up: a copy arriving while the first
 * delivery is still sending gets nothing to send.
 */
async function duplicateOutcome(
  deps: InboundDeps,
  contact: string,
  message: InboundMessage,
  marker: InboundMarker | undefined,
  match: InboundOutcome['match'],
): Promise<InboundOutcome> {
  let resend: string | undefined;
  if (message.replyMode === 'async' && marker?.replyState === 'pending' && marker.reply !== undefined) {
    const nowMs = deps.now().getTime();
    const ref = { accountId: message.route.accountId, contact, provider: message.provider, messageId: message.providerMessageId };
    if (await deps.consentStore.claimPendingReply(ref, nowMs, nowMs + REPLY_LEASE_MS)) resend = marker.reply;
  }
  return { duplicate: true, contact, reply: resend, match, flaggedForReview: false };
}

/**
 * Sends an async reply that an outcome handed over, then marks it sent. If the send fails, the reply
 * is given up (its lease released) before the error propagates, so the provider's redelivery sends
 * it at once. `rejected`: the provider refused it for good; it is left as it is.
 */
export async function sendAsyncReply(consentStore: ConsentStore, ref: InboundMarkerRef, send: () => Promise<'sent' | 'rejected'>): Promise<'sent' | 'rejected'> {
  let outcome: 'sent' | 'rejected';
  try {
    outcome = await send();
  } catch (error) {
    await consentStore.releasePendingReply(ref).catch(() => undefined);
    throw error;
  }
  if (outcome === 'sent') await consentStore.markReplySent(ref.accountId, ref.contact, ref.provider, ref.messageId);
  return outcome;
}

/** Twilio reports opt-out keywords it handled itself (including ones configured only at Twilio). */
function providerOptOutMatch(type: InboundMessage['providerOptOutType']): KeywordMatch | null {
  if (type === undefined || type === 'HELP') return null;
  const action = type === 'STOP' ? 'opt_out' : 'opt_in';
  return {
    rule: {
      ruleId: `provider:${type.toLowerCase()}`,
      keyword: type,
      matchMode: 'exact',
      action,
      scope: 'line',
      origin: 'builtin',
    },
    action,
    scope: 'line',
    language: 'en',
  };
}
