import { readFileSync } from 'node:fs';
import { describe, it, expect, beforeAll } from 'vitest';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { FUNCTIONS, QUEUES, TABLE, type QueueName } from '../../../shared/manifest.ts';
import { parseStageConfig } from '../../../infra/cdk/stage-config.ts';
import { MAX_RECEIVE_COUNT, StatefulStack, TOPICS, visibilityTimeoutFor } from '../../../infra/cdk/stateful-stack.ts';

/** The feature flags of cdk.json, so these templates are the ones `cdk synth` writes. */
const cdkJsonContext = (JSON.parse(readFileSync(new URL('../../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> })
  .context;

const KEY_HASH = 'b5c7e6f1a0d94c3e8f2b1a6d5c4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e';

function synthStateful(context: Record<string, unknown>): Template {
  const app = new App({ context: { ...cdkJsonContext, ...context } });
  const config = parseStageConfig((key) => app.node.tryGetContext(key));
  const stack = new StatefulStack(app, 'Stateful', { config, functions: FUNCTIONS });
  return Template.fromStack(stack);
}

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

  it('creates every manifest queue with its stage-prefixed name, SQS-managed encryption', () => {
    template.resourceCountIs('AWS::SQS::Queue', queueNames.length);
    for (const name of queueNames) {
      template.hasResourceProperties('AWS::SQS::Queue', {
        QueueName: `prod-${QUEUES[name].name}`,
        SqsManagedSseEnabled: true,
      });
    }
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
    expect(Object.keys(policies)).toHaveLength(queueNames.length);
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

  it('creates one topic per manifest topic', () => {
    template.resourceCountIs('AWS::SNS::Topic', Object.keys(TOPICS).length);
    expect(Object.keys(TOPICS).sort()).toEqual(expected.map(([name]) => name).sort());
  });

  it.each(expected)('%s: only its provider publishes, on behalf of this account, over TLS', (_name, topicName, principal) => {
    template.hasResourceProperties('AWS::SNS::Topic', { TopicName: topicName });
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
    expect(policies).toHaveLength(expected.length);
    const principals = policies.map((policy) => policy.Properties.PolicyDocument.Statement.filter((s) => s.Effect === 'Allow').map((s) => s.Principal));
    expect(principals.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))).toEqual([
      [{ Service: 'ses.amazonaws.com' }],
      [{ Service: 'ses.amazonaws.com' }],
      [{ Service: 'sms-voice.amazonaws.com' }],
      [{ Service: 'sms-voice.amazonaws.com' }],
    ]);
  });

  it('outputs the topic ARNs and queue URLs', () => {
    for (const [, , , output] of expected) template.hasOutput(output, {});
    for (const name of Object.keys(QUEUES)) template.hasOutput(`${name}QueueUrl`, {});
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
