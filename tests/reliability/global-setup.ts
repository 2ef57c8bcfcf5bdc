import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestProject } from 'vitest/node';
import { startLocalStack, type LocalStack } from '../../infra/local/local-stack.ts';
import { startAwsProxy, type AwsProxy, type FaultPlan } from '../support/aws-proxy.ts';
import { freePort } from '../support/free-port.ts';
import type { StackStats } from '../support/reliability.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The reliability stack's control server: fault plans and counters (tests/support/reliability.ts). */
    controlUrl: string;
  }
}

let stack: LocalStack | undefined;
let control: Server | undefined;
const proxies: { dynamodb?: AwsProxy; sqs?: AwsProxy } = {};

/**
 * The reliability suite's own in-memory local stack. The functions reach DynamoDB Local and the SQS
 * emulator through proxies that count every request and, when a test asks, fail a share of them;
 * Lambda's pollers, provisioning and the tests' own clients talk to the emulators directly.
 */
export async function setup(project: TestProject): Promise<void> {
  process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
  const logStats = { unhandledErrors: 0, lines: 0, tail: [] as string[] };
  stack = await startLocalStack({
    port: await freePort(),
    dynamoDbPort: await freePort(),
    sqsPort: await freePort(),
    adminApiKey: 'reliability-operator-key-0123456789',
    log: (line) => {
      logStats.lines += 1;
      if (line.startsWith('Unhandled error')) logStats.unhandledErrors += 1;
      logStats.tail = [...logStats.tail.slice(-19), line.slice(0, 500)];
    },
    recordQueues: true,
    allowClockOverride: true,
    sweepIntervalSeconds: 0,
    // Failed outbound messages come back after 40 s instead of the deployed 180 s (6 × the gate's
    // 30 s timeout), so the fault run's retries fit in minutes; still above the gate's 35 s lease.
    queueVisibilityTimeoutSeconds: { outbound: 40 },
    // Lambda runs many batches at once; under faults most of a batch's time is spent waiting on retries.
    eventSourceConcurrency: 6,
    serviceEndpoints: async (emulators) => {
      proxies.dynamodb = await startAwsProxy(emulators.dynamoDb, 'dynamodb');
      proxies.sqs = await startAwsProxy(emulators.sqs, 'sqs');
      return { dynamoDb: proxies.dynamodb.endpoint, sqs: proxies.sqs.endpoint };
    },
  });
  const running = stack;

  const stats = (): StackStats => ({
    proxies: Object.fromEntries(
      Object.entries(proxies).map(([service, proxy]) => [
        service,
        { requests: Object.fromEntries(proxy.counts), faults: Object.fromEntries(proxy.faults), total: proxy.total(), faultTotal: proxy.faultTotal() },
      ]),
    ),
    eventSources: running.eventSources.map(({ fn, source }) => ({ name: fn.name, ...source.stats })),
    log: { ...logStats },
  });
  control = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const answer = (status: number, body: unknown) => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(body));
      };
      const route = `${request.method} ${request.url}`;
      if (route === 'GET /stats') return answer(200, stats());
      if (route === 'PUT /faults') {
        const plans = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { dynamodb?: FaultPlan; sqs?: FaultPlan };
        proxies.dynamodb?.setFaults(plans.dynamodb);
        proxies.sqs?.setFaults(plans.sqs);
        return answer(200, stats());
      }
      if (route === 'DELETE /faults') {
        proxies.dynamodb?.setFaults(undefined);
        proxies.sqs?.setFaults(undefined);
        return answer(200, stats());
      }
      if (route === 'POST /reset') {
        proxies.dynamodb?.reset();
        proxies.sqs?.reset();
        return answer(200, stats());
      }
      return answer(404, { error: { code: 'not_found', message: route } });
    });
  });
  await new Promise<void>((resolve) => control?.listen(0, '127.0.0.1', () => resolve()));

  project.provide('baseUrl', stack.baseUrl);
  project.provide('adminApiKey', stack.adminApiKey);
  project.provide('publicBaseUrl', stack.publicBaseUrl);
  project.provide('dynamoDbEndpoint', stack.dynamoDbEndpoint);
  project.provide('sqsEndpoint', stack.sqsEndpoint);
  project.provide('outboundQueueUrl', stack.queueUrls.outbound);
  project.provide('controlUrl', `http://127.0.0.1:${(control.address() as AddressInfo).port}`);
}

export async function teardown(): Promise<void> {
  await new Promise<void>((resolve) => (control ? control.close(() => resolve()) : resolve()));
  await stack?.stop();
  await proxies.dynamodb?.close();
  await proxies.sqs?.close();
}
