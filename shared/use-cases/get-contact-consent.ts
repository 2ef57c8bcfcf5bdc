import type { Stores } from '../adapters/dynamodb/stores.ts';
import { CHANNEL_SCOPE, CHANNELS, type Channel, type ReportedStatus } from '../domain/channels.ts';
import type { ConsentRecord } from '../domain/consent/consent-record.ts';
import type { Suppression } from '../domain/email/email-suppression.ts';
import { effectiveStatus, type EffectiveStatus } from '../domain/consent/effective-status.ts';

export interface RecordView {
  status: ReportedStatus;
  /** Present when the record concerns one category only (`marketing`: a marketing-only opt-out / opt-in). */
  category?: ConsentRecord['category'];
  occurredAt?: string;
  source?: string;
  evidence?: ConsentRecord['evidence'];
  eventId?: string;
}

export interface ContactConsentView {
  contact: string;
  lines: (RecordView & {
    lineId: string;
    channel: Channel;
    address: string;
    name?: string;
    effective: EffectiveStatus;
  })[];
  channels: (RecordView & { channel: Channel; defaultStatus: string })[];
  /** Email complaints and hard bounces: they block every email to the address. */
  suppressions: (Omit<Suppression, 'evidence'> & { channel: Channel })[];
}

/**
 * A contact's status on every line of the account (`not_defined` where there is no record), the
 * channel-wide records, and the effective status after defaults. Two reads: lines and records.
 */
export async function getContactConsent(
  deps: Pick<Stores, 'accountStore' | 'lineStore' | 'consentStore'>,
  accountId: string,
  contact: string,
  now: Date,
): Promise<ContactConsentView> {
  const [lines, records, settings, emailSuppression] = await Promise.all([
    deps.lineStore.listLines(accountId),
    deps.consentStore.getRecords(accountId, contact, now.getTime()),
    deps.accountStore.getSettings(accountId),
    contact.includes('@') ? deps.consentStore.getSuppression(accountId, contact, 'email', now.getTime()) : undefined,
  ]);
  const recordFor = (channel: Channel, scope: string) =>
    records.find((record) => record.channel === channel && record.scope === scope);
  return {
    contact,
    lines: lines.map((line) => {
      const lineRecord = recordFor(line.channel, line.lineId);
      return {
        lineId: line.lineId,
        channel: line.channel,
        address: line.address,
        ...(line.name ? { name: line.name } : {}),
        ...recordView(lineRecord),
        effective: effectiveStatus({
          lineRecord,
          channelRecord: recordFor(line.channel, CHANNEL_SCOPE),
          defaultStatus: settings.channels[line.channel].defaultStatus,
        }),
      };
    }),
    channels: CHANNELS.map((channel) => ({
      channel,
      ...recordView(recordFor(channel, CHANNEL_SCOPE)),
      defaultStatus: settings.channels[channel].defaultStatus,
    })),
    suppressions: emailSuppression
      ? [{ channel: 'email', reason: emailSuppression.reason, occurredAt: emailSuppression.occurredAt, eventId: emailSuppression.eventId }]
      : [],
  };
}

function recordView(record: ConsentRecord | undefined): RecordView {
  if (!record) return { status: 'not_defined' };
  return {
    status: record.status,
    ...(record.category ? { category: record.category } : {}),
    occurredAt: record.occurredAt,
    source: record.source,
    evidence: record.evidence,
    eventId: record.eventId,
  };
}
