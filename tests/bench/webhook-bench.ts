/**
 * npm run bench:webhooks [-- --duration 20 --rates 20,50,100 --no-write]
 *
 * Inbound webhooks on the local stack (DynamoDB Local, the HTTP server that plays API Gateway, the
 * real handlers), loaded with autocannon: signed Twilio and WhatsApp webhooks at fixed rates (p50 /
 * p99 latency, errors), then as fast as 16 connections go. Then a counted pass, one kind of webhook
 * at a time (a consent-changing keyword, plain chatter, a redelivery), through a proxy that reports
 * the DynamoDB capacity each consumed, for the cost model (npm run bench:cost).
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { startLocalStack } from '../../infra/local/local-stack.ts';
import { TABLE } from '../../shared/manifest.ts';
import { computeTwilioSignature } from '../../shared/adapters/twilio/twilio-signature.ts';
import { computeWhatsAppSignature } from '../../shared/adapters/whatsapp/whatsapp-signature.ts';
import { startAwsProxy, type AwsProxy } from '../support/aws-proxy.ts';
import { freePort } from '../support/free-port.ts';
import { machineLine, writeSection } from './benchmarks-file.ts';
import { billedWriteUnits, saveResult, WEBHOOK_KINDS as KINDS } from './bench-results.ts';
import { itemKindOf, writeBreakdown, writeBreakdownTable, type WriteBreakdownRow } from './write-breakdown.ts';
import { stackApi } from '../support/stack-api.ts';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '20' },
    rates: { type: 'string', default: '20,50,100' },
    'no-write': { type: 'boolean', default: false },
    /** Only the counted pass (per-webhook units and where they go), no load: nothing is written. */
    'counted-only': { type: 'boolean', default: false },
  },
});
const DURATION = Number(args.duration);
const RATES = String(args.rates).split(',').map(Number);
const CONNECTIONS = 16;
const COUNTED = 300;
/** What "sustained" means here: the rate reached, no error, and an answer well inside the providers' timeouts. */
const TARGET = { achievedShare: 0.98, p99Ms: 1000 };
const TOKEN = 'bench-twilio-auth-token-0000000001';
const APP_SECRET = 'bench-meta-app-secret-00000000001';

const log = (line: string) => console.log(line);
const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)] as T;
const sid = () => `SM${randomBytes(16).toString('hex')}`;

interface RateResult {
  provider: string;
  rate: number | 'max';
  achieved: number;
  p50: number;
  p99: number;
  max: number;
  requests: number;
  non2xx: number;
  errors: number;
}

async function main() {
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  let dynamoProxy: AwsProxy | undefined;
  const stack = await startLocalStack({
    port: await freePort(),
    dynamoDbPort: await freePort(),
    sqsPort: await freePort(),
    adminApiKey: `bench-operator-${randomBytes(8).toString('hex')}`,
    eventSources: false,
    // The counted pass sends a contact's earlier messages "yesterday" (x-optgate-now).
    allowClockOverride: true,
    log: () => undefined,
    serviceEndpoints: async (emulators) => {
      dynamoProxy = await startAwsProxy(emulators.dynamoDb, 'dynamodb', { measureCapacity: { keys: [TABLE.partitionKey, TABLE.sortKey], indexes: TABLE.indexes, classify: itemKindOf } });
      return { dynamoDb: dynamoProxy.endpoint, sqs: emulators.sqs };
    },
  });
  try {
    const call = stackApi(stack.baseUrl);
    const { apiKey } = await call<{ apiKey: string }>('POST', '/v1/accounts', stack.adminApiKey, { name: 'Webhook bench' });
    const twilioLine = await call<{ address: string }>('POST', '/v1/lines', apiKey, { channel: 'sms', provider: 'twilio', address: '+12025550100', credentials: { authToken: TOKEN } });
    const phoneNumberId = '106540352242922';
    await call('POST', '/v1/lines', apiKey, { channel: 'whatsapp', provider: 'meta', address: '+12025550101', providerId: phoneNumberId, credentials: { appSecret: APP_SECRET, verifyToken: 'bench-verify-token', accessToken: 'bench-access-token' } });
    const contacts = Array.from({ length: 2000 }, (_, index) => `+1303555${String(index).padStart(4, '0')}`);
    const twilioUrl = `${stack.publicBaseUrl}/webhooks/twilio`;

    // A realistic inbound mix: keywords that change consent, and plain replies to a campaign.
    const texts = ['STOP', 'START', 'STOP', 'START', 'Thanks, see you on Friday'];
    const twilioRequest = (body = pick(texts), messageSid = sid(), from = pick(contacts), at?: Date) => {
      const params = { MessageSid: messageSid, AccountSid: `AC${'0'.repeat(32)}`, From: from, To: twilioLine.address, Body: body, NumMedia: '0' };
      return {
        body: new URLSearchParams(params).toString(),
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-twilio-signature': computeTwilioSignature(TOKEN, twilioUrl, params),
          ...(at ? { 'x-optgate-now': at.toISOString() } : {}),
        },
      };
    };
    const whatsAppRequest = (text = pick(texts)) => {
      const body = JSON.stringify({
        object: 'whatsapp_business_account',
        entry: [{ id: '1', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { phone_number_id: phoneNumberId }, messages: [{ from: pick(contacts).slice(1), id: `wamid.${randomBytes(18).toString('base64url')}`, timestamp: String(Math.floor(Date.now() / 1000)), type: 'text', text: { body: text } }] } }] }],
      });
      return { body, headers: { 'content-type': 'application/json', 'x-hub-signature-256': computeWhatsAppSignature(APP_SECRET, body) } };
    };

    const load = async (provider: 'Twilio' | 'WhatsApp', rate: number | 'max', seconds: number): Promise<RateResult> => {
      const path = provider === 'Twilio' ? '/webhooks/twilio' : '/webhooks/whatsapp';
      const result = await autocannon({
        url: stack.baseUrl,
        connections: CONNECTIONS,
        duration: seconds,
        ...(rate === 'max' ? {} : { overallRate: rate }),
        requests: [{ method: 'POST', path, setupRequest: (request) => ({ ...request, ...(provider === 'Twilio' ? twilioRequest() : whatsAppRequest()) }) }],
      });
      const row: RateResult = {
        provider,
        rate,
        achieved: result.requests.average,
        p50: result.latency.p50,
        p99: result.latency.p99,
        max: result.latency.max,
        requests: result.requests.total,
        non2xx: result.non2xx,
        errors: result.errors + result.timeouts,
      };
      log(`${provider} ${rate === 'max' ? 'max' : `${rate}/s`}: ${row.achieved.toFixed(1)} req/s, p50 ${row.p50} ms, p99 ${row.p99} ms, max ${row.max} ms, ${row.requests} requests, non-2xx ${row.non2xx}, errors ${row.errors}`);
      return row;
    };

    const countedOnly = args['counted-only'];
    log(countedOnly ? 'bench:webhooks — the counted pass only' : `bench:webhooks — ${DURATION} s per rate (${RATES.join(', ')} req/s), ${CONNECTIONS} connections`);
    await load('Twilio', 20, 5); // warm-up: the JVM, the handler containers
    await load('WhatsApp', 20, 5);
    const rows: RateResult[] = [];
    if (!countedOnly) {
      for (const rate of RATES) rows.push(await load('Twilio', rate, DURATION));
      rows.push(await load('Twilio', 'max', DURATION));
      rows.push(await load('WhatsApp', RATES[1] ?? 50, DURATION));
      rows.push(await load('WhatsApp', 'max', DURATION));
    }

    // The counted pass: one kind at a time, sequentially, so every request and unit is its own.
    const eventsBefore = async () => ((await (await fetch(`${stack.baseUrl}/local/events`)).json()) as { events: unknown[] }).events.length;
    const counted = async (kind: string, make: (index: number) => { body: string; headers: Record<string, string> }) => {
      const proxy = dynamoProxy as AwsProxy;
      proxy.reset();
      const events = await eventsBefore();
      const started = performance.now();
      for (let index = 0; index < COUNTED; index += 1) {
        const request = make(index);
        const response = await fetch(`${stack.baseUrl}/webhooks/twilio`, { method: 'POST', ...request });
        if (!response.ok) throw new Error(`${kind}: ${response.status}`);
        await response.text();
      }
      const measured = {
        kind,
        webhooks: COUNTED,
        dynamoRequests: Object.fromEntries(proxy.counts),
        readUnits: proxy.capacity.readUnits,
        writeUnits: proxy.capacity.writeUnits,
        transactWriteUnits: proxy.capacity.transactWriteUnits,
        consentEvents: (await eventsBefore()) - events,
        meanMs: (performance.now() - started) / COUNTED,
        writes: writeBreakdown(proxy.writesByItem, COUNTED),
      };
      log(`counted ${kind}: per webhook ${(measured.readUnits / COUNTED).toFixed(2)} RRU, ${(billedWriteUnits(measured) / COUNTED).toFixed(2)} WRU billed, ${(proxy.total() / COUNTED).toFixed(2)} DynamoDB requests ${JSON.stringify(measured.dynamoRequests)}, ${(measured.consentEvents / COUNTED).toFixed(2)} events, ${measured.meanMs.toFixed(1)} ms`);
      if (measured.writes.length > 0) log(writeBreakdownTable(measured.writes));
      return measured;
    };
    const fresh = Array.from({ length: COUNTED }, (_, index) => `+1720555${String(index).padStart(4, '0')}`);
    const change = await counted(KINDS.stop, (index) => twilioRequest('STOP', sid(), fresh[index]));
    // Contacts known since yesterday (their profile does not cover today yet), not counted.
    const known = Array.from({ length: COUNTED }, (_, index) => `+1720556${String(index).padStart(4, '0')}`);
    const yesterday = new Date(Date.now() - 30 * 3600_000);
    for (const contact of known) {
      const response = await fetch(`${stack.baseUrl}/webhooks/twilio`, { method: 'POST', ...twilioRequest('Hello', sid(), contact, yesterday) });
      if (!response.ok) throw new Error(`seeding known contacts: ${response.status}`);
      await response.text();
    }
    const firstToday = await counted(KINDS.chatterFirst, (index) => twilioRequest('Thanks, see you on Friday', sid(), known[index]));
    const laterToday = await counted(KINDS.chatterLater, (index) => twilioRequest('Great, thank you', sid(), known[index]));
    const firstSid = sid();
    const redelivered = twilioRequest('START', firstSid, fresh[0]);
    await fetch(`${stack.baseUrl}/webhooks/twilio`, { method: 'POST', ...redelivered }).then((response) => response.text());
    const duplicate = await counted(KINDS.redelivery, () => redelivered);

    const kinds = [change, firstToday, laterToday, duplicate];
    if (!args['no-write'] && !countedOnly) {
      saveResult('webhooks', { memoryMb: 512, kinds, rates: rows });
      writeSection('bench:webhooks', section(rows, kinds));
    }
  } finally {
    await stack.stop();
    await dynamoProxy?.close();
  }
}

function section(
  rows: RateResult[],
  kinds: { kind: string; webhooks: number; readUnits: number; writeUnits: number; transactWriteUnits: number; dynamoRequests: Record<string, number>; consentEvents: number; meanMs: number; writes: WriteBreakdownRow[] }[],
): string {
  const met = (row: RateResult) =>
    row.rate === 'max'
      ? '—'
      : row.achieved >= row.rate * TARGET.achievedShare && row.non2xx === 0 && row.errors === 0 && row.p99 <= TARGET.p99Ms
        ? 'met'
        : '**missed**';
  const table = rows
    .map((row) => `| ${row.provider} | ${row.rate === 'max' ? `as fast as ${CONNECTIONS} connections go` : `${row.rate} req/s`} | ${row.achieved.toFixed(1)} | ${row.p50} | ${row.p99} | ${row.max} | ${row.requests} | ${row.non2xx} / ${row.errors} | ${met(row)} |`)
    .join('\n');
  const perKind = kinds
    .map((k) => `| ${k.kind} | ${(k.readUnits / k.webhooks).toFixed(2)} | ${(billedWriteUnits(k) / k.webhooks).toFixed(2)} | ${(Object.values(k.dynamoRequests).reduce((a, b) => a + b, 0) / k.webhooks).toFixed(2)} (${Object.entries(k.dynamoRequests).sort().map(([op, n]) => `${op} ${(n / k.webhooks).toFixed(2)}`).join(', ')}) | ${(k.consentEvents / k.webhooks).toFixed(2)} | ${k.meanMs.toFixed(1)} |`)
    .join('\n');
  return `## Inbound webhooks (\`npm run bench:webhooks\`)

Signed Twilio (\`POST /webhooks/twilio\`) and WhatsApp (\`POST /webhooks/whatsapp\`) webhooks on the local stack (the handlers
behind the local API Gateway, DynamoDB Local 1.25.1), loaded with autocannon, ${CONNECTIONS} connections, ${DURATION} s per row, after a
warm-up. Mix: 80 % keywords that change consent (STOP / START over 2,000 contacts), 20 % plain replies; every request a new
provider message id, signed as the provider signs. Latency is the client's: local HTTP and DynamoDB Local included.

| provider | load | achieved req/s | p50 ms | p99 ms | max ms | requests | non-2xx / errors | target: rate held, 0 errors, p99 ≤ ${TARGET.p99Ms} ms |
|---|---|---|---|---|---|---|---|---|
${table}

Per webhook, counted one kind at a time (${kinds[0]?.webhooks ?? 0} each, sequential; capacity units as DynamoDB Local reports them with
\`ReturnConsumedCapacity\`; write transactions, which DynamoDB Local cannot report, computed from each item's old and new image), the input of the cost model (\`npm run bench:cost\`):

| kind | read units | write units | DynamoDB requests | ConsentChanged events | mean ms |
|---|---|---|---|---|---|
${perKind}

- The kinds: a STOP from a contact seen for the first time (its profile is created); plain chatter from contacts whose last
  message was yesterday (the profile is renewed: once a day at most), then a second message of theirs the same day (the profile
  already covers it: only the idempotency marker is written); a provider's redelivery of a START already handled.

Where the write units go, per webhook (item writes, in a transaction or not — a transactional write is billed twice —, mean size,
units billed to the table and to each index):

${kinds.filter((k) => k.writes.length > 0).map((k) => `*${k.kind}*\n\n${writeBreakdownTable(k.writes)}`).join('\n\n')}

- The ceiling is DynamoDB Local on 2 shared cores (a consent change is one 100 %-transactional write of 5–8 items); on
  DynamoDB and Lambda each request runs in its own container and the table scales on demand. Providers wait 15 s (Twilio)
  and 10 s (Meta) for an answer.

${machineLine()}`;
}

await main();
