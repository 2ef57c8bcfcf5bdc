import { monotonicFactory } from 'ulid';
import type { CommitResult, ConsentStore, InboundMarker } from '../adapters/dynamodb/consent-store.ts';
import type { StatsStore } from '../adapters/dynamodb/stats-store.ts';
import { DEFAULT_ATTRIBUTION_WINDOW_HOURS } from '../domain/accounts/account-settings.ts';
import { CHANNEL_SCOPE } from '../domain/channels.ts';
import { applyConsentEvent, type ConsentDecision } from '../domain/consent/apply-consent-event.ts';
import { recordableEventTime } from '../domain/consent/event-time.ts';
import type { AuditEvent } from '../domain/consent/audit-event.ts';
import { consentChangedDetail, type ConsentEventPublisher } from '../domain/consent/consent-changed-event.ts';
import type { ConsentChange, ConsentRecord } from '../domain/consent/consent-record.ts';
import type { Channel } from '../domain/channels.ts';
import type { Suppression } from '../domain/email/email-suppression.ts';
import { attributeOptOut, consentStatIncrements, dayOf, type Attribution } from '../domain/reports/consent-stats.ts';
import { expiresAtFor } from '../domain/retention/expires-at.ts';
import { maskContact } from '../domain/contact-address.ts';
import { logger } from '../observability/logger.ts';
import { effectiveDataRetention, expiresAtAfter } from '../domain/retention/retention-policy.ts';
import { profileExpiresAt, profileTouchDue } from '../domain/retention/profile-touch.ts';
import { METRIC_NAMES, metrics } from '../observability/metrics.ts';

export interface RecordConsentChangeInput {
  accountId: string;
  change: ConsentChange;
  /**
   * The account's data retention in months. A retention override on the contact's profile, when
   * there is one, wins (it is read here, with the current state, so every writer honours it).
   */
  retentionMonths: number;
  /** For provider messages: makes a redelivery a no-op. The marker can depend on the decision (no reply when superseded). */
  idempotency?: { provider: string; providerMessageId: string; marker: (decision: ConsentDecision) => Omit<InboundMarker, 'provider' | 'providerMessageId' | 'eventId'> };
  /** Written with the change, whatever its effect (a complaint suppresses even if a newer opt-in exists). */
  suppression?: { channel: Channel; reason: Suppression['reason'] };
  /** The account's opt-out attribution window (settings.attributionWindowHours); default 72 h. */
  attributionWindowHours?: number;
}

export interface RecordConsentChangeDeps {
  consentStore: ConsentStore;
  /** Report counters and the last marketing send on a line (opt-out attribution). */
  statsStore: StatsStore;
  /** Announces committed changes (ConsentChanged on EventBridge). */
  consentEvents: ConsentEventPublisher;
  now: () => Date;
}

export type RecordConsentChangeResult =
  | { duplicate: true; marker?: InboundMarker }
  | { duplicate: false; decision: ConsentDecision; event: AuditEvent; record?: ConsentRecord; marker?: InboundMarker };

const MAX_ATTEMPTS = 5;
// Monotonic within a container, so two events recorded in the same millisecond keep their order.
const nextEventId = monotonicFactory();

/** The immutable audit entry of one consent change, whatever its effect. */
export function consentAuditEvent(change: ConsentChange, decision: ConsentDecision, eventId: string, recordedAt: string): AuditEvent {
  return {
    eventId,
    type: 'consent',
    contact: change.contact,
    channel: change.channel,
    scope: change.scope,
    status: change.status,
    previousStatus: decision.previousStatus,
    effect: decision.effect,
    occurredAt: change.occurredAt,
    recordedAt,
    source: change.source,
    evidence: change.evidence,
  };
}

/** Raised when the state kept changing under us; the caller answers 5xx and the provider retries. */
export class ConsentWriteContentionError extends Error {
  constructor() {
    super('Consent record kept changing concurrently; retry');
    this.name = 'ConsentWriteContentionError';
  }
}

/**
 * Applies one consent change: read the current state, decide by event time (pure domain), then
 * write state + audit event + idempotency marker atomically. Concurrent writers are resolved by
 * optimistic versioning: on a conflict the state is re-read and the decision made again.
 */
export async function recordConsentChange(deps: RecordConsentChangeDeps, input: RecordConsentChangeInput): Promise<RecordConsentChangeResult> {
  const { accountId } = input;
  // No event is recorded as happening in the future: it would outrank every real change until then.
  const eventTime = recordableEventTime(input.change.occurredAt, deps.now());
  const change: ConsentChange = eventTime.adjusted
    ? { ...input.change, occurredAt: eventTime.occurredAt, evidence: { ...input.change.evidence, reportedOccurredAt: input.change.occurredAt } }
    : input.change;
  let attribution: Attribution | undefined;
  let attributionRead = false;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
    const now = deps.now();
    if (input.idempotency && attempt === 1) {
      const existing = await deps.consentStore.getInboundMarker(
        accountId,
        change.contact,
        input.idempotency.provider,
        input.idempotency.providerMessageId,
      );
      if (existing) return { duplicate: true, marker: existing };
    }
    const [current, contact] = await Promise.all([
      deps.consentStore.getRecord(accountId, change.contact, change.channel, change.scope, now.getTime()),
      deps.consentStore.getContactRetention(accountId, change.contact, now.getTime()),
      attributionRead
        ? undefined
        : readAttribution(deps, { ...input, change }, now).then((found) => {
            attribution = found;
            attributionRead = true;
          }),
    ]);
    const dataRetention = effectiveDataRetention(input.retentionMonths, contact.override);
    const decision = applyConsentEvent(current, change);
    const eventId = nextEventId(now.getTime());
    const recordedAt = now.toISOString();
    const event: AuditEvent = {
      ...consentAuditEvent(change, decision, eventId, recordedAt),
      ...(change.category ? { category: change.category } : {}),
      ...(attribution && change.status === 'opted_out' ? { attribution } : {}),
    };
    const record: ConsentRecord | undefined = decision.next ? { ...decision.next, eventId, updatedAt: recordedAt } : undefined;
    const consentKey = record ? `${record.channel}#${record.scope}` : undefined;
    // The profile first, on its own, when it does not yet cover this change (its expiry, its consent keys):
    // it then exists and lists the record whenever the record exists, without a transactional write.
    if (profileTouchDue(contact, recordedAt, dataRetention, consentKey)) {
      const touch = { live: contact.live, expiresAt: profileExpiresAt(recordedAt, dataRetention), nowSeconds: Math.floor(now.getTime() / 1000) };
      await deps.consentStore.touchProfile(accountId, change.contact, touch, recordedAt, consentKey ? [consentKey] : undefined);
    }
    const marker: InboundMarker | undefined = input.idempotency
      ? {
          provider: input.idempotency.provider,
          providerMessageId: input.idempotency.providerMessageId,
          eventId,
          ...input.idempotency.marker(decision),
        }
      : undefined;
    const result = await commitReadingBackOnError(deps, accountId, change.contact, marker, {
      accountId,
      contact: change.contact,
      event,
      record: record ? { next: record, expectedVersion: current?.version } : undefined,
      marker,
      ...(input.suppression
        ? {
            suppression: {
              channel: input.suppression.channel,
              value: { reason: input.suppression.reason, occurredAt: change.occurredAt, eventId, evidence: change.evidence },
            },
          }
        : {}),
      expiresAt: expiresAtAfter(recordedAt, dataRetention),
      nowSeconds: Math.floor(now.getTime() / 1000),
      activityAt: recordedAt,
      counters: {
        increments: consentStatIncrements(event, attribution),
        expiresAt: expiresAtFor(`${dayOf(change.occurredAt)}T00:00:00.000Z`, input.retentionMonths),
      },
    });
    if (result === 'duplicate') return { duplicate: true };
    if (result === 'committed') {
      await publishChange(deps, accountId, event, attribution);
      return { duplicate: false, decision, event, record, marker };
    }
  }
  throw new ConsentWriteContentionError();
}

/**
 * An error after the SDK's retries can hide a commit that was applied, its answer lost on the way
 * back. With an idempotency marker in the write, read it back before failing: if the marker holds
 * this write's event, the change is committed (and the caller goes on to reply) instead of answering
 * 5xx to a redelivery that would then find a duplicate and send nothing.
 */
async function commitReadingBackOnError(
  deps: RecordConsentChangeDeps,
  accountId: string,
  contact: string,
  marker: InboundMarker | undefined,
  write: Parameters<ConsentStore['commit']>[0],
): Promise<CommitResult> {
  try {
    return await deps.consentStore.commit(write);
  } catch (error) {
    if (!marker) throw error;
    const stored = await deps.consentStore.getInboundMarker(accountId, contact, marker.provider, marker.providerMessageId).catch(() => undefined);
    if (stored?.eventId !== undefined && stored.eventId === marker.eventId) return 'committed';
    throw error;
  }
}

/** The line an opt-out happened on: its scope, or for a channel-wide STOPALL the line it was sent to. */
function optOutLine(change: ConsentChange): string | undefined {
  if (change.status !== 'opted_out') return undefined;
  if (change.scope !== CHANNEL_SCOPE) return change.scope;
  return typeof change.evidence.lineId === 'string' ? change.evidence.lineId : undefined;
}

async function readAttribution(deps: RecordConsentChangeDeps, input: RecordConsentChangeInput, now: Date): Promise<Attribution | undefined> {
  const lineId = optOutLine(input.change);
  if (lineId === undefined) return undefined;
  const windowHours = input.attributionWindowHours ?? DEFAULT_ATTRIBUTION_WINDOW_HOURS;
  const optedOutAt = new Date(input.change.occurredAt);
  const lastSend = await deps.statsStore.lastMarketingSend(input.accountId, input.change.contact, lineId, {
    from: new Date(optedOutAt.getTime() - windowHours * 3600_000).toISOString(),
    to: optedOutAt.toISOString(),
    nowMs: now.getTime(),
  });
  return attributeOptOut(lastSend, input.change.occurredAt, windowHours);
}

/**
 * The change is committed (and audited) whatever happens here: a publishing failure is logged with
 * the event id, from which the change can be replayed, and never turns the request into an error.
 */
async function publishChange(deps: RecordConsentChangeDeps, accountId: string, event: AuditEvent, attribution?: Attribution): Promise<void> {
  await announceConsentChanges(deps, accountId, [{ event, attribution }]);
}

/**
 * Announces committed changes: the opt-out / opt-in metrics and one ConsentChanged event per status
 * change (events that changed nothing are not announced). The changes are committed whatever
 * happens here: a publishing failure is logged with the event ids, never thrown.
 */
export async function announceConsentChanges(
  deps: Pick<RecordConsentChangeDeps, 'consentEvents'>,
  accountId: string,
  changes: readonly { event: AuditEvent; attribution?: Attribution }[],
): Promise<void> {
  const details = changes.flatMap(({ event, attribution }) => consentChangedDetail(accountId, event, attribution) ?? []);
  if (details.length === 0) return;
  for (const detail of details) {
    metrics().count(detail.status === 'opted_out' ? METRIC_NAMES.optOuts : METRIC_NAMES.optIns, 1, { channel: detail.channel });
  }
  try {
    await deps.consentEvents.publish(details);
  } catch (error) {
    logger.error('ConsentChanged events not published', {
      count: details.length,
      eventIds: details.slice(0, 20).map((detail) => detail.eventId),
      ...(details.length === 1 && details[0] ? { contact: maskContact(details[0].contact) } : {}),
      error: error as Error,
    });
  }
}
