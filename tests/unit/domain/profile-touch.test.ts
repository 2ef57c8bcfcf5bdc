import { describe, expect, it } from 'vitest';
import { expiresAtAfter } from '../../../shared/domain/retention/retention-policy.ts';
import { PROFILE_TOUCH_AHEAD_MS, profileExpiresAt, profileTouchDue } from '../../../shared/domain/retention/profile-touch.ts';

const months13 = { months: 13 };
const oneDay = { days: 1 };
const plus = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();

describe('profile touch', () => {
  const touched = '2026-03-10T08:00:00.000Z';

  it('gives the profile the expiry of an activity a day later (periods in months), so it outlives what that day writes', () => {
    const expiresAt = profileExpiresAt(touched, months13);
    expect(expiresAt).toBe(expiresAtAfter(plus(touched, PROFILE_TOUCH_AHEAD_MS), months13));
    expect(expiresAt).toBeGreaterThanOrEqual(expiresAtAfter(plus(touched, PROFILE_TOUCH_AHEAD_MS - 1), months13));
    expect(expiresAt).toBeGreaterThan(expiresAtAfter(touched, months13));
  });

  it('adds no margin to a period in days (a person kept for one day is kept one day)', () => {
    expect(profileExpiresAt(touched, oneDay)).toBe(expiresAtAfter(touched, oneDay));
  });

  it('is due for an absent or expired profile, and for one without an expiry', () => {
    expect(profileTouchDue({ live: false }, touched, months13)).toBe(true);
    expect(profileTouchDue({ live: true }, touched, months13)).toBe(true);
  });

  it('is not due within the day a touch covers, and due again after it', () => {
    const profile = { live: true, expiresAt: profileExpiresAt(touched, months13) };
    expect(profileTouchDue(profile, touched, months13)).toBe(false);
    expect(profileTouchDue(profile, plus(touched, 23 * 3600_000), months13)).toBe(false);
    expect(profileTouchDue(profile, plus(touched, PROFILE_TOUCH_AHEAD_MS), months13)).toBe(false);
    expect(profileTouchDue(profile, plus(touched, PROFILE_TOUCH_AHEAD_MS + 1000), months13)).toBe(true);
  });

  it('is due with every activity for a period in days', () => {
    const profile = { live: true, expiresAt: profileExpiresAt(touched, oneDay) };
    expect(profileTouchDue(profile, touched, oneDay)).toBe(false);
    expect(profileTouchDue(profile, plus(touched, 1000), oneDay)).toBe(true);
  });

  it('is due when the profile does not list the consent record being written', () => {
    const profile = { live: true, expiresAt: profileExpiresAt(touched, months13), consentKeys: new Set(['sms#L1']) };
    expect(profileTouchDue(profile, touched, months13, 'sms#L1')).toBe(false);
    expect(profileTouchDue(profile, touched, months13, 'sms#*')).toBe(true);
    expect(profileTouchDue({ live: true, expiresAt: profile.expiresAt }, touched, months13, 'sms#L1')).toBe(true);
  });
});
