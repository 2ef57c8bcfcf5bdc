/**
 * Everything that holds data: the table, the queues and the inbound topic. It changes rarely and is
 * never replaced by accident (retained, deletion-protected); the stateless stack (functions, API) can
 * be destroyed and redeployed freely on top of it.
 */

import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { QUEUES, TABLE, type FunctionDefinition, type QueueName, type TableIndex, type TopicName } from '../../shared/manifest.ts';
import { blockDeployWithoutOperatorKey, type StageConfig } from './stage-config.ts';

export interface StatefulStackProps extends StackProps {
  readonly config: StageConfig;
  /** The manifest's functions: queue visibility timeouts follow the functions that consume them. */
  readonly functions: readonly FunctionDefinition[];
}

/** Which queue receives another queue's messages after too many failed receives. */
const DEAD_LETTER_QUEUE_OF: Partial<Record<QueueName, QueueName>> = { outbound: 'outboundDlq' };
/** Receives before a message moves to the dead-letter queue: rides out throttling and brief outages. */
export const MAX_RECEIVE_COUNT = 5;
/** Visibility timeout of a queue no optgate function consumes (yet). */
export const DEFAULT_VISIBILITY_TIMEOUT = Duration.seconds(60);
/** Dead letters wait for a human, so they stay as long as SQS allows. */
const DEAD_LETTER_RETENTION = Duration.days(14);

/** The SMS service principal that publishes two-way SMS and SMS events to the topics. */
export const SMS_VOICE_PRINCIPAL = 'sms-voice.amazonaws.com';
/** SES publishes receipt-rule (inbound mail) and feedback (bounce, complaint) notifications. */
export const SES_PRINCIPAL = 'ses.amazonaws.com';

/** Each SNS topic of the manifest: its name, who may publish to it, and what to tell the operator. */
export const TOPICS: Readonly<
  Record<TopicName, { readonly constructId: string; readonly suffix: string; readonly displayName: string; readonly publisher: string; readonly output: string; readonly outputDescription: string }>
> = {
  awsSmsInbound: {
    constructId: 'awsSmsInboundTopic',
    suffix: 'aws-sms-inbound',
    displayName: 'optgate inbound two-way SMS',
    publisher: SMS_VOICE_PRINCIPAL,
    output: 'AwsSmsInboundTopicArn',
    outputDescription: 'SNS topic to select as the two-way SMS destination of your AWS End User Messaging numbers',
  },
  awsSmsEvents: {
    constructId: 'awsSmsEventsTopic',
    suffix: 'aws-sms-events',
    displayName: 'optgate SMS events',
    publisher: SMS_VOICE_PRINCIPAL,
    output: 'AwsSmsEventsTopicArn',
    outputDescription: 'SNS topic for the SNS event destination (TEXT_ALL or TEXT_BLOCKED) of your AWS End User Messaging configuration set',
  },
  sesInbound: {
    constructId: 'sesInboundTopic',
    suffix: 'ses-inbound',
    displayName: 'optgate inbound email',
    publisher: SES_PRINCIPAL,
    output: 'SesInboundTopicArn',
    outputDescription: 'SNS topic for the SNS action (encoding UTF-8) of your SES receipt rule for the lines and unsubscribe addresses',
  },
  sesFeedback: {
    constructId: 'sesFeedbackTopic',
    suffix: 'ses-feedback',
    displayName: 'optgate email feedback',
    publisher: SES_PRINCIPAL,
    output: 'SesFeedbackTopicArn',
    outputDescription: 'SNS topic for the bounce and complaint notifications of your SES identities (or a configuration set event destination)',
  },
};

/**
 * AWS's guidance for Lambda event sources: at least six times the function timeout plus the batching
 * window, so that a message is not handed to a second invocation while the first still works on it.
 */
export function visibilityTimeoutFor(queue: QueueName, functions: readonly FunctionDefinition[]): Duration {
  const consumerSeconds = functions.flatMap((fn) =>
    fn.triggers.flatMap((trigger) =>
      trigger.kind === 'sqs' && trigger.queue === queue ? [6 * fn.timeoutSeconds + trigger.maxBatchingWindowSeconds] : [],
    ),
  );
  return consumerSeconds.length === 0 ? DEFAULT_VISIBILITY_TIMEOUT : Duration.seconds(Math.max(...consumerSeconds));
}

const PROJECTION_TYPES: Record<TableIndex['projection'], dynamodb.ProjectionType> = {
  ALL: dynamodb.ProjectionType.ALL,
  KEYS_ONLY: dynamodb.ProjectionType.KEYS_ONLY,
};

/** Deployed queue name: the manifest name with the stage in front, so stages can share an account. */
export function deployedQueueName(stage: string, queue: QueueName): string {
  return `${stage}-${QUEUES[queue].name}`;
}

export class StatefulStack extends Stack {
  readonly table: dynamodb.TableV2;
  readonly queues: Readonly<Record<QueueName, sqs.Queue>>;
  readonly topics: Readonly<Record<TopicName, sns.Topic>>;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);
    const { config, functions } = props;
    blockDeployWithoutOperatorKey(this, config);

    this.table = new dynamodb.TableV2(this, 'Table', {
      partitionKey: { name: TABLE.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE.sortKey, type: dynamodb.AttributeType.STRING },
      billing: dynamodb.Billing.onDemand(),
      encryption: dynamodb.TableEncryptionV2.awsManagedKey(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      // Every item carries expiresAt (retention rules); TTL deletes lazily, the sweep does the rest.
      timeToLiveAttribute: TABLE.ttlAttribute,
      globalSecondaryIndexes: TABLE.indexes.map((index) => ({
        indexName: index.name,
        partitionKey: { name: index.partitionKey, type: dynamodb.AttributeType.STRING },
        sortKey: { name: index.sortKey, type: dynamodb.AttributeType.STRING },
        projectionType: PROJECTION_TYPES[index.projection],
      })),
    });

    this.queues = this.createQueues(config.stage, functions);
    const topicNames = Object.keys(TOPICS) as TopicName[];
    this.topics = Object.fromEntries(topicNames.map((name) => [name, this.createTopic(config.stage, name)])) as Record<TopicName, sns.Topic>;

    for (const [name, queue] of Object.entries(this.queues)) {
      new CfnOutput(this, `${name}QueueUrl`, { value: queue.queueUrl, description: `URL of ${queue.node.id}` });
    }
    for (const name of topicNames) {
      new CfnOutput(this, TOPICS[name].output, { value: this.topics[name].topicArn, description: TOPICS[name].outputDescription });
    }
  }

  private createQueues(stage: string, functions: readonly FunctionDefinition[]): Record<QueueName, sqs.Queue> {
    const names = Object.keys(QUEUES) as QueueName[];
    const deadLetterTargets = new Set(Object.values(DEAD_LETTER_QUEUE_OF));
    const created: Partial<Record<QueueName, sqs.Queue>> = {};
    // Dead-letter queues first: their source queues refer to them.
    const inCreationOrder = [...names.filter((n) => deadLetterTargets.has(n)), ...names.filter((n) => !deadLetterTargets.has(n))];

    for (const name of inCreationOrder) {
      const deadLetterName = DEAD_LETTER_QUEUE_OF[name];
      const deadLetterQueue = deadLetterName === undefined ? undefined : created[deadLetterName];
      created[name] = new sqs.Queue(this, `${name}Queue`, {
        queueName: deployedQueueName(stage, name),
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        visibilityTimeout: visibilityTimeoutFor(name, functions),
        ...(deadLetterTargets.has(name) ? { retentionPeriod: DEAD_LETTER_RETENTION } : {}),
        ...(deadLetterQueue ? { deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: MAX_RECEIVE_COUNT } } : {}),
      });
    }
    return created as Record<QueueName, sqs.Queue>;
  }

  /** A provider service publishes here (and nobody else); the manifest's functions subscribe. */
  private createTopic(stage: string, name: TopicName): sns.Topic {
    const { constructId, suffix, displayName, publisher } = TOPICS[name];
    const topic = new sns.Topic(this, constructId, {
      topicName: `${stage}-optgate-${suffix}`,
      displayName,
      enforceSSL: true,
    });
    topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: publisher === SES_PRINCIPAL ? 'AllowSesToPublish' : 'AllowEndUserMessagingSmsToPublish',
        principals: [new iam.ServicePrincipal(publisher)],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        // Only on behalf of this account's numbers and identities (confused-deputy protection).
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    );
    return topic;
  }
}
