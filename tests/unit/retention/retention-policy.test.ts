import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expiresAtFor } from '../../../shared/domain/retention/expires-at.ts';
import { contactErasureHash } from '../../../shared/domain/retention/erasure-hash.ts';
import { addCounts, countKinds, isWriteOnce, itemKindOf, retentionClassOf, totalCount } from '../../../shared/domain/retention/item-kind.ts';
import {
  effectiveDataRetention,
  effectiveRetention,
  expiresAtAfter,
  reappliedExpiresAt,
  retentionOverrideSchema,
  toRetentionOverride,
} from '../../../shared/domain/retention/retention-policy.ts';
import { addDays, expiryDay, sweepDays } from '../../../shared/domain/retention/sweep-window.ts';

const at = (iso: string) => Date.parse(iso) / 1000;

describe('effective retention', () => {
  const account = { dataMonths: 13, messageHistoryMonths: 6 };

  it('follows the account unless the contact overrides a part', () => {
    expect(effectiveRetention(account, undefined)).toEqual({ data: { months: 13 }, messageHistory: { months: 6 } });
    expect(effectiveRetention(account, { data: { days: 1 } })).toEqual({ data: { days: 1 }, messageHistory: { months: 6 } });
    expect(effectiveRetention(account, { messageHistory: { months: 24 } })).toEqual({ data: { months: 13 }, messageHistory: { months: 24 } });
    expect(effectiveDataRetention(13, { messageHistory: { days: 2 } })).toEqual({ months: 13 });
    expect(effectiveDataRetention(13, { data: { days: 2 } })).toEqual({ days: 2 });
  });

  it('stores only what overrides: null and absent parts are dropped', () => {
    expect(toRetentionOverride({ data: null, messageHistory: { days: 3 } })).toEqual({ messageHistory: { days: 3 } });
    expect(toRetentionOverride({})).toEqual({});
  });

  it('accepts whole days or months within bounds, one unit at a time', () => {
    expect(retentionOverrideSchema.safeParse({ data: { days: 1 } }).success).toBe(true);
    expect(retentionOverrideSchema.safeParse({ data: { months: 120 } }).success).toBe(true);
    for (const data of [{ days: 0 }, { days: 1.5 }, { months: 121 }, { days: 1, months: 1 }, { weeks: 1 }, 'P1D']) {
      expect(retentionOverrideSchema.safeParse({ data }).success, JSON.stringify(data)).toBe(false);
    }
  });
});

describe('expiry from the last activity', () => {
  it('adds days as exact 24-hour steps and months as calendar months', () => {
    expect(expiresAtAfter('2026-03-01T10:00:00.000Z', { days: 1 })).toBe(at('2026-03-02T10:00:00.000Z'));
    expect(expiresAtAfter('2026-01-31T00:00:00.000Z', { months: 1 })).toBe(expiresAtFor('2026-01-31T00:00:00.000Z', 1));
  });

  it('is never before the activity, and grows with the period', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.parse('2020-01-01'), max: Date.parse('2035-01-01') }), fc.integer({ min: 1, max: 119 }), (ms, months) => {
        const iso = new Date(ms).toISOString();
        const shorter = expiresAtAfter(iso, { months });
        const longer = expiresAtAfter(iso, { months: months + 1 });
        return shorter > ms / 1000 && longer > shorter && expiresAtAfter(iso, { days: months }) > ms / 1000;
      }),
    );
  });
});

describe('re-applying retention to an existing item', () => {
  const nowSeconds = at('2026-06-01T00:00:00.000Z');

  it('moves the expiry to activity + the new period', () => {
    expect(
      reappliedExpiresAt({ activityAt: '2026-05-20T00:00:00.000Z', currentExpiresAt: at('2026-07-20T00:00:00.000Z'), period: { months: 13 }, nowSeconds }),
    ).toBe(at('2027-06-20T00:00:00.000Z'));
    expect(
      reappliedExpiresAt({ activityAt: '2026-05-31T12:00:00.000Z', currentExpiresAt: at('2027-06-30T00:00:00.000Z'), period: { days: 30 }, nowSeconds }),
    ).toBe(at('2026-06-30T12:00:00.000Z'));
  });

  it('clamps an expiry already past to now, so the sweep finds it in today’s bucket', () => {
    expect(
      reappliedExpiresAt({ activityAt: '2026-01-01T00:00:00.000Z', currentExpiresAt: at('2027-02-01T00:00:00.000Z'), period: { days: 1 }, nowSeconds }),
    ).toBe(nowSeconds);
  });

  it('never revives an expired item, and leaves an unchanged one alone', () => {
    expect(
      reappliedExpiresAt({ activityAt: '2026-05-01T00:00:00.000Z', currentExpiresAt: nowSeconds - 1, period: { months: 13 }, nowSeconds }),
    ).toBeUndefined();
    const same = expiresAtFor('2026-05-01T00:00:00.000Z', 13);
    expect(reappliedExpiresAt({ activityAt: '2026-05-01T00:00:00.000Z', currentExpiresAt: same, period: { months: 13 }, nowSeconds })).toBeUndefined();
    expect(reappliedExpiresAt({ activityAt: 'not a date', currentExpiresAt: same, period: { months: 1 }, nowSeconds })).toBeUndefined();
  });

  it('never returns an expiry before now or equal to the current one (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: nowSeconds - 400 * 86_400, max: nowSeconds }),
        fc.integer({ min: nowSeconds - 10, max: nowSeconds + 800 * 86_400 }),
        fc.oneof(fc.integer({ min: 1, max: 120 }).map((months) => ({ months })), fc.integer({ min: 1, max: 3660 }).map((days) => ({ days }))),
        (activity, current, period) => {
          const next = reappliedExpiresAt({ activityAt: new Date(activity * 1000).toISOString(), currentExpiresAt: current, period, nowSeconds });
          if (current <= nowSeconds) return next === undefined;
          return next === undefined || (next >= nowSeconds && next !== current);
        },
      ),
    );
  });
});

describe('item kinds', () => {
  it('classifies a contact partition’s sort keys', () => {
    expect(['PROFILE', 'CONSENT#sms#*', 'EVENT#01J', 'INBOUND#twilio#SM1', 'MSG#k', 'SUPPRESSION#email', 'SUMMARY#sms', 'X'].map(itemKindOf)).toEqual([
      'profile',
      'consent',
      'event',
      'inbound',
      'message',
      'suppression',
      'summary',
      'other',
    ]);
    expect(retentionClassOf('message')).toBe('messageHistory');
    expect(retentionClassOf('event')).toBe('data');
    expect(['event', 'inbound', 'message'].every((kind) => isWriteOnce(kind as never))).toBe(true);
    expect(['consent', 'profile', 'suppression', 'summary', 'other'].some((kind) => isWriteOnce(kind as never))).toBe(false);
  });

  it('counts by kind', () => {
    const counts = countKinds(['EVENT#1', 'EVENT#2', 'PROFILE']);
    expect(counts).toEqual({ event: 2, profile: 1 });
    expect(addCounts(counts, { event: 1, consent: 2 })).toEqual({ event: 3, profile: 1, consent: 2 });
    expect(totalCount(addCounts(counts, { message: 4 }))).toBe(7);
  });
});

describe('erasure hash', () => {
  it('is HMAC-SHA256 in hex (RFC 4231 test case 2)', () => {
    expect(contactErasureHash(Buffer.from('Jefe'), 'what do ya want for nothing?')).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });

  it('differs per account key and per contact', () => {
    const a = Buffer.alloc(32, 1);
    const b = Buffer.alloc(32, 2);
    expect(contactErasureHash(a, '+12025550143')).not.toBe(contactErasureHash(b, '+12025550143'));
    expect(contactErasureHash(a, '+12025550143')).not.toBe(contactErasureHash(a, '+12025550144'));
    expect(contactErasureHash(a, '+12025550143')).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('sweep window', () => {
  const now = at('2026-06-10T05:00:00.000Z');

  it('covers the look-back days up to today on a regular run', () => {
    expect(sweepDays({ nowSeconds: now, nextStartDay: '2026-06-10', lookbackDays: 3, maxCatchUpDays: 400 })).toEqual([
      '2026-06-07',
      '2026-06-08',
      '2026-06-09',
      '2026-06-10',
    ]);
  });

  it('catches up every day since the last completed run after downtime, within the bound', () => {
    expect(sweepDays({ nowSeconds: now, nextStartDay: '2026-06-01', lookbackDays: 3, maxCatchUpDays: 400 })[0]).toBe('2026-06-01');
    expect(sweepDays({ nowSeconds: now, nextStartDay: '2020-01-01', lookbackDays: 3, maxCatchUpDays: 30 })).toHaveLength(31);
    expect(sweepDays({ nowSeconds: now, nextStartDay: undefined, lookbackDays: 3, maxCatchUpDays: 400 })).toHaveLength(4);
  });

  it('still covers the look-back when a run with a later clock moved the start ahead', () => {
    expect(sweepDays({ nowSeconds: now, nextStartDay: '2026-07-01', lookbackDays: 3, maxCatchUpDays: 400 })[0]).toBe('2026-06-07');
  });

  it('names days in UTC', () => {
    expect(expiryDay(at('2026-12-31T23:59:59.000Z'))).toBe('2026-12-31');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
  });
});
