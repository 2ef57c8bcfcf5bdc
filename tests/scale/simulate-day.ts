/**
 * npm run simulate -- --scale S — replays a synthetic day of a large sender against `npm start`'s
 * stack in memory, at S of the full day's volume, drives the real handlers as users and providers
 * would (SQS for the outbound gate, signed Twilio webhooks over HTTP, the CLI for the import,
 * the scheduled sweep), prices every DynamoDB request per table and index partition key
 * (capacity-proxy.ts), then extrapolates to the full scale of issue 11 (scale-model.ts) and writes
 * SCALING.md's measured section. Options: --scale (default 0.0001), --no-write (print only).
 * Started through simulate.ts, which quiets the handlers' logs before any module creates its logger.
 */
import { spawn } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetQueueAttributesCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { createLambdaRuntime } from '../../infra/local/lambda-runtime.ts';
import { startLocalStack, type LocalStack } from '../../infra/local/local-stack.ts';
import { startSqsEventSource } from '../../infra/local/sqs-event-source.ts';
import { computeTwilioSignature } from '../../shared/adapters/twilio/twilio-signature.ts';
import { expiryAttributes, keys } from '../../shared/adapters/dynamodb/table-keys.ts';
import { FUNCTIONS, TABLE, type FunctionDefinition } from '../../shared/manifest.ts';
import { mapConcurrent } from '../../shared/concurrency/map-concurrent.ts';
import { startAwsProxy } from '../support/aws-proxy.ts';
import { freePort } from '../support/free-port.ts';
import { CapacityLedger } from './capacity-ledger.ts';
import { startCapacityProxy } from './capacity-proxy.ts';
import { buildScalingModel, type SimulatedWorld } from './day-model.ts';
import { routeHandlersThroughProxies } from '../support/route-through-proxies.ts';
import { renderScalingSection, writeScalingSection } from './scaling-report.ts';
import { stackApi } from '../support/stack-api.ts';

const { values } = parseArgs({ options: { scale: { type: 'string', default: '0.0001' }, 'no-write': { type: 'boolean', default: false } } });
const SCALE = Number(values.scale);
if (!(SCALE > 0 && SCALE <= 0.01)) throw new Error('--scale must be a number in (0, 0.01]: a fraction of the full day (0.0001 runs in a few minutes)');

const AUTH_TOKEN = `sim-twilio-${randomBytes(8).toString('hex')}`;
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const log = (line: string) => console.log(line);
const quiet = () => undefined;
const projectRoot = resolve(import.meta.dirname, '../..');
const bin = join(projectRoot, (JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { bin: { optgate: string } }).bin.optgate);

/** The sizes of the simulated day: the full day × S, with a floor so every scenario has enough events to measure. */
function simulatedSizes(scale: number) {
  const contacts = Math.max(2000, Math.round(100_000_000 * scale));
  const bigLineContacts = Math.round(contacts * 0.2);
  return {
    contacts,
    bigLineContacts,
    sustainedMessages: Math.max(5000, Math.round(5000 * 86_400 * scale)),
    burstMessages: bigLineContacts,
    inboundWebhooks: Math.max(1000, Math.round(500 * 86_400 * scale)),
    stopStorm: Math.min(bigLineContacts, Math.max(500, Math.round(20_000 * scale))),
    importRows: Math.max(2000, Math.round(10_000_000 * scale)),
    sweepItems: Math.max(2000, Math.round(1_000_000 * scale)),
  };
}

const sizes = simulatedSizes(SCALE);
const OTHER_LINES = 3;
const CAMPAIGNS = 20;

async function main() {
  const stack = await startLocalStack({
    port: await freePort(),
    dynamoDbPort: await freePort(),
    sqsPort: await freePort(),
    adminApiKey: `sim-operator-${randomBytes(8).toString('hex')}`,
    eventSources: false,
    log: quiet,
  });
  const ledger = new CapacityLedger();
  const dynamoProxy = await startCapacityProxy({ target: stack.dynamoDbEndpoint, ledger, indexes: TABLE.indexes });
  const sqsProxy = await startAwsProxy(stack.sqsEndpoint, 'sqs');
  // Handler modules load at their first invoke, after this: their SDK clients go through the proxies.
  const viaProxy = routeHandlersThroughProxies(stack, { dynamoDb: dynamoProxy.endpoint, sqs: sqsProxy.endpoint });
  const db = DynamoDBDocumentClient.from(new DynamoDBClient({ region: stack.region, endpoint: dynamoProxy.endpoint, credentials }), {
    marshallOptions: { removeUndefinedValues: true },
  });
  const sqs = new SQSClient({ region: stack.region, endpoint: sqsProxy.endpoint, credentials });
  const dir = mkdtempSync(join(tmpdir(), 'optgate-simulate-'));
  const started = performance.now();
  try {
    log(`simulate — scale ${SCALE}: ${JSON.stringify(sizes)}`);
    const world = await setUp(stack, ledger, dir);
    const driver = new Driver(stack, ledger, sqs, sqsProxy, viaProxy);
    await driver.outbound('outbound-sustained', world.sustainedEnvelopes());
    await driver.outbound('outbound-burst', world.burstEnvelopes());
    await driver.inbound('inbound', world.inboundMessages());
    await driver.inbound('stop-storm', world.stormMessages());
    await driver.importCsv('import', world, dir);
    await driver.sweep('sweep', world, db);
    const seconds = (performance.now() - started) / 1000;
    const model = buildScalingModel(ledger, world.description);
    const markdown = renderScalingSection(model, { scale: SCALE, sizes, seconds });
    console.log(`\n${markdown}\n`);
    if (!values['no-write']) writeScalingSection(markdown);
    if (model.violations.length > 0) {
      console.error(`${model.violations.length} partition(s) above ${model.headroomPercent} % of their limit at full scale`);
      process.exitCode = 1;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    sqs.destroy();
    db.destroy();
    await stack.stop();
    await dynamoProxy.close();
    await sqsProxy.close();
  }
}

type Envelope = Record<string, unknown>;
interface InboundMessage {
  from: string;
  to: string;
  body: string;
}

interface World {
  description: SimulatedWorld;
  accountId: string;
  apiKey: string;
  bigLine: { lineId: string; address: string };
  sustainedEnvelopes(): Envelope[];
  burstEnvelopes(): Envelope[];
  inboundMessages(): InboundMessage[];
  stormMessages(): InboundMessage[];
  importCsv(): string;
  contactsOnBigLine: string[];
}

function phone(prefix: string, index: number): string {
  return `+1${prefix}${String(index).padStart(7, '0')}`;
}

function pick<T>(items: readonly T[]): T {
  return items[randomInt(items.length)] as T;
}

/**
 * One account (the large sender) with the big short code and a few ordinary lines, and its
 * contacts' consent imported through the API (most opted in), before anything is measured.
 */
async function setUp(stack: LocalStack, ledger: CapacityLedger, dir: string): Promise<World> {
  ledger.begin('setup');
  const { accountId, apiKey } = await stackApi(stack.baseUrl)<{ accountId: string; apiKey: string }>('POST', '/v1/accounts', stack.adminApiKey, { name: 'Large sender' });
  const line = (address: string) =>
    stackApi(stack.baseUrl)<{ lineId: string; address: string }>('POST', '/v1/lines', apiKey, { channel: 'sms', provider: 'twilio', address, credentials: { authToken: AUTH_TOKEN } });
  const bigLine = await line('+12025550100');
  const others = [];
  for (let index = 0; index < OTHER_LINES; index += 1) others.push(await line(`+1202555011${index}`));
  const contacts: { address: string; line: { lineId: string; address: string } }[] = [];
  for (let index = 0; index < sizes.contacts; index += 1) {
    const onBig = index < sizes.bigLineContacts;
    contacts.push({ address: phone('303', index), line: onBig ? bigLine : (others[index % OTHER_LINES] as typeof bigLine) });
  }
  // Existing consent: 85 % opted in on their line, 10 % opted out, 5 % nothing.
  const rows = ['contact,channel,line,status,occurredAt,source'];
  const occurredAt = new Date(Date.now() - 86_400_000).toISOString();
  for (const contact of contacts) {
    const roll = randomInt(100);
    if (roll >= 95) continue;
    rows.push(`${contact.address},sms,${contact.line.lineId},${roll < 85 ? 'opted_in' : 'opted_out'},${occurredAt},import`);
  }
  const file = join(dir, 'existing-consent.csv');
  writeFileSync(file, `${rows.join('\n')}\n`);
  log(`setup: importing the consent of ${rows.length - 1} contacts…`);
  await runCli(['import', file, '--json', '--quiet'], { OPTGATE_URL: stack.baseUrl, OPTGATE_API_KEY: apiKey });
  const bigContacts = contacts.filter((contact) => contact.line === bigLine);
  let envelopeSeq = 0;
  const envelope = (contact: (typeof contacts)[number], category: 'marketing' | 'transactional', campaignId?: string): Envelope => ({
    messageId: `sim-${(envelopeSeq += 1)}`,
    channel: 'sms',
    from: contact.line.address,
    to: contact.address,
    category,
    ...(campaignId ? { campaignId } : {}),
    payload: { text: `Hello from a large sender: a realistic text of about one SMS segment, with a link https://example.com/x/${envelopeSeq}` },
  });
  const inbound = (contact: (typeof contacts)[number], body: string): InboundMessage => ({ from: contact.address, to: contact.line.address, body });
  const bodies = ['Thanks!', 'What time do you open?', 'ok', 'Is my order shipped?'];
  return {
    accountId,
    apiKey,
    bigLine,
    contactsOnBigLine: bigContacts.map((contact) => contact.address),
    description: {
      bigLineId: bigLine.lineId,
      bigLineAddress: bigLine.address,
      otherLines: OTHER_LINES,
      contacts: sizes.contacts,
    },
    // 80 % marketing over CAMPAIGNS concurrent campaigns, 20 % transactional, to any contact.
    sustainedEnvelopes: () =>
      Array.from({ length: sizes.sustainedMessages }, () => {
        const marketing = randomInt(100) < 80;
        return envelope(pick(contacts), marketing ? 'marketing' : 'transactional', marketing ? `campaign-${randomInt(CAMPAIGNS)}` : undefined);
      }),
    // One campaign to every contact of the short code.
    burstEnvelopes: () => bigContacts.map((contact) => envelope(contact, 'marketing', 'flash-sale')),
    // Replies: 80 % free text, 10 % STOP, 5 % START, 5 % HELP.
    inboundMessages: () =>
      Array.from({ length: sizes.inboundWebhooks }, () => {
        const roll = randomInt(100);
        const body = roll < 80 ? pick(bodies) : roll < 90 ? 'STOP' : roll < 95 ? 'START' : 'HELP';
        return inbound(pick(contacts), body);
      }),
    // The flash sale's recipients answer STOP, each once.
    stormMessages: () => bigContacts.slice(0, sizes.stopStorm).map((contact) => inbound(contact, 'STOP')),
    importCsv: () => {
      const lines = ['contact,channel,line,status,occurredAt,source'];
      const at = new Date(Date.now() - 3_600_000).toISOString();
      for (let index = 0; index < sizes.importRows; index += 1) lines.push(`${phone('404', index)},sms,${bigLine.lineId},opted_in,${at},import`);
      return `${lines.join('\n')}\n`;
    },
  };
}

function runCli(args: string[], env: Record<string, string>): Promise<{ chunks: number; rows: number }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.once('error', fail);
    child.once('exit', (code) => {
      if (code !== 0 && code !== 2) {
        fail(new Error(`optgate ${args[0]} exited ${code}`));
        return;
      }
      const summary = JSON.parse(stdout) as { chunks: number; rows: number };
      done(summary);
    });
  });
}

class Driver {
  private readonly runtime = createLambdaRuntime();
  private readonly gate = FUNCTIONS.find((fn) => fn.name === 'outbound-gate') as FunctionDefinition;

  constructor(
    private readonly stack: LocalStack,
    private readonly ledger: CapacityLedger,
    private readonly sqs: SQSClient,
    private readonly sqsProxy: Awaited<ReturnType<typeof startAwsProxy>>,
    private readonly viaProxy: (url: string) => string,
  ) {}

  private begin(name: string): void {
    this.ledger.begin(name);
    this.sqsProxy.reset();
  }

  private end(name: string, events: number, started: number): void {
    this.ledger.setEvents(name, events);
    // GetQueueAttributes is the driver's own look-up, not the service's.
    for (const [operation, count] of this.sqsProxy.counts) if (operation !== 'GetQueueAttributes') this.ledger.count(name, `sqs:${operation}`, count);
    log(`${name}: ${events} events, ${this.ledger.requestsIn(name)} DynamoDB requests, ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }

  private async eventBridgeEvents(): Promise<number> {
    const response = await fetch(`${this.stack.baseUrl}/local/events`);
    return ((await response.json()) as { events: unknown[] }).events.length;
  }

  /** The sender puts envelopes on the outbound queue (SendMessageBatch of 10); the gate runs as Lambda's event source would run it. */
  async outbound(name: string, envelopes: Envelope[]): Promise<void> {
    this.begin(name);
    const started = performance.now();
    const queueUrl = this.viaProxy(this.stack.queueUrls.outbound);
    const chunks: Envelope[][] = [];
    for (let index = 0; index < envelopes.length; index += 10) chunks.push(envelopes.slice(index, index + 10));
    await mapConcurrent(chunks, 16, (chunk) =>
      this.sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: chunk.map((body, index) => ({ Id: `m${index}`, MessageBody: JSON.stringify(body) })) })),
    );
    const trigger = this.gate.triggers[0];
    if (!trigger || trigger.kind !== 'sqs') throw new Error('the gate has no SQS trigger');
    const { Attributes } = await this.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
    let gated = 0;
    const source = startSqsEventSource({
      sqs: this.sqs,
      queueUrl,
      queueArn: Attributes?.QueueArn ?? '',
      region: this.stack.region,
      fn: this.gate,
      batchSize: trigger.batchSize,
      maxBatchingWindowSeconds: trigger.maxBatchingWindowSeconds,
      invoke: async (fn, event: SQSEvent) => {
        this.ledger.count(name, `lambda:${fn.name}`);
        const result = await this.runtime.invoke(fn, event);
        const failures = (result as { batchItemFailures?: unknown[] } | undefined)?.batchItemFailures?.length ?? 0;
        gated += event.Records.length - failures;
        return result;
      },
      concurrency: 4,
      log: quiet,
    });
    const deadline = Date.now() + 30 * 60_000;
    while (gated < envelopes.length && Date.now() < deadline) await new Promise((done) => setTimeout(done, 200));
    await source.stop();
    if (gated < envelopes.length) throw new Error(`${name}: only ${gated} of ${envelopes.length} messages gated`);
    this.end(name, envelopes.length, started);
  }

  /** Signed Twilio webhooks, as Twilio posts them, 16 at a time. */
  async inbound(name: string, messages: InboundMessage[]): Promise<void> {
    this.begin(name);
    const started = performance.now();
    const eventsBefore = await this.eventBridgeEvents();
    const url = `${this.stack.publicBaseUrl}/webhooks/twilio`;
    let failed = 0;
    await mapConcurrent(messages, 16, async (message) => {
      const params = {
        MessageSid: `SM${randomBytes(16).toString('hex')}`,
        AccountSid: `AC${'0'.repeat(32)}`,
        From: message.from,
        To: message.to,
        Body: message.body,
        NumMedia: '0',
        ApiVersion: '2010-04-01',
      };
      const response = await fetch(`${this.stack.baseUrl}/webhooks/twilio`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': computeTwilioSignature(AUTH_TOKEN, url, params) },
        body: new URLSearchParams(params).toString(),
      });
      await response.text();
      if (response.status !== 200) failed += 1;
    });
    if (failed > 0) throw new Error(`${name}: ${failed} webhooks failed`);
    this.ledger.count(name, 'lambda:inbound-twilio', messages.length);
    this.ledger.count(name, 'http:requests', messages.length);
    this.ledger.count(name, 'eventbridge:events', (await this.eventBridgeEvents()) - eventsBefore);
    this.end(name, messages.length, started);
  }

  /** `optgate import` of new contacts on the short code, through the API. */
  async importCsv(name: string, world: World, dir: string): Promise<void> {
    const file = join(dir, 'import.csv');
    writeFileSync(file, world.importCsv());
    this.begin(name);
    const started = performance.now();
    const eventsBefore = await this.eventBridgeEvents();
    const summary = await runCli(['import', file, '--json', '--quiet'], { OPTGATE_URL: this.stack.baseUrl, OPTGATE_API_KEY: world.apiKey });
    this.ledger.count(name, 'lambda:import-api', summary.chunks);
    this.ledger.count(name, 'http:requests', summary.chunks);
    this.ledger.count(name, 'eventbridge:events', (await this.eventBridgeEvents()) - eventsBefore);
    this.end(name, summary.rows, started);
  }

  /**
   * Expired items of the kinds the service writes (audit events, inbound markers, message history,
   * consent states, profiles), expired over the last two days, then the scheduled sweep.
   */
  async sweep(name: string, world: World, db: DynamoDBDocumentClient): Promise<void> {
    this.ledger.begin('sweep-seed');
    const nowSeconds = Math.floor(Date.now() / 1000);
    const items: Record<string, unknown>[] = [];
    for (let index = 0; index < sizes.sweepItems; index += 1) {
      const contact = phone('505', index % Math.max(1, Math.floor(sizes.sweepItems / 4)));
      const expiresAt = nowSeconds - 60 - randomInt(2 * 86_400);
      const kind = index % 10;
      const key =
        kind < 4
          ? keys.event(world.accountId, contact, `01SIM${String(index).padStart(21, '0')}`)
          : kind < 6
            ? keys.inboundMarker(world.accountId, contact, 'twilio', `SM${index}`)
            : kind < 9
              ? keys.outboundMessage(world.accountId, contact, `old-${index}`)
              : keys.consent(world.accountId, contact, 'sms', world.bigLine.lineId);
      items.push({ ...key, type: 'expired', accountId: world.accountId, contact, text: 'An expired item of realistic size', ...expiryAttributes(key, expiresAt, new Date((expiresAt - 86_400 * 30) * 1000).toISOString()) });
    }
    const chunks: Record<string, unknown>[][] = [];
    for (let index = 0; index < items.length; index += 25) chunks.push(items.slice(index, index + 25));
    await mapConcurrent(chunks, 8, (chunk) => db.send(new BatchWriteCommand({ RequestItems: { optgate: chunk.map((Item) => ({ PutRequest: { Item } })) } })));
    this.begin(name);
    const started = performance.now();
    const response = await fetch(`${this.stack.baseUrl}/local/sweep`, { method: 'POST' });
    const result = (await response.json()) as { sweep: { totalDeleted: number; bucketsQueried: number } };
    this.ledger.count(name, 'lambda:retention-sweep');
    this.ledger.count(name, 'sweep:bucketsQueried', result.sweep.bucketsQueried);
    this.end(name, result.sweep.totalDeleted, started);
  }
}

await main();
