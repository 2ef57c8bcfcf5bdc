/**
 * The replaceable half: one Lambda function per manifest entry, the HTTP API with the manifest's routes,
 * and the triggers (SNS, SQS, schedules). Holds no data; the stateful stack's resources come in as props.
 */

import { ArnFormat, CfnOutput, Duration, Fn, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, HttpMethod, HttpRoute, HttpRouteKey, HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventsTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as snsSubscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { ENV } from '../../shared/config/service-config.ts';
import type { FunctionDefinition, QueueName, RouteKey, TopicName, Trigger } from '../../shared/manifest.ts';
import { OptgateFunction } from './optgate-function.ts';
import { blockDeployWithoutOperatorKey, type StageConfig } from './stage-config.ts';

// ---------------------------------------------------------------------------------------------------
// Least privilege, derived from the manifest. A pure function so tests can compare it with the template.
// ---------------------------------------------------------------------------------------------------

/** What a permission applies to; the stack turns each into concrete ARNs. */
export type PermissionTarget =
  | { readonly kind: 'table' } // the table and its indexes
  | { readonly kind: 'queue'; readonly queue: QueueName }
  | { readonly kind: 'smsVoiceOriginationIdentities' } // phone numbers, pools and sender ids of this account
  | { readonly kind: 'eventBus' } // the bus ConsentChanged events go to
  | { readonly kind: 'sesIdentities' }; // verified SES identities (domains, addresses) of this account

export interface Permission {
  readonly target: PermissionTarget;
  readonly actions: readonly string[];
  /**
   * `policy`: the stack writes the statement. `sqsEventSource`: the SQS event source grants exactly
   * these actions itself; listed so that the function's whole policy is described here.
   */
  readonly grantedBy: 'policy' | 'sqsEventSource';
}

/** Reads by key and by query; no Scan (the retention sweep queries its index, it never scans the table). */
export const TABLE_READ_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:ConditionCheckItem',
  'dynamodb:DescribeTable',
] as const;
/** TransactWriteItems has no IAM action of its own: it is authorised per Put/Update/Delete/ConditionCheck. */
export const TABLE_WRITE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'] as const;
/** SendMessageBatch is authorised as SendMessage. */
export const QUEUE_SEND_ACTIONS = ['sqs:SendMessage', 'sqs:GetQueueAttributes'] as const;
/** What `SqsEventSource` grants (queue.grantConsumeMessages) for the Lambda poller. */
export const QUEUE_CONSUME_ACTIONS = [
  'sqs:ReceiveMessage',
  'sqs:ChangeMessageVisibility',
  'sqs:GetQueueUrl',
  'sqs:DeleteMessage',
  'sqs:GetQueueAttributes',
] as const;
export const SMS_VOICE_SEND_TEXT_ACTIONS = ['sms-voice:SendTextMessage'] as const;
export const EVENTS_PUT_EVENTS_ACTIONS = ['events:PutEvents'] as const;
export const SES_SEND_EMAIL_ACTIONS = ['ses:SendEmail'] as const;

export function permissionsFor(fn: FunctionDefinition): Permission[] {
  const permissions: Permission[] = [];
  if (fn.table === 'read') {
    permissions.push({ target: { kind: 'table' }, actions: [...TABLE_READ_ACTIONS], grantedBy: 'policy' });
  } else if (fn.table === 'readWrite') {
    permissions.push({ target: { kind: 'table' }, actions: [...TABLE_READ_ACTIONS, ...TABLE_WRITE_ACTIONS], grantedBy: 'policy' });
  }
  for (const queue of new Set(fn.sendsTo)) {
    permissions.push({ target: { kind: 'queue', queue }, actions: [...QUEUE_SEND_ACTIONS], grantedBy: 'policy' });
  }
  for (const trigger of fn.triggers) {
    if (trigger.kind === 'sqs') {
      permissions.push({ target: { kind: 'queue', queue: trigger.queue }, actions: [...QUEUE_CONSUME_ACTIONS], grantedBy: 'sqsEventSource' });
    }
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

/**
 * SNS-triggered functions verify every message's signature and accept only the topics they
 * subscribe to: their ARNs, comma-separated (empty for functions without SNS triggers).
 */
export function snsTopicArnsEnv(fn: FunctionDefinition, topics: Readonly<Record<TopicName, sns.ITopic>>): Record<string, string> {
  const names = [...new Set(fn.triggers.flatMap((trigger) => (trigger.kind === 'sns' ? [trigger.topic] : [])))];
  if (names.length === 0) return {};
  return { [ENV.snsTopicArns]: Fn.join(',', names.map((name) => topics[name].topicArn)) };
}

// ---------------------------------------------------------------------------------------------------
// The stack
// ---------------------------------------------------------------------------------------------------

/**
 * Stage-wide request limits. Well under the account's API Gateway quota, so one noisy caller or a
 * retry storm cannot starve other APIs in the account, yet above a STOP wave after a large campaign.
 */
export const API_THROTTLE = { rateLimit: 100, burstLimit: 200 } as const;
export const API_ACCESS_LOG_RETENTION = logs.RetentionDays.ONE_MONTH;

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

export interface StatelessStackProps extends StackProps {
  readonly config: StageConfig;
  readonly functions: readonly FunctionDefinition[];
  readonly table: dynamodb.ITableV2;
  readonly queues: Readonly<Record<QueueName, sqs.IQueue>>;
  readonly topics: Readonly<Record<TopicName, sns.ITopic>>;
}

export class StatelessStack extends Stack {
  readonly httpApi: HttpApi;
  readonly functions: ReadonlyMap<string, OptgateFunction>;
  /** What providers call and sign: https://<publicDomain>, else the execute-api endpoint. */
  readonly publicBaseUrl: string;

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
    this.createDefaultStage();

    // The function env refers to the API's endpoint (ApiId, region, URL suffix), never to its stage or
    // routes: routes depend on functions, functions depend only on the HttpApi resource, so no cycle.
    this.publicBaseUrl = config.publicDomain ? `https://${config.publicDomain}` : this.httpApi.apiEndpoint;

    const functions = new Map<string, OptgateFunction>();
    for (const definition of props.functions) {
      const fn = new OptgateFunction(this, definition.name, {
        definition,
        environment: {
          [ENV.tableName]: props.table.tableName,
          [ENV.publicBaseUrl]: this.publicBaseUrl,
          // The hash only: the key itself is never deployed.
          [ENV.operatorKeySha256]: config.operatorKeySha256,
          ...Object.fromEntries([...new Set(definition.sendsTo)].map((queue) => [QUEUE_URL_ENV[queue], props.queues[queue].queueUrl])),
          ...snsTopicArnsEnv(definition, props.topics),
        },
      });
      this.grantManifestPermissions(fn, definition, props);
      for (const trigger of definition.triggers) this.addTrigger(fn, trigger, props);
      this.addRoutes(fn, definition.routes);
      functions.set(definition.name, fn);
    }
    this.functions = functions;

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
  }

  private createDefaultStage(): void {
    const accessLogs = new logs.LogGroup(this, 'HttpApiAccessLogs', {
      retention: API_ACCESS_LOG_RETENTION,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    new HttpStage(this, 'HttpApiDefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: API_THROTTLE,
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
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
        return [props.table.tableArn, `${props.table.tableArn}/index/*`];
      case 'queue':
        return [props.queues[target.queue].queueArn];
      case 'smsVoiceOriginationIdentities':
        // SendTextMessage is authorised on the origination identity it sends from.
        return ['phone-number', 'pool', 'sender-id'].map((resource) =>
          this.formatArn({ service: 'sms-voice', resource, resourceName: '*', arnFormat: ArnFormat.SLASH_RESOURCE_NAME }),
        );
      case 'eventBus':
        // The account's default bus until the stateful stack owns a bus (OPTGATE_EVENT_BUS_NAME then names it).
        return [this.formatArn({ service: 'events', resource: 'event-bus', resourceName: 'default', arnFormat: ArnFormat.SLASH_RESOURCE_NAME })];
      case 'sesIdentities':
        // SendEmail is authorised on the identity it sends from.
        return [this.formatArn({ service: 'ses', resource: 'identity', resourceName: '*', arnFormat: ArnFormat.SLASH_RESOURCE_NAME })];
    }
  }

  private addTrigger(fn: OptgateFunction, trigger: Trigger, props: StatelessStackProps): void {
    switch (trigger.kind) {
      case 'sns':
        props.topics[trigger.topic].addSubscription(new snsSubscriptions.LambdaSubscription(fn.function));
        return;
      case 'sqs':
        fn.function.addEventSource(
          new SqsEventSource(props.queues[trigger.queue], {
            batchSize: trigger.batchSize,
            ...(trigger.maxBatchingWindowSeconds > 0 ? { maxBatchingWindow: Duration.seconds(trigger.maxBatchingWindowSeconds) } : {}),
            // Failed messages alone are retried, not the whole batch.
            reportBatchItemFailures: true,
          }),
        );
        return;
      case 'schedule':
        new events.Rule(fn, 'Schedule', {
          description: `optgate ${fn.node.id} schedule`,
          schedule: events.Schedule.expression(scheduleExpression(trigger.rate)),
          targets: [new eventsTargets.LambdaFunction(fn.function)],
        });
        return;
      default:
        throw unhandled(trigger, 'trigger');
    }
  }

  private addRoutes(fn: OptgateFunction, routes: readonly RouteKey[]): void {
    if (routes.length === 0) return;
    // One integration per function (payload format 2.0, the default); one route per manifest route key.
    const integration = new HttpLambdaIntegration(`${fn.node.id}-integration`, fn.function);
    for (const routeKey of routes) {
      const { method, path } = parseRouteKey(routeKey);
      new HttpRoute(this.httpApi, `Route-${routeKey.replace(/[^A-Za-z0-9]+/g, '-')}`, {
        httpApi: this.httpApi,
        routeKey: HttpRouteKey.with(path, method),
        integration,
      });
    }
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
