import { Agent, createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient, GetItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import {
  indexEntrySize,
  indexWrites,
  itemSize,
  readUnits,
  stringAttribute,
  summarize,
  writeUnits,
  type IndexSpec,
  type ItemSummary,
  type WireItem,
} from './capacity-units.ts';
import type { CapacityLedger, RequestRecorder } from './capacity-ledger.ts';

export interface CapacityProxy {
  endpoint: string;
  close(): Promise<void>;
}

type Json = Record<string, unknown>;

interface Exchange {
  operation: string;
  request: Json;
  status: number;
  response: Json;
}

const TABLE: IndexSpec['name'] = 'table';

/**
 * An HTTP proxy in front of DynamoDB Local that prices every request the way DynamoDB bills it
 * (capacity-units.ts) and books the units on the table or index partition key they land on, in the
 * ledger's current scenario. It keeps a summary of every item written through it (size, index keys,
 * digest), so a write is priced against the item it replaces and its index writes are derived from
 * the item's attributes before and after; after an UpdateItem it reads the new item from DynamoDB
 * Local directly (not counted). Start it on an empty table: items written around it are unknown to it.
 */
export async function startCapacityProxy(options: { target: string; ledger: CapacityLedger; indexes: readonly IndexSpec[] }): Promise<CapacityProxy> {
  const upstream = new URL(options.target);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const items = new Map<string, ItemSummary>();
  const direct = new DynamoDBClient({ region: 'us-east-1', endpoint: options.target, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const { ledger, indexes } = options;
  const itemId = (pk: string, sk: string) => `${pk}\u0000${sk}`;
  const keyOf = (item: WireItem | undefined) => ({ pk: stringAttribute(item, 'pk') ?? '', sk: stringAttribute(item, 'sk') ?? '' });

  const readAfterWrite = async (tableName: string, key: WireItem): Promise<WireItem | undefined> => {
    const { Item } = await direct.send(new GetItemCommand({ TableName: tableName, Key: key as unknown as Record<string, AttributeValue>, ConsistentRead: true }));
    return Item as unknown as WireItem | undefined;
  };

  /** Books one item write (table and indexes) and updates the summary; `after` undefined = deleted. */
  const bookWrite = (recorder: RequestRecorder, key: { pk: string; sk: string }, after: ItemSummary | undefined, transactional: boolean) => {
    const id = itemId(key.pk, key.sk);
    const before = items.get(id);
    recorder.write(TABLE, key.pk, writeUnits(Math.max(before?.size ?? 0, after?.size ?? 0)) * (transactional ? 2 : 1));
    for (const write of indexWrites(before, after, indexes)) recorder.write(write.index, write.partition, write.units);
    if (after) items.set(id, after);
    else items.delete(id);
  };
  /** A write that did not happen (condition failed, transaction cancelled) still consumes its units. */
  const bookRefused = (recorder: RequestRecorder, key: { pk: string; sk: string }, size: number, transactional: boolean) => {
    const before = items.get(itemId(key.pk, key.sk));
    recorder.write(TABLE, key.pk, writeUnits(Math.max(before?.size ?? 0, size)) * (transactional ? 2 : 1));
  };
  const bookRead = (recorder: RequestRecorder, key: { pk: string; sk: string }, returned: WireItem | undefined, consistent: boolean, factor = 1) => {
    const size = items.get(itemId(key.pk, key.sk))?.size ?? itemSize(returned);
    recorder.read(TABLE, key.pk, readUnits(size, consistent) * factor);
  };

  const account = async ({ operation, request, status, response }: Exchange) => {
    const recorder = ledger.request(operation);
    const failed = status >= 300;
    const errorType = String(response.__type ?? '');
    try {
      switch (operation) {
        case 'GetItem': {
          bookRead(recorder, keyOf(request.Key as WireItem), response.Item as WireItem | undefined, request.ConsistentRead === true);
          break;
        }
        case 'BatchGetItem': {
          const requested = request.RequestItems as Record<string, { Keys: WireItem[]; ConsistentRead?: boolean }>;
          const unprocessed = (response.UnprocessedKeys ?? {}) as Record<string, { Keys: WireItem[] }>;
          for (const [tableName, spec] of Object.entries(requested)) {
            const skipped = new Set((unprocessed[tableName]?.Keys ?? []).map((key) => JSON.stringify(keyOf(key))));
            const returned = new Map(((response.Responses as Record<string, WireItem[]> | undefined)?.[tableName] ?? []).map((item) => [JSON.stringify(keyOf(item)), item]));
            for (const key of spec.Keys) {
              const id = JSON.stringify(keyOf(key));
              if (skipped.has(id)) continue;
              bookRead(recorder, keyOf(key), returned.get(id), spec.ConsistentRead === true);
            }
          }
          break;
        }
        case 'Query': {
          const indexName = typeof request.IndexName === 'string' ? request.IndexName : undefined;
          const index = indexes.find((candidate) => candidate.name === indexName);
          const partition = queryPartition(request, index?.partitionKey ?? 'pk');
          const returned = (response.Items ?? []) as WireItem[];
          let bytes = 0;
          for (const item of returned) {
            const summary = items.get(itemId(keyOf(item).pk, keyOf(item).sk));
            bytes += index ? (indexEntrySize(summary, index) ?? itemSize(item)) : (summary?.size ?? itemSize(item));
          }
          // A filter reads items it does not return: price them at the average returned size.
          const scanned = typeof response.ScannedCount === 'number' ? response.ScannedCount : returned.length;
          if (scanned > returned.length && returned.length > 0) bytes += (bytes / returned.length) * (scanned - returned.length);
          recorder.read(index?.name ?? TABLE, partition, readUnits(bytes, !index && request.ConsistentRead === true));
          break;
        }
        case 'PutItem': {
          const item = request.Item as WireItem;
          if (failed) bookRefused(recorder, keyOf(item), itemSize(item), false);
          else bookWrite(recorder, keyOf(item), summarize(item, indexes), false);
          break;
        }
        case 'UpdateItem': {
          const key = keyOf(request.Key as WireItem);
          if (failed) bookRefused(recorder, key, 0, false);
          else bookWrite(recorder, key, summarize(await readAfterWrite(String(request.TableName), request.Key as WireItem), indexes), false);
          break;
        }
        case 'DeleteItem': {
          const key = keyOf(request.Key as WireItem);
          if (failed) bookRefused(recorder, key, 0, false);
          else bookWrite(recorder, key, undefined, false);
          break;
        }
        case 'BatchWriteItem': {
          const requested = request.RequestItems as Record<string, { PutRequest?: { Item: WireItem }; DeleteRequest?: { Key: WireItem } }[]>;
          const unprocessed = (response.UnprocessedItems ?? {}) as Record<string, { PutRequest?: { Item: WireItem }; DeleteRequest?: { Key: WireItem } }[]>;
          for (const [tableName, writes] of Object.entries(requested)) {
            const skipped = new Set((unprocessed[tableName] ?? []).map((write) => JSON.stringify(keyOf(write.PutRequest?.Item ?? write.DeleteRequest?.Key))));
            for (const write of failed ? [] : writes) {
              const key = keyOf(write.PutRequest?.Item ?? write.DeleteRequest?.Key);
              if (skipped.has(JSON.stringify(key))) continue;
              bookWrite(recorder, key, write.PutRequest ? summarize(write.PutRequest.Item, indexes) : undefined, false);
            }
          }
          break;
        }
        case 'TransactWriteItems': {
          const entries = request.TransactItems as Json[];
          for (const entry of entries) {
            const [kind, spec] = Object.entries(entry)[0] as [string, Json];
            const key = keyOf((spec.Item ?? spec.Key) as WireItem);
            recorder.transacted(key.pk, key.sk);
            if (kind === 'ConditionCheck') {
              bookRead(recorder, key, undefined, true, 2);
              continue;
            }
            if (failed) {
              bookRefused(recorder, key, kind === 'Put' ? itemSize(spec.Item as WireItem) : 0, true);
              continue;
            }
            if (kind === 'Put') bookWrite(recorder, key, summarize(spec.Item as WireItem, indexes), true);
            else if (kind === 'Delete') bookWrite(recorder, key, undefined, true);
            else bookWrite(recorder, key, summarize(await readAfterWrite(String(spec.TableName), spec.Key as WireItem), indexes), true);
          }
          if (failed) ledger.count(ledger.scenario, errorType.includes('TransactionCanceled') ? 'dynamodb:TransactionCanceled' : `dynamodb:${errorType.split('#').pop()}`);
          break;
        }
        case 'TransactGetItems': {
          for (const entry of request.TransactItems as { Get: { Key: WireItem } }[]) bookRead(recorder, keyOf(entry.Get.Key), undefined, true, 2);
          break;
        }
        default:
          break;
      }
      if (failed && errorType.includes('ProvisionedThroughputExceeded')) ledger.count(ledger.scenario, 'dynamodb:Throttled');
    } finally {
      recorder.done();
    }
  };

  const server: Server = createServer((req, res) => {
    const target = String(req.headers['x-amz-target'] ?? '');
    const operation = target.split('.').pop() ?? target;
    void readBody(req).then((body) => {
      const forward = httpRequest(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers, agent },
        (answer) => {
          void readBody(answer).then(async (answerBody) => {
            try {
              await account({ operation, request: parseJson(body), status: answer.statusCode ?? 500, response: parseJson(answerBody) });
            } catch (error) {
              console.error(`capacity proxy: could not price ${operation}: ${(error as Error).message}`);
            }
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            res.end(answerBody);
          });
        },
      );
      forward.on('error', () => {
        if (!res.headersSent) res.writeHead(502);
        res.end();
      });
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        direct.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function readBody(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

function parseJson(body: Buffer): Json {
  if (body.length === 0) return {};
  try {
    return JSON.parse(body.toString('utf8')) as Json;
  } catch {
    return {};
  }
}

/** The partition a Query reads: the value its key condition gives the partition key attribute. */
export function queryPartition(request: Json, partitionKey: string): string {
  const condition = String(request.KeyConditionExpression ?? '');
  const names = (request.ExpressionAttributeNames ?? {}) as Record<string, string>;
  const values = (request.ExpressionAttributeValues ?? {}) as Record<string, WireItem[string]>;
  for (const match of condition.matchAll(/([#\w]+)\s*=\s*(:\w+)/g)) {
    const name = match[1]?.startsWith('#') ? names[match[1]] : match[1];
    if (name !== partitionKey) continue;
    const value = values[match[2] ?? '']?.S;
    if (typeof value === 'string') return value;
  }
  return '?';
}
