import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../../shared/domain/consent/audit-event.ts';
import { attributeOptOut, consentStatIncrements, formatRatePercent, reasonOf } from '../../../shared/domain/reports/consent-stats.ts';
import { consentChangedDetail } from '../../../shared/domain/consent/consent-changed-event.ts';

const stop: AuditEvent = {
  eventId: '01JEVENT0000000000000000000',
  type: 'consent',
  contact: '+12025550143',
  channel: 'sms',
  scope: 'line_1',
  status: 'opted_out',
  previousStatus: 'opted_in',
  effect: 'changed',
  occurredAt: '2026-11-24T23:59:59.000Z',
  recordedAt: '2026-11-25T00:00:01.000Z',
  source: 'keyword',
  evidence: { keyword: 'stop', lineId: 'line_1' },
};
const attribution = { campaignId: 'spring', lineId: 'line_1', sentAt: '2026-11-24T10:00:00.000Z' };

describe('consentStatIncrements', () => {
  it('bumps day, line, reason, keyword and the attributed campaign, on the day the person acted', () => {
    expect(consentStatIncrements(stop, attribution)).toEqual([
      { dimension: 'day', day: '2026-11-24', value: 'all', field: 'optOuts', amount: 1 },
      { dimension: 'line', day: '2026-11-24', value: 'line_1', field: 'optOuts', amount: 1 },
      { dimension: 'reason', day: '2026-11-24', value: 'keyword', field: 'optOuts', amount: 1 },
      { dimension: 'keyword', day: '2026-11-24', value: 'STOP', field: 'optOuts', amount: 1 },
      { dimension: 'campaign', day: '2026-11-24', value: 'spring', field: 'optOuts', amount: 1 },
    ]);
  });

  it('counts only real transitions: not a repeated STOP, not a late superseded event, not a flag', () => {
    expect(consentStatIncrements({ ...stop, effect: 'confirmed' }, attribution)).toEqual([]);
    expect(consentStatIncrements({ ...stop, effect: 'superseded' }, attribution)).toEqual([]);
    expect(consentStatIncrements({ ...stop, type: 'flagged_for_review', status: undefined, effect: undefined })).toEqual([]);
  });

  it('labels channel-wide changes and uses the reason a person gave', () => {
    const complaint: AuditEvent = { ...stop, scope: '*', channel: 'email', source: 'provider', evidence: { reason: '  Too   MANY emails ' } };
    expect(consentStatIncrements(complaint).map((increment) => [increment.dimension, increment.value])).toEqual([
      ['day', 'all'],
      ['line', 'email:*'],
      ['reason', 'too many emails'],
    ]);
    expect(reasonOf({ source: 'form', evidence: {} })).toBe('form');
    expect(consentStatIncrements({ ...stop, status: 'opted_in' }, attribution).map((increment) => increment.field)).toEqual(['optIns', 'optIns', 'optIns', 'optIns']);
  });
});

describe('attributeOptOut', () => {
  const send = { lineId: 'line_1', campaignId: 'spring', sentAt: '2026-11-21T12:00:00.000Z' };
  it('attributes within the window, inclusive, and not after it or before the send', () => {
    expect(attributeOptOut(send, '2026-11-24T12:00:00.000Z', 72)).toEqual({ campaignId: 'spring', lineId: 'line_1', sentAt: send.sentAt });
    expect(attributeOptOut(send, '2026-11-24T12:00:00.001Z', 72)).toBeUndefined();
    expect(attributeOptOut(send, '2026-11-21T11:59:59.000Z', 72)).toBeUndefined();
    expect(attributeOptOut({ ...send, campaignId: undefined }, '2026-11-22T00:00:00.000Z', 72)).toBeUndefined();
    expect(attributeOptOut(undefined, '2026-11-22T00:00:00.000Z', 72)).toBeUndefined();
  });
});

describe('formatRatePercent', () => {
  it('reads 3.0% for 30 of 1,000, and nothing when nothing was sent', () => {
    expect(formatRatePercent(30, 1000)).toBe('3.0%');
    expect(formatRatePercent(1, 3)).toBe('33.3%');
    expect(formatRatePercent(0, 0)).toBeNull();
  });
});

describe('consentChangedDetail', () => {
  it('describes a status change for CRMs, and nothing for a change that changed nothing', () => {
    expect(consentChangedDetail('acc_1', stop, attribution)).toEqual({
      accountId: 'acc_1',
      contact: '+12025550143',
      channel: 'sms',
      scope: 'line_1',
      previousStatus: 'opted_in',
      status: 'opted_out',
      source: 'keyword',
      occurredAt: stop.occurredAt,
      recordedAt: stop.recordedAt,
      eventId: stop.eventId,
      campaignId: 'spring',
    });
    expect(consentChangedDetail('acc_1', { ...stop, effect: 'confirmed' })).toBeUndefined();
  });
});
