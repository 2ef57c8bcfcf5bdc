import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mapConcurrent } from '../../concurrency/map-concurrent.ts';
import type { ItemKey } from './batch-write.ts';

/** BatchGetItem takes at most 100 keys. */
export const BATCH_GET_LIMIT = 100;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Reads many items by key, 100 per call and several calls at once, retrying unprocessed keys with
 * backoff. Returns the items found, in no particular order.
 */
export async function batchGetItems(
  db: DynamoDBDocumentClient,
  tableName: string,
  itemKeys: readonly ItemKey[],
  options: {
    /** Must include pk and sk when the caller maps results back to keys. */
    projection?: string;
    names?: Record<string, string>;
    consistent?: boolean;
    concurrency?: number;
    maxAttempts?: number;
  } = {},
): Promise<Record<string, unknown>[]> {
  const unique = [...new Map(itemKeys.map((key) => [`${key.pk}\u0000${key.sk}`, key])).values()];
  const chunks: ItemKey[][] = [];
  for (let index = 0; index < unique.length; index += BATCH_GET_LIMIT) chunks.push(unique.slice(index, index + BATCH_GET_LIMIT));
  const found: Record<string, unknown>[] = [];
  await mapConcurrent(chunks, options.concurrency ?? 4, async (chunk) => {
    let pending: Record<string, unknown>[] = chunk.map((key) => ({ pk: key.pk, sk: key.sk }));
    for (let attempt = 1; pending.length > 0; attempt += 1) {
      if (attempt > (options.maxAttempts ?? 8)) throw new Error(`BatchGetItem left ${pending.length} key(s) unprocessed`);
      if (attempt > 1) await sleep(Math.random() * 50 * 2 ** (attempt - 2));
      const result = await db.send(
        new BatchGetCommand({
          RequestItems: {
            [tableName]: {
              Keys: pending,
              ConsistentRead: options.consistent ?? false,
              ...(options.projection ? { ProjectionExpression: options.projection } : {}),
              ...(options.names ? { ExpressionAttributeNames: options.names } : {}),
            },
          },
        }),
      );
      found.push(...(result.Responses?.[tableName] ?? []));
      pending = result.UnprocessedKeys?.[tableName]?.Keys ?? [];
    }
  });
  return found;
}
