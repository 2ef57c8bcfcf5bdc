import type { TestProject } from 'vitest/node';
import { startLocalStack, type LocalStack } from '../../infra/local/local-stack.ts';
import { freePort } from '../support/free-port.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
    adminApiKey: string;
    publicBaseUrl: string;
    dynamoDbEndpoint: string;
    sqsEndpoint: string;
    outboundQueueUrl: string;
    /** The gate's queues, for tests that run the gate's use case with their own clock. */
    gateQueues: { outbound: string; dispatch: string; suppressed: string; dlq: string };
  }
}

let stack: LocalStack | undefined;

/** One in-memory local stack (DynamoDB Local + SQS emulator + handlers) for every integration test file. */
export async function setup(project: TestProject): Promise<void> {
  // Handlers log masked warnings for every rejected request; the tests assert those outcomes instead.
  process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
  stack = await startLocalStack({
    port: await freePort(),
    dynamoDbPort: await freePort(),
    sqsPort: await freePort(),
    adminApiKey: 'test-operator-key-0123456789',
    log: () => undefined,
    recordQueues: true,
    // Retention tests move the clock per request and run the sweep themselves.
    allowClockOverride: true,
    sweepIntervalSeconds: 0,
  });
  project.provide('baseUrl', stack.baseUrl);
  project.provide('adminApiKey', stack.adminApiKey);
  project.provide('publicBaseUrl', stack.publicBaseUrl);
  project.provide('dynamoDbEndpoint', stack.dynamoDbEndpoint);
  project.provide('sqsEndpoint', stack.sqsEndpoint);
  project.provide('outboundQueueUrl', stack.queueUrls.outbound);
  const { outbound, dispatch, suppressed, outboundDlq } = stack.queueUrls;
  project.provide('gateQueues', { outbound, dispatch, suppressed, dlq: outboundDlq });
}

export async function teardown(): Promise<void> {
  await stack?.stop();
}
