import * as z from '../../validation/zod.ts';

/** Twilio's error for a message to a number that replied STOP: "Attempt to send to unsubscribed recipient". */
export const TWILIO_UNSUBSCRIBED_RECIPIENT = '21610';

const single = (what: string) =>
  z.string({ error: (issue) => (issue.input === undefined ? `${what} is required` : `${what} must be a single value`) });

/**
 * A Twilio message status callback (the StatusCallback of an outbound message). `From` is our line
 * (its auth token signed the request), `To` the contact; `ErrorCode` is set on failed / undelivered.
 */
export const twilioStatusCallbackSchema = z.pipe(
  z.looseObject({
    MessageSid: single('MessageSid').check(z.regex(/^(SM|MM)[0-9a-fA-F]{32}$/, { error: 'MessageSid is not a valid Twilio SID' })),
    AccountSid: single('AccountSid').check(z.regex(/^AC[0-9a-fA-F]{32}$/, { error: 'AccountSid is not a valid Twilio SID' })),
    MessageStatus: single('MessageStatus').check(z.maxLength(32)),
    From: single('From').check(z.regex(/^(whatsapp:)?(\+[1-9]\d{6,14}|\d{3,8})$/, { error: 'From must be an E.164 number, whatsapp:+… or a short code' })),
    To: single('To').check(z.regex(/^(whatsapp:)?\+[1-9]\d{6,14}$/, { error: 'To must be an E.164 number or whatsapp:+…' })),
    ErrorCode: z.optional(single('ErrorCode').check(z.maxLength(16))),
    ErrorMessage: z.optional(single('ErrorMessage').check(z.maxLength(512))),
  }),
  z.transform((params) => ({
    messageSid: params.MessageSid,
    status: params.MessageStatus,
    channel: params.From.startsWith('whatsapp:') ? ('whatsapp' as const) : ('sms' as const),
    from: params.From.replace(/^whatsapp:/, ''),
    to: params.To.replace(/^whatsapp:/, ''),
    ...(params.ErrorCode ? { errorCode: params.ErrorCode } : {}),
    ...(params.ErrorMessage ? { errorMessage: params.ErrorMessage } : {}),
  })),
);
export type TwilioStatusCallback = z.infer<typeof twilioStatusCallbackSchema>;
