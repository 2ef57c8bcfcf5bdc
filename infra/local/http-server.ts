import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { withPinnedTime } from '../../shared/clock/current-time.ts';
import { FUNCTIONS, type FunctionDefinition, type TopicName } from '../../shared/manifest.ts';
import { toHttpApiEvent } from './api-gateway-event.ts';
import type { createFakeAwsSmsApi } from './fake-aws-sms-api.ts';
import type { createFakeWhatsAppCloudApi } from './fake-whatsapp-cloud-api.ts';
import type { createFakeEventBridgeApi } from './fake-eventbridge-api.ts';
import type { createFakeSesApi } from './fake-ses-api.ts';
import type { createFakeSecretsManagerApi } from './fake-secrets-manager-api.ts';
import type { createLambdaRuntime } from './lambda-runtime.ts';
import type { QueueRecorder } from './queue-recorder.ts';
import { LOCAL_SNS_CERTIFICATE_FILE, type LocalSnsSigner } from './local-sns-signer.ts';
import { createRouteMatcher } from './route-matcher.ts';
import { NothingToReserialiseError, SNS_FORGERIES, toSnsEvent, type SnsForgery } from './sns-delivery.ts';
import type { createSweepRunner } from './sweep-runner.ts';

/** API Gateway's payload limit. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;
/** Lambda retries a failed asynchronous (SNS) invocation twice. */
const ASYNC_ATTEMPTS = 3;

export const FAKE_AWS_SMS_API_PATH = '/local/aws/sms-voice';
/** The fake WhatsApp Cloud API; WHATSAPP_GRAPH_API_BASE_URL points here with a version segment. */
export const FAKE_WHATSAPP_API_PATH = '/local/whatsapp-graph';
/** Where the functions' SNS certificate source fetches the local signing certificate (SNS_CERTIFICATE_BASE_URL). */
export const LOCAL_SNS_CERTIFICATES_PATH = '/local/sns-certificates';
export const FAKE_EVENTBRIDGE_API_PATH = '/local/aws/events';
export const FAKE_SES_API_PATH = '/local/aws/ses';
export const FAKE_SECRETS_MANAGER_API_PATH = '/local/aws/secretsmanager';

export interface LocalServerDeps {
  runtime: ReturnType<typeof createLambdaRuntime>;
  sweepRunner: ReturnType<typeof createSweepRunner>;
  /** Honour `x-optgate-now` (tests move the service clock per request). */
  allowClockOverride: boolean;
  fakeAwsSmsApi: ReturnType<typeof createFakeAwsSmsApi>;
  fakeWhatsAppApi: ReturnType<typeof createFakeWhatsAppCloudApi>;
  snsSigner: LocalSnsSigner;
  fakeEventBridgeApi: ReturnType<typeof createFakeEventBridgeApi>;
  fakeSesApi: ReturnType<typeof createFakeSesApi>;
  fakeSecretsManagerApi: ReturnType<typeof createFakeSecretsManagerApi>;
  topicArns: Record<TopicName, string>;
  /** Present when the stack records the gate's output queues (tests). */
  recorder?: QueueRecorder;
  log: (line: string) => void;
}

/** SES receipt-rule notifications go to the inbound topic; everything else SES sends is feedback. */
function sesTopicOf(body: string): TopicName {
  try {
    const parsed = JSON.parse(body) as { notificationType?: unknown; eventType?: unknown };
    return parsed.notificationType === 'Received' ? 'sesInbound' : 'sesFeedback';
  } catch {
    return 'sesFeedback';
  }
}

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  response.end(JSON.stringify(body));
}

function readBody(request: IncomingMessage): Promise<Buffer | 'too_large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    request.on('end', () => resolve(size > MAX_BODY_BYTES ? 'too_large' : Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

/** `?forge=<kind>` (or the older `?tamper=1`) on the SNS helpers: deliver a forged message (sns-delivery.ts). */
function forgeryOf(url: URL): SnsForgery | undefined | 'invalid' {
  if (url.searchParams.get('tamper') === '1') return 'altered-message';
  const forge = url.searchParams.get('forge');
  if (forge === null) return undefined;
  return (SNS_FORGERIES as readonly string[]).includes(forge) ? (forge as SnsForgery) : 'invalid';
}

/** `x-optgate-now: <ISO>` pins the service clock for one request (local stack, tests only). */
function pinnedTime(request: IncomingMessage): Date | 'invalid' | undefined {
  const value = request.headers['x-optgate-now'];
  if (typeof value !== 'string') return undefined;
  const at = new Date(value);
  return Number.isNaN(at.getTime()) ? 'invalid' : at;
}

function subscriberOf(topic: TopicName): FunctionDefinition {
  const fn = FUNCTIONS.find((candidate: FunctionDefinition) =>
    candidate.triggers.some((trigger) => trigger.kind === 'sns' && trigger.topic === topic),
  );
  if (!fn) throw new Error(`No function subscribes to ${topic}`);
  return fn;
}

/**
 * The local API Gateway: requests become HTTP API v2 events for the manifest's handlers, plus the
 * `/local/…` helpers that stand in for SNS and provider APIs.
 */
export function createLocalHttpServer(deps: LocalServerDeps): Server {
  const matchRoute = createRouteMatcher();

  async function deliverSns(
    topic: TopicName,
    message: string,
    options: { timestamp?: Date; subject?: string; forge?: SnsForgery } = {},
  ): Promise<{ snsMessageId: string; attempts: number }> {
    const fn = subscriberOf(topic);
    const event = toSnsEvent(message, deps.topicArns[topic], deps.snsSigner, options);
    const snsMessageId = event.Records[0]?.Sns.MessageId ?? '';
    for (let attempt = 1; ; attempt += 1) {
      try {
        await deps.runtime.invoke(fn, event);
        return { snsMessageId, attempts: attempt };
      } catch (error) {
        deps.log(`${fn.name} failed on attempt ${attempt}: ${(error as Error).message}`);
        if (attempt >= ASYNC_ATTEMPTS) throw error;
      }
    }
  }

  async function handleLocal(request: IncomingMessage, response: ServerResponse, url: URL, body: Buffer): Promise<boolean> {
    const route = `${request.method} ${url.pathname}`;
    const forge = forgeryOf(url);
    if (forge === 'invalid') {
      send(response, 400, { error: { code: 'validation_failed', message: `forge must be one of ${SNS_FORGERIES.join(', ')}` } });
      return true;
    }
    if (route === 'POST /local/aws-sms') {
      // An optional timestamp lets a test replay a late (older) notification as SNS would redeliver it.
      const timestampParam = url.searchParams.get('timestamp');
      const timestamp = timestampParam ? new Date(timestampParam) : new Date();
      if (Number.isNaN(timestamp.getTime())) {
        send(response, 400, { error: { code: 'validation_failed', message: 'timestamp must be ISO 8601' } });
        return true;
      }
      const result = await deliverSns('awsSmsInbound', body.toString('utf8'), { timestamp, forge });
      send(response, 202, { delivered: true, ...result });
      return true;
    }
    if (route === 'GET /local/gated' && deps.recorder) {
      // What the gate put on dispatch, suppressed and the DLQ, by messageId or by text.
      const messageId = url.searchParams.get('messageId') ?? undefined;
      const contains = url.searchParams.get('contains') ?? undefined;
      send(response, 200, { messages: deps.recorder.find({ messageId, contains }) });
      return true;
    }
    if (route === 'POST /local/aws-sms-events') {
      const result = await deliverSns('awsSmsEvents', body.toString('utf8'), { forge });
      send(response, 202, { delivered: true, topic: 'awsSmsEvents', ...result });
      return true;
    }
    if (route === 'POST /local/ses') {
      // The SES notification JSON, delivered to the topic SES would publish it to, signed as SNS signs.
      const message = body.toString('utf8');
      const topic = sesTopicOf(message);
      const result = await deliverSns(topic, message, {
        ...(topic === 'sesInbound' ? { subject: 'Amazon SES Email Receipt Notification' } : {}),
        forge,
      });
      send(response, 202, { delivered: true, topic, ...result });
      return true;
    }
    if (route === `GET ${LOCAL_SNS_CERTIFICATES_PATH}/${LOCAL_SNS_CERTIFICATE_FILE}`) {
      response.writeHead(200, { 'content-type': 'application/x-pem-file' });
      response.end(deps.snsSigner.certificatePem);
      return true;
    }
    if (route === 'GET /local/sent-whatsapp') {
      send(response, 200, { messages: deps.fakeWhatsAppApi.sent });
      return true;
    }
    if (route === 'POST /local/sent-whatsapp/fail-next') {
      const count = Number(url.searchParams.get('count') ?? '1');
      if (!Number.isInteger(count) || count < 0 || count > 100) {
        send(response, 400, { error: { code: 'validation_failed', message: 'count must be an integer from 0 to 100' } });
        return true;
      }
      deps.fakeWhatsAppApi.failNext(count);
      send(response, 200, { failNext: count });
      return true;
    }
    if (request.method === 'POST' && url.pathname.startsWith(`${FAKE_WHATSAPP_API_PATH}/`)) {
      const result = deps.fakeWhatsAppApi.handle(
        url.pathname.slice(FAKE_WHATSAPP_API_PATH.length),
        request.headers.authorization,
        body.toString('utf8'),
      );
      send(response, result.status, result.body);
      return true;
    }
    if (route === 'POST /local/sweep') {
      // What the EventBridge schedule does, now; ?now=ISO sweeps as if it were that time (tests).
      const nowParam = url.searchParams.get('now');
      const now = nowParam ? new Date(nowParam) : new Date();
      if (Number.isNaN(now.getTime())) {
        send(response, 400, { error: { code: 'validation_failed', message: 'now must be ISO 8601' } });
        return true;
      }
      send(response, 200, await deps.sweepRunner.run(now));
      return true;
    }
    if (route === 'GET /local/sent-sms') {
      send(response, 200, { messages: deps.fakeAwsSmsApi.sent });
      return true;
    }
    if (route === 'GET /local/events') {
      // ?accountId= narrows to one account's ConsentChanged events (tests share one stack).
      const accountId = url.searchParams.get('accountId');
      const events = deps.fakeEventBridgeApi
        .list()
        .filter((event) => !accountId || (event.detail as { accountId?: unknown } | null)?.accountId === accountId);
      send(response, 200, { events });
      return true;
    }
    if (route === 'GET /local/sent-email') {
      const to = url.searchParams.get('to')?.toLowerCase();
      send(response, 200, { messages: deps.fakeSesApi.sent.filter((mail) => !to || mail.to.includes(to)) });
      return true;
    }
    if (request.method === 'POST' && url.pathname.startsWith(FAKE_EVENTBRIDGE_API_PATH)) {
      const result = deps.fakeEventBridgeApi.handle(request.headers['x-amz-target'] as string | undefined, body.toString('utf8'));
      send(response, result.status, result.body, { 'content-type': 'application/x-amz-json-1.1' });
      return true;
    }
    if (request.method === 'POST' && url.pathname.startsWith(FAKE_SECRETS_MANAGER_API_PATH)) {
      const result = deps.fakeSecretsManagerApi.handle(request.headers['x-amz-target'] as string | undefined, body.toString('utf8'));
      send(response, result.status, result.body, { 'content-type': 'application/x-amz-json-1.1' });
      return true;
    }
    if (url.pathname.startsWith(`${FAKE_SES_API_PATH}/`)) {
      const result = deps.fakeSesApi.handle(request.method ?? 'GET', url.pathname.slice(FAKE_SES_API_PATH.length), body.toString('utf8'));
      send(response, result.status, result.body);
      return true;
    }
    if (request.method === 'POST' && url.pathname.startsWith(FAKE_AWS_SMS_API_PATH)) {
      const result = deps.fakeAwsSmsApi.handle(request.headers['x-amz-target'] as string | undefined, body.toString('utf8'));
      send(response, result.status, result.body, { 'content-type': 'application/x-amz-json-1.0' });
      return true;
    }
    return false;
  }

  return createServer((request, response) => {
    void (async () => {
      const url = new URL(request.url ?? '/', 'http://localhost');
      const body = await readBody(request);
      if (body === 'too_large') {
        send(response, 413, { error: { code: 'payload_too_large', message: 'Request bodies are limited to 10 MB' } });
        return;
      }
      if (url.pathname.startsWith('/local/') && (await handleLocal(request, response, url, body))) return;
      const match = matchRoute(request.method ?? 'GET', url.pathname);
      if (match === undefined || match === 'method_not_allowed') {
        const status = match === undefined ? 404 : 405;
        send(response, status, { error: { code: status === 404 ? 'not_found' : 'method_not_allowed', message: `No route ${request.method} ${url.pathname}` } });
        return;
      }
      const event = toHttpApiEvent(request, body, match, url);
      const pinned = deps.allowClockOverride ? pinnedTime(request) : undefined;
      if (pinned === 'invalid') {
        send(response, 400, { error: { code: 'validation_failed', message: 'x-optgate-now must be ISO 8601' } });
        return;
      }
      const invoke = () => deps.runtime.invoke(match.fn, event);
      const result = (await (pinned ? withPinnedTime(pinned, invoke) : invoke())) as APIGatewayProxyStructuredResultV2;
      const headers: Record<string, string | string[]> = {};
      for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
      if (result.cookies?.length) headers['set-cookie'] = result.cookies;
      response.writeHead(result.statusCode ?? 200, headers);
      response.end(result.body === undefined ? undefined : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8'));
    })().catch((error: unknown) => {
      if (error instanceof NothingToReserialiseError) {
        send(response, 400, { error: { code: 'validation_failed', message: error.message } });
        return;
      }
      // What API Gateway answers when the integration itself fails.
      deps.log(`Unhandled error for ${request.method} ${request.url}: ${(error as Error).stack ?? String(error)}`);
      if (!response.headersSent) send(response, 500, { error: { code: 'internal_error', message: 'Internal Server Error' } });
      else response.end();
    });
  });
}
