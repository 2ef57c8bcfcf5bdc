import { describe, it, expect, beforeAll } from 'vitest';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { FUNCTIONS, QUEUES, TABLE, type QueueName } from '../../../shared/manifest.ts';
import { parseStageConfig } from '../../../infra/cdk/stage-config.ts';
import { EXTRA_DEAD_LETTER_QUEUES, MAX_RECEIVE_COUNT, OUTBOUND_AGE_ALARM_SECONDS, StatefulStack, TOPICS, visibilityTimeoutFor } from '../../../infra/cdk/stateful-stack.ts';
import { CDK_JSON_CONTEXT, TEST_KEY_HASH } from '../../support/cdk.ts';

const KEY_HASH = TEST_KEY_HASH;

function synthStateful(context: Record<string, unknown>): Template {
  const app = new App({ context: { ...CDK_JSON_CONTEXT, ...context } });
  const config = parseStageConfig((key) => app.node.tryGetContext(key));
  const stack = new StatefulStack(app, 'Stateful', { config, functions: FUNCTIONS });
  return Template.fromStack(stack);
}

type Resource = { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string; UpdateReplacePolicy?: string };
const resourcesOf = (template: Template): Record<string, Resource> => (template.toJSON() as { Resources: Record<string, Resource> }).Resources;

let template: Template;
beforeAll(() => {
  template = synthStateful({ stage: 'prod', operatorKeySha256: KEY_HASH });
});

describe('stateful stack: table', () => {
  it('has one table keyed by pk/sk strings, on demand, with TTL on expiresAt', () => {
    template.resourceCountIs('AWS::DynamoDB::GlobalTable', 1);
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: [
        { AttributeName: TABLE.partitionKey, KeyType: 'HASH' },
        { AttributeName: TABLE.sortKey, KeyType: 'RANGE' },
      ],
      AttributeDefinitions: Match.arrayWith([
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ]),
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
    });
  });

  it('protects the data: PITR and deletion protection on the replica, retained on stack delete or replacement', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      Replicas: [
        Match.objectLike({
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          DeletionProtectionEnabled: true,
        }),
      ],
    });
    template.hasResource('AWS::DynamoDB::GlobalTable', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  it('has exactly the manifest’s indexes, with their keys and projections', () => {
    const [table] = Object.values(template.findResources('AWS::DynamoDB::GlobalTable')) as {
      Properties: { GlobalSecondaryIndexes?: unknown[]; AttributeDefinitions: unknown[] };
    }[];
    expect(table?.Properties.GlobalSecondaryIndexes ?? []).toHaveLength(TABLE.indexes.length);
    for (const index of TABLE.indexes) {
      expect(table?.Properties.GlobalSecondaryIndexes).toContainEqual({
        IndexName: index.name,
        KeySchema: [
          { AttributeName: index.partitionKey, KeyType: 'HASH' },
          { AttributeName: index.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: index.projection },
      });
      expect(table?.Properties.AttributeDefinitions).toContainEqual({ AttributeName: index.sortKey, AttributeType: 'S' });
    }
  });
});

describe('stateful stack: queues', () => {
  const queueNames = Object.keys(QUEUES) as QueueName[];

  it('creates every manifest queue and the extra dead-letter queues with stage-prefixed names, SQS-managed encryption, 14 days retention', () => {
    template.resourceCountIs('AWS::SQS::Queue', queueNames.length + Object.keys(EXTRA_DEAD_LETTER_QUEUES).length);
    const names = [...queueNames.map((name) => QUEUES[name].name), ...Object.values(EXTRA_DEAD_LETTER_QUEUES).map((extra) => extra.suffix)];
    for (const name of names) {
      template.hasResourceProperties('AWS::SQS::Queue', { QueueName: `prod-${name}`, SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
    }
  });

  it('gives the consumer queues (dispatch, suppressed) dead-letter queues of their own', () => {
    for (const name of ['dispatch', 'suppressed']) {
      template.hasResourceProperties('AWS::SQS::Queue', {
        QueueName: `prod-optgate-${name}`,
        RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp(`^${name}DlqQueue`), 'Arn'] }, maxReceiveCount: MAX_RECEIVE_COUNT },
      });
    }
  });

  it('alarms when any dead-letter queue holds a message, and when the outbound queue backs up', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as Resource[];
    const depthAlarms = alarms.filter((alarm) => alarm.Properties.MetricName === 'ApproximateNumberOfMessagesVisible');
    expect(depthAlarms).toHaveLength(1 + Object.keys(EXTRA_DEAD_LETTER_QUEUES).length);
    for (const alarm of depthAlarms) {
      expect(alarm.Properties).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', Statistic: 'Maximum', TreatMissingData: 'notBreaching' });
      expect(JSON.stringify(alarm.Properties.AlarmActions)).toMatch(/AlarmTopic/);
    }
    const backlog = alarms.find((alarm) => alarm.Properties.MetricName === 'ApproximateAgeOfOldestMessage');
    expect(backlog?.Properties).toMatchObject({ Threshold: OUTBOUND_AGE_ALARM_SECONDS, ComparisonOperator: 'GreaterThanThreshold' });
  });

  it('denies every non-TLS request on every queue', () => {
    const policies = template.findResources('AWS::SQS::QueuePolicy', {
      Properties: {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 'sqs:*',
              Principal: { AWS: '*' },
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      },
    });
    expect(Object.keys(policies)).toHaveLength(queueNames.length + Object.keys(EXTRA_DEAD_LETTER_QUEUES).length);
  });

  it('sends outbound messages that keep failing to the outbound DLQ after 5 receives', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: 'prod-optgate-outbound',
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^outboundDlqQueue'), 'Arn'] },
        maxReceiveCount: MAX_RECEIVE_COUNT,
      },
    });
    expect(MAX_RECEIVE_COUNT).toBe(5);
    template.hasResourceProperties('AWS::SQS::Queue', { QueueName: 'prod-optgate-outbound-dlq', MessageRetentionPeriod: 14 * 24 * 3600 });
  });

  it('sets the outbound visibility timeout from the manifest (60 s while no function consumes it)', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: 'prod-optgate-outbound',
      VisibilityTimeout: visibilityTimeoutFor('outbound', FUNCTIONS).toSeconds(),
    });
  });
});

describe('stateful stack: provider topics', () => {
  const expected = [
    ['awsSmsInbound', 'prod-optgate-aws-sms-inbound', 'sms-voice.amazonaws.com', 'AwsSmsInboundTopicArn'],
    ['awsSmsEvents', 'prod-optgate-aws-sms-events', 'sms-voice.amazonaws.com', 'AwsSmsEventsTopicArn'],
    ['sesInbound', 'prod-optgate-ses-inbound', 'ses.amazonaws.com', 'SesInboundTopicArn'],
    ['sesFeedback', 'prod-optgate-ses-feedback', 'ses.amazonaws.com', 'SesFeedbackTopicArn'],
  ] as const;

  it('creates one topic per manifest topic, and the alarm topic', () => {
    template.resourceCountIs('AWS::SNS::Topic', Object.keys(TOPICS).length + 1);
    expect(Object.keys(TOPICS).sort()).toEqual(expected.map(([name]) => name).sort());
  });

  it.each(expected)('%s: encrypted with the stage key; only its provider publishes, on behalf of this account, over TLS', (_name, topicName, principal) => {
    template.hasResourceProperties('AWS::SNS::Topic', { TopicName: topicName, KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^TopicKey'), 'Arn'] } });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Effect: 'Allow',
            Action: 'sns:Publish',
            Principal: { Service: principal },
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          }),
        ]),
      },
    });
  });

  it('allows nobody else to publish or subscribe', () => {
    const policies = Object.values(template.findResources('AWS::SNS::TopicPolicy')) as {
      Properties: { PolicyDocument: { Statement: { Effect: string; Principal: unknown }[] } };
    }[];
    // The alarm topic's policy only denies non-TLS requests (CloudWatch publishes through the key policy).
    expect(policies).toHaveLength(expected.length + 1);
    const principals = policies.map((policy) => policy.Properties.PolicyDocument.Statement.filter((s) => s.Effect === 'Allow').map((s) => s.Principal)).filter((allowed) => allowed.length > 0);
    expect(principals.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))).toEqual([
      [{ Service: 'ses.amazonaws.com' }],
      [{ Service: 'ses.amazonaws.com' }],
      [{ Service: 'sms-voice.amazonaws.com' }],
      [{ Service: 'sms-voice.amazonaws.com' }],
    ]);
  });

  it('outputs the topic ARNs, queue URLs, event bus, service key secret and alarm topic', () => {
    for (const [, , , output] of expected) template.hasOutput(output, {});
    for (const name of [...Object.keys(QUEUES), ...Object.keys(EXTRA_DEAD_LETTER_QUEUES)]) template.hasOutput(`${name}QueueUrl`, {});
    for (const output of ['ConsentEventBusName', 'ConsentEventBusArn', 'ServiceKeySecretArn', 'AlarmTopicArn']) template.hasOutput(output, {});
  });
});

describe('stateful stack: topic key', () => {
  it('is a customer managed key with yearly rotation, deleted 7 days after the stack', () => {
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResource('AWS::KMS::Key', { Properties: { EnableKeyRotation: true, PendingWindowInDays: 7 }, DeletionPolicy: 'Delete' });
    template.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/optgate-prod-topics' });
  });

  it('lets only End User Messaging, SES and CloudWatch use it, on behalf of this account', () => {
    const [key] = Object.values(template.findResources('AWS::KMS::Key')) as Resource[];
    const statements = (key?.Properties.KeyPolicy as { Statement: { Principal: { Service?: string; AWS?: unknown }; Action: string[]; Condition?: unknown }[] }).Statement;
    const services = statements.filter((s) => s.Principal.Service);
    expect(services.map((s) => s.Principal.Service).sort()).toEqual(['cloudwatch.amazonaws.com', 'ses.amazonaws.com', 'sms-voice.amazonaws.com']);
    for (const statement of services) {
      expect([...statement.Action].sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey*']);
      expect(statement.Condition).toEqual({ StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } });
    }
  });
});

describe('stateful stack: service keys, event bus, alarm topic', () => {
  it('has Secrets Manager generate the service keys: no value in the template, retained with the stack', () => {
    template.resourceCountIs('AWS::SecretsManager::Secret', 1);
    const [secret] = Object.values(template.findResources('AWS::SecretsManager::Secret')) as Resource[];
    expect(secret).toMatchObject({
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        Name: 'optgate/prod/service-keys',
        GenerateSecretString: { SecretStringTemplate: '{"current":"k1"}', GenerateStringKey: 'k1', PasswordLength: 64, ExcludePunctuation: true },
      },
    });
    expect(secret?.Properties).not.toHaveProperty('SecretString');
  });

  it('creates the stage’s ConsentChanged bus', () => {
    template.hasResourceProperties('AWS::Events::EventBus', { Name: 'optgate-prod-consent' });
  });

  it('encrypts the alarm topic and subscribes alarmEmail when given', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { TopicName: 'prod-optgate-alarms', KmsMasterKeyId: Match.anyValue() });
    template.resourceCountIs('AWS::SNS::Subscription', 0);
    const withEmail = synthStateful({ stage: 'prod', operatorKeySha256: KEY_HASH, alarmEmail: 'oncall@example.com' });
    withEmail.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example.com' });
  });

  it('holds no secret value anywhere in the template', () => {
    const text = JSON.stringify(template.toJSON());
    expect(text).not.toMatch(/"SecretString"/);
    for (const resource of Object.values(resourcesOf(template))) expect(resource.Properties).not.toHaveProperty('SecretString');
  });
});

describe('stateful stack: operator key guard', () => {
  it('adds no rule when the key is given', () => {
    expect(template.toJSON()).not.toHaveProperty(['Rules', 'OperatorKeySha256Required']);
  });

  it('blocks the deployment (CloudFormation rule) when a real stage has no key, but still synthesizes', () => {
    const withoutKey = synthStateful({ stage: 'prod' });
    expect(withoutKey.toJSON()).toHaveProperty(['Rules', 'OperatorKeySha256Required', 'Assertions', 0, 'Assert'], {
      'Fn::Equals': ['operatorKeySha256', 'missing'],
    });
    expect(synthStateful({ stage: 'test' }).toJSON()).not.toHaveProperty(['Rules', 'OperatorKeySha256Required']);
  });
});
