import * as z from '../../validation/zod.ts';

/**
 * An AWS End User Messaging SMS event, as a configuration set's SNS event destination publishes it
 * (the SNS `Message`, JSON): `eventType` (TEXT_DELIVERED, TEXT_BLOCKED, …), `messageStatus`,
 * `originationPhoneNumber` (our line), `destinationPhoneNumber` (the contact), `messageId`,
 * `eventTimestamp` (epoch ms).
 */
export const smsEventSchema = z.looseObject({
  eventType: z.string().check(z.minLength(1), z.maxLength(64)),
  eventTimestamp: z.number().check(z.int(), z.nonnegative()),
  originationPhoneNumber: z.string().check(z.regex(/^(\+[1-9]\d{6,14}|\+?\d{3,8})$/, 'originationPhoneNumber must be an E.164 number or a short code')),
  destinationPhoneNumber: z.string().check(z.regex(/^\+[1-9]\d{6,14}$/, 'destinationPhoneNumber must be an E.164 number')),
  messageId: z.string().check(z.minLength(1), z.maxLength(256)),
  messageStatus: z.optional(z.string().check(z.maxLength(128))),
  messageStatusDescription: z.optional(z.string().check(z.maxLength(1024))),
});
export type SmsEvent = z.infer<typeof smsEventSchema>;

/**
 * The statuses that mean the destination is on the sender's opt-out list: AWS refused the message
 * (`DESTINATION_PHONE_NUMBER_OPTED_OUT`, the reason SendTextMessage also gives) or reports it as
 * `OPTED_OUT` (the status Pinpoint-era SMS events used).
 */
export const OPT_OUT_STATUSES: ReadonlySet<string> = new Set(['DESTINATION_PHONE_NUMBER_OPTED_OUT', 'OPTED_OUT']);

export function isOptOutEvent(event: SmsEvent): boolean {
  return event.messageStatus !== undefined && OPT_OUT_STATUSES.has(event.messageStatus.toUpperCase());
}

export type SmsEventResult = { ok: true; value: SmsEvent } | { ok: false; error: string };

export function parseSmsEvent(json: string): SmsEventResult {
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch {
    return { ok: false, error: 'SMS event is not JSON' };
  }
  const result = smsEventSchema.safeParse(data);
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, error: `Invalid SMS event: ${result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}` };
}
