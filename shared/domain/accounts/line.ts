import * as z from '../../validation/zod.ts';
import { CHANNELS, type Channel } from '../channels.ts';
import { normalizeEmail, normalizePhone } from '../contact-address.ts';
import { ValidationError } from '../errors.ts';

/** Which providers can carry which channel. */
export const PROVIDERS_BY_CHANNEL = {
  sms: ['twilio', 'aws'],
  whatsapp: ['meta', 'twilio'],
  email: ['ses'],
} as const satisfies Record<Channel, readonly string[]>;
export type Provider = (typeof PROVIDERS_BY_CHANNEL)[Channel][number];

/** Credentials each provider needs to verify webhooks or send replies (AWS uses the function's role). */
const REQUIRED_CREDENTIALS: Record<Provider, readonly string[]> = {
  twilio: ['authToken'],
  aws: [],
  meta: ['appSecret', 'verifyToken', 'accessToken'],
  ses: [],
};

export const lineInputSchema = z.strictObject({
  channel: z.enum(CHANNELS),
  address: z.string().check(z.trim(), z.minLength(3), z.maxLength(254)),
  provider: z.string().check(z.minLength(1)),
  name: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(80))),
  /** Overrides the account's brand name in keyword replies sent from this line. */
  brandName: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(40))),
  /** The provider's own id for the line when it differs from the address (WhatsApp phone_number_id). */
  providerId: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(64))),
  credentials: z.optional(z.record(z.string().check(z.minLength(1), z.maxLength(64)), z.string().check(z.minLength(1), z.maxLength(4096)))),
});
export type LineInput = z.infer<typeof lineInputSchema>;

export interface Line {
  lineId: string;
  channel: Channel;
  address: string;
  provider: Provider;
  name?: string;
  brandName?: string;
  providerId?: string;
  createdAt: string;
  /** Credentials are write-only: the API only says whether they are set. */
  hasCredentials: boolean;
}

/** A new line's canonical form, or a ValidationError saying what is wrong. */
export function validateLineInput(input: LineInput): { channel: Channel; address: string; provider: Provider } {
  const allowed: readonly string[] = PROVIDERS_BY_CHANNEL[input.channel];
  if (!allowed.includes(input.provider)) {
    throw new ValidationError(`provider must be one of ${allowed.join(', ')} for channel ${input.channel}`);
  }
  const provider = input.provider as Provider;
  const missing = REQUIRED_CREDENTIALS[provider].filter((name) => !input.credentials?.[name]);
  if (missing.length > 0) {
    throw new ValidationError(`credentials.${missing.join(', credentials.')} required for provider ${provider}`);
  }
  return { channel: input.channel, address: normalizeLineAddress(input.channel, input.address), provider };
}

/** Short codes (US 5–6 digits, elsewhere 3–8) send marketing at scale; carriers post them without a plus. */
const SHORT_CODE = /^\+?(\d{3,8})$/;

/** Phone lines are E.164 (SMS lines may be short codes); email lines are a sending address or a whole domain. */
export function normalizeLineAddress(channel: Channel, raw: string): string {
  const shortCode = SHORT_CODE.exec(raw.trim());
  if (channel === 'sms' && shortCode?.[1]) return shortCode[1];
  if (channel !== 'email') return normalizePhone(raw);
  const value = raw.trim().toLowerCase();
  if (value.includes('@')) return normalizeEmail(value);
  if (!/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/.test(value)) {
    throw new ValidationError('An email line is a sending address or domain, e.g. news@example.com or example.com');
  }
  return value;
}
