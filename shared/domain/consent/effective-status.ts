import type { ConsentStatus } from '../channels.ts';
import type { ConsentRecord } from './consent-record.ts';

export type StatusBasis =
  | { kind: 'line_record'; scope: string; eventId: string; occurredAt: string }
  | { kind: 'channel_record'; scope: '*'; eventId: string; occurredAt: string }
  | { kind: 'default'; defaultStatus: ConsentStatus };

/** What the effective-status rule needs of a record (the gate reads only these attributes). */
export type StatusRecord = Pick<ConsentRecord, 'scope' | 'status' | 'occurredAt' | 'eventId'>;

export interface EffectiveStatus {
  status: ConsentStatus;
  /** True when a stored record (not the account default) decided it. */
  explicit: boolean;
  basis: StatusBasis;
}

/**
 * The status that applies to (contact, channel, line): the newer of the line record and the
 * channel-wide record; with neither, the account's default for the channel.
 */
export function effectiveStatus(input: {
  lineRecord?: StatusRecord;
  channelRecord?: StatusRecord;
  defaultStatus: ConsentStatus;
}): EffectiveStatus {
  const { lineRecord, channelRecord } = input;
  const newest =
    lineRecord && channelRecord
      ? Date.parse(channelRecord.occurredAt) > Date.parse(lineRecord.occurredAt)
        ? channelRecord
        : lineRecord
      : (lineRecord ?? channelRecord);
  if (!newest) {
    return { status: input.defaultStatus, explicit: false, basis: { kind: 'default', defaultStatus: input.defaultStatus } };
  }
  const basis: StatusBasis =
    newest === channelRecord
      ? { kind: 'channel_record', scope: '*', eventId: newest.eventId, occurredAt: newest.occurredAt }
      : { kind: 'line_record', scope: newest.scope, eventId: newest.eventId, occurredAt: newest.occurredAt };
  return { status: newest.status, explicit: true, basis };
}
