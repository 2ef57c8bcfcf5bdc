import { randomBytes, randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { api } from './api-client.ts';

const sesId = () => `0100018${randomBytes(8).toString('hex')}-${randomUUID()}-000000`;

function mail(sender: string, destination: string[], subject = 'Our spring offers') {
  return {
    timestamp: new Date(Date.now() - 60_000).toISOString(),
    source: sender,
    sourceArn: `arn:aws:ses:us-east-1:123456789012:identity/${sender.split('@')[1] ?? sender}`,
    sourceIp: '192.0.2.10',
    sendingAccountId: '123456789012',
    callerIdentity: 'optgate-sender',
    messageId: sesId(),
    destination,
    headersTruncated: false,
    headers: [
      { name: 'From', value: `"Acme News" <${sender}>` },
      { name: 'To', value: destination.join(', ') },
      { name: 'Subject', value: subject },
    ],
    commonHeaders: { from: [`Acme News <${sender}>`], to: destination, messageId: `<${randomUUID()}@example.com>`, subject },
  };
}

/** An SES complaint notification in the shape SES publishes (notification-examples: complaint with feedback). */
export function sesComplaint(input: { sender: string; recipients: string[]; feedbackId?: string }) {
  return {
    notificationType: 'Complaint',
    complaint: {
      userAgent: 'ExampleCorp Feedback Loop (V0.01)',
      complainedRecipients: input.recipients.map((emailAddress) => ({ emailAddress })),
      complaintFeedbackType: 'abuse',
      arrivalDate: new Date().toISOString(),
      timestamp: new Date().toISOString(),
      feedbackId: input.feedbackId ?? sesId(),
    },
    mail: mail(input.sender, input.recipients),
  };
}

export function sesBounce(input: { sender: string; recipients: string[]; bounceType: 'Permanent' | 'Transient' | 'Undetermined'; feedbackId?: string }) {
  return {
    notificationType: 'Bounce',
    bounce: {
      bounceType: input.bounceType,
      bounceSubType: input.bounceType === 'Permanent' ? 'General' : 'MailboxFull',
      bouncedRecipients: input.recipients.map((emailAddress) => ({ emailAddress, action: 'failed', status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1 user unknown' })),
      timestamp: new Date().toISOString(),
      feedbackId: input.feedbackId ?? sesId(),
      remoteMtaIp: '192.0.2.20',
      reportingMTA: 'dsn; a27-23.smtp-out.us-west-2.amazonses.com',
    },
    mail: mail(input.sender, input.recipients),
  };
}

/** A receipt-rule SNS action notification (inbound mail), with the raw message in `content`. */
export function sesReceived(input: { from: string; to: string; subject: string; content?: string; messageId?: string }) {
  const messageId = input.messageId ?? randomBytes(16).toString('hex');
  return {
    notificationType: 'Received',
    receipt: {
      timestamp: new Date().toISOString(),
      processingTimeMillis: 222,
      recipients: [input.to],
      spamVerdict: { status: 'PASS' },
      virusVerdict: { status: 'PASS' },
      spfVerdict: { status: 'PASS' },
      dkimVerdict: { status: 'PASS' },
      action: { type: 'SNS', topicArn: 'arn:aws:sns:us-east-1:123456789012:optgate-ses-inbound', encoding: 'UTF8' },
    },
    mail: {
      timestamp: new Date().toISOString(),
      source: input.from,
      messageId,
      destination: [input.to],
      headersTruncated: false,
      headers: [
        { name: 'From', value: input.from },
        { name: 'To', value: input.to },
        { name: 'Subject', value: input.subject },
      ],
      commonHeaders: { returnPath: input.from, from: [input.from], to: [input.to], messageId: `<${messageId}@mail.example.net>`, subject: input.subject },
    },
    ...(input.content !== undefined ? { content: input.content } : {}),
  };
}

/** POSTs the notification to /local/ses, which signs it as SNS does and delivers it to the subscribed function. */
export async function deliverSes(notification: unknown, options: { tamper?: boolean } = {}) {
  const body = typeof notification === 'string' ? notification : JSON.stringify(notification);
  const response = await api('POST', `/local/ses${options.tamper ? '?tamper=1' : ''}`, { body, headers: { 'content-type': 'application/json' } });
  expect(response.status).toBe(202);
  return response.body as { topic: string; snsMessageId: string };
}

/** A unique sending domain per call: line routes are global to the stack, shared by parallel test files. */
export function uniqueDomain(): string {
  return `news-${randomBytes(6).toString('hex')}.example.com`;
}
