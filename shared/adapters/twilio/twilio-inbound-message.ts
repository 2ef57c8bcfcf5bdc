import * as z from '../../validation/zod.ts';
import type { Channel } from '../../domain/channels.ts';

const MESSAGE_SID = /^(SM|MM)[0-9a-fA-F]{32}$/;
const ACCOUNT_SID = /^AC[0-9a-fA-F]{32}$/;
// E.164, optionally prefixed `whatsapp:` when the message came over WhatsApp through Twilio.
const TWILIO_ADDRESS = /^(whatsapp:)?\+[1-9]\d{6,14}$/;
// A line may also be a short code (`To=12345`), which has no E.164 form.
const TWILIO_LINE_ADDRESS = /^((whatsapp:)?\+[1-9]\d{6,14}|\d{3,8})$/;
const WHATSAPP_PREFIX = 'whatsapp:';

export const TWILIO_OPT_OUT_TYPES = ['STOP', 'START', 'HELP'] as const;
export type TwilioOptOutType = (typeof TWILIO_OPT_OUT_TYPES)[number];

export interface TwilioInboundMessage {
  messageSid: string;
  accountSid: string;
  channel: Extract<Channel, 'sms' | 'whatsapp'>;
  /** E.164, without any `whatsapp:` prefix. */
  from: string;
  /** E.164 without any `whatsapp:` prefix, or a short code. */
  to: string;
  body: string;
  /** Set by Twilio's Advanced Opt-Out when the message matched one of its keywords. */
  optOutType?: TwilioOptOutType;
}

// A repeated form key arrives as an array: say so rather than "required".
const singleString = (what: string) =>
  z.string({ error: (issue) => (issue.input === undefined ? `${what} is required` : `${what} must be a single value`) });

const sid = (pattern: RegExp, what: string) => singleString(what).check(z.regex(pattern, { error: `${what} is not a valid Twilio SID` }));

const address = (what: string, pattern = TWILIO_ADDRESS) =>
  singleString(what).check(
    z.regex(pattern, { error: `${what} must be an E.164 number (+…), whatsapp:+…${pattern === TWILIO_LINE_ADDRESS ? ' or a short code' : ''}` }),
  );

/**
 * Twilio's inbound message webhook params, normalised to a TwilioInboundMessage. Other params
 * (NumMedia, MediaUrl0, FromCountry, …) are accepted and not returned.
 */
export const twilioInboundMessageSchema = z.pipe(
  z.looseObject({
    MessageSid: z.optional(sid(MESSAGE_SID, 'MessageSid')),
    // Older webhooks (and some current ones) send the same id as SmsMessageSid.
    SmsMessageSid: z.optional(sid(MESSAGE_SID, 'SmsMessageSid')),
    AccountSid: sid(ACCOUNT_SID, 'AccountSid'),
    From: address('From'),
    To: address('To', TWILIO_LINE_ADDRESS),
    Body: singleString('Body').check(z.maxLength(1600, { error: 'Body is longer than 1600 characters' })),
    // An unknown or future value must not make us drop an opt-out message: it is ignored instead,
    // and the body still goes through our own keyword rules.
    OptOutType: z.catch(z.optional(z.enum(TWILIO_OPT_OUT_TYPES)), undefined),
  }),
  z.transform((params, ctx): TwilioInboundMessage => {
    const messageSid = params.MessageSid ?? params.SmsMessageSid;
    if (messageSid === undefined) {
      ctx.issues.push({ code: 'custom', input: params, path: ['MessageSid'], message: 'MessageSid is required' });
      return z.NEVER;
    }
    const fromWhatsApp = params.From.startsWith(WHATSAPP_PREFIX);
    if (fromWhatsApp !== params.To.startsWith(WHATSAPP_PREFIX)) {
      ctx.issues.push({
        code: 'custom',
        input: params,
        path: ['To'],
        message: 'From and To must both be whatsapp: addresses or both be phone numbers',
      });
      return z.NEVER;
    }
    const message: TwilioInboundMessage = {
      messageSid,
      accountSid: params.AccountSid,
      channel: fromWhatsApp ? 'whatsapp' : 'sms',
      from: stripWhatsApp(params.From),
      to: stripWhatsApp(params.To),
      body: params.Body,
    };
    if (params.OptOutType !== undefined) message.optOutType = params.OptOutType;
    return message;
  }),
);

export type TwilioInboundResult = { ok: true; value: TwilioInboundMessage } | { ok: false; error: string };

/** Validates decoded webhook params; the error names the offending params, never their values. */
export function parseTwilioInbound(params: Readonly<Record<string, string | readonly string[]>>): TwilioInboundResult {
  const result = twilioInboundMessageSchema.safeParse(params);
  if (result.success) return { ok: true, value: result.data };
  const error = result.error.issues.map((issue) => issue.message).join('; ');
  return { ok: false, error: `Invalid Twilio inbound message: ${error}` };
}

function stripWhatsApp(value: string): string {
  return value.startsWith(WHATSAPP_PREFIX) ? value.slice(WHATSAPP_PREFIX.length) : value;
}
