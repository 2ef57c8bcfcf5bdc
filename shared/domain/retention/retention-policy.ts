import * as z from '../../validation/zod.ts';
import { expiresAtFor } from './expires-at.ts';

/**
 * How long an item is kept after its last activity. Accounts set whole months; a contact's override
 * may also be given in days (a person who asks to be kept for one day only, a test contact).
 */
export const retentionPeriodSchema = z.union([
  z.strictObject({ months: z.number().check(z.int(), z.gte(1), z.lte(120)) }),
  z.strictObject({ days: z.number().check(z.int(), z.gte(1), z.lte(3660)) }),
]);
export type RetentionPeriod = z.infer<typeof retentionPeriodSchema>;

/** Per-contact override, stored on the contact's profile; an absent part falls back to the account's setting. */
export const retentionOverrideSchema = z.strictObject({
  data: z.optional(z.nullable(retentionPeriodSchema)),
  messageHistory: z.optional(z.nullable(retentionPeriodSchema)),
});
export type RetentionOverrideInput = z.infer<typeof retentionOverrideSchema>;

export interface RetentionOverride {
  data?: RetentionPeriod;
  messageHistory?: RetentionPeriod;
}

export interface EffectiveRetention {
  data: RetentionPeriod;
  messageHistory: RetentionPeriod;
}

/** The two retention classes: message history has its own period, everything else is "data". */
export type RetentionClass = keyof EffectiveRetention;

export function effectiveRetention(
  account: { dataMonths: number; messageHistoryMonths: number },
  override: RetentionOverride | undefined,
): EffectiveRetention {
  return {
    data: override?.data ?? { months: account.dataMonths },
    messageHistory: override?.messageHistory ?? { months: account.messageHistoryMonths },
  };
}

/** The data period alone (consent, audit events, markers, profiles). */
export function effectiveDataRetention(accountDataMonths: number, override: RetentionOverride | undefined): RetentionPeriod {
  return override?.data ?? { months: accountDataMonths };
}

/** Drops null / absent parts so that what is stored is only what overrides the account. */
export function toRetentionOverride(input: RetentionOverrideInput): RetentionOverride {
  return {
    ...(input.data ? { data: input.data } : {}),
    ...(input.messageHistory ? { messageHistory: input.messageHistory } : {}),
  };
}

/** Epoch seconds at which an item whose last activity was at `activityIso` expires. */
export function expiresAtAfter(activityIso: string, period: RetentionPeriod): number {
  if ('months' in period) return expiresAtFor(activityIso, period.months);
  return Math.floor(Date.parse(activityIso) / 1000) + period.days * 86_400;
}

/**
 * The expiry a retention change gives an existing item, or undefined when it must stay as it is:
 * an item already expired is never revived, and an item whose new expiry is already past expires
 * now (its expiry is clamped to `nowSeconds`, so the sweep finds it in today's bucket).
 */
export function reappliedExpiresAt(input: {
  activityAt: string;
  currentExpiresAt: number | undefined;
  period: RetentionPeriod;
  nowSeconds: number;
}): number | undefined {
  const { currentExpiresAt, nowSeconds } = input;
  if (currentExpiresAt !== undefined && currentExpiresAt <= nowSeconds) return undefined;
  if (Number.isNaN(Date.parse(input.activityAt))) return undefined;
  const next = Math.max(expiresAtAfter(input.activityAt, input.period), nowSeconds);
  return next === currentExpiresAt ? undefined : next;
}
