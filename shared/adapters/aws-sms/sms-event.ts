import * as z from 'zod';

/**
 * An AWS End User Messaging SMS event, as a configuration set's SNS event destination publishes it
 * (the SNS `Message`, JSON): `eventType` (TEXT_DELIVERED, TEXT_BLOCKED, …), `messageStatus`,
 * `originationPhoneNumber` (our line), `destinationPhoneNumber` (the contact), `messageId`,
 * `eventTimestamp` (epoch ms).
 */
export const smsEventSchema = z.looseObject({
  eventType: z.string().min(1).max(64),
  eventTimestamp: z.number().int().nonnegative(),
  originationPhoneNumber: z.string().regex(/^(\+[1-9]\d{6,14}|\+?\d{3,8})$/, 'originationPhoneNumber must be an E.164 number or a short code'),
  destinationPhoneNumber: z.string().regex(/^\+[1-9]\d{6,14}$/, 'destinationPhoneNumber must be an E.164 number'),
  messageId: z.string().min(1).max(256),
  messageStatus: z.string().max(128).optional(),
  messageStatusDescription: z.string().max(1024).optional(),
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
