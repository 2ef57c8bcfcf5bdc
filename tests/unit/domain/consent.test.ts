import { describe, expect, it } from 'vitest';
import { applyConsentEvent } from '../../../shared/domain/consent/apply-consent-event.ts';
import type { ConsentChange, ConsentRecord } from '../../../shared/domain/consent/consent-record.ts';
import { effectiveStatus } from '../../../shared/domain/consent/effective-status.ts';
import { MAX_CLOCK_SKEW_MS, recordableEventTime } from '../../../shared/domain/consent/event-time.ts';

const change = (status: ConsentChange['status'], occurredAt: string, scope = 'line_1'): ConsentChange => ({
  contact: '+12025550143',
  channel: 'sms',
  scope,
  status,
  occurredAt,
  source: 'keyword',
  evidence: { text: status === 'opted_out' ? 'STOP' : 'START' },
});

const record = (status: ConsentRecord['status'], occurredAt: string, scope = 'line_1', version = 1): ConsentRecord => ({
  ...change(status, occurredAt, scope),
  eventId: `01J${version}`,
  version,
  updatedAt: occurredAt,
});

describe('applyConsentEvent', () => {
  it('creates the first record as a change from not_defined', () => {
    const decision = applyConsentEvent(undefined, change('opted_out', '2026-01-01T00:00:00.000Z'));
    expect(decision).toMatchObject({ effect: 'changed', previousStatus: 'not_defined', next: { status: 'opted_out', version: 1 } });
  });

  it('flips the status for a newer opposite event and bumps the version', () => {
    const decision = applyConsentEvent(record('opted_out', '2026-01-01T00:00:00.000Z', 'line_1', 3), change('opted_in', '2026-01-02T00:00:00.000Z'));
    expect(decision).toMatchObject({ effect: 'changed', previousStatus: 'opted_out', next: { status: 'opted_in', version: 4 } });
  });

  it('moves a same-status record forward in time so that a late older event cannot win', () => {
    const decision = applyConsentEvent(record('opted_out', '2026-01-01T00:00:00.000Z'), change('opted_out', '2026-01-05T00:00:00.000Z'));
    expect(decision.effect).toBe('confirmed');
    expect(decision.next?.occurredAt).toBe('2026-01-05T00:00:00.000Z');
  });

  it('leaves the state alone for an event older than the stored one', () => {
    const decision = applyConsentEvent(record('opted_in', '2026-01-05T00:00:00.000Z'), change('opted_out', '2026-01-04T23:59:59.999Z'));
    expect(decision).toEqual({ effect: 'superseded', previousStatus: 'opted_in' });
  });

  it('lets the later arrival win on an exact tie of event times', () => {
    const decision = applyConsentEvent(record('opted_in', '2026-01-05T00:00:00.000Z'), change('opted_out', '2026-01-05T00:00:00.000Z'));
    expect(decision.effect).toBe('changed');
  });

  it('compares instants, not strings, across time-zone offsets', () => {
    const decision = applyConsentEvent(record('opted_in', '2026-01-05T10:00:00.000Z'), change('opted_out', '2026-01-05T11:30:00+02:00'));
    expect(decision.effect).toBe('superseded');
  });
});

describe('effectiveStatus', () => {
  it('falls back to the account default, reported as not explicit', () => {
    expect(effectiveStatus({ defaultStatus: 'opted_out' })).toEqual({
      status: 'opted_out',
      explicit: false,
      basis: { kind: 'default', defaultStatus: 'opted_out' },
    });
  });

  it('uses the line record when it is the only one', () => {
    const result = effectiveStatus({ lineRecord: record('opted_in', '2026-01-01T00:00:00Z'), defaultStatus: 'opted_out' });
    expect(result).toMatchObject({ status: 'opted_in', explicit: true, basis: { kind: 'line_record', scope: 'line_1' } });
  });

  it('takes the newer of the line and channel-wide records', () => {
    const line = record('opted_in', '2026-01-02T00:00:00Z');
    const channel = record('opted_out', '2026-01-03T00:00:00Z', '*');
    expect(effectiveStatus({ lineRecord: line, channelRecord: channel, defaultStatus: 'opted_in' })).toMatchObject({
      status: 'opted_out',
      basis: { kind: 'channel_record' },
    });
    const newerLine = record('opted_in', '2026-01-04T00:00:00Z');
    expect(effectiveStatus({ lineRecord: newerLine, channelRecord: channel, defaultStatus: 'opted_out' })).toMatchObject({
      status: 'opted_in',
      basis: { kind: 'line_record' },
    });
  });
});

describe('recordableEventTime', () => {
  const receivedAt = new Date('2026-11-24T12:00:00.000Z');

  it('keeps a past time, and a future one within the clock skew', () => {
    expect(recordableEventTime('2026-11-24T11:59:00.000Z', receivedAt)).toEqual({ occurredAt: '2026-11-24T11:59:00.000Z', adjusted: false });
    const skewed = new Date(receivedAt.getTime() + MAX_CLOCK_SKEW_MS).toISOString();
    expect(recordableEventTime(skewed, receivedAt)).toEqual({ occurredAt: skewed, adjusted: false });
  });

  it('records the time it arrived for a time further ahead, or one that is no time at all', () => {
    const later = new Date(receivedAt.getTime() + MAX_CLOCK_SKEW_MS + 1).toISOString();
    for (const reported of [later, '5138-11-16T09:46:39.000Z', 'yesterday']) {
      expect(recordableEventTime(reported, receivedAt)).toEqual({ occurredAt: receivedAt.toISOString(), adjusted: true });
    }
  });
});
