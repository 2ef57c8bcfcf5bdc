import { z } from 'zod';
import { CHANNELS, CONSENT_STATUSES, type Channel, type ConsentStatus } from '../channels.ts';

/**
 * Which categories an explicit opt-out blocks on a channel. SMS blocks everything after STOP because
 * the carriers do (Twilio 21610, AWS DESTINATION_PHONE_NUMBER_OPTED_OUT); WhatsApp and email only
 * block marketing, so receipts and password resets still reach people who unsubscribed from news.
 */
export const OPT_OUT_BLOCKS = ['all', 'marketing'] as const;
export type OptOutBlocks = (typeof OPT_OUT_BLOCKS)[number];

/** `HH:MM`, 24-hour clock. */
const timeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24-hour clock)');

/**
 * When marketing may reach a person, in the recipient's local time (e.g. 08:00–21:00, the TCPA
 * calling window). `allowedUntil` is exclusive; a window may wrap past midnight. Marketing outside it
 * is deferred, never dropped; transactional messages are not affected.
 */
export const quietHoursSchema = z
  .strictObject({ allowedFrom: timeOfDay, allowedUntil: timeOfDay })
  .refine((window) => window.allowedFrom !== window.allowedUntil, 'allowedFrom and allowedUntil must differ');
export type QuietHours = z.infer<typeof quietHoursSchema>;

/** An IANA time zone name the runtime knows (Intl), e.g. America/New_York. */
export const timeZoneSchema = z.string().min(1).max(64).refine(isKnownTimeZone, 'must be an IANA time zone, e.g. America/New_York');

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
  quietHours: quietHoursSchema.optional(),
});
export type ChannelPolicy = z.infer<typeof channelPolicySchema>;

const retentionSchema = z.strictObject({
  dataMonths: z.number().int().min(1).max(120),
  messageHistoryMonths: z.number().int().min(1).max(120),
});

export const accountSettingsSchema = z.strictObject({
  channels: z.strictObject({
    sms: channelPolicySchema,
    whatsapp: channelPolicySchema,
    email: channelPolicySchema,
  }),
  retention: retentionSchema,
  /** Shown in keyword replies ("{brand}: You are unsubscribed…"); lines may override it. */
  brandName: z.string().trim().min(1).max(40).optional(),
  /**
   * Quiet hours use this zone where the recipient's cannot be derived from the address (email,
   * non-geographic numbers). Default UTC.
   */
  defaultTimeZone: timeZoneSchema.optional(),
});
export type AccountSettings = z.infer<typeof accountSettingsSchema>;

/** A PUT may change any part; omitted parts keep their value; `quietHours: null` removes the window. */
const channelPolicyPatchSchema = z.strictObject({
  defaultStatus: z.enum(CONSENT_STATUSES).optional(),
  optOutBlocks: z.enum(OPT_OUT_BLOCKS).optional(),
  quietHours: quietHoursSchema.nullable().optional(),
});

export const accountSettingsPatchSchema = z.strictObject({
  channels: z
    .strictObject({
      sms: channelPolicyPatchSchema.optional(),
      whatsapp: channelPolicyPatchSchema.optional(),
      email: channelPolicyPatchSchema.optional(),
    })
    .optional(),
  retention: retentionSchema.partial().optional(),
  brandName: z.string().trim().min(1).max(40).optional(),
  defaultTimeZone: timeZoneSchema.optional(),
});
export type AccountSettingsPatch = z.infer<typeof accountSettingsPatchSchema>;

export const DEFAULT_RETENTION_MONTHS = 13;

export function defaultAccountSettings(): AccountSettings {
  return {
    channels: {
      sms: { defaultStatus: 'opted_out', optOutBlocks: 'all' },
      whatsapp: { defaultStatus: 'opted_out', optOutBlocks: 'marketing' },
      email: { defaultStatus: 'opted_out', optOutBlocks: 'marketing' },
    },
    retention: { dataMonths: DEFAULT_RETENTION_MONTHS, messageHistoryMonths: DEFAULT_RETENTION_MONTHS },
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
    ...(defaultTimeZone ? { defaultTimeZone } : {}),
  };
}

export function defaultStatusFor(settings: AccountSettings, channel: Channel): ConsentStatus {
  return settings.channels[channel].defaultStatus;
}
