import { SendMessageBatchCommand, type MessageAttributeValue, type SQSClient } from '@aws-sdk/client-sqs';

export interface OutgoingMessage {
  /** Unique within one sendBatch call; failures are reported by it. */
  id: string;
  body: string;
  delaySeconds?: number;
  attributes?: Record<string, string>;
}

/** SendMessageBatch limits: 10 entries, and we keep each request under 256 KiB (the classic payload limit). */
export const SEND_BATCH_MAX_ENTRIES = 10;
export const SEND_BATCH_MAX_BYTES = 256 * 1024;

export interface SendOptions {
  /** Rounds for entries SQS reports as failed without the sender's fault. */
  maxRounds?: number;
  baseDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export interface SendResult {
  failed: Map<string, string>;
  requests: number;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function entrySize(message: OutgoingMessage): number {
  let size = Buffer.byteLength(message.body);
  for (const [name, value] of Object.entries(message.attributes ?? {})) size += name.length + 6 + Buffer.byteLength(value);
  return size;
}

/** Groups messages into SendMessageBatch requests: at most 10 entries and 256 KiB each. */
export function chunkForSendBatch(messages: readonly OutgoingMessage[]): OutgoingMessage[][] {
  const chunks: OutgoingMessage[][] = [];
  let current: OutgoingMessage[] = [];
  let bytes = 0;
  for (const message of messages) {
    const size = entrySize(message);
    if (current.length > 0 && (current.length === SEND_BATCH_MAX_ENTRIES || bytes + size > SEND_BATCH_MAX_BYTES)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(message);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/**
 * Sends with SendMessageBatch, concurrently per chunk. Entries SQS fails on its side are retried
 * with backoff; entries it rejects as the sender's fault, and chunks whose request fails after the
 * SDK's retries, are returned in `failed` (id → reason) so the caller retries exactly those
 * messages. Never throws for a send failure.
 */
export async function sendBatch(sqs: SQSClient, queueUrl: string, messages: readonly OutgoingMessage[], options: SendOptions = {}): Promise<SendResult> {
  const result: SendResult = { failed: new Map(), requests: 0 };
  await Promise.all(chunkForSendBatch(messages).map((chunk) => sendChunk(sqs, queueUrl, chunk, options, result)));
  return result;
}

async function sendChunk(sqs: SQSClient, queueUrl: string, chunk: OutgoingMessage[], options: SendOptions, result: SendResult): Promise<void> {
  const maxRounds = options.maxRounds ?? 4;
  const baseDelayMs = options.baseDelayMs ?? 50;
  const sleep = options.sleep ?? defaultSleep;
  const byId = new Map(chunk.map((message) => [message.id, message]));
  // SQS batch entry ids allow 80 characters of [A-Za-z0-9_-]: our ids are positions in the chunk.
  let pending = chunk.map((message, index) => ({ entryId: `m${index}`, message }));
  let lastError = 'not sent';
  for (let round = 0; pending.length > 0 && round < maxRounds; round += 1) {
    if (round > 0) await sleep(Math.random() * baseDelayMs * 2 ** round);
    result.requests += 1;
    try {
      const response = await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: pending.map(({ entryId, message }) => ({
            Id: entryId,
            MessageBody: message.body,
            ...(message.delaySeconds ? { DelaySeconds: message.delaySeconds } : {}),
            ...(message.attributes ? { MessageAttributes: toAttributes(message.attributes) } : {}),
          })),
        }),
      );
      const failedIds = new Map((response.Failed ?? []).map((failure) => [failure.Id ?? '', failure]));
      const retry: typeof pending = [];
      for (const entry of pending) {
        const failure = failedIds.get(entry.entryId);
        if (!failure) continue;
        if (failure.SenderFault) result.failed.set(entry.message.id, `${failure.Code ?? 'rejected'}: ${failure.Message ?? ''}`);
        else retry.push(entry);
        lastError = `${failure.Code ?? 'failed'}: ${failure.Message ?? ''}`;
      }
      pending = retry;
    } catch (error) {
      lastError = (error as Error).name || 'SendMessageBatch failed';
      break;
    }
  }
  for (const { message } of pending) if (byId.has(message.id)) result.failed.set(message.id, lastError);
}

function toAttributes(attributes: Record<string, string>): Record<string, MessageAttributeValue> {
  return Object.fromEntries(Object.entries(attributes).map(([name, value]) => [name, { DataType: 'String', StringValue: value }]));
}
