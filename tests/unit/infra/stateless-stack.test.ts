import { describe, it, expect, beforeAll } from 'vitest';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { ENV } from '../../../shared/config/service-config.ts';
import { FUNCTIONS, routeTable, TABLE, type FunctionDefinition } from '../../../shared/manifest.ts';
import type { StageConfig } from '../../../infra/cdk/stage-config.ts';
import {
  ACCESS_LOG_FIELDS,
  API_THROTTLE,
  isInvokedAsynchronously,
  QUEUE_URL_ENV,
  queueUrlsNeeded,
  routeThrottle,
  permissionsFor,
  type StatelessStack,
} from '../../../infra/cdk/stateless-stack.ts';
import { logicalIdOf, synthOptgate, TEST_KEY_HASH, type CfnResourceJson, type SynthesizedOptgate } from '../../support/cdk.ts';

/** Both stacks synthesized without bundling (tests/support/cdk.ts); real bundling is covered by cdk-app.test.ts. */

const KEY_HASH = TEST_KEY_HASH;

interface Synthesized {
  stack: StatelessStack;
  template: Template;
  resources: Record<string, CfnResourceJson>;
  config: StageConfig;
  all: SynthesizedOptgate;
}

type CfnResource = CfnResourceJson;

interface PolicyStatementJson {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

function synth(context: Record<string, unknown>, functions: readonly FunctionDefinition[]): Synthesized {
  const all = synthOptgate(context, functions);
  return { stack: all.stateless, template: all.statelessTemplate, resources: all.statelessResources, config: all.config, all };
}

function functionResource({ stack, resources }: Synthesized, name: string): { logicalId: string; resource: CfnResource } {
  const fn = stack.functions.get(name);
  if (!fn) throw new Error(`no function ${name}`);
  const logicalId = logicalIdOf(stack, fn.function.node.defaultChild);
  const resource = resources[logicalId];
  if (!resource) throw new Error(`no resource ${logicalId}`);
  return { logicalId, resource };
}

function environmentOf(synthesized: Synthesized, name: string): Record<string, unknown> {
  const { resource } = functionResource(synthesized, name);
  return (resource.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
}

/** Every IAM policy statement attached to the function's role (not the role's own inline policy). */
function attachedStatements(synthesized: Synthesized, name: string): PolicyStatementJson[] {
  const fn = synthesized.stack.functions.get(name);
  if (!fn) throw new Error(`no function ${name}`);
  const roleRef = { Ref: logicalIdOf(synthesized.stack, fn.role.node.defaultChild) };
  return Object.values(synthesized.resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles).includes(JSON.stringify(roleRef)))
    .flatMap((r) => (r.Properties.PolicyDocument as { Statement: PolicyStatementJson[] }).Statement);
}

const actionsIn = (statements: PolicyStatementJson[]): string[] => statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
/** Everything on the role's attached policy: the manifest's grants and the async DLQ, not the event source's (those sit on the same policy too). */
const expectedActions = (fn: FunctionDefinition): string[] => [...new Set(permissionsFor(fn).flatMap((p) => [...p.actions]))].sort();
const definitionOf = (name: string): FunctionDefinition => {
  const fn = (FUNCTIONS as readonly FunctionDefinition[]).find((candidate) => candidate.name === name);
  if (!fn) throw new Error(`no manifest function ${name}`);
  return fn;
};

let real: Synthesized;
beforeAll(() => {
  real = synth({ stage: 'prod', operatorKeySha256: KEY_HASH }, FUNCTIONS);
});

describe('stateless stack: functions', () => {
  it('skips bundling in this test (see the file comment)', () => {
    expect(real.stack.bundlingRequired).toBe(false);
  });

  it('creates exactly one function per manifest entry', () => {
    real.template.resourceCountIs('AWS::Lambda::Function', FUNCTIONS.length);
  });

  it.each(FUNCTIONS.map((fn) => [fn.name, fn] as const))('%s: Node.js 24 on arm64 with the manifest’s timeout and memory', (name, fn) => {
    const { resource } = functionResource(real, name);
    expect(resource.Properties).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Timeout: fn.timeoutSeconds,
      MemorySize: fn.memoryMb,
      Description: fn.description,
    });
  });

  it.each(FUNCTIONS.map((fn) => fn.name))('%s: logs to its own log group kept one month, deleted with the stack', (name) => {
    const { resource } = functionResource(real, name);
    const logGroupRef = (resource.Properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
    expect(real.resources[logGroupRef]).toMatchObject({
      Type: 'AWS::Logs::LogGroup',
      Properties: { RetentionInDays: 30 },
      DeletionPolicy: 'Delete',
    });
  });

  it.each(FUNCTIONS.map((fn) => fn.name))('%s: environment has the table, base URL, key hash, defaults and Powertools (no source maps loaded at cold start), and only the references it needs', (name) => {
    const { stack } = real;
    const definition = definitionOf(name);
    expect(environmentOf(real, name)).toEqual({
      POWERTOOLS_SERVICE_NAME: 'optgate',
      POWERTOOLS_LOG_LEVEL: 'INFO',
      POWERTOOLS_METRICS_NAMESPACE: 'optgate/prod',
      [ENV.tableName]: expect.anything(),
      // The endpoint attribute of the HttpApi itself: no dependency on routes or stage, so no cycle.
      [ENV.publicBaseUrl]: { 'Fn::GetAtt': [logicalIdOf(stack, stack.httpApi.node.defaultChild), 'ApiEndpoint'] },
      [ENV.operatorKeySha256]: KEY_HASH,
      [ENV.defaultRetentionMonths]: '13',
      [ENV.defaultMessageHistoryMonths]: '13',
      // Queue URLs only for the queues the function sends to (and the outbound queue for the health probe).
      ...Object.fromEntries(queueUrlsNeeded(definition).map((queue) => [QUEUE_URL_ENV[queue], expect.anything()])),
      // SNS-triggered functions verify signatures against the topics they subscribe to.
      ...(definition.triggers.some((trigger) => trigger.kind === 'sns') ? { [ENV.snsTopicArns]: expect.anything() } : {}),
      ...(definition.calls.includes('eventBridgePutEvents') ? { [ENV.eventBusName]: expect.anything() } : {}),
      ...(definition.calls.includes('serviceKeyRead') ? { [ENV.serviceKeySecret]: expect.anything() } : {}),
    });
  });

  it('names the stage’s own event bus and service key secret by reference, never by value', () => {
    const publisher = environmentOf(real, 'inbound-twilio');
    expect(JSON.stringify(publisher[ENV.eventBusName])).toMatch(/ConsentEventBus/);
    expect(JSON.stringify(publisher[ENV.serviceKeySecret])).toMatch(/ServiceKeys/);
    expect(typeof publisher[ENV.serviceKeySecret]).toBe('object');
    expect(environmentOf(real, 'openapi')).not.toHaveProperty(ENV.serviceKeySecret);
    expect(environmentOf(real, 'retention-sweep')).not.toHaveProperty(ENV.eventBusName);
  });

  it('gives each SNS-triggered function exactly the ARNs of its own topics', () => {
    const topicsOf = (name: string) => JSON.stringify(environmentOf(real, name)[ENV.snsTopicArns]);
    expect(topicsOf('inbound-ses')).toMatch(/sesInboundTopic/);
    expect(topicsOf('inbound-ses')).toMatch(/sesFeedbackTopic/);
    expect(topicsOf('inbound-ses')).not.toMatch(/awsSms/);
    expect(topicsOf('aws-sms-events')).toMatch(/awsSmsEventsTopic/);
    expect(topicsOf('aws-sms-events')).not.toMatch(/ses|awsSmsInbound/);
  });

  it('holds no secret in any environment variable (only the SHA-256 of the operator key and the secret’s ARN)', () => {
    for (const fn of FUNCTIONS) {
      for (const [name, value] of Object.entries(environmentOf(real, fn.name))) {
        if (name === ENV.operatorKeySha256) {
          expect(value).toMatch(/^[0-9a-f]{64}$/);
          continue;
        }
        if (name === ENV.serviceKeySecret) {
          // A reference to the secret's ARN, resolved by CloudFormation: the value never enters the template.
          expect(JSON.stringify(value)).not.toContain('SecretString');
          expect(typeof value).toBe('object');
          continue;
        }
        expect(name, fn.name).not.toMatch(/SECRET|PASSWORD|PASSWD|TOKEN|PRIVATE|CREDENTIAL|API_?KEY|AUTH|KEY$/i);
      }
    }
  });

  it('keeps logs for the configured period (logRetentionDays) and traces with X-Ray only when asked', () => {
    for (const fn of FUNCTIONS) {
      const { resource } = functionResource(real, fn.name);
      expect(resource.Properties.TracingConfig, fn.name).toBeUndefined();
    }
    const traced = synth({ stage: 'prod', operatorKeySha256: KEY_HASH, xray: 'true', logRetentionDays: '90' }, FUNCTIONS.slice(0, 2));
    const { resource } = functionResource(traced, FUNCTIONS[0].name);
    expect(resource.Properties.TracingConfig).toEqual({ Mode: 'Active' });
    expect(actionsIn(attachedStatements(traced, FUNCTIONS[0].name))).toEqual(expect.arrayContaining(['xray:PutTraceSegments', 'xray:PutTelemetryRecords']));
    const logGroupRef = (resource.Properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
    expect(traced.resources[logGroupRef]?.Properties.RetentionInDays).toBe(90);
  });

  it('caps the concurrency of the functions that send messages, and only those', () => {
    for (const fn of FUNCTIONS as readonly FunctionDefinition[]) {
      const { resource } = functionResource(real, fn.name);
      expect(resource.Properties.ReservedConcurrentExecutions, fn.name).toBe(fn.sendsMessages ? 10 : undefined);
    }
    expect((FUNCTIONS as readonly FunctionDefinition[]).filter((fn) => fn.sendsMessages).map((fn) => fn.name).sort()).toEqual(['forms', 'inbound-aws-sms', 'inbound-whatsapp']);
    const uncapped = synth({ stage: 'prod', operatorKeySha256: KEY_HASH, sendingConcurrency: '0' }, [definitionOf('forms')]);
    expect(functionResource(uncapped, 'forms').resource.Properties.ReservedConcurrentExecutions).toBeUndefined();
  });

  it('sends events that asynchronous invocations failed on to the async-failures queue; synchronous functions have none', () => {
    const asyncFailures = logicalIdOf(real.all.stateful, real.all.stateful.deadLetterQueues.asyncFailures.node.defaultChild);
    for (const fn of FUNCTIONS as readonly FunctionDefinition[]) {
      const { resource } = functionResource(real, fn.name);
      if (isInvokedAsynchronously(fn)) expect(JSON.stringify(resource.Properties.DeadLetterConfig), fn.name).toContain(asyncFailures);
      else expect(resource.Properties.DeadLetterConfig, fn.name).toBeUndefined();
    }
  });
});

describe('stateless stack: least privilege', () => {
  it.each(FUNCTIONS.map((fn) => [fn.name, fn] as const))('%s: its policy has exactly the actions permissionsFor gives', (name, fn) => {
    const statements = attachedStatements(real, name);
    expect([...new Set(actionsIn(statements))].sort()).toEqual(expectedActions(fn));
  });

  it('grants no wildcard action, no Scan and no Resource "*" in any policy of the stack', () => {
    for (const [id, resource] of Object.entries(real.resources)) {
      if (resource.Type !== 'AWS::IAM::Policy' && resource.Type !== 'AWS::IAM::Role') continue;
      const documents =
        resource.Type === 'AWS::IAM::Policy'
          ? [resource.Properties.PolicyDocument]
          : ((resource.Properties.Policies ?? []) as { PolicyDocument: unknown }[]).map((p) => p.PolicyDocument);
      for (const document of documents) {
        for (const statement of (document as { Statement: PolicyStatementJson[] }).Statement) {
          for (const action of Array.isArray(statement.Action) ? statement.Action : [statement.Action]) {
            expect(action, id).not.toMatch(/\*|dynamodb:Scan/);
          }
          expect(statement.Resource, id).not.toEqual('*');
          expect(JSON.stringify(statement.Resource), id).not.toContain('"*"');
        }
      }
    }
  });

  it('scopes table actions to the table and its named indexes, SendTextMessage to this account’s origination identities', () => {
    const statements = attachedStatements(real, 'inbound-aws-sms');
    const table = statements.find((s) => actionsIn([s]).includes('dynamodb:PutItem'));
    for (const index of TABLE.indexes) expect(JSON.stringify(table?.Resource)).toContain(`/index/${index.name}`);
    expect(JSON.stringify(table?.Resource)).not.toContain('/index/*');
    // DescribeTable alone (the health probe): the table, no index.
    const health = attachedStatements(real, 'health').find((s) => actionsIn([s]).includes('dynamodb:DescribeTable'));
    expect(JSON.stringify(health?.Resource)).not.toContain('/index/');
    const sms = statements.find((s) => actionsIn([s]).includes('sms-voice:SendTextMessage'));
    const smsResources = JSON.stringify(sms?.Resource);
    for (const resource of ['phone-number/*', 'pool/*', 'sender-id/*']) expect(smsResources).toContain(`:${resource}`);
    expect(smsResources).toContain('AWS::AccountId');
  });

  it('scopes PutEvents to the stage’s bus, GetSecretValue to the service key secret and SendEmail to this account’s SES identities', () => {
    const statements = attachedStatements(real, 'forms');
    const events = statements.find((s) => actionsIn([s]).includes('events:PutEvents'));
    expect(JSON.stringify(events?.Resource)).toMatch(/ConsentEventBus/);
    expect(JSON.stringify(events?.Resource)).not.toMatch(/event-bus\/default/);
    const secret = statements.find((s) => actionsIn([s]).includes('secretsmanager:GetSecretValue'));
    expect(JSON.stringify(secret?.Resource)).toMatch(/ServiceKeys/);
    const ses = statements.find((s) => actionsIn([s]).includes('ses:SendEmail'));
    expect(JSON.stringify(ses?.Resource)).toContain(':identity/*');
    expect(JSON.stringify(ses?.Resource)).toContain('AWS::AccountId');
    expect(actionsIn(attachedStatements(real, 'admin-api'))).not.toContain('ses:SendEmail');
  });

  it('gives each role only its own log group, not the AWSLambdaBasicExecutionRole managed policy', () => {
    for (const fn of FUNCTIONS) {
      const optgateFunction = real.stack.functions.get(fn.name);
      const role = real.resources[logicalIdOf(real.stack, optgateFunction?.role.node.defaultChild)];
      expect(role?.Properties.ManagedPolicyArns).toBeUndefined();
      expect(role?.Properties.Policies).toEqual([
        {
          PolicyName: 'WriteOwnLogGroup',
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
                Resource: { 'Fn::GetAtt': [logicalIdOf(real.stack, optgateFunction?.logGroup.node.defaultChild), 'Arn'] },
              },
            ],
          },
        },
      ]);
    }
  });
});

describe('stateless stack: HTTP API', () => {
  it('has one route per manifest route, integrated (payload 2.0) with the function that serves it', () => {
    const routes = routeTable();
    real.template.resourceCountIs('AWS::ApiGatewayV2::Route', routes.length);
    const integrations = real.template.findResources('AWS::ApiGatewayV2::Integration');
    const routeResources = Object.values(real.template.findResources('AWS::ApiGatewayV2::Route')) as CfnResource[];

    for (const { routeKey, fn } of routes) {
      const route = routeResources.find((r) => r.Properties.RouteKey === routeKey);
      expect(route, routeKey).toBeDefined();
      const target = JSON.stringify(route?.Properties.Target);
      const integrationId = Object.keys(integrations).find((id) => target.includes(`"${id}"`));
      expect(integrationId, routeKey).toBeDefined();
      expect(integrations[integrationId ?? '']?.Properties).toMatchObject({
        IntegrationType: 'AWS_PROXY',
        PayloadFormatVersion: '2.0',
        IntegrationUri: { 'Fn::GetAtt': [functionResource(real, fn.name).logicalId, 'Arn'] },
      });
    }
  });

  it('has no CORS configuration', () => {
    real.template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP', CorsConfiguration: Match.absent() });
  });

  it('throttles the default stage and writes JSON access logs without headers, bodies or paths', () => {
    real.template.resourceCountIs('AWS::ApiGatewayV2::Stage', 1);
    const [stage] = Object.values(real.template.findResources('AWS::ApiGatewayV2::Stage')) as CfnResource[];
    expect(stage?.Properties).toMatchObject({
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingBurstLimit: API_THROTTLE.burstLimit, ThrottlingRateLimit: API_THROTTLE.rateLimit },
    });
    const accessLogs = stage?.Properties.AccessLogSettings as { Format: string; DestinationArn: { 'Fn::GetAtt': [string, string] } };
    const format = JSON.parse(accessLogs.Format) as Record<string, string>;
    expect(format).toEqual(ACCESS_LOG_FIELDS);
    expect(Object.keys(format)).toEqual(expect.arrayContaining(['requestId', 'ip', 'routeKey', 'status', 'latency']));
    expect(accessLogs.Format).not.toMatch(/\$(context\.path|input|request\.header|request\.body|context\.identity\.userAgent)/);
    expect(real.resources[accessLogs.DestinationArn['Fn::GetAtt'][0]]).toMatchObject({
      Type: 'AWS::Logs::LogGroup',
      Properties: { RetentionInDays: 30 },
    });
  });

  it('throttles routes that differ from the stage default: webhooks higher, public pages and account creation lower', () => {
    const [stage] = Object.values(real.template.findResources('AWS::ApiGatewayV2::Stage')) as CfnResource[];
    const settings = stage?.Properties.RouteSettings as Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }>;
    for (const { routeKey, isPublic } of routeTable()) {
      const limit = routeThrottle(routeKey, isPublic);
      if (limit) expect(settings[routeKey], routeKey).toEqual({ ThrottlingRateLimit: limit.rateLimit, ThrottlingBurstLimit: limit.burstLimit });
      else expect(settings[routeKey], routeKey).toBeUndefined();
    }
    expect(settings['POST /webhooks/twilio']).toEqual({ ThrottlingRateLimit: 200, ThrottlingBurstLimit: 400 });
    expect(settings['POST /v1/accounts']).toEqual({ ThrottlingRateLimit: 1, ThrottlingBurstLimit: 5 });
    expect(settings['POST /forms/{formId}']).toEqual({ ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 });
    expect(settings['GET /v1/lines']).toBeUndefined();
    // Route settings name routes: the stage is deployed after them.
    const stageResource = Object.values(real.template.findResources('AWS::ApiGatewayV2::Stage'))[0] as CfnResource;
    expect(stageResource.DependsOn?.length).toBeGreaterThanOrEqual(routeTable().length);
  });

  it('alarms on every function’s errors and throttles and on API 5xx, all notifying the alarm topic', () => {
    const alarms = Object.values(real.template.findResources('AWS::CloudWatch::Alarm')) as CfnResource[];
    for (const fn of FUNCTIONS) {
      const { logicalId } = functionResource(real, fn.name);
      for (const metric of ['Errors', 'Throttles']) {
        const alarm = alarms.find((a) => a.Properties.MetricName === metric && JSON.stringify(a.Properties.Dimensions).includes(logicalId));
        expect(alarm, `${fn.name} ${metric}`).toBeDefined();
        expect(alarm?.Properties).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', TreatMissingData: 'notBreaching' });
        expect(JSON.stringify(alarm?.Properties.AlarmActions)).toMatch(/AlarmTopic/);
      }
    }
    expect(alarms.find((a) => a.Properties.MetricName === '5xx')?.Properties).toMatchObject({ Namespace: 'AWS/ApiGateway', Threshold: 5 });
    expect(alarms).toHaveLength(FUNCTIONS.length * 2 + 1);
  });

  it('has one dashboard with the application metrics, functions, queues and table', () => {
    real.template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    const [dashboard] = Object.values(real.template.findResources('AWS::CloudWatch::Dashboard')) as CfnResource[];
    expect(dashboard?.Properties.DashboardName).toBe('optgate-prod');
    const body = JSON.stringify(dashboard?.Properties.DashboardBody);
    for (const [metric, dimension] of [['OptOuts', 'channel'], ['OptIns', 'channel'], ['GateDecisions', 'outcome'], ['SignatureFailures', 'source']]) {
      expect(body).toMatch(new RegExp(`SEARCH\\('\\{optgate/prod,service,${dimension}\\} MetricName=[\\\\"]+${metric}`));
    }
    for (const word of ['ApproximateNumberOfMessagesVisible', 'ApproximateAgeOfOldestMessage', 'Throttles', 'Errors', 'ConsumedReadCapacityUnits', '5xx']) expect(body).toContain(word);
  });

  it('outputs the API URL and the webhook URLs to configure at the providers', () => {
    const apiEndpoint = { 'Fn::GetAtt': [logicalIdOf(real.stack, real.stack.httpApi.node.defaultChild), 'ApiEndpoint'] };
    real.template.hasOutput('ApiUrl', { Value: apiEndpoint });
    real.template.hasOutput('TwilioWebhookUrl', { Value: { 'Fn::Join': ['', [apiEndpoint, '/webhooks/twilio']] } });
    real.template.hasOutput('TwilioStatusCallbackUrl', { Value: { 'Fn::Join': ['', [apiEndpoint, '/webhooks/twilio/status']] } });
    real.template.hasOutput('WhatsAppWebhookUrl', { Value: { 'Fn::Join': ['', [apiEndpoint, '/webhooks/whatsapp']] } });
  });
});

describe('stateless stack: triggers', () => {
  const snsSubscriptions = FUNCTIONS.flatMap((fn: FunctionDefinition) => fn.triggers.filter((trigger) => trigger.kind === 'sns').map(() => fn.name));

  it('creates one subscription per SNS trigger of the manifest', () => {
    expect(snsSubscriptions).toEqual(expect.arrayContaining(['inbound-aws-sms', 'aws-sms-events', 'inbound-ses']));
    real.template.resourceCountIs('AWS::SNS::Subscription', snsSubscriptions.length);
  });

  it.each([...new Set(snsSubscriptions)])('subscribes %s to its topics and lets SNS invoke it', (name) => {
    const { logicalId } = functionResource(real, name);
    real.template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      Endpoint: { 'Fn::GetAtt': [logicalId, 'Arn'] },
      TopicArn: Match.anyValue(),
      // What SNS cannot deliver to the function at all is kept, not dropped.
      RedrivePolicy: { deadLetterTargetArn: Match.anyValue() },
    });
    real.template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'sns.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [logicalId, 'Arn'] },
    });
  });
});

/**
 * Triggers and options the manifest does not use yet (an SQS-fed gate, a scheduled sweep, a public
 * domain), so that the wiring is proven before the functions that need it arrive.
 */
describe('stateless stack: wiring for later manifest entries', () => {
  const gate: FunctionDefinition = {
    name: 'outbound-gate',
    entry: 'functions/health/handler.ts',
    description: 'gate',
    routes: [],
    triggers: [{ kind: 'sqs', queue: 'outbound', batchSize: 100, maxBatchingWindowSeconds: 5 }],
    table: 'read',
    sendsTo: ['dispatch', 'suppressed', 'outboundDlq'],
    calls: [],
    timeoutSeconds: 30,
    memoryMb: 1024,
  };
  const sweep: FunctionDefinition = {
    ...gate,
    name: 'retention',
    description: 'sweep',
    triggers: [{ kind: 'schedule', rate: '1 hour' }],
    table: 'readWrite',
    sendsTo: [],
    timeoutSeconds: 300,
  };
  let later: Synthesized;
  let statefulTemplate: Template;
  beforeAll(() => {
    later = synth({ stage: 'staging', operatorKeySha256: KEY_HASH, publicDomain: 'consent.example.com' }, [gate, sweep]);
    statefulTemplate = later.all.statefulTemplate;
  });

  it('polls the outbound queue in batches, reporting item failures, with at most gateMaxConcurrency pollers', () => {
    later.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: functionResource(later, 'outbound-gate').logicalId },
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 5,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 10 },
    });
  });

  it('derives the outbound visibility timeout from the consumer: 6 × 30 s + 5 s', () => {
    statefulTemplate.hasResourceProperties('AWS::SQS::Queue', { QueueName: 'staging-optgate-outbound', VisibilityTimeout: 185 });
  });

  it('gives queue URLs only for the queues a function sends to', () => {
    const gateEnv = environmentOf(later, 'outbound-gate');
    expect(Object.keys(gateEnv)).toEqual(expect.arrayContaining([ENV.dispatchQueueUrl, ENV.suppressedQueueUrl, ENV.outboundDlqUrl]));
    expect(gateEnv).not.toHaveProperty(ENV.outboundQueueUrl);
    expect(Object.keys(environmentOf(later, 'retention')).filter((k) => k.endsWith('_URL') && k !== ENV.publicBaseUrl)).toEqual([]);
  });

  it('uses https://<publicDomain> as PUBLIC_BASE_URL when one is given', () => {
    expect(environmentOf(later, 'retention')[ENV.publicBaseUrl]).toBe('https://consent.example.com');
    later.template.hasOutput('TwilioWebhookUrl', { Value: 'https://consent.example.com/webhooks/twilio' });
  });

  it('leaves the domain to the operator without a certificate: no custom domain resources', () => {
    later.template.resourceCountIs('AWS::ApiGatewayV2::DomainName', 0);
    later.template.resourceCountIs('AWS::Route53::RecordSet', 0);
  });

  it('with certificateArn and hostedZoneId, makes the custom domain, maps the API to it and adds the alias record', () => {
    const certificateArn = 'arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
    const withDomain = synth({ stage: 'staging', operatorKeySha256: KEY_HASH, publicDomain: 'consent.example.com', certificateArn, hostedZoneId: 'Z0123456789ABCDEFGHIJ' }, [gate]);
    const [domainId] = Object.keys(withDomain.template.findResources('AWS::ApiGatewayV2::DomainName'));
    withDomain.template.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
      DomainName: 'consent.example.com',
      DomainNameConfigurations: [Match.objectLike({ CertificateArn: certificateArn, EndpointType: 'REGIONAL', SecurityPolicy: 'TLS_1_2' })],
    });
    withDomain.template.hasResource('AWS::ApiGatewayV2::ApiMapping', {
      Properties: { ApiId: { Ref: logicalIdOf(withDomain.stack, withDomain.stack.httpApi.node.defaultChild) }, DomainName: { Ref: domainId }, Stage: '$default' },
      DependsOn: [logicalIdOf(withDomain.stack, withDomain.stack.stage.node.defaultChild)],
    });
    withDomain.template.hasResourceProperties('AWS::Route53::RecordSet', {
      HostedZoneId: 'Z0123456789ABCDEFGHIJ',
      Name: 'consent.example.com.',
      Type: 'A',
      AliasTarget: { DNSName: { 'Fn::GetAtt': [domainId, 'RegionalDomainName'] }, HostedZoneId: { 'Fn::GetAtt': [domainId, 'RegionalHostedZoneId'] } },
    });
    withDomain.template.hasOutput('PublicDomainTarget', { Value: { 'Fn::GetAtt': [domainId, 'RegionalDomainName'] } });
    expect(environmentOf(withDomain, 'outbound-gate')[ENV.publicBaseUrl]).toBe('https://consent.example.com');
  });

  it('grants send, consume and table actions exactly as permissionsFor says', () => {
    for (const fn of [gate, sweep]) {
      expect([...new Set(actionsIn(attachedStatements(later, fn.name)))].sort(), fn.name).toEqual(expectedActions(fn));
    }
  });

  it('runs the sweep on an EventBridge schedule', () => {
    later.template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 hour)',
      State: 'ENABLED',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [functionResource(later, 'retention').logicalId, 'Arn'] } })],
    });
  });
});
