import * as z from '../../validation/zod.ts';
import { timeZoneSchema } from '../accounts/account-settings.ts';
import { CHANNELS, MESSAGE_CATEGORIES } from '../channels.ts';

/** Envelopes larger than this go to the DLQ: the gate adds its decision and must stay under SQS's limit. */
export const MAX_ENVELOPE_BYTES = 200 * 1024;

/**
 * What a sender puts on `optgate-outbound`, one JSON object per SQS message. Strict: an unknown
 * field (a typo such as `requireOptin`) is a validation error, not a silently ignored safeguard.
 * The account is found from `from` (the line); `payload` is opaque and passed through byte for byte.
 */
export const outboundEnvelopeSchema = z.strictObject({
  /** The sender's id for this message, unique per recipient; the gate is idempotent on it. */
  messageId: z.string().check(z.minLength(1), z.maxLength(128), z.regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')),
  channel: z.enum(CHANNELS),
  /** The sending line's address: E.164 or short code (SMS), E.164 (WhatsApp), address or domain (email). */
  from: z.string().check(z.trim(), z.minLength(3), z.maxLength(254)),
  /** The recipient: E.164 (or `whatsapp:+…`, a wa_id) for SMS/WhatsApp, an address for email. */
  to: z.string().check(z.trim(), z.minLength(3), z.maxLength(320)),
  category: z.enum(MESSAGE_CATEGORIES),
  /** Only an explicit `opted_in` record allows the message: the account default does not count. */
  requireOptIn: z.optional(z.boolean()),
  /** Kept in the message history with the decision. */
  campaignId: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(128))),
  /** Not before this instant (ISO 8601 with offset): the message waits on the queue until then. */
  sendAfter: z.optional(z.iso.datetime({ offset: true })),
  /** The recipient's IANA zone when the sender knows it better than the number's country does. */
  recipientTimeZone: z.optional(timeZoneSchema),
  /** Opaque: whatever the delivery worker needs (text, template, headers…). */
  payload: z.optional(z.unknown()),
});
export type OutboundEnvelope = z.infer<typeof outboundEnvelopeSchema>;
