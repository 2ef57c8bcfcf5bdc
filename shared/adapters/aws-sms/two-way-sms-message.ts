import * as z from '../../validation/zod.ts';

const E164 = /^\+[1-9]\d{6,14}$/;

const e164 = (what: string) =>
  z
    .string({ error: `${what} is required and must be a string` })
    .check(z.regex(E164, { error: `${what} must be an E.164 number, e.g. +14255550182` }));

/**
 * The JSON that AWS End User Messaging SMS (formerly Pinpoint) publishes to the two-way SNS topic
 * for each inbound SMS. Unknown fields are dropped, so a field AWS adds later does not break us.
 */
export const twoWaySmsMessageSchema = z.object({
  originationNumber: e164('originationNumber'),
  // The line: E.164, or a short code, which has no E.164 form.
  destinationNumber: z
    .string({ error: 'destinationNumber is required and must be a string' })
    .check(z.regex(/^(\+[1-9]\d{6,14}|\+?\d{3,8})$/, { error: 'destinationNumber must be an E.164 number or a short code' })),
  /** The registered keyword that matched, if any (AWS handles STOP/HELP keywords itself too). */
  messageKeyword: z.optional(z.string({ error: 'messageKeyword must be a string' })),
  // Empty is possible (a blank SMS) and must still be recorded.
  messageBody: z.string({ error: 'messageBody is required and must be a string' }),
  /** Unique per inbound message: the idempotency key. */
  inboundMessageId: z
    .string({ error: 'inboundMessageId is required and must be a string' })
    .check(z.minLength(1, { error: 'inboundMessageId must not be empty' })),
  /** The id of the last outbound message sent to this number, when AWS knows it. */
  previousPublishedMessageId: z.optional(z.string({ error: 'previousPublishedMessageId must be a string' })),
});

export type TwoWaySmsMessage = z.infer<typeof twoWaySmsMessageSchema>;

export type TwoWaySmsResult = { ok: true; value: TwoWaySmsMessage } | { ok: false; error: string };

/** Parses one SNS Message string; never throws. Errors name fields, never their values. */
export function parseTwoWaySmsMessage(json: string): TwoWaySmsResult {
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch {
    return { ok: false, error: 'Invalid two-way SMS message: not valid JSON' };
  }
  const result = twoWaySmsMessageSchema.safeParse(data);
  if (result.success) return { ok: true, value: result.data };
  const error = result.error.issues.map((issue) => issue.message).join('; ');
  return { ok: false, error: `Invalid two-way SMS message: ${error}` };
}
