/**
 * The replaceable half: one Lambda function per manifest entry, the HTTP API with the manifest's routes,
 * the triggers (SNS, SQS, schedules), the function and API alarms and the dashboard. Holds no data;
 * the stateful stack's resources come in as props.
 */

import { Aws, CfnOutput, Duration, Fn, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import type { CfnStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { ApiMapping, DomainName, HttpApi, SecurityPolicy, HttpMethod, HttpRoute, HttpRouteKey, HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventsTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as snsSubscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { ENV } from '../../shared/config/service-config.ts';
import { TABLE, tableActions, type FunctionDefinition, type QueueName, type RouteKey, type TopicName, type Trigger } from '../../shared/manifest.ts';
import { createDashboard } from './dashboard.ts';
import { suppress, type Suppression } from './nag-suppressions.ts';
import { metricsNamespace, OptgateFunction } from './optgate-function.ts';
import { blockDeployWithoutOperatorKey, type StageConfig } from './stage-config.ts';
import type { ExtraDeadLetterQueue } from './stateful-stack.ts';

// ---------------------------------------------------------------------------------------------------
// Least privilege, derived from the manifest. A pure function so tests can compare it with the template
// (tests/unit/infra/stateless-stack.test.ts) and with what each handler's code calls
// (tests/unit/infra/code-permissions.test.ts).
// ---------------------------------------------------------------------------------------------------

/** What a permission applies to; the stack turns each into concrete ARNs. */
export type PermissionTarget =
  | { readonly kind: 'table'; readonly indexes: boolean } // the table, and its indexes when the function queries
  | { readonly kind: 'queue'; readonly queue: QueueName }
  | { readonly kind: 'asyncFailures' } // the dead-letter queue of asynchronous invocations
  | { readonly kind: 'smsVoiceOriginationIdentities' } // phone numbers, pools and sender ids of this account
  | { readonly kind: 'eventBus' } // the stage's ConsentChanged bus
  | { readonly kind: 'sesIdentities' } // verified SES identities (domains, addresses) of this account
  | { readonly kind: 'serviceKey' }; // the Secrets Manager secret with the service keys

export interface Permission {
  readonly target: PermissionTarget;
  readonly actions: readonly string[];
  /**
   * Who writes the statement and who uses it: `policy`, the stack, for the function's code;
   * `sqsEventSource`, the SQS event source (Lambda's poller); `lambdaDeadLetterQueue`, Lambda itself
   * when an asynchronous event has failed. Listed so that the function's whole policy is described here.
   */
  readonly grantedBy: 'policy' | 'sqsEventSource' | 'lambdaDeadLetterQueue';
}

/** SendMessageBatch is authorised as SendMessage. */
export const QUEUE_SEND_ACTIONS = ['sqs:SendMessage'] as const;
/** What `SqsEventSource` grants (queue.grantConsumeMessages) for the Lambda poller. */
export const QUEUE_CONSUME_ACTIONS = [
  'sqs:ReceiveMessage',
  'sqs:ChangeMessageVisibility',
  'sqs:GetQueueUrl',
  'sqs:DeleteMessage',
  'sqs:GetQueueAttributes',
] as const;
export const QUEUE_ATTRIBUTES_ACTIONS = ['sqs:GetQueueAttributes'] as const;
export const SMS_VOICE_SEND_TEXT_ACTIONS = ['sms-voice:SendTextMessage'] as const;
export const EVENTS_PUT_EVENTS_ACTIONS = ['events:PutEvents'] as const;
export const SES_SEND_EMAIL_ACTIONS = ['ses:SendEmail'] as const;
export const SERVICE_KEY_ACTIONS = ['secretsmanager:GetSecretValue'] as const;

/** Invoked asynchronously (SNS, EventBridge): Lambda retries twice, then the event goes to the async-failures queue. */
export function isInvokedAsynchronously(fn: FunctionDefinition): boolean {
  return fn.triggers.some((trigger) => trigger.kind === 'sns' || trigger.kind === 'schedule');
}

export function permissionsFor(fn: FunctionDefinition): Permission[] {
  const permissions: Permission[] = [];
  const table = tableActions(fn.table);
  if (table.length > 0) {
    permissions.push({ target: { kind: 'table', indexes: table.includes('Query') }, actions: table.map((action) => `dynamodb:${action}`), grantedBy: 'policy' });
  }
  for (const queue of new Set(fn.sendsTo)) {
    permissions.push({ target: { kind: 'queue', queue }, actions: [...QUEUE_SEND_ACTIONS], grantedBy: 'policy' });
  }
  for (const trigger of fn.triggers) {
    if (trigger.kind === 'sqs') {
      permissions.push({ target: { kind: 'queue', queue: trigger.queue }, actions: [...QUEUE_CONSUME_ACTIONS], grantedBy: 'sqsEventSource' });
    }
  }
  if (isInvokedAsynchronously(fn)) {
    permissions.push({ target: { kind: 'asyncFailures' }, actions: ['sqs:SendMessage'], grantedBy: 'lambdaDeadLetterQueue' });
  }
  for (const api of new Set(fn.calls)) {
    switch (api) {
      case 'smsVoiceSendText':
        permissions.push({ target: { kind: 'smsVoiceOriginationIdentities' }, actions: [...SMS_VOICE_SEND_TEXT_ACTIONS], grantedBy: 'policy' });
        break;
      case 'eventBridgePutEvents':
        permissions.push({ target: { kind: 'eventBus' }, actions: [...EVENTS_PUT_EVENTS_ACTIONS], grantedBy: 'policy' });
        break;
      case 'sesSendEmail':
        permissions.push({ target: { kind: 'sesIdentities' }, actions: [...SES_SEND_EMAIL_ACTIONS], grantedBy: 'policy' });
        break;
      case 'serviceKeyRead':
        permissions.push({ target: { kind: 'serviceKey' }, actions: [...SERVICE_KEY_ACTIONS], grantedBy: 'policy' });
        break;
      case 'outboundQueueAttributes':
        permissions.push({ target: { kind: 'queue', queue: 'outbound' }, actions: [...QUEUE_ATTRIBUTES_ACTIONS], grantedBy: 'policy' });
        break;
      default:
        throw unhandled(api, 'external API');
    }
  }
  return permissions;
}

/** The env var that carries each queue's URL (only set on functions that send to the queue). */
export const QUEUE_URL_ENV: Readonly<Record<QueueName, string>> = {
  outbound: ENV.outboundQueueUrl,
  dispatch: ENV.dispatchQueueUrl,
  suppressed: ENV.suppressedQueueUrl,
  outboundDlq: ENV.outboundDlqUrl,
};

/** Queues whose URL a function needs: those it sends to, and the outbound queue for the health probe. */
export function queueUrlsNeeded(fn: FunctionDefinition): QueueName[] {
  return [...new Set<QueueName>([...fn.sendsTo, ...(fn.calls.includes('outboundQueueAttributes') ? (['outbound'] as const) : [])])];
}

/**
 * SNS-triggered functions verify every message's signature and accept only the topics they
 * subscribe to: their ARNs, comma-separated (empty for functions without SNS triggers).
 */
export function snsTopicArnsEnv(fn: FunctionDefinition, topics: Readonly<Record<TopicName, sns.ITopic>>): Record<string, string> {
  const names = [...new Set(fn.triggers.flatMap((trigger) => (trigger.kind === 'sns' ? [trigger.topic] : [])))];
  if (names.length === 0) return {};
  return { [ENV.snsTopicArns]: Fn.join(',', names.map((name) => topics[name].topicArn)) };
}

/** What new accounts start with (context defaultRetentionMonths, …), for the function that creates accounts and all others alike. */
export function accountDefaultsEnv(config: StageConfig): Record<string, string> {
  const { accountDefaults } = config;
  return {
    [ENV.defaultRetentionMonths]: String(accountDefaults.dataMonths),
    [ENV.defaultMessageHistoryMonths]: String(accountDefaults.messageHistoryMonths),
    ...(accountDefaults.quietHours ? { [ENV.defaultQuietHours]: `${accountDefaults.quietHours.allowedFrom}-${accountDefaults.quietHours.allowedUntil}` } : {}),
    ...(accountDefaults.timeZone ? { [ENV.defaultTimeZone]: accountDefaults.timeZone } : {}),
  };
}

// ---------------------------------------------------------------------------------------------------
// HTTP API limits
// ---------------------------------------------------------------------------------------------------

/**
 * Stage-wide request limits. Well under the account's API Gateway quota, so one noisy caller or a
 * retry storm cannot starve other APIs in the account, yet above a STOP wave after a large campaign.
 */
export const API_THROTTLE = { rateLimit: 100, burstLimit: 200 } as const;

/**
 * Per-route limits where a route differs from the stage default (requests per second, burst):
 * provider webhooks get room for a STOP wave after a big campaign (providers retry what is refused,
 * Twilio only if its webhook has a retry override); public pages are what bots hit, so they are
 * kept low (the forms also count per IP and address in the table); account creation is operator-only.
 */
export function routeThrottle(routeKey: RouteKey, isPublic: boolean): { rateLimit: number; burstLimit: number } | undefined {
  const { path } = parseRouteKey(routeKey);
  if (path.startsWith('/webhooks/')) return { rateLimit: 200, burstLimit: 400 };
  if (routeKey === 'POST /v1/accounts') return { rateLimit: 1, burstLimit: 5 };
  if (path.startsWith('/forms/') || path.startsWith('/unsubscribe/')) return { rateLimit: 50, burstLimit: 100 };
  if (isPublic) return { rateLimit: 10, burstLimit: 20 };
  return undefined;
}

/**
 * One JSON line per request. Route keys, not paths: paths hold phone numbers and emails
 * (`/v1/contacts/%2B1555…`), which must not reach logs; no headers or bodies (keys, signatures, PII).
 */
export const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  ip: '$context.identity.sourceIp',
  requestTime: '$context.requestTime',
  routeKey: '$context.routeKey',
  status: '$context.status',
  latency: '$context.responseLatency',
  integrationLatency: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
  responseLength: '$context.responseLength',
} as const;

/** Why each kind of route has no API Gateway authorizer (cdk-nag AwsSolutions-APIG4). */
export const ROUTE_AUTHORIZATION_REASONS = {
  admin:
    'Authorised in the function: Authorization: Bearer <API key>, looked up by its SHA-256 and scoped to its account (operator key for POST /v1/accounts); an authorizer would add a second lookup per request for the same check.',
  webhook:
    'Provider webhook: the provider cannot send our credentials, and its signature (X-Twilio-Signature, X-Hub-Signature-256) covers the raw body, which authorizers never see; the function verifies it before reading anything.',
  publicPage:
    'Public by design: a web form, an unsubscribe link (its token is HMAC-signed per account and checked in the function), the health check or the OpenAPI document.',
} as const;

export interface StatelessStackProps extends StackProps {
  readonly config: StageConfig;
  readonly functions: readonly FunctionDefinition[];
  readonly table: dynamodb.ITableV2;
  readonly queues: Readonly<Record<QueueName, sqs.IQueue>>;
  readonly deadLetterQueues: Readonly<Record<ExtraDeadLetterQueue, sqs.IQueue>>;
  readonly topics: Readonly<Record<TopicName, sns.ITopic>>;
  readonly eventBus: events.IEventBus;
  readonly serviceKeySecret: secretsmanager.ISecret;
  readonly alarmTopic: sns.ITopic;
}

export class StatelessStack extends Stack {
  readonly httpApi: HttpApi;
  readonly stage: HttpStage;
  readonly functions: ReadonlyMap<string, OptgateFunction>;
  readonly dashboard: cloudwatch.Dashboard;
  /** What providers call and sign: https://<publicDomain>, else the execute-api endpoint. */
  readonly publicBaseUrl: string;
  private readonly routes: HttpRoute[] = [];

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const { config } = props;
    blockDeployWithoutOperatorKey(this, config);

    this.httpApi = new HttpApi(this, 'HttpApi', {
      apiName: `optgate-${config.stage}`,
      description: 'optgate: admin API, provider webhooks, health',
      // The default stage is created below with throttling and access logs, which HttpApi's own cannot take.
      createDefaultStage: false,
      // No CORS: the admin API is called server to server and webhooks by providers, never by browsers.
    });

    // The function env refers to the API's endpoint (ApiId, region, URL suffix), never to its stage or
    // routes: routes depend on functions, functions depend only on the HttpApi resource, so no cycle.
    this.publicBaseUrl = config.publicDomain ? `https://${config.publicDomain}` : this.httpApi.apiEndpoint;

    const functions = new Map<string, OptgateFunction>();
    for (const definition of props.functions) {
      const fn = new OptgateFunction(this, definition.name, {
        definition,
        stage: config.stage,
        logRetention: config.logRetention,
        tracing: config.xray,
        ...(definition.sendsMessages && config.sendingConcurrency !== undefined ? { reservedConcurrency: config.sendingConcurrency } : {}),
        ...(isInvokedAsynchronously(definition) ? { deadLetterQueue: props.deadLetterQueues.asyncFailures } : {}),
        environment: {
          [ENV.tableName]: props.table.tableName,
          [ENV.publicBaseUrl]: this.publicBaseUrl,
          // The hash only: the key itself is never deployed.
          [ENV.operatorKeySha256]: config.operatorKeySha256,
          ...accountDefaultsEnv(config),
          ...Object.fromEntries(queueUrlsNeeded(definition).map((queue) => [QUEUE_URL_ENV[queue], props.queues[queue].queueUrl])),
          ...snsTopicArnsEnv(definition, props.topics),
          ...(definition.calls.includes('eventBridgePutEvents') ? { [ENV.eventBusName]: props.eventBus.eventBusName } : {}),
          // The secret's ARN, never its value: the function reads it on first use.
          ...(definition.calls.includes('serviceKeyRead') ? { [ENV.serviceKeySecret]: props.serviceKeySecret.secretArn } : {}),
        },
      });
      this.grantManifestPermissions(fn, definition, props);
      for (const trigger of definition.triggers) this.addTrigger(fn, definition, trigger, props);
      this.addRoutes(fn, definition);
      this.suppressFunctionFindings(fn, definition, config);
      functions.set(definition.name, fn);
    }
    this.functions = functions;
    this.stage = this.createDefaultStage(config, props.functions);
    this.createCustomDomain(config);
    this.createAlarms(config.stage, props.alarmTopic);
    this.dashboard = createDashboard(this, {
      stage: config.stage,
      namespace: metricsNamespace(config.stage),
      httpApi: this.httpApi,
      functions: [...functions.values()],
      queues: props.queues,
      deadLetterQueues: props.deadLetterQueues,
      table: props.table,
    });

    new CfnOutput(this, 'ApiUrl', { value: this.httpApi.apiEndpoint, description: 'HTTP API endpoint (execute-api)' });
    new CfnOutput(this, 'PublicBaseUrl', { value: this.publicBaseUrl, description: 'Base URL the functions use for signed webhook URLs' });
    new CfnOutput(this, 'TwilioWebhookUrl', {
      value: `${this.publicBaseUrl}/webhooks/twilio`,
      description: 'Set as "A message comes in" webhook (HTTP POST) of your Twilio numbers / messaging services',
    });
    new CfnOutput(this, 'TwilioStatusCallbackUrl', {
      value: `${this.publicBaseUrl}/webhooks/twilio/status`,
      description: 'Set as the status callback URL (HTTP POST) of your Twilio messaging services or outbound messages',
    });
    new CfnOutput(this, 'WhatsAppWebhookUrl', {
      value: `${this.publicBaseUrl}/webhooks/whatsapp`,
      description: 'Callback URL of your Meta app (WhatsApp > Configuration), with the verify token of your lines; subscribe to messages and user_preferences',
    });
    new CfnOutput(this, 'DashboardUrl', {
      value: `https://console.aws.amazon.com/cloudwatch/home?region=${this.region}#dashboards:name=${this.dashboard.dashboardName}`,
      description: 'CloudWatch dashboard of this stage',
    });
  }

  /** The `$default` stage: throttling (stage-wide and per route) and JSON access logs. Created after the routes it names. */
  private createDefaultStage(config: StageConfig, definitions: readonly FunctionDefinition[]): HttpStage {
    const accessLogs = new logs.LogGroup(this, 'HttpApiAccessLogs', {
      retention: config.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const stage = new HttpStage(this, 'HttpApiDefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: API_THROTTLE,
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });
    // CloudFormation takes RouteSettings as raw JSON (no camelCase conversion by the L1).
    const routeSettings: Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }> = {};
    for (const definition of definitions) {
      for (const routeKey of definition.routes) {
        const limit = routeThrottle(routeKey, definition.publicRoutes?.includes(routeKey) ?? false);
        if (limit) routeSettings[routeKey] = { ThrottlingRateLimit: limit.rateLimit, ThrottlingBurstLimit: limit.burstLimit };
      }
    }
    const cfnStage = stage.node.defaultChild as CfnStage;
    cfnStage.routeSettings = routeSettings;
    // Route settings name routes that must exist before the stage is updated.
    for (const route of this.routes) stage.node.addDependency(route);
    return stage;
  }

  /**
   * With `certificateArn`, the public domain is made here: an API Gateway custom domain (TLS 1.2,
   * regional) mapped to the default stage, and with `hostedZoneId` its alias record. Without them the
   * domain is mapped by hand (README, Configure).
   */
  private createCustomDomain(config: StageConfig): void {
    if (!config.publicDomain || !config.customDomain) return;
    const domain = new DomainName(this, 'PublicDomain', {
      domainName: config.publicDomain,
      certificate: acm.Certificate.fromCertificateArn(this, 'PublicDomainCertificate', config.customDomain.certificateArn),
      securityPolicy: SecurityPolicy.TLS_1_2,
    });
    new ApiMapping(this, 'PublicDomainMapping', { api: this.httpApi, domainName: domain, stage: this.stage });
    if (config.customDomain.hostedZoneId) {
      // L1: an L2 record wants the zone's name (a lookup or one more context key) to place a name it already knows in full.
      new route53.CfnRecordSet(this, 'PublicDomainRecord', {
        hostedZoneId: config.customDomain.hostedZoneId,
        name: `${config.publicDomain}.`,
        type: 'A',
        aliasTarget: { dnsName: domain.regionalDomainName, hostedZoneId: domain.regionalHostedZoneId },
      });
    }
    new CfnOutput(this, 'PublicDomainTarget', {
      value: domain.regionalDomainName,
      description: `Where ${config.publicDomain} must point (CNAME, or an alias A record${config.customDomain.hostedZoneId ? ': the stack made it' : ''})`,
    });
  }

  private grantManifestPermissions(fn: OptgateFunction, definition: FunctionDefinition, props: StatelessStackProps): void {
    for (const permission of permissionsFor(definition)) {
      if (permission.grantedBy !== 'policy') continue;
      fn.role.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: [...permission.actions], resources: this.resourcesOf(permission.target, props) }),
      );
    }
  }

  private resourcesOf(target: PermissionTarget, props: StatelessStackProps): string[] {
    switch (target.kind) {
      case 'table':
        // Each index by name: a query can reach the manifest's indexes and nothing added later by hand.
        return [props.table.tableArn, ...(target.indexes ? TABLE.indexes.map((index) => `${props.table.tableArn}/index/${index.name}`) : [])];
      case 'queue':
        return [props.queues[target.queue].queueArn];
      case 'asyncFailures':
        return [props.deadLetterQueues.asyncFailures.queueArn];
      case 'smsVoiceOriginationIdentities':
        // SendTextMessage is authorised on the origination identity it sends from. Pseudo parameters
        // even when the CLI knows the region, so the cdk-nag findings acknowledged below keep one form.
        return ['phone-number', 'pool', 'sender-id'].map((resource) => `arn:${Aws.PARTITION}:sms-voice:${Aws.REGION}:${Aws.ACCOUNT_ID}:${resource}/*`);
      case 'eventBus':
        return [props.eventBus.eventBusArn];
      case 'sesIdentities':
        // SendEmail is authorised on the identity it sends from.
        return [`arn:${Aws.PARTITION}:ses:${Aws.REGION}:${Aws.ACCOUNT_ID}:identity/*`];
      case 'serviceKey':
        return [props.serviceKeySecret.secretArn];
    }
  }

  private addTrigger(fn: OptgateFunction, definition: FunctionDefinition, trigger: Trigger, props: StatelessStackProps): void {
    switch (trigger.kind) {
      case 'sns':
        props.topics[trigger.topic].addSubscription(
          new snsSubscriptions.LambdaSubscription(fn.function, {
            // Notifications SNS cannot hand over at all (function missing while its stack is replaced) are kept, not dropped.
            deadLetterQueue: props.deadLetterQueues.snsDeliveryFailures,
          }),
        );
        return;
      case 'sqs': {
        fn.function.addEventSource(
          new SqsEventSource(props.queues[trigger.queue], {
            batchSize: trigger.batchSize,
            ...(trigger.maxBatchingWindowSeconds > 0 ? { maxBatchingWindow: Duration.seconds(trigger.maxBatchingWindowSeconds) } : {}),
            // Failed messages alone are retried, not the whole batch.
            reportBatchItemFailures: true,
            // A cap on the queue's pollers instead of reserved concurrency: messages wait on the queue
            // rather than being throttled back to it (and counted towards the DLQ's receives).
            maxConcurrency: props.config.gateMaxConcurrency,
          }),
        );
        const mapping = fn.function.node.children.find((child) => child instanceof lambda.EventSourceMapping);
        if (!mapping) throw new Error(`no event source mapping on ${definition.name}`);
        suppress(mapping, [
          {
            id: 'Serverless-LambdaEventSourceMappingDestination',
            reason: `SQS event sources take no on-failure destination: ${definition.name}'s failed messages go to the queue's own dead-letter queue (redrive policy, alarmed).`,
          },
        ]);
        return;
      }
      case 'schedule': {
        const rule = new events.Rule(fn, 'Schedule', {
          description: `optgate ${fn.node.id} schedule`,
          schedule: events.Schedule.expression(scheduleExpression(trigger.rate)),
          targets: [new eventsTargets.LambdaFunction(fn.function, { retryAttempts: 2 })],
        });
        suppress(rule, [
          {
            id: 'Serverless-EventBusDLQ',
            reason: `A ${trigger.rate} schedule carries no data: a tick EventBridge fails to deliver is done by the next one, and failures inside ${definition.name} reach the async-failures queue (alarmed).`,
          },
        ]);
        return;
      }
      default:
        throw unhandled(trigger, 'trigger');
    }
  }

  private addRoutes(fn: OptgateFunction, definition: FunctionDefinition): void {
    if (definition.routes.length === 0) return;
    // One integration per function (payload format 2.0, the default); one route per manifest route key.
    const integration = new HttpLambdaIntegration(`${fn.node.id}-integration`, fn.function);
    for (const routeKey of definition.routes) {
      const { method, path } = parseRouteKey(routeKey);
      const route = new HttpRoute(this.httpApi, `Route-${routeKey.replace(/[^A-Za-z0-9]+/g, '-')}`, {
        httpApi: this.httpApi,
        routeKey: HttpRouteKey.with(path, method),
        integration,
      });
      const isPublic = definition.publicRoutes?.includes(routeKey) ?? false;
      const kind = !isPublic ? 'admin' : path.startsWith('/webhooks/') ? 'webhook' : 'publicPage';
      suppress(route, [{ id: 'AwsSolutions-APIG4', reason: ROUTE_AUTHORIZATION_REASONS[kind] }]);
      this.routes.push(route);
    }
  }

  /** The findings each function's resources raise by design, each with its reason. */
  private suppressFunctionFindings(fn: OptgateFunction, definition: FunctionDefinition, config: StageConfig): void {
    const onFunction: Suppression[] = [];
    if (!isInvokedAsynchronously(definition)) {
      const invokedBy = definition.triggers.some((trigger) => trigger.kind === 'sqs') ? 'an SQS event source (failures go to the queue\'s dead-letter queue)' : 'API Gateway, synchronously (the caller sees the error; providers retry)';
      onFunction.push({ id: 'Serverless-LambdaDLQ', reason: `Never invoked asynchronously: ${definition.name} is invoked by ${invokedBy}; a Lambda DLQ only receives failed asynchronous events.` });
    }
    if (!config.xray) {
      onFunction.push({
        id: 'Serverless-LambdaTracing',
        reason: 'X-Ray is opt-in per stage (-c xray=true): traces cost per request and the Powertools logs and metrics already carry request ids, latency and outcomes.',
      });
    }
    if (onFunction.length > 0) suppress(fn.function, onFunction);

    const wildcards: Suppression[] = [];
    if (definition.calls.includes('smsVoiceSendText')) {
      wildcards.push({
        id: 'AwsSolutions-IAM5',
        reason: 'SendTextMessage is authorised on the origination identity it sends from; lines are added at run time, so any phone number, pool or sender id of this account (never another account).',
        appliesTo: ['phone-number', 'pool', 'sender-id'].map((resource) => `Resource::arn:<AWS::Partition>:sms-voice:<AWS::Region>:<AWS::AccountId>:${resource}/*`),
      });
    }
    if (definition.calls.includes('sesSendEmail')) {
      wildcards.push({
        id: 'AwsSolutions-IAM5',
        reason: 'SendEmail is authorised on the sending identity; email lines are added at run time, so any verified identity of this account (never another account).',
        appliesTo: ['Resource::arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:identity/*'],
      });
    }
    if (config.xray) {
      wildcards.push({
        id: 'AwsSolutions-IAM5',
        reason: 'xray:PutTraceSegments and PutTelemetryRecords support no resource-level permissions (Resource must be *); added by Lambda tracing.',
        appliesTo: ['Resource::*'],
      });
    }
    const defaultPolicy = fn.role.node.tryFindChild('DefaultPolicy');
    if (wildcards.length > 0 && defaultPolicy) suppress(defaultPolicy, wildcards);
  }

  /** Errors and throttles of every function, and 5xx answers of the API, notify the alarm topic. */
  private createAlarms(stage: string, alarmTopic: sns.ITopic): void {
    const action = new cloudwatchActions.SnsAction(alarmTopic);
    for (const [name, fn] of this.functions) {
      const errors = new cloudwatch.Alarm(fn, 'ErrorsAlarm', {
        alarmName: `${stage}-optgate-${name}-errors`,
        alarmDescription: `${name} failed (threw or timed out) in the last 5 minutes: see its log group and README, Operations.`,
        metric: fn.function.metricErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      errors.addAlarmAction(action);
      const throttles = new cloudwatch.Alarm(fn, 'ThrottlesAlarm', {
        alarmName: `${stage}-optgate-${name}-throttles`,
        alarmDescription: `${name} was throttled in the last 5 minutes (reserved or account concurrency exhausted): callers were refused or events delayed.`,
        metric: fn.function.metricThrottles({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      throttles.addAlarmAction(action);
    }
    const serverErrors = new cloudwatch.Alarm(this, 'Api5xxAlarm', {
      alarmName: `${stage}-optgate-api-5xx`,
      alarmDescription: 'The HTTP API answered 5xx at least 5 times in 5 minutes (function errors, timeouts or throttling).',
      metric: this.httpApi.metricServerError({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
      threshold: 5,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    serverErrors.addAlarmAction(action);
  }
}

/** A manifest value this app does not know how to wire yet: a compile error first, a synth error at worst. */
function unhandled(value: never, what: string): Error {
  return new Error(`optgate CDK app: unhandled ${what} in the manifest: ${JSON.stringify(value)}`);
}

/** "POST /v1/lines" → method and path. */
export function parseRouteKey(routeKey: RouteKey): { method: HttpMethod; path: string } {
  const [method, path] = routeKey.split(' ') as [string, string];
  if (!Object.values<string>(HttpMethod).includes(method) || !path.startsWith('/')) {
    throw new Error(`malformed route key in the manifest: "${routeKey}"`);
  }
  return { method: method as HttpMethod, path };
}

/** The manifest gives a rate such as "1 hour"; full `rate(…)` / `cron(…)` expressions pass through. */
export function scheduleExpression(rate: string): string {
  return /^(rate|cron)\(.*\)$/.test(rate) ? rate : `rate(${rate})`;
}
