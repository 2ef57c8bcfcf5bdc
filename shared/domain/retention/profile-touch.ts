import { expiresAtAfter, type RetentionPeriod } from './retention-policy.ts';

/**
 * How far ahead of the activity a profile touch computes the profile's expiry from, for periods in
 * months: the profile then outlives every item written in the next day, and activity within that day
 * need not rewrite it (a rewrite costs a table write and two index writes). Periods in days (a person
 * who asked to be kept one day) get no margin: their profile is touched with every activity.
 */
export const PROFILE_TOUCH_AHEAD_MS = 24 * 3600 * 1000;

/**
 * What a profile's expiry is computed from, given its last activity: a day ahead of it for periods
 * in months, the activity itself for periods in days. Both a touch and a retention re-application
 * use it, so the profile keeps outliving the items written within the day it covers.
 */
export function profileRetentionBase(activityAt: string, period: RetentionPeriod): string {
  const ahead = 'months' in period ? PROFILE_TOUCH_AHEAD_MS : 0;
  return new Date(Date.parse(activityAt) + ahead).toISOString();
}

/** The expiry a touch at `activityAt` gives the profile. */
export function profileExpiresAt(activityAt: string, period: RetentionPeriod): number {
  return expiresAtAfter(profileRetentionBase(activityAt, period), period);
}

/** What the writer read of the profile before writing. */
export interface ProfileState {
  live: boolean;
  expiresAt?: number;
  /** The `{channel}#{scope}` of every consent record the profile lists (the consent export reads them). */
  consentKeys?: ReadonlySet<string>;
}

/**
 * Whether activity at `activityAt` must touch the profile: it is absent or expired, an item written
 * now would outlive it, or it does not list the consent record being written. Otherwise the profile
 * already covers this activity and stays as it is (its `lastActivityAt` is then up to a day old).
 */
export function profileTouchDue(profile: ProfileState, activityAt: string, period: RetentionPeriod, consentKey?: string): boolean {
  if (!profile.live || profile.expiresAt === undefined) return true;
  if (consentKey !== undefined && !(profile.consentKeys?.has(consentKey) ?? false)) return true;
  return profile.expiresAt < expiresAtAfter(activityAt, period);
}
