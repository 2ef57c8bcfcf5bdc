import { BatchWriteCommand, type BatchWriteCommandInput, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

type WriteRequest = NonNullable<BatchWriteCommandInput['RequestItems']>[string][number];

/** BatchWriteItem takes at most 25 requests. */
export const BATCH_WRITE_MAX = 25;
const MAX_ROUNDS = 8;

/**
 * Writes every request in chunks of 25, retrying what DynamoDB returns as UnprocessedItems with
 * exponential backoff (throttling); throws if some are still unprocessed after the last round, so
 * the caller's batch is retried rather than silently losing writes.
 */
export async function batchWriteAll(
  db: DynamoDBDocumentClient,
  tableName: string,
  requests: readonly WriteRequest[],
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((done) => setTimeout(done, ms)),
): Promise<number> {
  let calls = 0;
  for (let start = 0; start < requests.length; start += BATCH_WRITE_MAX) {
    let pending: WriteRequest[] = requests.slice(start, start + BATCH_WRITE_MAX);
    for (let round = 0; pending.length > 0; round += 1) {
      if (round >= MAX_ROUNDS) throw new Error(`BatchWriteItem left ${pending.length} items unprocessed after ${MAX_ROUNDS} rounds`);
      if (round > 0) await sleep(Math.min(1_000, 25 * 2 ** round));
      const result = await db.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } }));
      calls += 1;
      pending = (result.UnprocessedItems?.[tableName] ?? []) as WriteRequest[];
    }
  }
  return calls;
}
