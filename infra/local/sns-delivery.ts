import { randomUUID } from 'node:crypto';
import type { SNSEvent } from 'aws-lambda';

/** Wraps a message the way SNS delivers it to a subscribed Lambda function. */
export function toSnsEvent(message: string, topicArn: string, timestamp = new Date()): SNSEvent {
  const messageId = randomUUID();
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: `${topicArn}:${randomUUID()}`,
        Sns: {
          Type: 'Notification',
          MessageId: messageId,
          TopicArn: topicArn,
          Subject: '',
          Message: message,
          Timestamp: timestamp.toISOString(),
          SignatureVersion: '1',
          Signature: 'local',
          SigningCertUrl: 'https://sns.us-east-1.amazonaws.com/local.pem',
          UnsubscribeUrl: 'https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe',
          MessageAttributes: {},
        },
      },
    ],
  };
}
