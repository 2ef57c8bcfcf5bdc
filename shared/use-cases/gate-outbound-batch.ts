import type { SQSClient } from '@aws-sdk/client-sqs';
import { outboundHistoryItem, type MessageClaim, type OutboundStore } from '../adapters/dynamodb/outbound-store.ts';
import { sendBatch, type OutgoingMessage, type SendOptions } from '../adapters/sqs/queue-sender.ts';
import { DEFAULT_RETENTION_MONTHS } from '../domain/accounts/account-settings.ts';
import { normalizeLineAddress } from '../domain/accounts/line.ts';
import { normalizeContact } from '../domain/contact-address.ts';
import { AppError } from '../domain/errors.ts';
import {
  decideOutbound,
  sendAfterPending,
  tombstoneCanMatter,
  unknownLineDecision,
  type OutboundDecision,
} from '../domain/outbound/decide-outbound.ts';
import { MAX_ENVELOPE_BYTES, outboundEnvelopeSchema, type OutboundEnvelope } from '../domain/outbound/outbound-envelope.ts';
import { recipientTimeZones } from '../domain/outbound/quiet-hours.ts';
import { campaignSentCounters } from '../domain/reports/campaign-sends.ts';
import { expiresAtFor } from '../domain/retention/expires-at.ts';
import { gatherOutboundFacts } from './gather-outbound-facts.ts';

/** SQS message attribute on a deferred copy: until then the gate only re-delays it, with no reads. */
export const NOT_BEFORE_ATTRIBUTE = 'optgate-not-before';
/** SQS's largest DelaySeconds: longer waits are several hops. */
export const MAX_DELAY_SECONDS = 900;
/** A sendAfter further ahead than this is refused (DLQ): it is almost certainly a mistake. */
const MAX_SEND_AFTER_MS = 30 * 24 * 3600 * 1000;

export interface GateRecord {
  messageId: string;
  body: string;
  messageAttributes?: Record<string, { stringValue?: string } | undefined>;
}

export interface GateQueues {
  outbound: string;
  dispatch: string;
  suppressed: string;
  dlq: string;
}

export interface GateLog {
  info(message: string, details?: Record<string, unknown>): void;
  warn(message: string, details?: Record<string, unknown>): void;
  error(message: string, details?: Record<string, unknown>): void;
}

export interface GateDeps {
  store: OutboundStore;
  sqs: SQSClient;
  queues: GateQueues;
  now: () => Date;
  /** How long a claim stays exclusive: at least as long as the invocation can still run. */
  leaseMs: number;
  /** A fresh random id: this invocation's receipt. */
  newToken: () => string;
  log: GateLog;
  /** Retry pacing of SendMessageBatch (tests shorten it). */
  sendOptions?: SendOptions;
}

export interface GateSummary {
  received: number;
  dispatched: number;
  suppressed: number;
  deferred: number;
  invalid: number;
  duplicates: number;
  failed: number;
}

export interface GateResult {
  batchItemFailures: { itemIdentifier: string }[];
  summary: GateSummary;
}

/** What the dispatch and suppressed queues receive: the decision, then the sender's envelope byte for byte. */
export interface GatedMessage {
  decision: OutboundDecision & { messageId: string; accountId?: string; lineId?: string; contact: string; decidedAt: string };
  envelope: OutboundEnvelope;
}

interface Work {
  record: GateRecord;
  envelope: OutboundEnvelope;
  contact: string;
  from: string;
  decision?: OutboundDecision;
  accountId?: string;
  lineId?: string;
  claim?: MessageClaim;
  /** When its claim's history item expires (message-history retention). */
  historyExpiresAt?: number;
  /** The account's data retention (months): the campaign counters expire with it. */
  retentionMonths?: number;
  /** Same (account, contact, messageId) earlier in this batch: this one follows its fate. */
  primary?: Work;
}

type Parsed = { ok: true; envelope: OutboundEnvelope; contact: string; from: string } | { ok: false; message: string; issues?: unknown };

/** Parses and normalises one SQS body; any problem is a reason for the DLQ, never an exception. */
export function parseEnvelope(body: string, now: Date): Parsed {
  if (Buffer.byteLength(body) > MAX_ENVELOPE_BYTES) return { ok: false, message: `The envelope is larger than ${MAX_ENVELOPE_BYTES} bytes` };
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { ok: false, message: 'The body is not valid JSON' };
  }
  const result = outboundEnvelopeSchema.safeParse(json);
  if (!result.success) {
    const issues = result.error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));
    return { ok: false, message: `Invalid envelope: ${issues.map((issue) => `${issue.path || '(root)'}: ${issue.message}`).join('; ')}`, issues };
  }
  const envelope = result.data;
  if (envelope.sendAfter && Date.parse(envelope.sendAfter) > now.getTime() + MAX_SEND_AFTER_MS) {
    return { ok: false, message: 'Invalid envelope: sendAfter: more than 30 days ahead' };
  }
  try {
    return { ok: true, envelope, contact: normalizeContact(envelope.to, envelope.channel), from: normalizeLineAddress(envelope.channel, envelope.from) };
  } catch (error) {
    if (error instanceof AppError) return { ok: false, message: `Invalid envelope: ${error.message}` };
    throw error;
  }
}

export function delaySecondsUntil(notBefore: Date, now: Date): number {
  return Math.min(MAX_DELAY_SECONDS, Math.max(1, Math.ceil((notBefore.getTime() - now.getTime()) / 1000)));
}

/**
 * Gates one SQS batch. Every message ends in exactly one of: dispatch (allowed), suppressed
 * (blocked, with the reason), outbound again with a delay (deferred), the DLQ (invalid envelope),
 * or the batch item failures (retried: consent or a write could not be completed; nothing is sent
 * unchecked). Idempotent on (account, recipient, messageId) through the message's history item:
 * claimed before anything is sent; one receipt per invocation then records which claims were sent.
 */
export async function gateOutboundBatch(deps: GateDeps, records: readonly GateRecord[]): Promise<GateResult> {
  const now = deps.now();
  const nowMs = now.getTime();
  const failures = new Set<string>();
  const summary: GateSummary = { received: records.length, dispatched: 0, suppressed: 0, deferred: 0, invalid: 0, duplicates: 0, failed: 0 };
  const toDlq: OutgoingMessage[] = [];
  const redelay: OutgoingMessage[] = [];
  const work: Work[] = [];

  for (const record of records) {
    const notBefore = record.messageAttributes?.[NOT_BEFORE_ATTRIBUTE]?.stringValue;
    const notBeforeMs = notBefore ? Date.parse(notBefore) : Number.NaN;
    if (notBefore && notBeforeMs > nowMs + 1000) {
      // A deferred copy that is not due yet: one more hop, no reads, nothing written.
      redelay.push({ id: record.messageId, body: record.body, delaySeconds: delaySecondsUntil(new Date(notBeforeMs), now), attributes: { [NOT_BEFORE_ATTRIBUTE]: notBefore } });
      continue;
    }
    const parsed = parseEnvelope(record.body, now);
    if (!parsed.ok) {
      toDlq.push({
        id: record.messageId,
        body: JSON.stringify({ error: { code: 'invalid_envelope', message: parsed.message, ...(parsed.issues ? { issues: parsed.issues } : {}) }, sqsMessageId: record.messageId, body: record.body }),
      });
      continue;
    }
    work.push({ record, envelope: parsed.envelope, contact: parsed.contact, from: parsed.from });
  }

  const facts = await gatherOutboundFacts(
    deps.store,
    work.map((item) => ({
      channel: item.envelope.channel,
      from: item.from,
      contact: item.contact,
      needsConsent: !sendAfterPending(item.envelope.sendAfter, now),
      tombstoneMatters: (stored, account) =>
        tombstoneCanMatter({
          channel: item.envelope.channel,
          category: item.envelope.category,
          requireOptIn: item.envelope.requireOptIn,
          policy: account.settings.channels[item.envelope.channel],
          ...stored,
        }),
    })),
    nowMs,
  );

  const primaries = new Map<string, Work>();
  const claims: MessageClaim[] = [];
  const receiptId = deps.newToken();
  work.forEach((item, index) => {
    const result = facts[index];
    const { envelope } = item;
    if (!result || result.kind === 'failed') {
      failures.add(item.record.messageId);
      return;
    }
    if (result.kind === 'unknown_line') {
      item.decision = unknownLineDecision(envelope.requireOptIn);
      return;
    }
    const { line, account } = result;
    const policy = account.settings.channels[envelope.channel];
    const needsZones = envelope.category === 'marketing' && policy.quietHours !== undefined;
    item.accountId = line.accountId;
    item.lineId = line.lineId;
    item.retentionMonths = account.settings.retention.dataMonths;
    item.decision = decideOutbound({
      channel: envelope.channel,
      category: envelope.category,
      requireOptIn: envelope.requireOptIn,
      policy,
      ...result.stored,
      schedule: {
        now,
        sendAfter: envelope.sendAfter,
        timeZones: needsZones
          ? recipientTimeZones({ channel: envelope.channel, contact: item.contact, defaultTimeZone: account.settings.defaultTimeZone, recipientTimeZone: envelope.recipientTimeZone })
          : [],
      },
    });
    const historyKey = `${line.accountId}\u0000${item.contact}\u0000${envelope.messageId}`;
    const primary = primaries.get(historyKey);
    if (primary) {
      item.primary = primary;
      return;
    }
    primaries.set(historyKey, item);
    const ref = { receiptId, claimIndex: claims.length };
    item.historyExpiresAt = expiresAtFor(now.toISOString(), account.settings.retention.messageHistoryMonths);
    item.claim = {
      id: item.record.messageId,
      accountId: line.accountId,
      contact: item.contact,
      messageId: envelope.messageId,
      ref,
      item: outboundHistoryItem({
        accountId: line.accountId,
        contact: item.contact,
        messageId: envelope.messageId,
        channel: envelope.channel,
        lineId: line.lineId,
        from: item.from,
        category: envelope.category,
        campaignId: envelope.campaignId,
        decision: item.decision,
        claim: ref,
        leaseUntilMs: nowMs + deps.leaseMs,
        decidedAt: now.toISOString(),
        expiresAt: item.historyExpiresAt,
      }),
    };
    claims.push(item.claim);
  });

  const claimResults = claims.length > 0 ? await deps.store.claim(claims, nowMs) : new Map();
  const toDispatch: OutgoingMessage[] = [];
  const toSuppress: OutgoingMessage[] = [];
  const toDefer: OutgoingMessage[] = [];
  const claimsById = new Map<string, MessageClaim>();
  const alreadyDone = new Set<Work>();
  for (const item of work) {
    if (!item.decision || item.primary || failures.has(item.record.messageId)) continue;
    if (item.claim) {
      const claimed = claimResults.get(item.claim.id);
      if (claimed?.status === 'done') {
        alreadyDone.add(item);
        continue;
      }
      if (claimed?.status !== 'claimed') {
        failures.add(item.record.messageId);
        continue;
      }
      claimsById.set(item.record.messageId, item.claim);
    }
    const { decision } = item;
    if (decision.outcome === 'deferred') {
      const notBefore = decision.notBefore ?? now.toISOString();
      toDefer.push({ id: item.record.messageId, body: item.record.body, delaySeconds: delaySecondsUntil(new Date(notBefore), now), attributes: { [NOT_BEFORE_ATTRIBUTE]: notBefore } });
      continue;
    }
    const gated = gatedBody(item, decision, now);
    (decision.outcome === 'allowed' ? toDispatch : toSuppress).push({ id: item.record.messageId, body: gated });
  }

  const [dispatched, suppressed, deferred, deadLettered, redelayed] = await Promise.all([
    sendBatch(deps.sqs, deps.queues.dispatch, toDispatch, deps.sendOptions),
    sendBatch(deps.sqs, deps.queues.suppressed, toSuppress, deps.sendOptions),
    sendBatch(deps.sqs, deps.queues.outbound, toDefer, deps.sendOptions),
    sendBatch(deps.sqs, deps.queues.dlq, toDlq, deps.sendOptions),
    sendBatch(deps.sqs, deps.queues.outbound, redelay, deps.sendOptions),
  ]);
  for (const result of [dispatched, suppressed, deferred, deadLettered, redelayed]) {
    for (const [id, reason] of result.failed) {
      failures.add(id);
      deps.log.warn('Outbound message could not be queued; it will be retried', { sqsMessageId: id, reason });
    }
  }

  await recordReceipt(deps, work, [...claimsById.values()], failures, { receiptId, now });

  for (const item of work) {
    if (item.primary && failures.has(item.primary.record.messageId)) failures.add(item.record.messageId);
  }
  for (const item of work) {
    if (failures.has(item.record.messageId)) continue;
    if (item.primary || alreadyDone.has(item)) summary.duplicates += 1;
    else if (item.decision?.outcome === 'allowed') summary.dispatched += 1;
    else if (item.decision?.outcome === 'blocked') summary.suppressed += 1;
    else if (item.decision?.outcome === 'deferred') summary.deferred += 1;
  }
  summary.invalid = toDlq.filter((message) => !failures.has(message.id)).length;
  summary.deferred += redelay.filter((message) => !failures.has(message.id)).length;
  summary.failed = failures.size;
  if (failures.size > 0) deps.log.warn('Outbound messages left for retry', { count: failures.size });
  deps.log.info('Outbound batch gated', { ...summary });
  return { batchItemFailures: [...failures].map((itemIdentifier) => ({ itemIdentifier })), summary };
}

/**
 * One write for the batch: the receipt listing the claims whose message reached its queue (and
 * those given back unsent, so a retry can take them over at once), with the campaign sent counters
 * of the marketing messages dispatched, in the same transaction. The messages are on their queues
 * already: a failure here is logged, never retried through the batch (see the README's idempotency
 * guarantee for what it leaves open).
 */
async function recordReceipt(deps: GateDeps, work: readonly Work[], claimed: readonly MessageClaim[], failures: ReadonlySet<string>, batch: { receiptId: string; now: Date }): Promise<void> {
  if (claimed.length === 0) return;
  const byId = new Map(work.map((item) => [item.record.messageId, item]));
  const sent = claimed.filter((claim) => !failures.has(claim.id));
  const counters = campaignSentCounters(
    sent.flatMap((claim) => {
      const item = byId.get(claim.id);
      if (!item || item.decision?.outcome !== 'allowed' || item.envelope.category !== 'marketing' || !item.accountId) return [];
      return [{ accountId: item.accountId, ...(item.envelope.campaignId ? { campaignId: item.envelope.campaignId } : {}), sentAt: batch.now.toISOString(), retentionMonths: item.retentionMonths ?? DEFAULT_RETENTION_MONTHS }];
    }),
  );
  const { recorded, countersLost } = await deps.store.complete({
    receipt: {
      receiptId: batch.receiptId,
      sent: new Set(sent.map((claim) => claim.ref.claimIndex)),
      released: new Set(claimed.filter((claim) => failures.has(claim.id)).map((claim) => claim.ref.claimIndex)),
    },
    expiresAt: Math.max(...claimed.map((claim) => byId.get(claim.id)?.historyExpiresAt ?? 0)),
    createdAt: batch.now.toISOString(),
    counters,
  });
  if (!recorded) deps.log.error('Could not record the batch receipt', { receiptId: batch.receiptId, sent: sent.length, campaignCounters: counters.length });
  if (countersLost > 0) deps.log.error('Could not record campaign sent counters', { receiptId: batch.receiptId, countersLost });
}

function gatedBody(item: Work, decision: OutboundDecision, now: Date): string {
  const view: GatedMessage['decision'] = {
    ...decision,
    messageId: item.envelope.messageId,
    ...(item.accountId ? { accountId: item.accountId, lineId: item.lineId } : {}),
    contact: item.contact,
    decidedAt: now.toISOString(),
  };
  // The envelope is appended as received, so the opaque payload reaches the worker byte for byte.
  return `{"decision":${JSON.stringify(view)},"envelope":${item.record.body}}`;
}
