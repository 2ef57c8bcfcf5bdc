/**
 * Everything that holds data or must outlive a redeploy of the code: the table, the queues and their
 * dead-letter queues, the provider topics and the key that encrypts them, the ConsentChanged event
 * bus, the service keys (Secrets Manager) and the alarm topic. It changes rarely and is never
 * replaced by accident (retained, deletion-protected); the stateless stack (functions, API) can be
 * destroyed and redeployed freely on top of it.
 */

import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as snsSubscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { QUEUES, TABLE, type FunctionDefinition, type QueueName, type TableIndex, type TopicName } from '../../shared/manifest.ts';
import { SERVICE_KEY_SECRET_TEMPLATE } from '../../shared/security/service-keyring.ts';
import { suppress } from './nag-suppressions.ts';
import { blockDeployWithoutOperatorKey, type StageConfig } from './stage-config.ts';

export interface StatefulStackProps extends StackProps {
  readonly config: StageConfig;
  /** The manifest's functions: queue visibility timeouts follow the functions that consume them. */
  readonly functions: readonly FunctionDefinition[];
}

/** Which manifest queue receives another's messages after too many failed receives. */
const DEAD_LETTER_QUEUE_OF: Partial<Record<QueueName, QueueName>> = { outbound: 'outboundDlq' };

/**
 * Dead-letter queues that exist only in AWS (nothing locally produces their messages):
 * - dispatchDlq / suppressedDlq: your delivery and audit workers consume dispatch and suppressed; a
 *   message they fail on MAX_RECEIVE_COUNT times waits here instead of cycling until it expires.
 * - asyncFailures: events an SNS-triggered or scheduled function failed on three times (Lambda's
 *   asynchronous retries), with the error in the message attributes.
 * - snsDeliveryFailures: notifications SNS could not hand to a function at all (e.g. while the
 *   stateless stack is being replaced).
 */
export const EXTRA_DEAD_LETTER_QUEUES = {
  dispatchDlq: { suffix: 'optgate-dispatch-dlq', sourceOf: 'dispatch' },
  suppressedDlq: { suffix: 'optgate-suppressed-dlq', sourceOf: 'suppressed' },
  asyncFailures: { suffix: 'optgate-async-failures', sourceOf: undefined },
  snsDeliveryFailures: { suffix: 'optgate-sns-delivery-failures', sourceOf: undefined },
} as const satisfies Record<string, { suffix: string; sourceOf: QueueName | undefined }>;
export type ExtraDeadLetterQueue = keyof typeof EXTRA_DEAD_LETTER_QUEUES;

/** Every queue that holds failed messages: each has an alarm on its depth. */
export type DeadLetterQueueName = 'outboundDlq' | ExtraDeadLetterQueue;
/** Messages wait this long in the queues too, so a consumer down for days loses nothing (SQS's default is 4 days). */
const QUEUE_RETENTION = Duration.days(14);
/** The outbound queue's oldest message older than this: the gate is not keeping up (deferrals wait at most 15 min per hop). */
export const OUTBOUND_AGE_ALARM_SECONDS = 1800;
/** Receives before a message moves to the dead-letter queue: rides out throttling and brief outages. */
export const MAX_RECEIVE_COUNT = 5;
/** Visibility timeout of a queue no optgate function consumes (yet). */
export const DEFAULT_VISIBILITY_TIMEOUT = Duration.seconds(60);

/** The SMS service principal that publishes two-way SMS and SMS events to the topics. */
export const SMS_VOICE_PRINCIPAL = 'sms-voice.amazonaws.com';
/** SES publishes receipt-rule (inbound mail) and feedback (bounce, complaint) notifications. */
export const SES_PRINCIPAL = 'ses.amazonaws.com';
/** CloudWatch alarms publish to the (encrypted) alarm topic. */
export const CLOUDWATCH_PRINCIPAL = 'cloudwatch.amazonaws.com';

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
  readonly deadLetterQueues: Readonly<Record<ExtraDeadLetterQueue, sqs.Queue>>;
  readonly topics: Readonly<Record<TopicName, sns.Topic>>;
  /** Encrypts the provider topics and the alarm topic (their messages hold phone numbers and message text). */
  readonly topicKey: kms.Key;
  readonly eventBus: events.EventBus;
  readonly serviceKeySecret: secretsmanager.Secret;
  readonly alarmTopic: sns.Topic;

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

    // Provider credentials and per-account keys are sealed with these keys before they reach the
    // table (shared/security/secret-box.ts). Secrets Manager generates the value: it is never in the
    // template, a parameter or a pipeline log. Retained: without it, sealed values cannot be opened.
    this.serviceKeySecret = new secretsmanager.Secret(this, 'ServiceKeys', {
      secretName: `optgate/${config.stage}/service-keys`,
      description: `optgate ${config.stage}: keys that seal line credentials and per-account keys in the table (see README, Secrets)`,
      generateSecretString: {
        secretStringTemplate: JSON.stringify(SERVICE_KEY_SECRET_TEMPLATE.template),
        generateStringKey: SERVICE_KEY_SECRET_TEMPLATE.generateStringKey,
        passwordLength: 64,
        excludePunctuation: true,
      },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    suppress(this.serviceKeySecret, [
      {
        id: 'AwsSolutions-SMG4',
        reason:
          'Data keys, not credentials: a rotation adds a key id to the secret and keeps the old one so sealed values still open (README, Secrets: rotating the service key). A Lambda rotation that replaced the value would make every sealed value unreadable.',
      },
    ]);

    this.eventBus = new events.EventBus(this, 'ConsentEventBus', {
      eventBusName: `optgate-${config.stage}-consent`,
      description: `optgate ${config.stage}: ConsentChanged events (source optgate.consent)`,
    });

    this.topicKey = new kms.Key(this, 'TopicKey', {
      alias: `alias/optgate-${config.stage}-topics`,
      description: `optgate ${config.stage}: encrypts the provider and alarm SNS topics`,
      enableKeyRotation: true,
      // SNS keeps no message after delivery, so nothing stays encrypted under the key once the topics are gone.
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    for (const principal of [SMS_VOICE_PRINCIPAL, SES_PRINCIPAL, CLOUDWATCH_PRINCIPAL]) {
      this.topicKey.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: `Allow${principal.split('.')[0]}ToPublishToEncryptedTopics`,
          principals: [new iam.ServicePrincipal(principal)],
          actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
          resources: ['*'],
          // Only on behalf of this account (confused-deputy protection).
          conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
        }),
      );
    }

    this.queues = this.createQueues(config.stage, functions);
    this.deadLetterQueues = this.createExtraDeadLetterQueues(config.stage);
    const topicNames = Object.keys(TOPICS) as TopicName[];
    this.topics = Object.fromEntries(topicNames.map((name) => [name, this.createTopic(config.stage, name)])) as Record<TopicName, sns.Topic>;

    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', {
      topicName: `${config.stage}-optgate-alarms`,
      displayName: `optgate ${config.stage} alarms`,
      masterKey: this.topicKey,
      enforceSSL: true,
    });
    if (config.alarmEmail) {
      const subscription = this.alarmTopic.addSubscription(new snsSubscriptions.EmailSubscription(config.alarmEmail));
      suppress(subscription, [
        {
          id: 'Serverless-SNSRedrivePolicy',
          reason: 'Email subscription to alarm notifications: a mail that cannot be delivered leaves the alarm itself in CloudWatch (state and history); a DLQ of undelivered alarm mails would page nobody.',
        },
      ]);
    }
    this.createQueueAlarms(config.stage);

    for (const [name, queue] of Object.entries(this.queues)) {
      new CfnOutput(this, `${name}QueueUrl`, { value: queue.queueUrl, description: `URL of ${queue.node.id}` });
    }
    for (const [name, queue] of Object.entries(this.deadLetterQueues)) {
      new CfnOutput(this, `${name}QueueUrl`, { value: queue.queueUrl, description: `URL of the ${name} dead-letter queue` });
    }
    for (const name of topicNames) {
      new CfnOutput(this, TOPICS[name].output, { value: this.topics[name].topicArn, description: TOPICS[name].outputDescription });
    }
    new CfnOutput(this, 'ConsentEventBusName', { value: this.eventBus.eventBusName, description: 'EventBridge bus of the ConsentChanged events: add your rules here' });
    new CfnOutput(this, 'ConsentEventBusArn', { value: this.eventBus.eventBusArn, description: 'ARN of the ConsentChanged event bus' });
    new CfnOutput(this, 'ServiceKeySecretArn', { value: this.serviceKeySecret.secretArn, description: 'Secrets Manager secret with the service keys (never print its value)' });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarmTopic.topicArn, description: 'SNS topic every optgate alarm notifies: subscribe your on-call here' });
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
      const extraDeadLetter = Object.entries(EXTRA_DEAD_LETTER_QUEUES).find(([, extra]) => extra.sourceOf === name);
      const queue = new sqs.Queue(this, `${name}Queue`, {
        queueName: deployedQueueName(stage, name),
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        visibilityTimeout: visibilityTimeoutFor(name, functions),
        retentionPeriod: QUEUE_RETENTION,
        ...(deadLetterQueue ? { deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: MAX_RECEIVE_COUNT } } : {}),
        ...(extraDeadLetter
          ? { deadLetterQueue: { queue: this.extraDeadLetterQueue(stage, extraDeadLetter[0] as ExtraDeadLetterQueue), maxReceiveCount: MAX_RECEIVE_COUNT } }
          : {}),
      });
      if (deadLetterTargets.has(name)) suppressDeadLetterRedrive(queue, 'redrive target');
      created[name] = queue;
    }
    return created as Record<QueueName, sqs.Queue>;
  }

  private readonly extraQueues = new Map<ExtraDeadLetterQueue, sqs.Queue>();

  /** Created on first use: the consumer queues refer to theirs before the rest are made. */
  private extraDeadLetterQueue(stage: string, name: ExtraDeadLetterQueue): sqs.Queue {
    const existing = this.extraQueues.get(name);
    if (existing) return existing;
    const queue = new sqs.Queue(this, `${name}Queue`, {
      queueName: `${stage}-${EXTRA_DEAD_LETTER_QUEUES[name].suffix}`,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: QUEUE_RETENTION,
    });
    // SQS3 recognises a queue as a DLQ only when another queue redrives to it, not when Lambda or SNS does.
    suppressDeadLetterRedrive(queue, EXTRA_DEAD_LETTER_QUEUES[name].sourceOf ? 'redrive target' : 'service target');
    this.extraQueues.set(name, queue);
    return queue;
  }

  private createExtraDeadLetterQueues(stage: string): Record<ExtraDeadLetterQueue, sqs.Queue> {
    const names = Object.keys(EXTRA_DEAD_LETTER_QUEUES) as ExtraDeadLetterQueue[];
    return Object.fromEntries(names.map((name) => [name, this.extraDeadLetterQueue(stage, name)])) as Record<ExtraDeadLetterQueue, sqs.Queue>;
  }

  /** One alarm per dead-letter queue (any message is a problem someone must look at) and one on the gate's backlog. */
  private createQueueAlarms(stage: string): void {
    const action = new cloudwatchActions.SnsAction(this.alarmTopic);
    const deadLetterQueues: [DeadLetterQueueName, sqs.Queue][] = [['outboundDlq', this.queues.outboundDlq], ...(Object.entries(this.deadLetterQueues) as [ExtraDeadLetterQueue, sqs.Queue][])];
    for (const [name, queue] of deadLetterQueues) {
      const alarm = new cloudwatch.Alarm(this, `${name}DepthAlarm`, {
        alarmName: `${stage}-optgate-${name}-not-empty`,
        alarmDescription: `Messages are waiting in ${queue.node.id}: see README, Operations (dead-letter queues) for how to inspect and redrive them.`,
        metric: queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: cloudwatch.Stats.MAXIMUM }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      alarm.addAlarmAction(action);
    }
    const backlog = new cloudwatch.Alarm(this, 'outboundBacklogAlarm', {
      alarmName: `${stage}-optgate-outbound-backlog`,
      alarmDescription: `The oldest message on the outbound queue is over ${OUTBOUND_AGE_ALARM_SECONDS / 60} minutes old: the gate is failing or throttled.`,
      metric: this.queues.outbound.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(5), statistic: cloudwatch.Stats.MAXIMUM }),
      threshold: OUTBOUND_AGE_ALARM_SECONDS,
      evaluationPeriods: 2,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    backlog.addAlarmAction(action);
  }

  /** A provider service publishes here (and nobody else); the manifest's functions subscribe. */
  private createTopic(stage: string, name: TopicName): sns.Topic {
    const { constructId, suffix, displayName, publisher } = TOPICS[name];
    const topic = new sns.Topic(this, constructId, {
      topicName: `${stage}-optgate-${suffix}`,
      displayName,
      masterKey: this.topicKey,
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

/** A dead-letter queue has no dead-letter queue of its own: what lands here waits (14 days, alarmed) for a person. */
function suppressDeadLetterRedrive(queue: sqs.Queue, kind: 'redrive target' | 'service target'): void {
  const reason = 'This queue is itself a dead-letter queue: a message here waits 14 days for a person (its depth is alarmed at 1), and redriving it elsewhere would hide it.';
  suppress(queue, [
    { id: 'Serverless-SQSRedrivePolicy', reason },
    ...(kind === 'service target'
      ? [{ id: 'AwsSolutions-SQS3', reason: `${reason} Lambda (asynchronous invocations) or SNS (subscriptions) sends to it, which the rule does not recognise as dead-letter use.` }]
      : []),
  ]);
}
