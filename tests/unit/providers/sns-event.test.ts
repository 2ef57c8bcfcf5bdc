import { describe, it, expect } from 'vitest';
import { extractSnsMessages, InvalidSnsEventError } from '../../../shared/adapters/aws-sms/sns-event.ts';

const record = (overrides: Record<string, unknown> = {}) => ({
  EventVersion: '1.0',
  EventSubscriptionArn: 'arn:aws:sns:us-east-2:123456789012:optgate-sms:9f2d4c6e-1a3b-4c5d-8e7f-0a1b2c3d4e5f',
  EventSource: 'aws:sns',
  Sns: {
    SignatureVersion: '1',
    Timestamp: '2026-11-24T09:15:02.417Z',
    Signature: 'EXAMPLE',
    SigningCertUrl: 'https://sns.us-east-2.amazonaws.com/SimpleNotificationService-EXAMPLE.pem',
    MessageId: '95df01b4-ee98-5cb9-9903-4c221d41eb5e',
    Message: '{"messageBody":"STOP"}',
    MessageAttributes: {},
    Type: 'Notification',
    UnsubscribeUrl: 'https://sns.us-east-2.amazonaws.com/?Action=Unsubscribe',
    TopicArn: 'arn:aws:sns:us-east-2:123456789012:optgate-sms',
    Subject: null,
    ...overrides,
  },
});

describe('extractSnsMessages', () => {
  it('returns each record’s message and envelope', () => {
    expect(extractSnsMessages({ Records: [record(), record({ MessageId: 'second', Message: 'two' })] })).toEqual([
      {
        snsMessageId: '95df01b4-ee98-5cb9-9903-4c221d41eb5e',
        topicArn: 'arn:aws:sns:us-east-2:123456789012:optgate-sms',
        timestamp: '2026-11-24T09:15:02.417Z',
        message: '{"messageBody":"STOP"}',
      },
      {
        snsMessageId: 'second',
        topicArn: 'arn:aws:sns:us-east-2:123456789012:optgate-sms',
        timestamp: '2026-11-24T09:15:02.417Z',
        message: 'two',
      },
    ]);
  });

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['a string', 'hello'],
    ['an object without Records', {}],
    ['no records', { Records: [] }],
    ['an SQS event', { Records: [{ messageId: 'x', body: '{}', eventSource: 'aws:sqs' }] }],
  ])('throws InvalidSnsEventError for %s', (_what, event) => {
    expect(() => extractSnsMessages(event)).toThrow(InvalidSnsEventError);
  });

  it.each([
    ['Message', { Message: undefined }],
    ['MessageId', { MessageId: '' }],
    ['TopicArn', { TopicArn: undefined }],
    ['Timestamp', { Timestamp: 'yesterday' }],
  ])('names a bad Sns.%s in the error', (field, overrides) => {
    expect(() => extractSnsMessages({ Records: [record(overrides)] })).toThrow(
      new RegExp(`^Not a valid SNS event: Records\\[0\\]\\.Sns\\.${field}: `),
    );
  });

  it('rejects a Message that is an object rather than a string', () => {
    expect(() => extractSnsMessages({ Records: [record({ Message: { messageBody: 'STOP' } })] })).toThrow(
      InvalidSnsEventError,
    );
  });
});
