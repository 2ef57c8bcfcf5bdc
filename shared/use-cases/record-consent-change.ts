import { monotonicFactory } from 'ulid';
import type { ConsentStore, InboundMarker } from '../adapters/dynamodb/consent-store.ts';
import { applyConsentEvent, type ConsentDecision } from '../domain/consent/apply-consent-event.ts';
import type { AuditEvent } from '../domain/consent/audit-event.ts';
import type { ConsentChange, ConsentRecord } from '../domain/consent/consent-record.ts';
import { effectiveDataRetention, expiresAtAfter } from '../domain/retention/retention-policy.ts';

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
export async function recordConsentChange(
  deps: { consentStore: ConsentStore; now: () => Date },
  input: RecordConsentChangeInput,
): Promise<RecordConsentChangeResult> {
  const { accountId, change } = input;
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
    ]);
    const dataRetention = effectiveDataRetention(input.retentionMonths, contact.override);
    const decision = applyConsentEvent(current, change);
    const eventId = nextEventId(now.getTime());
    const recordedAt = now.toISOString();
    const event = consentAuditEvent(change, decision, eventId, recordedAt);
    const record: ConsentRecord | undefined = decision.next ? { ...decision.next, eventId, updatedAt: recordedAt } : undefined;
    const marker: InboundMarker | undefined = input.idempotency
      ? {
          provider: input.idempotency.provider,
          providerMessageId: input.idempotency.providerMessageId,
          eventId,
          ...input.idempotency.marker(decision),
        }
      : undefined;
    const result = await deps.consentStore.commit({
      accountId,
      contact: change.contact,
      event,
      record: record ? { next: record, expectedVersion: current?.version } : undefined,
      marker,
      expiresAt: expiresAtAfter(recordedAt, dataRetention),
      nowSeconds: Math.floor(now.getTime() / 1000),
      activityAt: recordedAt,
      profile: { live: contact.live },
    });
    if (result === 'duplicate') return { duplicate: true };
    if (result === 'committed') return { duplicate: false, decision, event, record, marker };
  }
  throw new ConsentWriteContentionError();
}
