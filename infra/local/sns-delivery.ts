import { randomUUID } from 'node:crypto';
import type { SNSEvent } from 'aws-lambda';
import type { LocalSnsSigner } from './local-sns-signer.ts';

/**
 * Wraps a message the way SNS delivers it to a subscribed Lambda function, signed (SignatureVersion
 * 2) with the local stack's SNS key. `tamper` alters the message after signing, as an attacker
 * would, to show that the functions refuse it.
 */
export function toSnsEvent(
  message: string,
  topicArn: string,
  signer: LocalSnsSigner,
  options: { timestamp?: Date; subject?: string; tamper?: boolean } = {},
): SNSEvent {
  const messageId = randomUUID();
  const fields = {
    Type: 'Notification' as const,
    MessageId: messageId,
    TopicArn: topicArn,
    Subject: options.subject ?? null,
    Message: message,
    Timestamp: (options.timestamp ?? new Date()).toISOString(),
    SignatureVersion: '2',
  };
  const signature = signer.sign(fields);
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: `${topicArn}:${randomUUID()}`,
        Sns: {
          ...fields,
          // The Lambda event type says string; SNS sends null when a message has no subject.
          Subject: fields.Subject as string,
          Message: options.tamper ? `${message} ` : message,
          Signature: signature,
          SigningCertUrl: signer.certificateUrl,
          UnsubscribeUrl: `https://sns.${topicArn.split(':')[3] ?? 'us-east-1'}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${topicArn}:${randomUUID()}`,
          MessageAttributes: {},
        },
      },
    ],
  };
}
