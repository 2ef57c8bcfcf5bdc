import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { FunctionDefinition } from '../../shared/manifest.ts';

/** Lambda's cap on an invocation's payload: a batch stops growing before it. */
const MAX_EVENT_BYTES = 6 * 1024 * 1024;
const RECEIVE_MAX = 10;
const IDLE_POLL_MS = 100;

export interface SqsEventSourceOptions {
  sqs: SQSClient;
  queueUrl: string;
  queueArn: string;
  region: string;
  fn: FunctionDefinition;
  batchSize: number;
  maxBatchingWindowSeconds: number;
  invoke: (fn: FunctionDefinition, event: SQSEvent) => Promise<unknown>;
  /** Concurrent pollers, like the event source mapping's concurrent batches. */
  concurrency?: number;
  log: (line: string) => void;
}

export interface RunningEventSource {
  stop(): Promise<void>;
  /** Batches invoked so far (tests and the benchmark read it). */
  stats: { batches: number; messages: number; failedMessages: number; receiveRequests: number; deleteRequests: number };
}

/**
 * Plays Lambda's SQS event source mapping on the emulator: receives up to `batchSize` messages
 * (filling for at most the batching window), invokes the handler with an SQS event, deletes what
 * succeeded, and leaves batch item failures (or the whole batch when the handler throws or names an
 * unknown message) on the queue; they come back after the visibility timeout, and the queue's
 * redrive policy moves them to the DLQ after maxReceiveCount receives (local-aws-sqs 2.0.2 applies
 * it when the visibility timeout of the last allowed receive runs out).
 */
export function startSqsEventSource(options: SqsEventSourceOptions): RunningEventSource {
  let stopped = false;
  const stats = { batches: 0, messages: 0, failedMessages: 0, receiveRequests: 0, deleteRequests: 0 };

  // Short polls: local-aws-sqs 2.0.2 hands a message out twice during a long poll (and counts both
  // receives), which would break maxReceiveCount. Idle queues are polled every IDLE_POLL_MS instead.
  const receive = async (max: number): Promise<Message[]> => {
    stats.receiveRequests += 1;
    const { Messages } = await options.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: options.queueUrl,
        MaxNumberOfMessages: Math.min(RECEIVE_MAX, max),
        WaitTimeSeconds: 0,
        AttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    return Messages ?? [];
  };

  const fillBatch = async (): Promise<Message[]> => {
    const batch = await receive(options.batchSize);
    if (batch.length === 0) {
      await new Promise((resolve) => setTimeout(resolve, IDLE_POLL_MS));
      return batch;
    }
    const deadline = Date.now() + options.maxBatchingWindowSeconds * 1000;
    let bytes = batch.reduce((sum, message) => sum + Buffer.byteLength(message.Body ?? ''), 0);
    while (!stopped && batch.length < options.batchSize && bytes < MAX_EVENT_BYTES - 256 * 1024 && Date.now() < deadline) {
      const more = await receive(options.batchSize - batch.length);
      if (more.length === 0) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        continue;
      }
      batch.push(...more);
      bytes += more.reduce((sum, message) => sum + Buffer.byteLength(message.Body ?? ''), 0);
    }
    // local-aws-sqs can hand a message out twice while a long poll is still open: one record per
    // message, with the newest receipt handle.
    return [...new Map(batch.map((message) => [message.MessageId, message])).values()];
  };

  const deleteMessages = async (messages: Message[]): Promise<void> => {
    for (let start = 0; start < messages.length; start += RECEIVE_MAX) {
      const chunk = messages.slice(start, start + RECEIVE_MAX);
      stats.deleteRequests += 1;
      await options.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: options.queueUrl,
          Entries: chunk.map((message, index) => ({ Id: `d${index}`, ReceiptHandle: message.ReceiptHandle ?? '' })),
        }),
      );
    }
  };

  const runBatch = async (messages: Message[]): Promise<void> => {
    const event: SQSEvent = { Records: messages.map((message) => toRecord(message, options.queueArn, options.region)) };
    let failed: Set<string>;
    try {
      const response = (await options.invoke(options.fn, event)) as SQSBatchResponse | undefined;
      const ids = new Set(messages.map((message) => message.MessageId));
      const reported = (response?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier);
      // Lambda treats a failure naming no message of the batch as a failure of the whole batch.
      failed = reported.every((id) => ids.has(id)) ? new Set(reported) : new Set(ids as Set<string>);
    } catch (error) {
      options.log(`${options.fn.name} failed; its batch of ${messages.length} will be retried: ${(error as Error).message}`);
      failed = new Set(messages.map((message) => message.MessageId ?? ''));
    }
    stats.batches += 1;
    stats.messages += messages.length;
    stats.failedMessages += failed.size;
    await deleteMessages(messages.filter((message) => !failed.has(message.MessageId ?? '')));
  };

  const worker = async (): Promise<void> => {
    while (!stopped) {
      try {
        const batch = await fillBatch();
        if (batch.length > 0) await runBatch(batch);
      } catch (error) {
        if (stopped) return;
        options.log(`event source for ${options.fn.name}: ${(error as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  };

  const workers = Array.from({ length: Math.max(1, options.concurrency ?? 2) }, () => worker());
  return {
    stats,
    async stop() {
      stopped = true;
      await Promise.all(workers);
    },
  };
}

/** The record Lambda builds for one SQS message. */
export function toRecord(message: Message, queueArn: string, region: string): SQSRecord {
  const attributes = message.Attributes ?? {};
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? 'local',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes: Object.fromEntries(
      Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [
        name,
        {
          dataType: value.DataType ?? 'String',
          ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
          ...(value.BinaryValue !== undefined ? { binaryValue: Buffer.from(value.BinaryValue).toString('base64') } : {}),
          stringListValues: [],
          binaryListValues: [],
        },
      ]),
    ),
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}
