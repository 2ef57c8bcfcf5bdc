import { CHANNEL_LIST, type AccountSettings, type AccountSettingsPatch, type Channel } from '../api/types.ts';

export interface ChannelDraft {
  /** The switch: contacts with no record count as opted in (otherwise opted out). */
  optedInByDefault: boolean;
  optOutBlocks: 'all' | 'marketing';
  quietHours: boolean;
  allowedFrom: string;
  allowedUntil: string;
}

/** The settings form's fields; numbers stay strings until saved (inputs hold text). */
export interface SettingsDraft {
  channels: Record<Channel, ChannelDraft>;
  dataMonths: string;
  messageHistoryMonths: string;
  brandName: string;
  defaultTimeZone: string;
  attributionWindowHours: string;
  /** One origin per line. */
  allowedOrigins: string;
}

export function draftFromSettings(settings: AccountSettings): SettingsDraft {
  const channel = (name: Channel): ChannelDraft => {
    const policy = settings.channels[name];
    return {
      optedInByDefault: policy.defaultStatus === 'opted_in',
      optOutBlocks: policy.optOutBlocks,
      quietHours: policy.quietHours !== undefined,
      allowedFrom: policy.quietHours?.allowedFrom ?? '08:00',
      allowedUntil: policy.quietHours?.allowedUntil ?? '21:00',
    };
  };
  return {
    channels: { sms: channel('sms'), whatsapp: channel('whatsapp'), email: channel('email') },
    dataMonths: String(settings.retention.dataMonths),
    messageHistoryMonths: String(settings.retention.messageHistoryMonths),
    brandName: settings.brandName ?? '',
    defaultTimeZone: settings.defaultTimeZone ?? '',
    attributionWindowHours: settings.attributionWindowHours === undefined ? '' : String(settings.attributionWindowHours),
    allowedOrigins: (settings.allowedOrigins ?? []).join('\n'),
  };
}

/** The browser's number inputs already refuse non-numbers; whatever passes, the API checks the range. */
const toNumber = (value: string): number => Number(value.trim());

/**
 * The PUT /v1/settings body for the whole form. Fields the API cannot clear (brand name, time zone,
 * attribution window) are left out when empty, which keeps their stored value.
 */
export function patchFromDraft(draft: SettingsDraft): AccountSettingsPatch {
  const channels = Object.fromEntries(
    CHANNEL_LIST.map((name) => {
      const policy = draft.channels[name];
      return [
        name,
        {
          defaultStatus: policy.optedInByDefault ? 'opted_in' : 'opted_out',
          optOutBlocks: policy.optOutBlocks,
          quietHours: policy.quietHours ? { allowedFrom: policy.allowedFrom, allowedUntil: policy.allowedUntil } : null,
        },
      ];
    }),
  ) as NonNullable<AccountSettingsPatch['channels']>;
  const brandName = draft.brandName.trim();
  const defaultTimeZone = draft.defaultTimeZone.trim();
  const attribution = draft.attributionWindowHours.trim();
  return {
    channels,
    retention: { dataMonths: toNumber(draft.dataMonths), messageHistoryMonths: toNumber(draft.messageHistoryMonths) },
    ...(brandName ? { brandName } : {}),
    ...(defaultTimeZone ? { defaultTimeZone } : {}),
    ...(attribution ? { attributionWindowHours: toNumber(attribution) } : {}),
    allowedOrigins: draft.allowedOrigins
      .split(/[\s,]+/)
      .map((origin) => origin.trim())
      .filter((origin) => origin !== ''),
  };
}
