import type { Channel, ConsentSource, ConsentStatus, ReportedStatus } from '../channels.ts';
import type { Attribution } from '../reports/consent-stats.ts';
import type { AuditEvent } from './audit-event.ts';

/** EventBridge `source` and `detail-type` of the events CRMs subscribe to. */
export const CONSENT_EVENT_SOURCE = 'optgate.consent';
export const CONSENT_CHANGED_DETAIL_TYPE = 'ConsentChanged';

/** The `detail` of a ConsentChanged event: one committed status change of one contact. */
export interface ConsentChangedDetail {
  accountId: string;
  contact: string;
  channel: Channel;
  /** A line id, or `*` for every line of the channel. */
  scope: string;
  previousStatus: ReportedStatus;
  status: ConsentStatus;
  source: ConsentSource;
  /** When the person acted. */
  occurredAt: string;
  /** When optgate committed the change. */
  recordedAt: string;
  /** The audit event that proves it (GET /v1/contacts/{contact}/events). */
  eventId: string;
  /** For opt-outs attributed to a marketing campaign. */
  campaignId?: string;
}

/** Where committed changes are announced; an EventBridge bus in AWS, a file locally. */
export interface ConsentEventPublisher {
  publish(events: readonly ConsentChangedDetail[]): Promise<void>;
}

/** The event to publish for a committed audit event; none unless the status actually changed. */
export function consentChangedDetail(accountId: string, event: AuditEvent, attribution?: Attribution): ConsentChangedDetail | undefined {
  if (event.type !== 'consent' || event.effect !== 'changed' || event.status === undefined) return undefined;
  return {
    accountId,
    contact: event.contact,
    channel: event.channel,
    scope: event.scope,
    previousStatus: event.previousStatus ?? 'not_defined',
    status: event.status,
    source: event.source,
    occurredAt: event.occurredAt,
    recordedAt: event.recordedAt,
    eventId: event.eventId,
    ...(attribution ? { campaignId: attribution.campaignId } : {}),
  };
}
