import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mapConcurrent } from '../../concurrency/map-concurrent.ts';

export interface TableKey {
  pk: string;
  sk: string;
}

/** BatchGetItem's limit per request. */
export const BATCH_GET_MAX_KEYS = 100;

export interface BatchGetOptions {
  /** Strongly consistent: a STOP committed a moment ago must be seen. */
  consistentRead?: boolean;
  /** Attribute names to read (e.g. leave credentials out of route items). */
  attributes?: readonly string[];
  /** Rounds for UnprocessedKeys, the first call included. */
  maxRounds?: number;
  /** Backoff base: round n waits a random time up to baseDelayMs × 2ⁿ (full jitter). */
  baseDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Requests in flight at once (default: every chunk at once). */
  concurrency?: number;
}

export interface BatchGetResult {
  /** Found items by keyId(pk, sk). */
  items: Map<string, Record<string, unknown>>;
  /** Keys that could not be read (still unprocessed after the last round, or their request failed). */
  failed: Set<string>;
  /** Requests sent (for the benchmark and tests). */
  requests: number;
  /** The first request error, when a request failed (its keys are in `failed`). */
  error?: unknown;
}

export function keyId(key: TableKey): string {
  return `${key.pk}\u0000${key.sk}`;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Reads many keys in as few BatchGetItem calls as the 100-key limit allows: keys are deduplicated,
 * chunked, the chunks read concurrently, and UnprocessedKeys (DynamoDB returns them under load)
 * retried with exponential backoff. A chunk whose request fails after the SDK's own retries does
 * not throw: its keys are reported in `failed`, so the caller can fail closed for exactly the
 * messages that needed them and still decide the rest.
 */
export async function batchGetItems(
  db: DynamoDBDocumentClient,
  tableName: string,
  keys: readonly TableKey[],
  options: BatchGetOptions = {},
): Promise<BatchGetResult> {
  const unique = new Map<string, TableKey>();
  for (const key of keys) unique.set(keyId(key), { pk: key.pk, sk: key.sk });
  const result: BatchGetResult = { items: new Map(), failed: new Set(), requests: 0 };
  const all = [...unique.values()];
  const chunks: TableKey[][] = [];
  for (let start = 0; start < all.length; start += BATCH_GET_MAX_KEYS) chunks.push(all.slice(start, start + BATCH_GET_MAX_KEYS));
  await mapConcurrent(chunks, options.concurrency ?? chunks.length, (chunk) => readChunk(db, tableName, chunk, options, result));
  return result;
}

/**
 * For callers that need every key or nothing (imports, exports, erasure): the items found, in no
 * particular order; throws the request's own error (or says how many keys stayed unprocessed).
 */
export async function batchGetAll(
  db: DynamoDBDocumentClient,
  tableName: string,
  keys: readonly TableKey[],
  options: BatchGetOptions = {},
): Promise<Record<string, unknown>[]> {
  const result = await batchGetItems(db, tableName, keys, options);
  if (result.failed.size > 0) {
    throw result.error ?? new Error(`BatchGetItem left ${result.failed.size} key(s) unprocessed`);
  }
  return [...result.items.values()];
}

async function readChunk(
  db: DynamoDBDocumentClient,
  tableName: string,
  chunk: TableKey[],
  options: BatchGetOptions,
  result: BatchGetResult,
): Promise<void> {
  const maxRounds = options.maxRounds ?? 6;
  const baseDelayMs = options.baseDelayMs ?? 25;
  const sleep = options.sleep ?? defaultSleep;
  // The keys are always read back: results are matched to requests by them.
  const names = options.attributes ? [...new Set(['pk', 'sk', ...options.attributes])] : undefined;
  const projection = names
    ? {
        ProjectionExpression: names.map((_, index) => `#a${index}`).join(', '),
        ExpressionAttributeNames: Object.fromEntries(names.map((name, index) => [`#a${index}`, name])),
      }
    : {};
  let pending = chunk;
  for (let round = 0; pending.length > 0; round += 1) {
    if (round >= maxRounds) break;
    if (round > 0) await sleep(Math.random() * baseDelayMs * 2 ** round);
    result.requests += 1;
    try {
      const response = await db.send(
        new BatchGetCommand({
          RequestItems: { [tableName]: { Keys: pending, ConsistentRead: options.consistentRead ?? false, ...projection } },
        }),
      );
      for (const item of response.Responses?.[tableName] ?? []) {
        result.items.set(keyId({ pk: String(item.pk), sk: String(item.sk) }), item);
      }
      pending = (response.UnprocessedKeys?.[tableName]?.Keys ?? []).map((key) => ({ pk: String(key.pk), sk: String(key.sk) }));
    } catch (error) {
      // Throttling or timeouts the SDK could not ride out: these keys stay unread (fail closed).
      result.error ??= error;
      break;
    }
  }
  for (const key of pending) result.failed.add(keyId(key));
}
