import { randomUUID } from 'node:crypto';
import { monotonicFactory } from 'ulid';
import type { AccountStore } from '../adapters/dynamodb/account-store.ts';
import type { ConsentStore, HeldReply, InboundMarker } from '../adapters/dynamodb/consent-store.ts';
import type { LineRoute } from '../adapters/dynamodb/line-router.ts';
import type { RuleStore } from '../adapters/dynamodb/rule-store.ts';
import { CHANNEL_SCOPE, type Channel, type ConsentStatus } from '../domain/channels.ts';
import type { AuditEvent } from '../domain/consent/audit-event.ts';
import type { ConsentEffect } from '../domain/consent/apply-consent-event.ts';
import type { ConsentEvidence } from '../domain/consent/consent-record.ts';
import { attributionWindowHoursOf } from '../domain/accounts/account-settings.ts';
import { normalizeContact } from '../domain/contact-address.ts';
import { evaluateKeywords, type KeywordMatch } from '../domain/keywords/evaluate-keywords.ts';
import { effectiveRetention, expiresAtAfter } from '../domain/retention/retention-policy.ts';
import { profileExpiresAt, profileTouchDue } from '../domain/retention/profile-touch.ts';
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
  /** With an async `reply`: the reply this delivery holds, for sendAsyncReply. */
  heldReply?: HeldReply;
  match?: { ruleId: string; action: string; scope: string; keyword: string };
  consent?: { status: ConsentStatus; scope: string; effect: ConsentEffect; eventId: string };
  flaggedForReview: boolean;
  /**
   * A redelivery whose async reply is still `pending` and held by another delivery (sending it now,
   * or dead before it could): the caller must not acknowledge, so that the provider delivers again
   * and a later delivery either finds it sent or takes it over once the holder's lease ran out.
   */
  replyInFlight?: boolean;
}

/** What a caller throws for an outcome with `replyInFlight`: a retryable failure (5xx, Lambda retry). */
export class ReplyInFlightError extends Error {
  constructor() {
    super('The reply to this message is being sent by another delivery; deliver it again later');
    this.name = new.target.name;
  }
}

export interface InboundDeps extends RecordConsentChangeDeps {
  accountStore: AccountStore;
  ruleStore: RuleStore;
  consentStore: ConsentStore;
  now: () => Date;
}

const nextEventId = monotonicFactory();

/**
 * How long a delivery that recorded (or took over) a message holds its async reply: the longest
 * timeout of the functions that reply asynchronously (AWS two-way SMS 15 s, WhatsApp 10 s) plus a
 * margin. After it the holder cannot still be sending, and a redelivery takes the reply over.
 */
export const REPLY_LEASE_MS = 20_000;

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
  // The reply this delivery holds if it records the message (async providers).
  const held: HeldReply = { ...replyRef(message, contact), holder: randomUUID() };
  const replyFields = (reply: string | undefined): Pick<InboundMarker, 'replyState' | 'replyLeaseUntil' | 'replyHolder'> =>
    reply === undefined
      ? { replyState: 'none' }
      : message.replyMode === 'inline'
        ? { replyState: 'sent' }
        : { replyState: 'pending', replyLeaseUntil: deps.now().getTime() + REPLY_LEASE_MS, replyHolder: held.holder };

  if (match && (match.action === 'opt_out' || match.action === 'opt_in')) {
    const status: ConsentStatus = match.action === 'opt_out' ? 'opted_out' : 'opted_in';
    const scope = match.scope === 'channel' ? CHANNEL_SCOPE : route.lineId;
    const result = await releasingReplyOnFailure(deps, message, held, () => recordConsentChange(deps, {
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
    }));
    if (result.duplicate) return duplicateOutcome(deps, contact, message, result.marker, summary);
    const reply = result.marker?.reply;
    return {
      duplicate: false,
      contact,
      reply,
      ...(reply !== undefined && message.replyMode === 'async' ? { heldReply: held } : {}),
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
  const receivedAt = now.toISOString();
  // The profile is renewed only when this message is not already covered by it (about once a day).
  const touch = profileTouchDue(contactRetention, receivedAt, retention.data)
    ? { live: contactRetention.live, expiresAt: profileExpiresAt(receivedAt, retention.data), nowSeconds: Math.floor(now.getTime() / 1000) }
    : undefined;
  const result = await releasingReplyOnFailure(deps, message, held, () =>
    deps.consentStore.putInboundMarker(route.accountId, contact, marker, expiresAtAfter(receivedAt, retention.data), flagged, touch),
  );
  if (result === 'duplicate') {
    const existing = await deps.consentStore.getInboundMarker(route.accountId, contact, message.provider, message.providerMessageId);
    return duplicateOutcome(deps, contact, message, existing, summary);
  }
  return {
    duplicate: false,
    contact,
    reply,
    ...(reply !== undefined && message.replyMode === 'async' ? { heldReply: held } : {}),
    match: summary,
    flaggedForReview: flagged !== undefined,
  };
}

/**
 * A redelivery changes nothing. Inline replies went out with the first response; an async reply that
 * never reached the provider (the first attempt failed or died after the commit) is handed back to
 * send now, once its holder's lease has run out or been given up. While another delivery holds it,
 * the outcome says `replyInFlight`: not acknowledging makes the provider come back later.
 */
async function duplicateOutcome(
  deps: InboundDeps,
  contact: string,
  message: InboundMessage,
  marker: InboundMarker | undefined,
  match: InboundOutcome['match'],
): Promise<InboundOutcome> {
  const outcome: InboundOutcome = { duplicate: true, contact, match, flaggedForReview: false };
  if (message.replyMode === 'async' && marker?.replyState === 'pending' && marker.reply !== undefined) {
    const nowMs = deps.now().getTime();
    const held: HeldReply = { ...replyRef(message, contact), holder: randomUUID() };
    if (await deps.consentStore.claimPendingReply(held, nowMs, nowMs + REPLY_LEASE_MS)) {
      outcome.reply = marker.reply;
      outcome.heldReply = held;
    } else {
      outcome.replyInFlight = true;
    }
  }
  return outcome;
}

function replyRef(message: InboundMessage, contact: string): Omit<HeldReply, 'holder'> {
  return { accountId: message.route.accountId, contact, provider: message.provider, messageId: message.providerMessageId };
}

/**
 * A failure after the commit may have been applied (a lost answer): the reply it took is given up
 * at once (best effort), so the provider's redelivery sends it instead of waiting out the lease.
 */
async function releasingReplyOnFailure<T>(deps: InboundDeps, message: InboundMessage, held: HeldReply, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (message.replyMode === 'async') await deps.consentStore.releasePendingReply(held).catch(() => undefined);
    throw error;
  }
}

/** Marking a sent reply is retried a little more than the SDK does: failing it means the reply may go out twice. */
const MARK_SENT_ATTEMPTS = 3;

/**
 * Sends an async reply that an outcome handed over, then marks it sent (or `refused`, when the
 * provider refused it for good: no redelivery tries it again). If the send fails, the reply is given
 * up (its lease released) before the error propagates, so the provider's redelivery sends it at once.
 */
export async function sendAsyncReply(consentStore: ConsentStore, ref: HeldReply, send: () => Promise<'sent' | 'rejected'>): Promise<'sent' | 'rejected'> {
  let outcome: 'sent' | 'rejected';
  try {
    outcome = await send();
  } catch (error) {
    await consentStore.releasePendingReply(ref).catch(() => undefined);
    throw error;
  }
  for (let attempt = 1; ; attempt += 1) {
    try {
      await consentStore.markReplySent(ref.accountId, ref.contact, ref.provider, ref.messageId, outcome === 'sent' ? 'sent' : 'refused');
      return outcome;
    } catch (error) {
      if (attempt >= MARK_SENT_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }
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
