import { z } from 'zod';
import { CHANNELS, CONSENT_STATUSES, type Channel, type ConsentStatus } from '../channels.ts';

/**
 * Which categories an explicit opt-out blocks on a channel. SMS blocks everything after STOP because
 * the carriers do (Twilio 21610, AWS DESTINATION_PHONE_NUMBER_OPTED_OUT); WhatsApp and email only
 * block marketing, so receipts and password resets still reach people who unsubscribed from news.
 */
export const OPT_OUT_BLOCKS = ['all', 'marketing'] as const;
export type OptOutBlocks = (typeof OPT_OUT_BLOCKS)[number];

const channelPolicySchema = z.strictObject({
  /** Status reported for a contact with no record on this channel (seed default: opted out). */
  defaultStatus: z.enum(CONSENT_STATUSES),
  optOutBlocks: z.enum(OPT_OUT_BLOCKS),
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
});
export type AccountSettings = z.infer<typeof accountSettingsSchema>;

/** A PUT may change any part; omitted parts keep their value. */
export const accountSettingsPatchSchema = z.strictObject({
  channels: z
    .strictObject({
      sms: channelPolicySchema.partial().optional(),
      whatsapp: channelPolicySchema.partial().optional(),
      email: channelPolicySchema.partial().optional(),
    })
    .optional(),
  retention: retentionSchema.partial().optional(),
  brandName: z.string().trim().min(1).max(40).optional(),
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
    channels[channel] = { ...current.channels[channel], ...patch.channels?.[channel] };
  }
  return {
    channels,
    retention: { ...current.retention, ...patch.retention },
    brandName: patch.brandName ?? current.brandName,
  };
}

export function defaultStatusFor(settings: AccountSettings, channel: Channel): ConsentStatus {
  return settings.channels[channel].defaultStatus;
}
