/**
 * The one list of optgate's functions, their HTTP routes and triggers, and what each may touch.
 * The CDK app (infra/cdk) and the local server (infra/local) both read it, so the deployed wiring
 * and the local wiring cannot drift apart.
 */

/** HTTP API route keys, as API Gateway HTTP API spells them ("METHOD /path/{param}"). */
export type RouteKey = `${'GET' | 'POST' | 'PUT' | 'DELETE'} /${string}`;

/** DynamoDB actions (IAM names without `dynamodb:`) a function's code calls on the table. */
export type TableAction =
  | 'GetItem'
  | 'BatchGetItem'
  | 'Query'
  | 'PutItem'
  | 'UpdateItem'
  | 'DeleteItem'
  | 'BatchWriteItem'
  | 'ConditionCheckItem'
  | 'DescribeTable';

/** Reads by key and by query; no Scan (the retention sweep queries its index, it never scans the table). */
export const TABLE_READ = ['GetItem', 'BatchGetItem', 'Query'] as const satisfies readonly TableAction[];
/** TransactWriteItems has no IAM action of its own: it is authorised per Put / Update / Delete / ConditionCheck. */
export const TABLE_WRITE = ['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem'] as const satisfies readonly TableAction[];
/** Item writes without BatchWriteItem: what functions that record consent changes (in transactions) need. */
export const TABLE_ITEM_WRITE = ['PutItem', 'UpdateItem', 'DeleteItem'] as const satisfies readonly TableAction[];
/** Erasure: bulk deletes, and a check in its first transaction that the contact's absent consent summaries stay absent. */
const TABLE_ERASURE = [...TABLE_READ, ...TABLE_WRITE, 'ConditionCheckItem'] as const satisfies readonly TableAction[];

/**
 * What a function may do to the table: `read` is TABLE_READ, `readWrite` TABLE_READ + TABLE_WRITE, or
 * the exact list. The CDK app grants exactly these; a unit test bundles each handler and checks the
 * list against the commands its code can send (tests/unit/infra/code-permissions.test.ts).
 */
export type TableAccess = 'none' | 'read' | 'readWrite' | readonly TableAction[];

/** The DynamoDB actions of a TableAccess. */
export function tableActions(access: TableAccess): readonly TableAction[] {
  if (access === 'none') return [];
  if (access === 'read') return TABLE_READ;
  if (access === 'readWrite') return [...TABLE_READ, ...TABLE_WRITE];
  return access;
}

export type Trigger =
  /** An SNS topic the function subscribes to (created by the CDK app; delivered by /local/… locally). */
  | { kind: 'sns'; topic: TopicName }
  /** An SQS queue as event source (batched, ReportBatchItemFailures). */
  | { kind: 'sqs'; queue: QueueName; batchSize: number; maxBatchingWindowSeconds: number }
  /** An EventBridge schedule. */
  | { kind: 'schedule'; rate: string };

/**
 * - awsSmsInbound: AWS End User Messaging two-way SMS.
 * - awsSmsEvents: AWS End User Messaging SMS events (a configuration set's SNS event destination).
 * - sesInbound: SES receipt rule SNS action (mail to the lines' addresses / unsubscribe mailto).
 * - sesFeedback: SES bounce and complaint notifications (identity notifications or a configuration set).
 */
export type TopicName = 'awsSmsInbound' | 'awsSmsEvents' | 'sesInbound' | 'sesFeedback';
export type QueueName = 'outbound' | 'dispatch' | 'suppressed' | 'outboundDlq';

/** External APIs a function calls (each becomes an explicit IAM statement). */
export type ExternalApi =
  | 'smsVoiceSendText'
  /** ConsentChanged events on the event bus (every function that records consent changes). */
  | 'eventBridgePutEvents'
  /** Double opt-in confirmation emails from the account's verified identities. */
  | 'sesSendEmail'
  /**
   * The service keys in Secrets Manager that open what the table keeps sealed: line credentials and
   * per-account keys (unsubscribe, form link, erasure). Every function that reads lines or those keys.
   */
  | 'serviceKeyRead'
  /** GetQueueAttributes on the outbound queue: the health check's probe of SQS. */
  | 'outboundQueueAttributes';

export interface FunctionDefinition {
  /** Stable id: the CDK construct id and the local server's name. */
  readonly name: string;
  /** Path of the handler module from the project root; it exports `handler`. */
  readonly entry: string;
  readonly description: string;
  readonly routes: readonly RouteKey[];
  readonly triggers: readonly Trigger[];
  readonly table: TableAccess;
  /** Queues the function sends to. */
  readonly sendsTo: readonly QueueName[];
  readonly calls: readonly ExternalApi[];
  /** Seconds; the queue visibility timeouts are derived from it. */
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  /** Routes of this function that are public (signature-verified in code) rather than API-key authorised. */
  readonly publicRoutes?: readonly RouteKey[];
  /**
   * The function sends messages that cost money each (SMS and WhatsApp replies, confirmation mails):
   * the CDK app caps its concurrency so a flood or a loop cannot run up an unbounded bill.
   */
  readonly sendsMessages?: boolean;
  /**
   * Built files the handler serves from disk. `build` is a module whose `ensureBuilt()` makes `dir` current
   * (the local stack imports it before serving; the CDK app runs it before bundling); `dir` (under the
   * handler's folder) is copied into the bundle at the same place relative to the handler.
   */
  readonly staticAssets?: { readonly dir: string; readonly build: string };
}

export const FUNCTIONS = [
  {
    name: 'health',
    entry: 'functions/health/handler.ts',
    description: 'Liveness and dependency check: answers once DynamoDB and SQS answer',
    routes: ['GET /health'],
    publicRoutes: ['GET /health'],
    triggers: [],
    table: ['DescribeTable'],
    sendsTo: [],
    calls: ['outboundQueueAttributes'],
    timeoutSeconds: 5,
    memoryMb: 256,
  },
  {
    name: 'admin-api',
    entry: 'functions/admin-api/handler.ts',
    description: 'Account set-up: accounts, settings, lines, keyword rules and their tester, web forms, unsubscribe key rotation',
    routes: [
      'POST /v1/accounts',
      'GET /v1/settings',
      'PUT /v1/settings',
      'GET /v1/lines',
      'POST /v1/lines',
      'DELETE /v1/lines/{lineId}',
      'GET /v1/rules',
      'POST /v1/rules',
      'PUT /v1/rules/{ruleId}',
      'DELETE /v1/rules/{ruleId}',
      'POST /v1/rules/test',
      'POST /v1/forms',
      'GET /v1/forms',
      'GET /v1/forms/{formId}',
      'PUT /v1/forms/{formId}',
      'DELETE /v1/forms/{formId}',
      'POST /v1/unsubscribe-keys',
    ],
    triggers: [],
    // No BatchGetItem: set-up reads one item or one query at a time.
    table: ['GetItem', 'Query', ...TABLE_ITEM_WRITE],
    sendsTo: [],
    // Records no consent: no event bus.
    calls: ['serviceKeyRead'],
    timeoutSeconds: 10,
    memoryMb: 512,
  },
  {
    name: 'consent-api',
    entry: 'functions/consent-api/handler.ts',
    description: "A contact's consent: read and set it (publishes ConsentChanged), its audit trail",
    routes: ['GET /v1/contacts/{contact}/consent', 'PUT /v1/contacts/{contact}/consent', 'GET /v1/contacts/{contact}/events'],
    triggers: [],
    // Consent changes put and update items, never delete them (the audit trail is append-only).
    table: [...TABLE_READ, 'PutItem', 'UpdateItem'],
    sendsTo: [],
    calls: ['eventBridgePutEvents', 'serviceKeyRead'],
    timeoutSeconds: 10,
    memoryMb: 512,
  },
  {
    name: 'reports-api',
    entry: 'functions/reports-api/handler.ts',
    description: 'Read-only reports and exports: consent snapshot, opt-out report, consent CSV export',
    routes: ['GET /v1/reports/snapshot', 'GET /v1/reports/opt-outs', 'GET /v1/exports/consent'],
    triggers: [],
    // Reads only, and opens no sealed value: no service key.
    table: 'read',
    sendsTo: [],
    calls: [],
    // Pages of up to 2,000 contacts' records (BatchGetItem) or a snapshot page; HTTP API integrations time out at 30 s.
    timeoutSeconds: 29,
    memoryMb: 1024,
  },
  {
    name: 'sending-api',
    entry: 'functions/sending-api/handler.ts',
    description: 'What a sender calls around each message: the pre-send consent check and signed unsubscribe links',
    routes: ['POST /v1/consent/check', 'POST /v1/unsubscribe-links'],
    triggers: [],
    // Writes: an account's first unsubscribe key, and the puts and updates of the gate module it shares (OutboundStore); no deletes.
    table: [...TABLE_READ, 'PutItem', 'UpdateItem'],
    sendsTo: [],
    // Changes no consent: no event bus.
    calls: ['serviceKeyRead'],
    timeoutSeconds: 10,
    memoryMb: 512,
  },
  {
    name: 'data-api',
    entry: 'functions/data-api/handler.ts',
    description: 'Data control, one contact at a time: profiles and search, per-contact retention, erasure, subject access export',
    routes: [
      'GET /v1/contacts',
      'GET /v1/contacts/{contact}',
      'PUT /v1/contacts/{contact}',
      'DELETE /v1/contacts/{contact}',
      'PUT /v1/contacts/{contact}/retention',
      'GET /v1/contacts/{contact}/export',
    ],
    triggers: [],
    table: TABLE_ERASURE,
    sendsTo: [],
    // Records no consent change (erasure deletes, it does not opt out): no event bus.
    calls: ['serviceKeyRead'],
    // HTTP API integrations time out at 30 s; long erasures answer 202 before that and continue.
    timeoutSeconds: 29,
    memoryMb: 1024,
  },
  {
    name: 'import-api',
    entry: 'functions/import-api/handler.ts',
    description: 'Consent CSV import: records with evidence, in resumable chunks (what `optgate import` sends)',
    routes: ['POST /v1/imports'],
    triggers: [],
    // Writes records with their audit events in transactions (Put / Update); reads tombstones; never deletes.
    table: [...TABLE_READ, 'PutItem', 'UpdateItem'],
    sendsTo: [],
    calls: ['eventBridgePutEvents', 'serviceKeyRead'],
    // A chunk answers with a checkpoint before the 30 s HTTP API limit; the CLI sends the rest.
    timeoutSeconds: 29,
    memoryMb: 1024,
  },
  {
    name: 'retention-sweep',
    entry: 'functions/retention-sweep/handler.ts',
    description: 'Hourly: runs open background jobs (retention re-application, unfinished erasures), then deletes expired items found through the byExpiry index',
    routes: [],
    triggers: [{ kind: 'schedule', rate: '1 hour' }],
    table: TABLE_ERASURE,
    sendsTo: [],
    calls: ['serviceKeyRead'],
    timeoutSeconds: 300,
    memoryMb: 512,
  },
  {
    name: 'inbound-twilio',
    entry: 'functions/inbound-twilio/handler.ts',
    description: 'Twilio inbound SMS / WhatsApp webhook: verifies X-Twilio-Signature, applies keyword rules, answers TwiML',
    routes: ['POST /webhooks/twilio'],
    publicRoutes: ['POST /webhooks/twilio'],
    triggers: [],
    table: [...TABLE_READ, ...TABLE_ITEM_WRITE],
    sendsTo: [],
    calls: ['eventBridgePutEvents', 'serviceKeyRead'],
    timeoutSeconds: 10,
    memoryMb: 512,
  },
  {
    name: 'inbound-aws-sms',
    entry: 'functions/inbound-aws-sms/handler.ts',
    description: 'AWS End User Messaging two-way SMS (SNS): applies keyword rules, replies with SendTextMessage',
    routes: [],
    triggers: [{ kind: 'sns', topic: 'awsSmsInbound' }],
    table: [...TABLE_READ, ...TABLE_ITEM_WRITE],
    sendsTo: [],
    calls: ['smsVoiceSendText', 'eventBridgePutEvents', 'serviceKeyRead'],
    sendsMessages: true,
    timeoutSeconds: 15,
    memoryMb: 512,
  },
  {
    name: 'forms',
    entry: 'functions/forms/handler.ts',
    description: 'Public web opt-in forms: the embeddable page, submissions with evidence, double opt-in confirmation',
    routes: ['GET /forms/{formId}', 'POST /forms/{formId}', 'GET /forms/{formId}/confirm/{token}', 'POST /forms/{formId}/confirm/{token}'],
    publicRoutes: ['GET /forms/{formId}', 'POST /forms/{formId}', 'GET /forms/{formId}/confirm/{token}', 'POST /forms/{formId}/confirm/{token}'],
    triggers: [],
    table: [...TABLE_READ, ...TABLE_ITEM_WRITE],
    sendsTo: [],
    calls: ['eventBridgePutEvents', 'sesSendEmail', 'serviceKeyRead'],
    sendsMessages: true,
    timeoutSeconds: 10,
    memoryMb: 512,
  },
  {
    name: 'openapi',
    entry: 'functions/openapi/handler.ts',
    description: 'The OpenAPI 3.1 description of every route, generated from the request schemas',
    routes: ['GET /openapi.json'],
    publicRoutes: ['GET /openapi.json'],
    triggers: [],
    table: 'none',
    sendsTo: [],
    calls: [],
    timeoutSeconds: 5,
    memoryMb: 256,
  },
  {
    name: 'console',
    entry: 'functions/console/handler.ts',
    description: 'The operator console: a web app (Preact) that works through the admin API with the account key',
    routes: ['GET /console', 'GET /console/assets/{file}'],
    // The page and its script are public; every call it makes to the admin API carries the key the operator enters.
    publicRoutes: ['GET /console', 'GET /console/assets/{file}'],
    triggers: [],
    table: 'none',
    sendsTo: [],
    calls: [],
    timeoutSeconds: 5,
    memoryMb: 256,
    staticAssets: { dir: 'functions/console/app/dist', build: 'infra/tools/build-console.ts' },
  },
  {
    name: 'outbound-gate',
    entry: 'functions/outbound-gate/handler.ts',
    description: 'Outbound gate: checks each queued message against consent; dispatch, suppress, defer or dead-letter',
    routes: [],
    triggers: [
      {
        kind: 'sqs',
        queue: 'outbound',
        // Throughput: the gate's cost is per batch, not per message (one BatchGetItem per 100 distinct
        // consent summaries, one TransactWriteItems per 100 claims, SendMessageBatch per 10, and one
        // receipt transaction for the whole batch), and a bigger batch shares more keys (contacts with
        // several messages) and leaves fewer part-filled requests (BENCHMARKS.md has the measured
        // requests per 1,000 messages). A batch's calls run in parallel, so 500 still takes well under
        // a second on DynamoDB; Lambda trims a batch to its 6 MB payload limit when envelopes are large.
        // The 1 s window lets a trickle fill a batch without noticeable latency. Failures are per
        // message (ReportBatchItemFailures), so a big batch does not widen a retry.
        batchSize: 500,
        maxBatchingWindowSeconds: 1,
      },
    ],
    // The gate never deletes: claims expire by lease and history by TTL.
    table: [...TABLE_READ, 'PutItem', 'UpdateItem'],
    sendsTo: ['dispatch', 'suppressed', 'outboundDlq', 'outbound'],
    calls: ['serviceKeyRead'],
    // The outbound queue's visibility timeout is 6 × this (provision.ts, the CDK app), as Lambda advises.
    timeoutSeconds: 30,
    memoryMb: 1024,
  },
  {
    name: 'inbound-whatsapp',
    entry: 'functions/inbound-whatsapp/handler.ts',
    description:
      'WhatsApp Cloud API webhook: verification handshake, X-Hub-Signature-256, keyword rules, marketing preferences, error 131050, Cloud API replies',
    routes: ['GET /webhooks/whatsapp', 'POST /webhooks/whatsapp'],
    publicRoutes: ['GET /webhooks/whatsapp', 'POST /webhooks/whatsapp'],
    triggers: [],
    table: [...TABLE_READ, ...TABLE_ITEM_WRITE],
    sendsTo: [],
    calls: ['eventBridgePutEvents', 'serviceKeyRead'],
    sendsMessages: true,
    timeoutSeconds: 10,
    memoryMb: 512,
  },
  {
    name: 'twilio-status',
    entry: 'functions/twilio-status/handler.ts',
    description: 'Twilio message status callbacks: verifies X-Twilio-Signature, records ErrorCode 21610 as a provider opt-out',
    routes: ['POST /webhooks/twilio/status'],
    publicRoutes: ['POST /webhooks/twilio/status'],
    triggers: [],
    table: [...TABLE_READ, ...TABLE_ITEM_WRITE],
    sendsTo: [],
    calls: ['eventBridgePutEvents', 'serviceKeyRead'],
    timeoutSeconds: 10,
    memoryMb: 256,
  },
  {
    name: 'aws-sms-events',
    entry: 'functions/aws-sms-events/handler.ts',
    description: 'AWS End User Messaging SMS events (SNS, signature verified): DESTINATION_PHONE_NUMBER_OPTED_OUT becomes a provider opt-out',
    routes: [],
    triggers: [{ kind: 'sns', topic: 'awsSmsEvents' }],
    table: [...TABLE_READ, ...TABLE_ITEM_WRITE],
    sendsTo: [],
    calls: ['eventBridgePutEvents', 'serviceKeyRead'],
    timeoutSeconds: 15,
    memoryMb: 256,
  },
  {
    name: 'inbound-ses',
    entry: 'functions/inbound-ses/handler.ts',
    description: 'SES through SNS (signature verified): unsubscribe replies, complaints (opt-out + suppression), hard bounces (suppression)',
    routes: [],
    triggers: [
      { kind: 'sns', topic: 'sesInbound' },
      { kind: 'sns', topic: 'sesFeedback' },
    ],
    table: [...TABLE_READ, ...TABLE_ITEM_WRITE],
    sendsTo: [],
    calls: ['eventBridgePutEvents', 'serviceKeyRead'],
    timeoutSeconds: 15,
    memoryMb: 512,
  },
  {
    name: 'unsubscribe',
    entry: 'functions/unsubscribe/handler.ts',
    description: 'Email one-click unsubscribe (RFC 8058): POST opts out, GET shows a confirmation page that never does',
    routes: ['GET /unsubscribe/{token}', 'POST /unsubscribe/{token}'],
    publicRoutes: ['GET /unsubscribe/{token}', 'POST /unsubscribe/{token}'],
    triggers: [],
    table: [...TABLE_READ, ...TABLE_ITEM_WRITE],
    sendsTo: [],
    calls: ['eventBridgePutEvents', 'serviceKeyRead'],
    timeoutSeconds: 10,
    memoryMb: 256,
  },
] as const satisfies readonly FunctionDefinition[];

export type FunctionName = (typeof FUNCTIONS)[number]['name'];

/** Every HTTP route with the function that serves it. */
export function routeTable(): { routeKey: RouteKey; fn: FunctionDefinition; isPublic: boolean }[] {
  return FUNCTIONS.flatMap((fn: FunctionDefinition) =>
    fn.routes.map((routeKey) => ({ routeKey, fn, isPublic: fn.publicRoutes?.includes(routeKey) ?? false })),
  );
}

/** The single DynamoDB table's attribute and index names, shared by the CDK app, the local stack and the adapters. */
export interface TableIndex {
  name: string;
  partitionKey: string;
  sortKey: string;
  /** KEYS_ONLY where the reader needs only the item's keys (the sweep deletes by key). */
  projection: 'ALL' | 'KEYS_ONLY';
}

export const TABLE = {
  partitionKey: 'pk',
  sortKey: 'sk',
  ttlAttribute: 'expiresAt',
  indexes: [
    /** Consent records by line (snapshot report): gsi1pk = A#{account}#L#{line}#{shard}, gsi1sk = {status}#{contact}. */
    { name: 'byLine', partitionKey: 'gsi1pk', sortKey: 'gsi1sk', projection: 'ALL' },
    /** Items by expiry day (retention sweep): gsi2pk = EXP#{yyyy-mm-dd}#{shard}, gsi2sk = {expiresAt, 10 digits}#{pk}#{sk}. */
    { name: 'byExpiry', partitionKey: 'gsi2pk', sortKey: 'gsi2sk', projection: 'KEYS_ONLY' },
    /** Contact profiles of an account (search by address prefix): gsi3pk = A#{account}#P#{shard}, gsi3sk = {contact}. */
    { name: 'byContact', partitionKey: 'gsi3pk', sortKey: 'gsi3sk', projection: 'ALL' },
    /**
     * Allowed marketing messages by contact and line (opt-out attribution), sparse: gsi4pk =
     * A#{account}#C#{contact}#MKT#{line}, gsi4sk = when the gate allowed it. Keys only: the reader
     * fetches the few history items it needs.
     */
    { name: 'byMarketingSend', partitionKey: 'gsi4pk', sortKey: 'gsi4sk', projection: 'KEYS_ONLY' },
  ] as readonly TableIndex[],
} as const;

/** Queue names (the deployed ones get a stage prefix). */
export const QUEUES: Record<QueueName, { name: string; fifo: false }> = {
  outbound: { name: 'optgate-outbound', fifo: false },
  dispatch: { name: 'optgate-dispatch', fifo: false },
  suppressed: { name: 'optgate-suppressed', fifo: false },
  outboundDlq: { name: 'optgate-outbound-dlq', fifo: false },
};
