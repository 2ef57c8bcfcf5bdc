import {
  InternalServerError,
  ProvisionedThroughputExceededException,
  RequestLimitExceeded,
  ThrottlingException,
} from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mapConcurrent } from '../../concurrency/map-concurrent.ts';

export type ItemKey = { pk: string; sk: string };

/** BatchWriteItem takes at most 25 requests. */
export const BATCH_WRITE_LIMIT = 25;

export interface BatchDeleteOptions {
  /** Batches in flight at once. */
  concurrency?: number;
  /** Rounds for items DynamoDB leaves unprocessed (throttling) before giving up. */
  maxAttempts?: number;
  /** Injectable for tests; exponential backoff with full jitter between rounds. */
  sleep?: (ms: number) => Promise<void>;
  baseDelayMs?: number;
}

/** Raised when DynamoDB keeps refusing part of a batch; the caller's checkpoint lets a later run resume. */
export class BatchWriteIncompleteError extends Error {
  constructor(readonly remaining: number) {
    super(`BatchWriteItem left ${remaining} item(s) unprocessed after every retry`);
    this.name = 'BatchWriteIncompleteError';
  }
}

/** Errors worth another round after the SDK's own retries gave up: capacity and transient service errors. */
export function isRetryableWriteError(error: unknown): boolean {
  return (
    error instanceof ProvisionedThroughputExceededException ||
    error instanceof ThrottlingException ||
    error instanceof RequestLimitExceeded ||
    error instanceof InternalServerError
  );
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Deletes keys with BatchWriteItem, 25 per call, several calls at once. Unprocessed items (the
 * table or index is throttling) are retried with backoff, and so is a throttled call as a whole.
 * Deleting a key that no longer exists is a no-op, so a retry or a rerun is harmless.
 */
export async function batchDeleteKeys(
  db: DynamoDBDocumentClient,
  tableName: string,
  itemKeys: readonly ItemKey[],
  options: BatchDeleteOptions = {},
): Promise<void> {
  const concurrency = options.concurrency ?? 8;
  const chunks: ItemKey[][] = [];
  for (let index = 0; index < itemKeys.length; index += BATCH_WRITE_LIMIT) {
    chunks.push(itemKeys.slice(index, index + BATCH_WRITE_LIMIT));
  }
  await mapConcurrent(chunks, concurrency, (chunk) => deleteChunk(db, tableName, chunk, options));
}

async function deleteChunk(db: DynamoDBDocumentClient, tableName: string, chunk: ItemKey[], options: BatchDeleteOptions): Promise<void> {
  const maxAttempts = options.maxAttempts ?? 8;
  const sleep = options.sleep ?? defaultSleep;
  const baseDelayMs = options.baseDelayMs ?? 50;
  let pending = chunk.map((key) => ({ DeleteRequest: { Key: { pk: key.pk, sk: key.sk } } }));
  for (let attempt = 1; ; attempt += 1) {
    try {
      const result = await db.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } }));
      pending = (result.UnprocessedItems?.[tableName] ?? []) as typeof pending;
      if (pending.length === 0) return;
    } catch (error) {
      if (!isRetryableWriteError(error) || attempt >= maxAttempts) throw error;
    }
    if (attempt >= maxAttempts) throw new BatchWriteIncompleteError(pending.length);
    await sleep(Math.random() * baseDelayMs * 2 ** (attempt - 1));
  }
}
