import * as z from '../../validation/zod.ts';

/**
 * SES notifications as SNS carries them (the SNS `Message`, JSON): feedback notifications
 * (`notificationType`) or configuration-set events (`eventType`) for bounces and complaints, and
 * receipt-rule SNS actions for inbound mail (`notificationType: Received`, with the raw message in
 * `content` when it fits).
 */

const address = z.string().check(z.trim(), z.minLength(3), z.maxLength(320));
const recipients = z.array(z.looseObject({ emailAddress: address })).check(z.minLength(1), z.maxLength(50));

const mailSchema = z.looseObject({
  messageId: z.string().check(z.minLength(1), z.maxLength(256)),
  timestamp: z.iso.datetime({ offset: true }),
  source: address,
  sourceArn: z.optional(z.string().check(z.maxLength(512))),
  destination: z.optional(z.array(z.string())),
  commonHeaders: z.optional(
    z.looseObject({
      from: z.optional(z.array(z.string().check(z.maxLength(1024)))),
      subject: z.optional(z.string().check(z.maxLength(2048))),
    }),
  ),
});

const bounceSchema = z.looseObject({
  bounceType: z.string(),
  bounceSubType: z.optional(z.string()),
  bouncedRecipients: recipients,
  timestamp: z.iso.datetime({ offset: true }),
  feedbackId: z.string().check(z.minLength(1), z.maxLength(256)),
});

const complaintSchema = z.looseObject({
  complainedRecipients: recipients,
  timestamp: z.iso.datetime({ offset: true }),
  feedbackId: z.string().check(z.minLength(1), z.maxLength(256)),
  complaintFeedbackType: z.optional(z.string().check(z.maxLength(64))),
  complaintSubType: z.optional(z.nullable(z.string().check(z.maxLength(64)))),
});

const receiptSchema = z.looseObject({
  recipients: z.array(address).check(z.minLength(1), z.maxLength(50)),
  timestamp: z.optional(z.iso.datetime({ offset: true })),
  action: z.optional(z.looseObject({ type: z.string(), encoding: z.optional(z.string()) })),
});

export type SesNotification =
  | {
      kind: 'bounce';
      permanent: boolean;
      bounceType: string;
      bounceSubType?: string;
      recipients: string[];
      feedbackId: string;
      occurredAt: string;
      sender: string;
      senderIdentityArn?: string;
      mailMessageId: string;
    }
  | {
      kind: 'complaint';
      recipients: string[];
      feedbackId: string;
      occurredAt: string;
      feedbackType?: string;
      sender: string;
      senderIdentityArn?: string;
      mailMessageId: string;
    }
  | {
      kind: 'received';
      messageId: string;
      occurredAt: string;
      /** The receiving addresses (our lines). */
      recipients: string[];
      /** The person who wrote: the From header's address, else the envelope sender. */
      from: string;
      subject?: string;
      /** The raw MIME message, decoded from base64 when the SNS action used BASE64. */
      content?: string;
    }
  | { kind: 'ignored'; what: string };

export type SesParseResult = { ok: true; value: SesNotification } | { ok: false; error: string };

/** `"Jane Doe" <jane@example.com>` → `jane@example.com`; a bare address stays as it is. */
export function addressOf(value: string): string {
  const angle = /<([^<>\s]+@[^<>\s]+)>\s*$/.exec(value);
  return (angle?.[1] ?? value).trim();
}

export function parseSesNotification(json: string): SesParseResult {
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch {
    return { ok: false, error: 'SES notification is not JSON' };
  }
  const head = z.looseObject({ notificationType: z.optional(z.string()), eventType: z.optional(z.string()) }).safeParse(data);
  if (!head.success) return { ok: false, error: 'SES notification is not a JSON object' };
  const type = head.data.notificationType ?? head.data.eventType;
  if (type === undefined) return { ok: false, error: 'SES notification has no notificationType or eventType' };
  const problem = (issues: z.core.$ZodIssue[]) => ({
    ok: false as const,
    error: `Invalid SES ${type} notification: ${issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`,
  });

  if (type === 'Bounce') {
    const parsed = z.looseObject({ bounce: bounceSchema, mail: mailSchema }).safeParse(data);
    if (!parsed.success) return problem(parsed.error.issues);
    const { bounce, mail } = parsed.data;
    return {
      ok: true,
      value: {
        kind: 'bounce',
        permanent: bounce.bounceType === 'Permanent',
        bounceType: bounce.bounceType,
        ...(bounce.bounceSubType ? { bounceSubType: bounce.bounceSubType } : {}),
        recipients: bounce.bouncedRecipients.map((recipient) => addressOf(recipient.emailAddress)),
        feedbackId: bounce.feedbackId,
        occurredAt: new Date(bounce.timestamp).toISOString(),
        sender: addressOf(mail.source),
        ...(mail.sourceArn ? { senderIdentityArn: mail.sourceArn } : {}),
        mailMessageId: mail.messageId,
      },
    };
  }
  if (type === 'Complaint') {
    const parsed = z.looseObject({ complaint: complaintSchema, mail: mailSchema }).safeParse(data);
    if (!parsed.success) return problem(parsed.error.issues);
    const { complaint, mail } = parsed.data;
    return {
      ok: true,
      value: {
        kind: 'complaint',
        recipients: complaint.complainedRecipients.map((recipient) => addressOf(recipient.emailAddress)),
        feedbackId: complaint.feedbackId,
        occurredAt: new Date(complaint.timestamp).toISOString(),
        ...(complaint.complaintFeedbackType ? { feedbackType: complaint.complaintFeedbackType } : {}),
        sender: addressOf(mail.source),
        ...(mail.sourceArn ? { senderIdentityArn: mail.sourceArn } : {}),
        mailMessageId: mail.messageId,
      },
    };
  }
  if (type === 'Received') {
    const parsed = z
      .looseObject({ mail: mailSchema, receipt: receiptSchema, content: z.optional(z.string().check(z.maxLength(200 * 1024))) })
      .safeParse(data);
    if (!parsed.success) return problem(parsed.error.issues);
    const { mail, receipt, content } = parsed.data;
    const fromHeader = mail.commonHeaders?.from?.[0];
    let raw = content;
    if (raw !== undefined && receipt.action?.encoding?.toUpperCase() === 'BASE64') raw = Buffer.from(raw, 'base64').toString('utf8');
    return {
      ok: true,
      value: {
        kind: 'received',
        messageId: mail.messageId,
        occurredAt: new Date(mail.timestamp).toISOString(),
        recipients: receipt.recipients.map(addressOf),
        from: addressOf(fromHeader ?? mail.source),
        ...(mail.commonHeaders?.subject !== undefined ? { subject: mail.commonHeaders.subject } : {}),
        ...(raw !== undefined ? { content: raw } : {}),
      },
    };
  }
  // Deliveries, sends, opens, clicks…: nothing consent needs.
  return { ok: true, value: { kind: 'ignored', what: type } };
}
