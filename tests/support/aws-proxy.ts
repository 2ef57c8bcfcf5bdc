import { Agent, createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { itemSize, transactionItemBreakdown, type IndexShape, type Item } from './dynamodb-write-units.ts';

/**
 * What an injected fault looks like to the SDK:
 * - `throttle`: the service's throttling error (400), not applied; the SDK backs off and retries.
 * - `server-error`: a 500 / 503 answered before the request reaches the service, so not applied.
 * - `timeout`: no answer for HANG_MS, then the connection drops (what a client sees when its request
 *   times out, without waiting for its own, longer, timeout); not applied.
 * - `lost-response`: the request IS applied by the service, then the same silence and drop, as when a
 *   response is lost on the way back. Retries must then be harmless (DynamoDB transactions carry the
 *   SDK's ClientRequestToken; conditional writes see their own write).
 */
export type FaultKind = 'throttle' | 'server-error' | 'timeout' | 'lost-response';

export interface FaultPlan {
  /** Share of requests that fail, 0–1, drawn independently per request. */
  rate: number;
  kinds: readonly FaultKind[];
  /** Seed of the generator that draws faults: the same seed, the same sequence of draws. */
  seed?: number;
}

export interface AwsProxy {
  endpoint: string;
  /** Requests by operation (the X-Amz-Target suffix: BatchGetItem, SendMessageBatch…), retries included. */
  counts: Map<string, number>;
  /** Total milliseconds spent per operation (request sent → response complete). */
  millis: Map<string, number>;
  /** Injected faults, by `operation kind`. */
  faults: Map<string, number>;
  /**
   * DynamoDB capacity consumed (with `measureCapacity`): read units and plain write units as DynamoDB
   * Local reports them when asked (ReturnConsumedCapacity: TOTAL, added to each request); write units
   * of TransactWriteItems computed from each item's old and new image (dynamodb-write-units.ts),
   * Local's own figure for those being unusable.
   */
  capacity: { readUnits: number; writeUnits: number; transactWriteUnits: number };
  /**
   * Where the write units went (with `measureCapacity`), by item kind (its `classify`): how many
   * item writes, their size, and the units billed to the table and to each index.
   */
  writesByItem: Map<string, ItemWriteTally>;
  total(): number;
  faultTotal(): number;
  /** Starts (or with undefined, stops) injecting faults. */
  setFaults(plan: FaultPlan | undefined): void;
  /**
   * Holds every request for a modelled network and service latency (ms, by operation) before
   * forwarding it; 0 (the default) forwards at once.
   */
  setLatency(latencyMs: (operation: string) => number): void;
  reset(): void;
  close(): Promise<void>;
}

/** The writes of one kind of item, summed. */
export interface ItemWriteTally {
  writes: number;
  /** Of which inside TransactWriteItems (2 units per KB instead of 1). */
  transactional: number;
  /** Summed larger-of-old-and-new item size (bytes). */
  bytes: number;
  tableUnits: number;
  indexUnits: Record<string, number>;
}

/** How long an injected timeout stays silent before the connection drops. */
const HANG_MS = 1_000;

/** The AWS JSON protocol family of the service behind the proxy decides what its errors look like. */
export type AwsJsonService = 'dynamodb' | 'sqs';

const ERRORS: Record<AwsJsonService, { throttle: { type: string; query?: string }; server: { status: number; type: string; query?: string }[] }> = {
  dynamodb: {
    throttle: { type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException' },
    server: [
      { status: 500, type: 'com.amazonaws.dynamodb.v20120810#InternalServerError' },
      { status: 503, type: 'com.amazonaws.dynamodb.v20120810#ServiceUnavailable' },
    ],
  },
  sqs: {
    throttle: { type: 'com.amazonaws.sqs#ThrottlingException', query: 'ThrottlingException;Sender' },
    server: [
      { status: 500, type: 'com.amazonaws.sqs#InternalError', query: 'InternalError;Receiver' },
      { status: 503, type: 'com.amazonaws.sqs#ServiceUnavailable', query: 'ServiceUnavailable;Receiver' },
    ],
  },
};

/** A small deterministic generator (mulberry32): fault runs can be replayed from their seed. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * An HTTP proxy in front of an emulator that counts the AWS API requests passing through it by
 * operation (what the code under test really sent, SDK retries included) and, when told to, fails a
 * share of them the way the real service fails. The code under test is not changed: it is pointed
 * at the proxy through its endpoint.
 */
/** DynamoDB operations that report consumed capacity, and which kind of units they consume. */
const CAPACITY_OPERATIONS: Readonly<Record<string, 'read' | 'write'>> = {
  GetItem: 'read',
  BatchGetItem: 'read',
  Query: 'read',
  Scan: 'read',
  TransactGetItems: 'read',
  PutItem: 'write',
  UpdateItem: 'write',
  DeleteItem: 'write',
  BatchWriteItem: 'write',
  TransactWriteItems: 'write',
};

function unitsOf(consumed: unknown): number {
  const list = Array.isArray(consumed) ? consumed : consumed ? [consumed] : [];
  return list.reduce((sum: number, entry: { CapacityUnits?: number }) => sum + (entry.CapacityUnits ?? 0), 0);
}

export async function startAwsProxy(
  target: string,
  service: AwsJsonService = 'dynamodb',
  options: {
    measureCapacity?: {
      keys: readonly string[];
      indexes: readonly IndexShape[];
      /** The kind of an item, from its key attributes (wire format), for writesByItem; default `item`. */
      classify?: (key: Item) => string;
    };
  } = {},
): Promise<AwsProxy> {
  const upstream = new URL(target);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const counts = new Map<string, number>();
  const millis = new Map<string, number>();
  const faults = new Map<string, number>();
  const capacity = { readUnits: 0, writeUnits: 0, transactWriteUnits: 0 };
  const writesByItem = new Map<string, ItemWriteTally>();
  const tally = (key: Item, transactional: boolean, bytes: number, tableUnits: number, indexUnits: Record<string, number>) => {
    const kind = options.measureCapacity?.classify?.(key) ?? 'item';
    const entry = writesByItem.get(kind) ?? { writes: 0, transactional: 0, bytes: 0, tableUnits: 0, indexUnits: {} };
    entry.writes += 1;
    if (transactional) entry.transactional += 1;
    entry.bytes += bytes;
    entry.tableUnits += tableUnits;
    for (const [index, units] of Object.entries(indexUnits)) entry.indexUnits[index] = (entry.indexUnits[index] ?? 0) + units;
    writesByItem.set(kind, entry);
  };
  let plan: FaultPlan | undefined;
  let latencyMs: (operation: string) => number = () => 0;
  let draw = generator(1);
  const held = new Set<ServerResponse>();

  const forward = (req: IncomingMessage, onAnswer: (answer: IncomingMessage) => void, onError: () => void) => {
    const outgoing = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers, agent },
      onAnswer,
    );
    outgoing.on('error', onError);
    req.pipe(outgoing);
  };

  interface TransactionKey {
    table: string;
    key: Item;
  }
  const keyOf = (action: { TableName: string; Item?: Item; Key?: Item }): TransactionKey => ({
    table: action.TableName,
    key: action.Key ?? (Object.fromEntries((options.measureCapacity?.keys ?? []).flatMap((name) => (action.Item?.[name] ? [[name, action.Item[name]]] : []))) as Item),
  });
  /**
   * The items a write touches: a transaction's Puts' keys, its Updates', Deletes' and
   * ConditionChecks' Key; a single PutItem's, UpdateItem's or DeleteItem's.
   */
  const writtenKeys = (operation: string, input: Record<string, unknown>): TransactionKey[] => {
    if (operation === 'TransactWriteItems') {
      return ((input.TransactItems ?? []) as Record<string, { TableName: string; Item?: Item; Key?: Item }>[]).flatMap((entry) => {
        const action = Object.values(entry)[0];
        return action ? [keyOf(action)] : [];
      });
    }
    if (operation === 'PutItem' || operation === 'UpdateItem' || operation === 'DeleteItem') return [keyOf(input as { TableName: string; Item?: Item; Key?: Item })];
    return [];
  };
  /** One item as it stands, read straight from the emulator (not counted, not delayed). */
  const getItem = (req: IncomingMessage, { table, key }: TransactionKey): Promise<Item | undefined> =>
    new Promise((resolve) => {
      const body = JSON.stringify({ TableName: table, Key: key, ConsistentRead: true });
      const read = httpRequest(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: 'POST',
          path: '/',
          agent,
          headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.GetItem', authorization: String(req.headers.authorization ?? ''), 'content-length': Buffer.byteLength(body) },
        },
        (answer) => {
          const parts: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => parts.push(chunk));
          answer.on('end', () => resolve((JSON.parse(Buffer.concat(parts).toString('utf8') || '{}') as { Item?: Item }).Item));
        },
      );
      read.on('error', () => resolve(undefined));
      read.end(body);
    });

  /** Forwards with ReturnConsumedCapacity added, and adds up what the answer reports; the answer itself is passed on unchanged. */
  const forwardMeasuring = (req: IncomingMessage, res: ServerResponse, operation: string) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      const kind = CAPACITY_OPERATIONS[operation];
      const input = kind ? (JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>) : {};
      if (kind) {
        // INDEXES: the total as TOTAL gives it, plus the table's and each index's share.
        input.ReturnConsumedCapacity = 'INDEXES';
        body = Buffer.from(JSON.stringify(input));
      }
      const keys = writtenKeys(operation, input);
      void Promise.all(keys.map((key) => getItem(req, key)))
        .then((before) => new Promise((resolve) => setTimeout(resolve, latencyMs(operation))).then(() => before))
        .then((before) => send(body, kind, keys, before));
    });
    const send = (body: Buffer, kind: 'read' | 'write' | undefined, keys: TransactionKey[], before: (Item | undefined)[]) => {
      const outgoing = httpRequest(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, 'content-length': String(body.length) }, agent },
        (answer) => {
          const answerChunks: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => answerChunks.push(chunk));
          answer.on('end', () => {
            const answerBody = Buffer.concat(answerChunks);
            const succeeded = (answer.statusCode ?? 500) < 300;
            const settle = async () => {
              if (!kind || !succeeded) return;
              const after = await Promise.all(keys.map((key) => getItem(req, key)));
              if (operation === 'TransactWriteItems') {
                const shape = options.measureCapacity;
                keys.forEach((key, index) => {
                  const units = transactionItemBreakdown(before[index], after[index], shape?.indexes ?? [], shape?.keys ?? []);
                  capacity.transactWriteUnits += units.table + Object.values(units.indexes).reduce((sum, value) => sum + value, 0);
                  tally(key.key, true, units.bytes, units.table, units.indexes);
                });
                return;
              }
              const consumed = (JSON.parse(answerBody.toString('utf8') || '{}') as { ConsumedCapacity?: unknown }).ConsumedCapacity;
              const units = unitsOf(consumed);
              if (kind === 'read') capacity.readUnits += units;
              else capacity.writeUnits += units;
              const [key] = keys;
              if (key && consumed && !Array.isArray(consumed)) {
                const share = consumed as { Table?: { CapacityUnits?: number }; GlobalSecondaryIndexes?: Record<string, { CapacityUnits?: number }> };
                const indexUnits = Object.fromEntries(Object.entries(share.GlobalSecondaryIndexes ?? {}).map(([name, entry]) => [name, entry.CapacityUnits ?? 0]));
                tally(key.key, false, Math.max(itemSize(before[0]), itemSize(after[0])), share.Table?.CapacityUnits ?? 0, indexUnits);
              } else if (kind === 'write') {
                tally({}, false, 0, units, {});
              }
            };
            void settle().finally(() => {
              res.writeHead(answer.statusCode ?? 502, answer.headers);
              res.end(answerBody);
            });
          });
        },
      );
      outgoing.on('error', () => {
        if (!res.headersSent) res.writeHead(502);
        res.end();
      });
      outgoing.end(body);
    };
  };

  const fail = (res: ServerResponse, status: number, type: string, query: string | undefined, message: string) => {
    const body = JSON.stringify({ __type: type, message });
    res.writeHead(status, {
      'content-type': 'application/x-amz-json-1.0',
      'x-amzn-requestid': `fault-${Math.floor(draw() * 1e9)}`,
      ...(query ? { 'x-amzn-query-error': query } : {}),
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  };

  /** No answer for HANG_MS, then the connection drops (or the client gives up first). */
  const hang = (res: ServerResponse) => {
    held.add(res);
    const timer = setTimeout(() => res.destroy(), HANG_MS);
    res.on('close', () => {
      clearTimeout(timer);
      held.delete(res);
    });
  };

  const server: Server = createServer((req, res) => {
    const targetHeader = String(req.headers['x-amz-target'] ?? 'unknown');
    const operation = targetHeader.split('.').pop() ?? targetHeader;
    counts.set(operation, (counts.get(operation) ?? 0) + 1);
    const started = performance.now();
    res.on('finish', () => millis.set(operation, (millis.get(operation) ?? 0) + performance.now() - started));

    const kind = plan && plan.kinds.length > 0 && draw() < plan.rate ? plan.kinds[Math.floor(draw() * plan.kinds.length)] : undefined;
    if (kind) faults.set(`${operation} ${kind}`, (faults.get(`${operation} ${kind}`) ?? 0) + 1);
    const errors = ERRORS[service];
    switch (kind) {
      case 'throttle':
        req.resume();
        req.on('end', () => fail(res, 400, errors.throttle.type, errors.throttle.query, 'Rate of requests exceeds the allowed throughput (injected)'));
        return;
      case 'server-error': {
        const error = errors.server[Math.floor(draw() * errors.server.length)] ?? errors.server[0];
        req.resume();
        req.on('end', () => error && fail(res, error.status, error.type, error.query, 'We encountered an internal error (injected)'));
        return;
      }
      case 'timeout':
        req.resume();
        hang(res);
        return;
      case 'lost-response':
        forward(
          req,
          (answer) => {
            answer.resume();
            hang(res);
          },
          () => hang(res),
        );
        return;
      default: {
        const pass = () =>
          forward(
            req,
            (answer) => {
              res.writeHead(answer.statusCode ?? 502, answer.headers);
              answer.pipe(res);
            },
            () => {
              if (!res.headersSent) res.writeHead(502);
              res.end();
            },
          );
        if (options.measureCapacity && service === 'dynamodb') return forwardMeasuring(req, res, operation);
        const delay = latencyMs(operation);
        if (delay <= 0) return pass();
        // The body is buffered while the request waits, then streamed on.
        req.pause();
        setTimeout(() => {
          pass();
          req.resume();
        }, delay);
      }
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  const sum = (map: Map<string, number>) => [...map.values()].reduce((total, count) => total + count, 0);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    counts,
    millis,
    faults,
    capacity,
    writesByItem,
    total: () => sum(counts),
    faultTotal: () => sum(faults),
    setLatency: (next) => {
      latencyMs = next;
    },
    setFaults: (next) => {
      plan = next;
      draw = generator(next?.seed ?? 1);
    },
    reset: () => {
      counts.clear();
      millis.clear();
      faults.clear();
      capacity.readUnits = 0;
      capacity.writeUnits = 0;
      capacity.transactWriteUnits = 0;
      writesByItem.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of held) res.destroy();
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
