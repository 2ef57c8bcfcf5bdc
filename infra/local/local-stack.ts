import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createSqsServer } from 'local-aws-sqs';
import { ENV } from '../../shared/config/service-config.ts';
import { startDynamoDbLocal } from './dynamodb-local.ts';
import { createFakeAwsSmsApi } from './fake-aws-sms-api.ts';
import { createLocalHttpServer, FAKE_AWS_SMS_API_PATH } from './http-server.ts';
import { createLambdaRuntime } from './lambda-runtime.ts';
import { provisionQueues, provisionTable } from './provision.ts';
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
  /** Seconds between scheduled retention sweeps (EventBridge's part); 0 or undefined = only POST /local/sweep. */
  sweepIntervalSeconds?: number;
  /** Honour the `x-optgate-now` request header (pins the service clock for that request); for tests. */
  allowClockOverride?: boolean;
}

export interface LocalStack {
  baseUrl: string;
  publicBaseUrl: string;
  adminApiKey: string;
  dynamoDbEndpoint: string;
  sqsEndpoint: string;
  queueUrls: Record<string, string>;
  stop(): Promise<void>;
}

export const LOCAL_TABLE_NAME = 'optgate';
const LOCAL_REGION = 'us-east-1';

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

/**
 * The whole service on one machine: DynamoDB Local (Java), the SQS emulator, and an HTTP server that
 * plays API Gateway and SNS for the manifest's handlers. Handlers find the emulators through the
 * standard AWS_ENDPOINT_URL_* variables, exactly as deployed code finds AWS.
 */
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
  try {
    const dynamo = await startDynamoDbLocal({ port: options.dynamoDbPort, dataDir: options.dataDir && resolve(options.dataDir) });
    stops.push(() => dynamo.stop());
    const sqsServer = await createSqsServer({ port: options.sqsPort, hostname: '127.0.0.1', emulateQueueCreationLifecycle: false });
    stops.push(() => new Promise<void>((done) => sqsServer.close(() => done())));
    const sqsEndpoint = `http://127.0.0.1:${options.sqsPort}`;

    const baseUrl = `http://localhost:${options.port}`;
    const publicBaseUrl = (options.publicBaseUrl ?? baseUrl).replace(/\/+$/, '');
    const adminApiKey = resolveAdminKey(options);
    const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
    Object.assign(process.env, {
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_ENDPOINT_URL_SQS: sqsEndpoint,
      AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2: `http://127.0.0.1:${options.port}${FAKE_AWS_SMS_API_PATH}`,
      [ENV.tableName]: LOCAL_TABLE_NAME,
      [ENV.publicBaseUrl]: publicBaseUrl,
      [ENV.operatorKeySha256]: createHash('sha256').update(adminApiKey).digest('hex'),
      POWERTOOLS_SERVICE_NAME: 'optgate',
      POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
    });

    const dynamoClient = new DynamoDBClient({ region: LOCAL_REGION, endpoint: dynamo.endpoint, credentials });
    const sqsClient = new SQSClient({ region: LOCAL_REGION, endpoint: sqsEndpoint, credentials });
    await provisionTable(dynamoClient, LOCAL_TABLE_NAME);
    const queueUrls = await provisionQueues(sqsClient);
    Object.assign(process.env, {
      [ENV.outboundQueueUrl]: queueUrls.outbound,
      [ENV.dispatchQueueUrl]: queueUrls.dispatch,
      [ENV.suppressedQueueUrl]: queueUrls.suppressed,
      [ENV.outboundDlqUrl]: queueUrls.outboundDlq,
    });
    dynamoClient.destroy();
    sqsClient.destroy();

    const runtime = createLambdaRuntime();
    const sweepRunner = createSweepRunner(runtime, log);
    const server = createLocalHttpServer({
      runtime,
      sweepRunner,
      allowClockOverride: options.allowClockOverride ?? false,
      fakeAwsSmsApi: createFakeAwsSmsApi(),
      topicArns: { awsSmsInbound: `arn:aws:sns:${LOCAL_REGION}:000000000000:optgate-aws-sms-inbound` },
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
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
