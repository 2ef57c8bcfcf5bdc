import * as z from '../../validation/zod.ts';
import { CHANNELS, CONSENT_STATUSES, type Channel, type ConsentStatus } from '../channels.ts';

/**
 * Which categories an explicit opt-out blocks on a channel. SMS blocks everything after STOP because
 * the carriers do (Twilio 21610, AWS DESTINATION_PHONE_NUMBER_OPTED_OUT); WhatsApp and email only
 * block marketing, so receipts and password resets still reach people who unsubscribed from news.
 */
export const OPT_OUT_BLOCKS = ['all', 'marketing'] as const;
export type OptOutBlocks = (typeof OPT_OUT_BLOCKS)[number];

/** `HH:MM`, 24-hour clock. */
const timeOfDay = z.string().check(z.regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24-hour clock)'));

/**
 * When marketing may reach a person, in the recipient's local time (e.g. 08:00–21:00, the TCPA
 * calling window). `allowedUntil` is exclusive; a window may wrap past midnight. Marketing outside it
 * is deferred, never dropped; transactional messages are not affected.
 */
export const quietHoursSchema = z
  .strictObject({ allowedFrom: timeOfDay, allowedUntil: timeOfDay })
  .check(z.refine((window) => window.allowedFrom !== window.allowedUntil, 'allowedFrom and allowedUntil must differ'));
export type QuietHours = z.infer<typeof quietHoursSchema>;

/**
 * A window written as one string, `08:00-21:00` (deployment defaults on the command line); `none`
 * means no window. Undefined when the text is not such a window.
 */
export function parseQuietHoursWindow(text: string): { window: QuietHours | undefined } | undefined {
  if (text.trim().toLowerCase() === 'none') return { window: undefined };
  const [allowedFrom, allowedUntil, ...rest] = text.trim().split('-');
  const parsed = quietHoursSchema.safeParse({ allowedFrom, allowedUntil });
  return rest.length === 0 && parsed.success ? { window: parsed.data } : undefined;
}

/** An IANA time zone name the runtime knows (Intl), e.g. America/New_York. */
export const timeZoneSchema = z
  .string()
  .check(z.minLength(1), z.maxLength(64), z.refine(isKnownTimeZone, 'must be an IANA time zone, e.g. America/New_York'));

export function isKnownTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const channelPolicySchema = z.strictObject({
  /** Status reported for a contact with no record on this channel (seed default: opted out). */
  defaultStatus: z.enum(CONSENT_STATUSES),
  optOutBlocks: z.enum(OPT_OUT_BLOCKS),
  /** Optional send window for marketing on this channel; absent = any time. */
  quietHours: z.optional(quietHoursSchema),
});
export type ChannelPolicy = z.infer<typeof channelPolicySchema>;

const retentionSchema = z.strictObject({
  dataMonths: z.number().check(z.int(), z.gte(1), z.lte(120)),
  messageHistoryMonths: z.number().check(z.int(), z.gte(1), z.lte(120)),
});

/** A web origin (scheme, host, optional port; no path) allowed to embed the account's forms. */
export const webOriginSchema = z.pipe(
  z.string().check(z.trim(), z.maxLength(200)),
  z.transform((value, ctx) => {
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {
      url = undefined;
    }
    // A leading `*.` (every subdomain, as CSP allows) is the only wildcard; it goes into a header, so nothing else unusual passes.
    const hostOk = url !== undefined && /^(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)*$|^\[[0-9a-f:.]+\]$/.test(url.hostname);
    if (!url || !hostOk || !['https:', 'http:'].includes(url.protocol) || url.origin !== value.replace(/\/$/, '').toLowerCase() || url.username || url.password) {
      ctx.issues.push({ code: 'custom', input: value, message: 'must be an origin such as https://www.example.com or https://*.example.com (no path or query)' });
      return z.NEVER;
    }
    return url.origin;
  }),
);

/** Opt-outs are attributed to the last marketing message sent to the contact on the line within this window. */
export const DEFAULT_ATTRIBUTION_WINDOW_HOURS = 72;
export const MAX_ATTRIBUTION_WINDOW_HOURS = 168;
const attributionWindowSchema = z.number().check(z.int(), z.gte(1), z.lte(MAX_ATTRIBUTION_WINDOW_HOURS));
const allowedOriginsSchema = z.array(webOriginSchema).check(z.maxLength(20));

export const accountSettingsSchema = z.strictObject({
  channels: z.strictObject({
    sms: channelPolicySchema,
    whatsapp: channelPolicySchema,
    email: channelPolicySchema,
  }),
  retention: retentionSchema,
  /** Shown in keyword replies ("{brand}: You are unsubscribed…"); lines may override it. */
  brandName: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(40))),
  /** Origins whose pages may embed the account's web forms (CSP frame-ancestors); none: not embeddable. */
  allowedOrigins: z.optional(allowedOriginsSchema),
  /** Opt-out attribution window for campaign opt-out rates (default 72 h). */
  attributionWindowHours: z.optional(attributionWindowSchema),
  /**
   * Quiet hours use this zone where the recipient's cannot be derived from the address (email,
   * non-geographic numbers). Default UTC.
   */
  defaultTimeZone: z.optional(timeZoneSchema),
});
export type AccountSettings = z.infer<typeof accountSettingsSchema>;

/** A PUT may change any part; omitted parts keep their value; `quietHours: null` removes the window. */
const channelPolicyPatchSchema = z.strictObject({
  defaultStatus: z.optional(z.enum(CONSENT_STATUSES)),
  optOutBlocks: z.optional(z.enum(OPT_OUT_BLOCKS)),
  quietHours: z.optional(z.nullable(quietHoursSchema)),
});

export const accountSettingsPatchSchema = z.strictObject({
  channels: z.optional(
    z.strictObject({
      sms: z.optional(channelPolicyPatchSchema),
      whatsapp: z.optional(channelPolicyPatchSchema),
      email: z.optional(channelPolicyPatchSchema),
    }),
  ),
  retention: z.optional(z.partial(retentionSchema)),
  brandName: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(40))),
  allowedOrigins: z.optional(allowedOriginsSchema),
  attributionWindowHours: z.optional(attributionWindowSchema),
  defaultTimeZone: z.optional(timeZoneSchema),
});
export type AccountSettingsPatch = z.infer<typeof accountSettingsPatchSchema>;

export const DEFAULT_RETENTION_MONTHS = 13;

/**
 * What a deployment gives the accounts it creates (CDK context → OPTGATE_DEFAULT_* variables); each
 * account changes its own settings afterwards. Quiet hours apply to SMS and WhatsApp, the channels
 * calling-hours rules are about.
 */
export interface NewAccountDefaults {
  dataMonths: number;
  messageHistoryMonths: number;
  quietHours?: QuietHours;
  defaultTimeZone?: string;
}

export const BUILT_IN_ACCOUNT_DEFAULTS: NewAccountDefaults = { dataMonths: DEFAULT_RETENTION_MONTHS, messageHistoryMonths: DEFAULT_RETENTION_MONTHS };

export function defaultAccountSettings(defaults: NewAccountDefaults = BUILT_IN_ACCOUNT_DEFAULTS): AccountSettings {
  const quietHours = defaults.quietHours ? { quietHours: { ...defaults.quietHours } } : {};
  return {
    channels: {
      sms: { defaultStatus: 'opted_out', optOutBlocks: 'all', ...quietHours },
      whatsapp: { defaultStatus: 'opted_out', optOutBlocks: 'marketing', ...quietHours },
      email: { defaultStatus: 'opted_out', optOutBlocks: 'marketing' },
    },
    retention: { dataMonths: defaults.dataMonths, messageHistoryMonths: defaults.messageHistoryMonths },
    ...(defaults.defaultTimeZone ? { defaultTimeZone: defaults.defaultTimeZone } : {}),
  };
}

export function mergeAccountSettings(current: AccountSettings, patch: AccountSettingsPatch): AccountSettings {
  const channels = { ...current.channels };
  for (const channel of CHANNELS) {
    const { quietHours, ...rest } = patch.channels?.[channel] ?? {};
    const merged: ChannelPolicy = { ...current.channels[channel], ...rest };
    if (quietHours === null) delete merged.quietHours;
    else if (quietHours !== undefined) merged.quietHours = quietHours;
    channels[channel] = merged;
  }
  const defaultTimeZone = patch.defaultTimeZone ?? current.defaultTimeZone;
  return {
    channels,
    retention: { ...current.retention, ...patch.retention },
    brandName: patch.brandName ?? current.brandName,
    allowedOrigins: patch.allowedOrigins ?? current.allowedOrigins,
    attributionWindowHours: patch.attributionWindowHours ?? current.attributionWindowHours,
    ...(defaultTimeZone ? { defaultTimeZone } : {}),
  };
}

export function attributionWindowHoursOf(settings: AccountSettings): number {
  return settings.attributionWindowHours ?? DEFAULT_ATTRIBUTION_WINDOW_HOURS;
}

export function defaultStatusFor(settings: AccountSettings, channel: Channel): ConsentStatus {
  return settings.channels[channel].defaultStatus;
}
