import { describe, expect, it } from 'vitest';
import { defaultAccountSettings, type ChannelPolicy } from '../../../shared/domain/accounts/account-settings.ts';
import { decideOutbound, sendAfterPending, tombstoneCanMatter, unknownLineDecision, type GateConsentRecord, type OutboundFacts } from '../../../shared/domain/outbound/decide-outbound.ts';

const T0 = '2026-03-01T12:00:00.000Z';
const T1 = '2026-03-02T12:00:00.000Z';
const T2 = '2026-03-03T12:00:00.000Z';

const sms: ChannelPolicy = defaultAccountSettings().channels.sms; // opted_out default, blocks all
const email: ChannelPolicy = defaultAccountSettings().channels.email; // opted_out default, blocks marketing

function line(status: 'opted_in' | 'opted_out', occurredAt = T1, extra: Partial<GateConsentRecord> = {}): GateConsentRecord {
  return { scope: 'line_1', status, occurredAt, eventId: `E-line-${status}`, ...extra };
}
function channel(status: 'opted_in' | 'opted_out', occurredAt = T1, extra: Partial<GateConsentRecord> = {}): GateConsentRecord {
  return { scope: '*', status, occurredAt, eventId: `E-channel-${status}`, ...extra };
}
function decide(facts: Partial<OutboundFacts> & Pick<OutboundFacts, 'category'>) {
  return decideOutbound({ channel: 'sms', policy: sms, ...facts });
}

describe('decideOutbound: marketing', () => {
  it('allows an explicit opt-in and names the record', () => {
    const decision = decide({ category: 'marketing', lineRecord: line('opted_in') });
    expect(decision).toMatchObject({
      outcome: 'allowed',
      reason: 'opted_in',
      rule: 'marketing_requires_opt_in',
      basis: { status: 'opted_in', record: { kind: 'line_record', scope: 'line_1', eventId: 'E-line-opted_in', occurredAt: T1 }, optOutBlocks: 'all', requireOptIn: false },
    });
    expect(decision.basis.default).toBeUndefined();
  });

  it('blocks without any record when the default is opted_out, naming the default', () => {
    expect(decide({ category: 'marketing' })).toMatchObject({
      outcome: 'blocked',
      reason: 'not_opted_in',
      rule: 'marketing_requires_opt_in',
      basis: { status: 'not_defined', default: { status: 'opted_out' } },
    });
  });

  it('allows by an opted_in default, and says the default decided', () => {
    const decision = decide({ category: 'marketing', policy: { ...sms, defaultStatus: 'opted_in' } });
    expect(decision).toMatchObject({ outcome: 'allowed', basis: { status: 'not_defined', default: { status: 'opted_in' } } });
  });

  it('with requireOptIn ignores an opted_in default', () => {
    const decision = decide({ category: 'marketing', requireOptIn: true, policy: { ...sms, defaultStatus: 'opted_in' } });
    expect(decision).toMatchObject({ outcome: 'blocked', reason: 'not_opted_in', rule: 'require_opt_in_explicit', basis: { requireOptIn: true } });
    expect(decide({ category: 'marketing', requireOptIn: true, channelRecord: channel('opted_in') }).outcome).toBe('allowed');
  });

  it('blocks an explicit opt-out as opted_out', () => {
    expect(decide({ category: 'marketing', lineRecord: line('opted_out') })).toMatchObject({ outcome: 'blocked', reason: 'opted_out', rule: 'opt_out_blocks_marketing' });
  });

  it('uses the newer of the line and channel records', () => {
    const stopAll = decide({ category: 'marketing', lineRecord: line('opted_in', T1), channelRecord: channel('opted_out', T2) });
    expect(stopAll).toMatchObject({ outcome: 'blocked', basis: { record: { kind: 'channel_record', scope: '*' } } });
    const rejoined = decide({ category: 'marketing', lineRecord: line('opted_in', T2), channelRecord: channel('opted_out', T1) });
    expect(rejoined).toMatchObject({ outcome: 'allowed', basis: { record: { kind: 'line_record' } } });
  });

  it('counts a WhatsApp marketing-only opt-out for marketing', () => {
    const decision = decideOutbound({ channel: 'whatsapp', category: 'marketing', policy: { ...sms, optOutBlocks: 'all' }, lineRecord: line('opted_out', T2, { category: 'marketing' }), channelRecord: channel('opted_in', T1) });
    expect(decision).toMatchObject({ outcome: 'blocked', reason: 'opted_out', basis: { record: { category: 'marketing' } } });
  });
});

describe('decideOutbound: transactional', () => {
  it('is blocked by an explicit opt-out where the policy is all (SMS)', () => {
    expect(decide({ category: 'transactional', lineRecord: line('opted_out') })).toMatchObject({
      outcome: 'blocked',
      reason: 'opted_out',
      rule: 'opt_out_blocks_all',
      basis: { status: 'opted_out', optOutBlocks: 'all', record: { kind: 'line_record' } },
    });
    expect(decide({ category: 'transactional', channelRecord: channel('opted_out') }).rule).toBe('opt_out_blocks_all');
  });

  it('goes through an opt-out where the policy is marketing (email, WhatsApp), recording the status it ignored', () => {
    const decision = decideOutbound({ channel: 'email', category: 'transactional', policy: email, lineRecord: line('opted_out') });
    expect(decision).toMatchObject({ outcome: 'allowed', reason: 'transactional', rule: 'transactional_allowed', basis: { status: 'opted_out', optOutBlocks: 'marketing' } });
  });

  it('is not blocked by a default opted_out status (only explicit opt-outs block)', () => {
    expect(decide({ category: 'transactional' })).toMatchObject({ outcome: 'allowed', basis: { status: 'not_defined', default: { status: 'opted_out' } } });
  });

  it('follows the newer record: an opt-in after a STOP lets it through', () => {
    expect(decide({ category: 'transactional', lineRecord: line('opted_out', T1), channelRecord: channel('opted_in', T2) }).outcome).toBe('allowed');
  });

  it('ignores a marketing-only opt-out, even when it is the newest record, but not an older full opt-out', () => {
    const policy = { ...sms, optOutBlocks: 'all' as const };
    const onlyMarketing = decideOutbound({ channel: 'whatsapp', category: 'transactional', policy, lineRecord: line('opted_out', T2, { category: 'marketing' }) });
    expect(onlyMarketing.outcome).toBe('allowed');
    const fullStopBefore = decideOutbound({
      channel: 'whatsapp',
      category: 'transactional',
      policy,
      lineRecord: line('opted_out', T2, { category: 'marketing' }),
      channelRecord: channel('opted_out', T1),
    });
    expect(fullStopBefore).toMatchObject({ outcome: 'blocked', rule: 'opt_out_blocks_all', basis: { record: { kind: 'channel_record' } } });
  });

  it('honours requireOptIn for transactional messages too', () => {
    expect(decide({ category: 'transactional', requireOptIn: true })).toMatchObject({ outcome: 'blocked', rule: 'require_opt_in_explicit' });
    expect(decide({ category: 'transactional', requireOptIn: true, lineRecord: line('opted_in') }).outcome).toBe('allowed');
  });

  it('is not blocked by an erasure tombstone', () => {
    expect(decide({ category: 'transactional', tombstone: { erasedAt: T1 } }).outcome).toBe('allowed');
  });
});

describe('decideOutbound: email suppressions', () => {
  it.each(['complaint', 'hard_bounce'] as const)('a %s blocks every email whatever the category and consent', (reason) => {
    for (const category of ['marketing', 'transactional'] as const) {
      const decision = decideOutbound({ channel: 'email', category, policy: email, lineRecord: line('opted_in', T2), suppression: { reason, occurredAt: T1 } });
      expect(decision).toMatchObject({ outcome: 'blocked', reason, rule: 'email_suppression', basis: { suppression: { reason, occurredAt: T1 } } });
    }
  });

  it('does not apply to other channels', () => {
    expect(decide({ category: 'transactional', suppression: { reason: 'complaint', occurredAt: T1 } }).outcome).toBe('allowed');
  });
});

describe('decideOutbound: erased contacts', () => {
  it('blocks marketing even under an opted_in default', () => {
    const decision = decide({ category: 'marketing', policy: { ...sms, defaultStatus: 'opted_in' }, tombstone: { erasedAt: T1 } });
    expect(decision).toMatchObject({ outcome: 'blocked', reason: 'erased', rule: 'erasure_blocks_marketing', basis: { erasure: { erasedAt: T1 } } });
  });

  it('blocks marketing under an opt-in older than the erasure, allows it after a newer opt-in', () => {
    expect(decide({ category: 'marketing', lineRecord: line('opted_in', T0), tombstone: { erasedAt: T1 } }).reason).toBe('erased');
    expect(decide({ category: 'marketing', lineRecord: line('opted_in', T2), tombstone: { erasedAt: T1 } }).outcome).toBe('allowed');
  });

  it('reports a newer explicit opt-out as opted_out rather than erased', () => {
    expect(decide({ category: 'marketing', lineRecord: line('opted_out', T2), tombstone: { erasedAt: T1 } }).reason).toBe('opted_out');
  });
});

describe('decideOutbound: timing', () => {
  const now = new Date('2026-03-02T03:00:00.000Z');

  it('defers a message whose sendAfter is ahead, before any consent rule', () => {
    const sendAfter = '2026-03-02T05:00:00+01:00';
    const decision = decide({ category: 'marketing', lineRecord: line('opted_out'), schedule: { now, sendAfter, timeZones: [] } });
    expect(decision).toMatchObject({ outcome: 'deferred', reason: 'send_after', rule: 'send_after', notBefore: '2026-03-02T04:00:00.000Z', basis: { sendAfter } });
    expect(sendAfterPending(sendAfter, now)).toBe(true);
    expect(sendAfterPending('2026-03-02T02:59:59Z', now)).toBe(false);
    expect(sendAfterPending(undefined, now)).toBe(false);
  });

  it('defers allowed marketing outside quiet hours with the time the window opens', () => {
    const policy = { ...sms, quietHours: { allowedFrom: '08:00', allowedUntil: '21:00' } };
    const decision = decide({ category: 'marketing', policy, lineRecord: line('opted_in'), schedule: { now, timeZones: ['America/New_York'] } });
    // 03:00Z is 22:00 in New York (EST): the window opens at 08:00 EST = 13:00Z.
    expect(decision).toMatchObject({
      outcome: 'deferred',
      reason: 'quiet_hours',
      rule: 'quiet_hours',
      notBefore: '2026-03-02T13:00:00.000Z',
      basis: { quietHours: { allowedFrom: '08:00', allowedUntil: '21:00', timeZones: ['America/New_York'] }, record: { status: 'opted_in' } },
    });
  });

  it('lets transactional and blocked marketing pass quiet hours untouched', () => {
    const policy = { ...sms, quietHours: { allowedFrom: '08:00', allowedUntil: '21:00' } };
    expect(decide({ category: 'transactional', policy, schedule: { now, timeZones: ['America/New_York'] } }).outcome).toBe('allowed');
    expect(decide({ category: 'marketing', policy, schedule: { now, timeZones: ['America/New_York'] } }).outcome).toBe('blocked');
  });

  it('allows marketing inside the window and records the window', () => {
    const policy = { ...sms, quietHours: { allowedFrom: '08:00', allowedUntil: '21:00' } };
    const decision = decide({ category: 'marketing', policy, lineRecord: line('opted_in'), schedule: { now, timeZones: ['Asia/Tokyo'] } });
    expect(decision).toMatchObject({ outcome: 'allowed', basis: { quietHours: { timeZones: ['Asia/Tokyo'] } } });
  });
});

describe('unknownLineDecision', () => {
  it('blocks with reason unknown_line', () => {
    expect(unknownLineDecision(true)).toEqual({ outcome: 'blocked', reason: 'unknown_line', rule: 'unknown_line', basis: { status: 'not_defined', requireOptIn: true } });
  });
});

describe('tombstoneCanMatter', () => {
  it('is true only for marketing the other rules would let through', () => {
    expect(tombstoneCanMatter({ channel: 'sms', category: 'marketing', policy: sms, lineRecord: line('opted_in') })).toBe(true);
    expect(tombstoneCanMatter({ channel: 'sms', category: 'marketing', policy: { ...sms, defaultStatus: 'opted_in' } })).toBe(true);
    expect(tombstoneCanMatter({ channel: 'sms', category: 'marketing', policy: sms })).toBe(false);
    expect(tombstoneCanMatter({ channel: 'sms', category: 'marketing', policy: sms, lineRecord: line('opted_out') })).toBe(false);
    expect(tombstoneCanMatter({ channel: 'sms', category: 'transactional', policy: sms, lineRecord: line('opted_in') })).toBe(false);
  });
});
