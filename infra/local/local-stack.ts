import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { createSqsServer } from 'local-aws-sqs';
import { ENV } from '../../shared/config/service-config.ts';
import { backfillConsentSummaries } from '../../shared/use-cases/backfill-consent-summaries.ts';
import { ConsentStore } from '../../shared/adapters/dynamodb/consent-store.ts';
import { KeyringSecretBox } from '../../shared/security/secret-box.ts';
import { parseServiceKeyring } from '../../shared/security/service-keyring.ts';
import { FUNCTIONS, type FunctionDefinition, type QueueName } from '../../shared/manifest.ts';
import { startDynamoDbLocal } from './dynamodb-local.ts';
import type { TopicName } from '../../shared/manifest.ts';
import { createFakeAwsSmsApi } from './fake-aws-sms-api.ts';
import { createFakeWhatsAppCloudApi } from './fake-whatsapp-cloud-api.ts';
import { createFakeEventBridgeApi } from './fake-eventbridge-api.ts';
import { createFakeSesApi } from './fake-ses-api.ts';
import { createFakeSecretsManagerApi, LOCAL_SERVICE_KEY_SECRET_ID, localServiceKeySecret } from './fake-secrets-manager-api.ts';
import {
  createLocalHttpServer,
  FAKE_AWS_SMS_API_PATH,
  FAKE_EVENTBRIDGE_API_PATH,
  FAKE_SECRETS_MANAGER_API_PATH,
  FAKE_SES_API_PATH,
  FAKE_WHATSAPP_API_PATH,
  LOCAL_SNS_CERTIFICATES_PATH,
} from './http-server.ts';
import { createLambdaRuntime } from './lambda-runtime.ts';
import { createLocalSnsSigner } from './local-sns-signer.ts';
import { provisionQueues, provisionTable } from './provision.ts';
import { startQueueRecorder, type QueueRecorder } from './queue-recorder.ts';
import { startSqsEventSource, type RunningEventSource } from './sqs-event-source.ts';
import { createSweepRunner } from './sweep-runner.ts';
import { assertPortFree } from './wait-for-port.ts';

export interface LocalStackOptions {
  port: number;
  dynamoDbPort: number;
  sqsPort: number;
  /** Where DynamoDB Local keeps its files; undefined = in memory. */
  dataDir?: string;
  adminApiKey?: string;
  publicBaseUrl?: string;
  log?: (line: string) => void;
  /** Run the manifest's SQS-triggered functions as Lambda's event source mapping would (default true). */
  eventSources?: boolean;
  /** Concurrent batches per SQS event source (default 2). */
  eventSourceConcurrency?: number;
  /** Tests: drain dispatch / suppressed / DLQ into memory, searchable at GET /local/gated. */
  recordQueues?: boolean;
  /** Seconds between scheduled retention sweeps (EventBridge's part); 0 or undefined = only POST /local/sweep. */
  sweepIntervalSeconds?: number;
  /** Honour the `x-optgate-now` request header (pins the service clock for that request); for tests. */
  allowClockOverride?: boolean;
  /**
   * Where the functions reach DynamoDB and SQS, given the emulators' endpoints (default: the emulators).
   * The reliability tests put a fault-injecting proxy in between; provisioning, the SQS event sources
   * (Lambda's pollers, not the functions' calls) and the queue recorder keep talking to the emulators.
   */
  serviceEndpoints?: (emulators: { dynamoDb: string; sqs: string }) => Promise<{ dynamoDb: string; sqs: string }>;
  /**
   * Visibility timeouts instead of the deployed 6 × the consumer's timeout, so that failed messages
   * come back sooner (the reliability suite); never at or below the consumer's timeout plus its lease margin.
   */
  queueVisibilityTimeoutSeconds?: Partial<Record<QueueName, number>>;
}

export interface LocalStack {
  baseUrl: string;
  publicBaseUrl: string;
  adminApiKey: string;
  dynamoDbEndpoint: string;
  sqsEndpoint: string;
  queueUrls: Record<QueueName, string>;
  region: string;
  eventSources: { fn: FunctionDefinition; source: RunningEventSource }[];
  stop(): Promise<void>;
}

export const LOCAL_TABLE_NAME = 'optgate';
export const LOCAL_EVENT_BUS_NAME = 'optgate-local';
const LOCAL_REGION = 'us-east-1';

/** The topics the local stack plays SNS for (in AWS the CDK app creates them). */
const LOCAL_TOPIC_ARNS: Record<TopicName, string> = {
  awsSmsInbound: `arn:aws:sns:${LOCAL_REGION}:000000000000:optgate-aws-sms-inbound`,
  awsSmsEvents: `arn:aws:sns:${LOCAL_REGION}:000000000000:optgate-aws-sms-events`,
  sesInbound: `arn:aws:sns:${LOCAL_REGION}:000000000000:optgate-ses-inbound`,
  sesFeedback: `arn:aws:sns:${LOCAL_REGION}:000000000000:optgate-ses-feedback`,
};

/** A stable operator key per data folder, so a restart keeps the key that was printed before. */
function resolveAdminKey(options: LocalStackOptions): string {
  if (options.adminApiKey) return options.adminApiKey;
  const generated = `og_admin_${randomBytes(24).toString('base64url')}`;
  if (!options.dataDir) return generated;
  const file = join(options.dataDir, 'admin-api-key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  writeFileSync(file, generated, { mode: 0o600 });
  return generated;
}

const PROJECT_ROOT = resolve(import.meta.dirname, '../..');

/** What the CDK app does before bundling: each manifest function's static files, built when out of date. */
async function buildStaticAssets(log: (line: string) => void): Promise<void> {
  for (const fn of FUNCTIONS as readonly FunctionDefinition[]) {
    if (!fn.staticAssets) continue;
    const builder = (await import(pathToFileURL(resolve(PROJECT_ROOT, fn.staticAssets.build)).href)) as {
      ensureBuilt?: (options: { log: (line: string) => void }) => Promise<unknown>;
    };
    if (typeof builder.ensureBuilt !== 'function') throw new Error(`${fn.staticAssets.build} does not export ensureBuilt`);
    await builder.ensureBuilt({ log });
  }
}

/**
 * The whole service on one machine: DynamoDB Local (Java), the SQS emulator, and an HTTP server that
 * plays API Gateway and SNS for the manifest's handlers. Handlers find the emulators through the
 * standard AWS_ENDPOINT_URL_* variables, exactly as deployed code finds AWS.
 */
/**
 * A data folder from an older version gets its consent summaries now, before anything reads them
 * (a new table has nothing to migrate: its accounts are created with summaries).
 */
async function migrateConsentSummaries(client: DynamoDBClient, created: boolean, serviceKeySecret: string): Promise<void> {
  if (created) return;
  const db = DynamoDBDocumentClient.from(client);
  // The keyring the fake Secrets Manager will serve: erasure keys in the data folder open with it.
  const keyring = parseServiceKeyring(serviceKeySecret);
  const consentStore = new ConsentStore(db, LOCAL_TABLE_NAME, new KeyringSecretBox(async () => keyring));
  await backfillConsentSummaries({ db, tableName: LOCAL_TABLE_NAME, consentStore, realNowMs: Date.now }, { now: new Date(), deadlineMs: Number.POSITIVE_INFINITY });
}

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const log = options.log ?? ((line: string) => console.log(line));
  await assertPortFree(options.port, 'PORT');
  await assertPortFree(options.dynamoDbPort, 'DYNAMODB_PORT');
  await assertPortFree(options.sqsPort, 'SQS_PORT');
  if (options.dataDir) mkdirSync(resolve(options.dataDir), { recursive: true });

  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const fn of stops.reverse()) await fn().catch((error: unknown) => log(`shutdown: ${(error as Error).message}`));
  };
  // Built files some functions serve (the console's web app), built meanwhile if out of date.
  const assetsBuilt = buildStaticAssets(log);
  // Awaited below; until then a failure must not surface as an unhandled rejection.
  assetsBuilt.catch(() => undefined);
  try {
    const dynamo = await startDynamoDbLocal({ port: options.dynamoDbPort, dataDir: options.dataDir && resolve(options.dataDir) });
    stops.push(() => dynamo.stop());
    const sqsServer = await createSqsServer({ port: options.sqsPort, hostname: '127.0.0.1', emulateQueueCreationLifecycle: false });
    stops.push(() => new Promise<void>((done) => sqsServer.close(() => done())));
    const sqsEndpoint = `http://127.0.0.1:${options.sqsPort}`;
    const forFunctions = (await options.serviceEndpoints?.({ dynamoDb: dynamo.endpoint, sqs: sqsEndpoint })) ?? { dynamoDb: dynamo.endpoint, sqs: sqsEndpoint };
    // The SQS client sends to the host of the queue URL it is given: the functions' URLs name their endpoint.
    const queueUrlForFunctions = (url: string) => url.replace(sqsEndpoint, forFunctions.sqs);

    const baseUrl = `http://localhost:${options.port}`;
    const publicBaseUrl = (options.publicBaseUrl ?? baseUrl).replace(/\/+$/, '');
    const adminApiKey = resolveAdminKey(options);
    // What Secrets Manager holds in AWS; sealed values in the data folder open only with this file next to them.
    const serviceKeySecret = localServiceKeySecret(options.dataDir ? join(resolve(options.dataDir), 'service-keys.json') : undefined);
    const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
    Object.assign(process.env, {
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: forFunctions.dynamoDb,
      AWS_ENDPOINT_URL_SQS: forFunctions.sqs,
      AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2: `http://127.0.0.1:${options.port}${FAKE_AWS_SMS_API_PATH}`,
      [ENV.whatsappGraphApiBaseUrl]: `http://127.0.0.1:${options.port}${FAKE_WHATSAPP_API_PATH}/v23.0`,
      [ENV.snsTopicArns]: Object.values(LOCAL_TOPIC_ARNS).join(','),
      [ENV.snsCertificateBaseUrl]: `http://127.0.0.1:${options.port}${LOCAL_SNS_CERTIFICATES_PATH}`,
      AWS_ENDPOINT_URL_EVENTBRIDGE: `http://127.0.0.1:${options.port}${FAKE_EVENTBRIDGE_API_PATH}`,
      AWS_ENDPOINT_URL_SESV2: `http://127.0.0.1:${options.port}${FAKE_SES_API_PATH}`,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: `http://127.0.0.1:${options.port}${FAKE_SECRETS_MANAGER_API_PATH}`,
      [ENV.serviceKeySecret]: LOCAL_SERVICE_KEY_SECRET_ID,
      [ENV.eventBusName]: LOCAL_EVENT_BUS_NAME,
      [ENV.tableName]: LOCAL_TABLE_NAME,
      [ENV.publicBaseUrl]: publicBaseUrl,
      [ENV.operatorKeySha256]: createHash('sha256').update(adminApiKey).digest('hex'),
      // DynamoDB Local runs a 100-item transaction in about a second on a busy machine (DynamoDB: tens of ms).
      [ENV.dynamoDbRequestTimeoutMs]: process.env[ENV.dynamoDbRequestTimeoutMs] ?? '15000',
      POWERTOOLS_SERVICE_NAME: 'optgate',
      POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
      // EMF lines are for CloudWatch; locally they would only crowd the console.
      POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED ?? 'true',
    });

    const dynamoClient = new DynamoDBClient({ region: LOCAL_REGION, endpoint: dynamo.endpoint, credentials });
    const sqsClient = new SQSClient({ region: LOCAL_REGION, endpoint: sqsEndpoint, credentials });
    const table = await provisionTable(dynamoClient, LOCAL_TABLE_NAME);
    await migrateConsentSummaries(dynamoClient, table.created, serviceKeySecret);
    const queueUrls = await provisionQueues(sqsClient, options.queueVisibilityTimeoutSeconds);
    Object.assign(process.env, {
      [ENV.outboundQueueUrl]: queueUrlForFunctions(queueUrls.outbound),
      [ENV.dispatchQueueUrl]: queueUrlForFunctions(queueUrls.dispatch),
      [ENV.suppressedQueueUrl]: queueUrlForFunctions(queueUrls.suppressed),
      [ENV.outboundDlqUrl]: queueUrlForFunctions(queueUrls.outboundDlq),
    });
    dynamoClient.destroy();

    const runtime = createLambdaRuntime();
    const pollerClient = new SQSClient({ region: LOCAL_REGION, endpoint: sqsEndpoint, credentials });
    stops.push(async () => pollerClient.destroy());
    let recorder: QueueRecorder | undefined;
    if (options.recordQueues) {
      recorder = startQueueRecorder(pollerClient, { dispatch: queueUrls.dispatch, suppressed: queueUrls.suppressed, outboundDlq: queueUrls.outboundDlq });
      stops.push(() => recorder?.stop() ?? Promise.resolve());
    }
    const eventSources: LocalStack['eventSources'] = [];
    if (options.eventSources ?? true) {
      for (const fn of FUNCTIONS as readonly FunctionDefinition[]) {
        for (const trigger of fn.triggers) {
          if (trigger.kind !== 'sqs') continue;
          const { Attributes } = await sqsClient.send(
            new GetQueueAttributesCommand({ QueueUrl: queueUrls[trigger.queue], AttributeNames: ['QueueArn'] }),
          );
          const source = startSqsEventSource({
            sqs: pollerClient,
            queueUrl: queueUrls[trigger.queue],
            queueArn: Attributes?.QueueArn ?? '',
            region: LOCAL_REGION,
            fn,
            batchSize: trigger.batchSize,
            maxBatchingWindowSeconds: trigger.maxBatchingWindowSeconds,
            invoke: (target, event: SQSEvent) => runtime.invoke(target, event),
            concurrency: options.eventSourceConcurrency,
            log,
          });
          eventSources.push({ fn, source });
          stops.push(() => source.stop());
        }
      }
    }
    sqsClient.destroy();

    await assetsBuilt;
    const sweepRunner = createSweepRunner(runtime, log);
    const server = createLocalHttpServer({
      runtime,
      sweepRunner,
      allowClockOverride: options.allowClockOverride ?? false,
      fakeAwsSmsApi: createFakeAwsSmsApi(),
      // Persisted next to DynamoDB Local's files; in memory for OPTGATE_IN_MEMORY.
      fakeEventBridgeApi: createFakeEventBridgeApi(options.dataDir ? { file: join(resolve(options.dataDir), 'events.jsonl') } : {}),
      fakeSesApi: createFakeSesApi(),
      fakeSecretsManagerApi: createFakeSecretsManagerApi({ id: LOCAL_SERVICE_KEY_SECRET_ID, value: serviceKeySecret }),
      recorder,
      fakeWhatsAppApi: createFakeWhatsAppCloudApi(),
      snsSigner: createLocalSnsSigner(LOCAL_REGION),
      topicArns: LOCAL_TOPIC_ARNS,
      log,
    });
    await new Promise<void>((done, fail) => {
      server.once('error', fail);
      server.listen(options.port, '127.0.0.1', () => done());
    });
    stops.push(
      () =>
        new Promise<void>((done) => {
          server.closeAllConnections();
          server.close(() => done());
        }),
    );
    sweepRunner.start(options.sweepIntervalSeconds ?? 0);
    stops.push(() => sweepRunner.stop());
    const actualPort = (server.address() as AddressInfo).port;
    return {
      baseUrl: `http://localhost:${actualPort}`,
      publicBaseUrl,
      adminApiKey,
      dynamoDbEndpoint: dynamo.endpoint,
      sqsEndpoint,
      queueUrls,
      region: LOCAL_REGION,
      eventSources,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
