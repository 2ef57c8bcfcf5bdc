/**
 * npm run bench:cost — AWS cost per million inbound webhooks and per million gated messages, at
 * list prices, from what bench:webhooks and bench:gate measured (test-output/bench/*.json): HTTP
 * API and Lambda requests, Lambda GB-seconds, DynamoDB read and write units as DynamoDB Local
 * reported them, SQS requests, ConsentChanged events. Run those two first (npm run bench does).
 */
import { loadResult, billedWriteUnits, WEBHOOK_KINDS } from './bench-results.ts';
import { writeBreakdownTable, type WriteBreakdownRow } from './write-breakdown.ts';
import { machineLine, writeSection } from './benchmarks-file.ts';

/** List prices, us-east-1, without free tiers (the pages below; on-demand DynamoDB since the November 2024 cut). */
const PRICES = {
  httpApiRequest: 1.0 / 1e6,
  lambdaRequest: 0.2 / 1e6,
  lambdaArmGbSecond: 0.0000133334,
  dynamoReadUnit: 0.125 / 1e6,
  dynamoWriteUnit: 0.625 / 1e6,
  sqsRequest: 0.4 / 1e6,
  eventBridgeEvent: 1.0 / 1e6,
  snsPublish: 0.5 / 1e6,
};
const SOURCES = [
  'API Gateway HTTP API $1.00 per million requests (first 300 million a month): https://aws.amazon.com/api-gateway/pricing/',
  'Lambda $0.20 per million requests, $0.0000133334 per GB-second on arm64 (first 7.5 billion GB-s a month): https://aws.amazon.com/lambda/pricing/',
  'DynamoDB on-demand $0.625 per million write request units, $0.125 per million read request units: https://aws.amazon.com/dynamodb/pricing/on-demand/',
  'SQS standard queues $0.40 per million requests (beyond the first million a month): https://aws.amazon.com/sqs/pricing/',
  'EventBridge $1.00 per million custom events published: https://aws.amazon.com/eventbridge/pricing/',
  'SNS $0.50 per million publishes, deliveries to Lambda free: https://aws.amazon.com/sns/pricing/',
];
const TARGETS = { webhooks: 2.5, gated: 1.0 };
/**
 * The inbound mix the headline figure assumes: a fifth change consent, most are replies, some are
 * provider redeliveries. Of the replies, half are assumed to be the contact's first message of the
 * day (its profile is renewed) and half a later one (it is not); the bounds are printed beside it.
 */
const MIX: Record<string, number> = {
  [WEBHOOK_KINDS.stop]: 0.2,
  [WEBHOOK_KINDS.chatterFirst]: 0.35,
  [WEBHOOK_KINDS.chatterLater]: 0.35,
  [WEBHOOK_KINDS.redelivery]: 0.1,
};
const CHATTER_SHARE = 0.7;

interface WebhookKind {
  kind: string;
  webhooks: number;
  readUnits: number;
  writeUnits: number;
  transactWriteUnits: number;
  consentEvents: number;
  meanMs: number;
}
interface GateRun {
  messages: number;
  batches: number;
  readUnits: number;
  writeUnits: number;
  transactWriteUnits: number;
  sqs: Record<string, number>;
  sqsRequests: number;
  enqueueRequests: number;
  writes?: WriteBreakdownRow[];
  invocationSeconds: number;
  memoryMb: number;
  seconds: number;
}

const dollars = (value: number) => `$${value.toFixed(2)}`;
const mark = (value: number, target: number) => (value <= target ? 'met' : '**missed**');

function main() {
  const webhooks = loadResult<{ memoryMb: number; kinds: WebhookKind[] }>('webhooks');
  const gate = loadResult<GateRun>('gate');
  if (!webhooks || !gate) throw new Error('Run npm run bench:webhooks and npm run bench:gate first (their counts are the input).');

  // Per million webhooks of one kind.
  const webhookCost = (kind: WebhookKind) => {
    const per = (value: number) => (value / kind.webhooks) * 1e6;
    const items = {
      'HTTP API': 1e6 * PRICES.httpApiRequest,
      'Lambda requests': 1e6 * PRICES.lambdaRequest,
      'Lambda duration': 1e6 * (Math.ceil(kind.meanMs) / 1000) * (webhooks.memoryMb / 1024) * PRICES.lambdaArmGbSecond,
      'DynamoDB reads': per(kind.readUnits) * PRICES.dynamoReadUnit,
      'DynamoDB writes': per(billedWriteUnits(kind)) * PRICES.dynamoWriteUnit,
      EventBridge: per(kind.consentEvents) * PRICES.eventBridgeEvent,
    };
    return { items, total: Object.values(items).reduce((sum, value) => sum + value, 0) };
  };
  const kinds = webhooks.kinds.map((kind) => ({ kind, ...webhookCost(kind) }));
  const mixOf = (mix: Record<string, number>) => kinds.reduce((sum, row) => sum + (mix[row.kind.kind] ?? 0) * row.total, 0);
  const mixed = mixOf(MIX);
  const chatterAll = (kind: string) => ({ ...MIX, [WEBHOOK_KINDS.chatterFirst]: 0, [WEBHOOK_KINDS.chatterLater]: 0, [kind]: CHATTER_SHARE });
  const mixedHigh = mixOf(chatterAll(WEBHOOK_KINDS.chatterFirst));
  const mixedLow = mixOf(chatterAll(WEBHOOK_KINDS.chatterLater));
  const change = kinds.find((row) => row.kind.kind === WEBHOOK_KINDS.stop);
  // Floors: what the design cannot go below, whatever else is trimmed.
  const perRequest = 1e6 * (PRICES.httpApiRequest + PRICES.lambdaRequest);
  const wru = 1e6 * PRICES.dynamoWriteUnit;
  // A change's marker, audit event, record and summary in one transaction (2 units each under 1 KB), their
  // byExpiry entries (4) and the record's byLine entry: 13 units; one ConsentChanged event.
  const stopFloor = perRequest + 13 * wru + 1e6 * PRICES.eventBridgeEvent;
  // Chatter: the idempotency marker (1 unit, its byExpiry entry 1).
  const chatterFloor = perRequest + 2 * wru;
  const mixFloor = 0.2 * stopFloor + CHATTER_SHARE * chatterFloor + 0.1 * perRequest;

  // Per million gated messages.
  const perMessage = (value: number) => (value / gate.messages) * 1e6;
  const gateItems = {
    'DynamoDB reads': perMessage(gate.readUnits) * PRICES.dynamoReadUnit,
    'DynamoDB writes': perMessage(billedWriteUnits(gate)) * PRICES.dynamoWriteUnit,
    'SQS (sender, event source, gate)': perMessage(gate.sqsRequests + gate.enqueueRequests) * PRICES.sqsRequest,
    'Lambda requests': perMessage(gate.batches) * PRICES.lambdaRequest,
    'Lambda duration': perMessage(gate.invocationSeconds) * (gate.memoryMb / 1024) * PRICES.lambdaArmGbSecond,
  };
  const gateTotal = Object.values(gateItems).reduce((sum, value) => sum + value, 0);
  // The gate's floor: a history item per message, claimed in transactions of 100 (2 units under 1 KB) with its
  // byExpiry entry (1) and, for allowed marketing, its byMarketingSend entry; SQS, reads and Lambda as measured.
  const marketingEntries = gate.writes?.find((row) => row.item === 'message history')?.indexUnitsPer.byMarketingSend ?? 0;
  const gateFixed = gateTotal - gateItems['DynamoDB writes'];
  const gateFloor = gateFixed + (3 + marketingEntries) * wru;
  const gateFloorPlain = gateFixed + (2 + marketingEntries) * wru;
  const gateBreakdown = gate.writes && gate.writes.length > 0 ? gate.writes : undefined;

  const itemNames = Object.keys(kinds[0]?.items ?? {});
  const section = `## Cost per million (\`npm run bench:cost\`)

At list prices, us-east-1, without free tiers, from the request counts \`bench:webhooks\` (${webhooks.measuredAt.slice(0, 16).replace('T', ' ')} UTC) and
\`bench:gate\` (${gate.measuredAt.slice(0, 16).replace('T', ' ')} UTC) measured. DynamoDB units are what DynamoDB Local reported with \`ReturnConsumedCapacity\`
(transactional writes, which DynamoDB Local cannot report, computed from each item's old and new image: 2 units per KB, plus index writes); Lambda duration is the local time per webhook or batch,
rounded up to the millisecond, at the function's memory (an upper bound: DynamoDB answers in milliseconds where the loaded
emulator takes tens).

**Inbound webhooks** (Twilio or WhatsApp through the HTTP API, ${webhooks.memoryMb} MB):

| per million | ${itemNames.join(' | ')} | total |
|---|${itemNames.map(() => '---').join('|')}|---|
${kinds.map((row) => `| ${row.kind.kind} | ${Object.values(row.items).map(dollars).join(' | ')} | **${dollars(row.total)}** |`).join('\n')}

| figure | cost per million | target | | floor of this design |
|---|---|---|---|---|
| inbound webhooks, mix of 20 % STOP, 70 % chatter (half of it a contact's first message of the day), 10 % redelivery | ${dollars(mixed)} | ≤ ${dollars(TARGETS.webhooks)} | ${mark(mixed, TARGETS.webhooks)} | ${dollars(mixFloor)} (target out of reach) |
| — the same mix, every chatter message a contact's first of the day / none | ${dollars(mixedHigh)} / ${dollars(mixedLow)} | | | |
| inbound webhooks that all change consent | ${dollars(change?.total ?? 0)} | ≤ ${dollars(TARGETS.webhooks)} | ${mark(change?.total ?? 0, TARGETS.webhooks)} | ${dollars(stopFloor)} (target out of reach) |

- **Floors** (list prices, before reads and Lambda duration): every webhook pays the HTTP API and a Lambda request,
  ${dollars(perRequest)} per million, more than half the target on its own. A consent change must write its idempotency marker,
  audit event, consent record and consent summary in one transaction (2 units each, under 1 KB) with their 4 byExpiry entries
  and the record's byLine entry (13 units, ${dollars(13 * wru)}) and publish one ConsentChanged event (${dollars(1e6 * PRICES.eventBridgeEvent)}):
  ${dollars(stopFloor)} per million STOPs, before its report counters (about 4 counter items in the same transaction, 2 units each),
  its reads and the profile. Chatter must write its marker (1 unit and its byExpiry entry: ${dollars(2 * wru)}). With 20 % STOPs the mix
  cannot go below ${dollars(mixFloor)}: the ≤ ${dollars(TARGETS.webhooks)} target needs a mix with fewer consent changes, or a cheaper front door
  (SNS-delivered AWS two-way SMS: ${dollars(1e6 * PRICES.snsPublish)} instead of ${dollars(1e6 * PRICES.httpApiRequest)}).

Through SNS (AWS End User Messaging two-way SMS) the HTTP API line becomes SNS publishes, ${dollars(1e6 * PRICES.snsPublish)} per million.

**Gated messages** (${gate.messages.toLocaleString('en-US')} messages in ${gate.batches} batches, ${gate.memoryMb} MB):

| item | measured | cost per million |
|---|---|---|
| DynamoDB reads | ${(gate.readUnits / gate.messages).toFixed(3)} read units per message | ${dollars(gateItems['DynamoDB reads'])} |
| DynamoDB writes | ${(billedWriteUnits(gate) / gate.messages).toFixed(3)} write units per message | ${dollars(gateItems['DynamoDB writes'])} |
| SQS | ${((gate.sqsRequests + gate.enqueueRequests) / gate.messages).toFixed(3)} requests per message (${Object.entries(gate.sqs).sort().map(([op, n]) => `${op} ${(n / gate.messages).toFixed(3)}`).join(', ')}, the sender's SendMessageBatch ${(gate.enqueueRequests / gate.messages).toFixed(3)}) | ${dollars(gateItems['SQS (sender, event source, gate)'])} |
| Lambda requests | ${(gate.batches / gate.messages).toFixed(4)} invocations per message | ${dollars(gateItems['Lambda requests'])} |
| Lambda duration | ${((gate.invocationSeconds / gate.batches) * 1000).toFixed(0)} ms per batch locally | ${dollars(gateItems['Lambda duration'])} |
| **total** | | **${dollars(gateTotal)}** (target ≤ ${dollars(TARGETS.gated)}: ${mark(gateTotal, TARGETS.gated)}) |
| floor of this design | a history item per message claimed in 100-item transactions (2 units), its byExpiry entry (1), a byMarketingSend entry per allowed marketing message (${marketingEntries.toFixed(3)} per message); the rest as measured | **${dollars(gateFloor)}** (target out of reach) |

- The gate's floor: every message's decision is kept in its history item (the audit of what was sent, and the claim that
  stops a second dispatch), which holds the contact and so has a byExpiry entry for the sweep. Claims are conditional
  Puts in TransactWriteItems of 100 (one request per 100 messages, the gate's ≤ 25 DynamoDB requests per 1,000 target); a
  transaction bills 2 units per item. One conditional PutItem per message would bill 1 (floor ${dollars(gateFloorPlain)}) but send 1,000
  requests per 1,000 messages. Below $1.00 only without a per-message history entry in an index, i.e. without the sweep finding
  each history item (DynamoDB TTL alone deletes within days, not at expiry).
${gateBreakdown ? `- Where the gate's write units go, per message:\n\n${writeBreakdownTable(gateBreakdown)}\n` : ''}
- Not counted: storage ($0.25 per GB-month), CloudWatch Logs, the fixed monthly items (KMS key, secret, alarms,
  dashboard: README, Cost per million messages) and the messages themselves (an SMS costs about $8,000 per million in the US).
- Prices: ${SOURCES.join('; ')}.

${machineLine()}`;
  writeSection('bench:cost', section);
  console.log(`inbound: mix ${dollars(mixed)}, all consent changes ${dollars(change?.total ?? 0)} per million; gated ${dollars(gateTotal)} per million`);
}

main();
