import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { OutboundStore } from '../../shared/adapters/dynamodb/outbound-store.ts';
import { gateOutboundBatch, type GatedMessage, type GateResult } from '../../shared/use-cases/gate-outbound-batch.ts';
import { api } from './api-client.ts';
import { localSecretBox } from './secret-box.ts';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
let sqs: SQSClient | undefined;
let db: DynamoDBDocumentClient | undefined;

/** A real SQS client on the stack's emulator, as a sender would use one. */
export function sqsClient(): SQSClient {
  sqs ??= new SQSClient({ region: 'us-east-1', endpoint: inject('sqsEndpoint'), credentials });
  return sqs;
}

/** A document client on DynamoDB Local, for seeding items that other issues' features will write. */
export function tableClient(): DynamoDBDocumentClient {
  db ??= DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1', endpoint: inject('dynamoDbEndpoint'), credentials }), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return db;
}

export const TABLE_NAME = 'optgate';

/** Puts an envelope (or any raw body) on optgate-outbound. */
export async function enqueue(body: unknown, options: { delaySeconds?: number } = {}): Promise<void> {
  await sqsClient().send(
    new SendMessageCommand({
      QueueUrl: inject('outboundQueueUrl'),
      MessageBody: typeof body === 'string' ? body : JSON.stringify(body),
      ...(options.delaySeconds ? { DelaySeconds: options.delaySeconds } : {}),
    }),
  );
}

export async function enqueueMany(bodies: unknown[]): Promise<void> {
  for (let start = 0; start < bodies.length; start += 10) {
    await sqsClient().send(
      new SendMessageBatchCommand({
        QueueUrl: inject('outboundQueueUrl'),
        Entries: bodies.slice(start, start + 10).map((body, index) => ({ Id: `e${index}`, MessageBody: JSON.stringify(body) })),
      }),
    );
  }
}

export interface Gated {
  queue: 'dispatch' | 'suppressed' | 'outboundDlq';
  body: string;
}

/** What the gate wrote for a messageId (or a text), as the stack's queue recorder saw it. */
export async function gated(filter: { messageId?: string; contains?: string }): Promise<Gated[]> {
  const query = new URLSearchParams(filter as Record<string, string>).toString();
  const response = await api<{ messages: Gated[] }>('GET', `/local/gated?${query}`);
  return response.body.messages;
}

/** Waits until the gate has written `count` messages for the filter (polls; the gate batches for up to 1 s). */
export async function waitForGated(filter: { messageId?: string; contains?: string }, count = 1, timeoutMs = 20_000): Promise<Gated[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await gated(filter);
    if (found.length >= count) return found;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${count} gated message(s) for ${JSON.stringify(filter)}; found ${found.length}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export function parseGated(message: Gated): GatedMessage {
  return JSON.parse(message.body) as GatedMessage;
}

let sequence = 0;
export function newMessageId(prefix = 'msg'): string {
  sequence += 1;
  return `${prefix}-${Date.now().toString(36)}-${sequence}-${Math.random().toString(36).slice(2, 8)}`;
}

const quietLog = { info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * Runs the gate's use case on the local stack's DynamoDB and queues with a clock of the test's
 * choosing (a campaign sent hours ago), in batches of up to 500 as the event source would hand them.
 */
export async function gateAt(now: Date, envelopes: readonly Record<string, unknown>[], db: DynamoDBDocumentClient = tableClient()): Promise<GateResult[]> {
  const store = new OutboundStore(db, TABLE_NAME, { cacheTtlMs: 30_000, secrets: localSecretBox() });
  const results: GateResult[] = [];
  for (let start = 0; start < envelopes.length; start += 500) {
    const records = envelopes.slice(start, start + 500).map((envelope) => ({ messageId: randomUUID(), body: JSON.stringify(envelope) }));
    results.push(await gateOutboundBatch({ store, sqs: sqsClient(), queues: inject('gateQueues'), now: () => now, leaseMs: 60_000, newToken: randomUUID, log: quietLog }, records));
  }
  return results;
}
