import type { Channel } from '../channels.ts';
import { liveSummary, summaryRecordsFor, type ConsentSummary, type SummaryRecord } from '../consent/consent-summary.ts';
import type { GateConsentRecord, OutboundFacts } from './decide-outbound.ts';

export type StoredOutboundFacts = Pick<OutboundFacts, 'lineRecord' | 'channelRecord' | 'suppression' | 'tombstone'>;

/**
 * What the outbound decision needs, read from the contact's consent summary for one line: the
 * line's record and the channel-wide one, the email suppression, and the erasure. Entries past their
 * expiry are absent, as the items they copy are.
 */
export function outboundFactsFromSummary(summary: ConsentSummary, input: { channel: Channel; lineId: string; nowMs: number }): StoredOutboundFacts {
  const live = liveSummary(summary, input.nowMs);
  const { lineRecord, channelRecord } = summaryRecordsFor(live, input.lineId);
  const facts: StoredOutboundFacts = {};
  if (lineRecord) facts.lineRecord = gateRecord(input.lineId, lineRecord);
  if (channelRecord) facts.channelRecord = gateRecord('*', channelRecord);
  // Only email has suppressions; the gate applies them to email alone.
  if (input.channel === 'email' && live.suppression) facts.suppression = { reason: live.suppression.reason, occurredAt: live.suppression.occurredAt };
  if (live.erasedAt) facts.tombstone = { erasedAt: live.erasedAt };
  return facts;
}

function gateRecord(scope: string, record: SummaryRecord): GateConsentRecord {
  return {
    scope,
    status: record.status,
    occurredAt: record.occurredAt,
    eventId: record.eventId,
    ...(record.category ? { category: record.category } : {}),
  };
}
