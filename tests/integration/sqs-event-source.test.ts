import { randomBytes } from 'node:crypto';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { startSqsEventSource } from '../../infra/local/sqs-event-source.ts';
import { FUNCTIONS, type FunctionDefinition } from '../../shared/manifest.ts';
import { sqsClient } from '../support/outbound.ts';

const gateFunction = (FUNCTIONS as readonly FunctionDefinition[]).find((fn) => fn.name === 'outbound-gate') as FunctionDefinition;

/** A queue pair on the stack's emulator with a short visibility timeout, so redelivery and redrive take seconds. */
async function queuePair(maxReceiveCount: number) {
  const suffix = randomBytes(4).toString('hex');
  const dlq = (await sqsClient().send(new CreateQueueCommand({ QueueName: `es-dlq-${suffix}` }))).QueueUrl ?? '';
  const { Attributes } = await sqsClient().send(new GetQueueAttributesCommand({ QueueUrl: dlq, AttributeNames: ['QueueArn'] }));
  const source = (
    await sqsClient().send(
      new CreateQueueCommand({
        QueueName: `es-src-${suffix}`,
        Attributes: { VisibilityTimeout: '1', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: Attributes?.QueueArn, maxReceiveCount }) },
      }),
    )
  ).QueueUrl ?? '';
  return { source, dlq };
}

async function drain(queueUrl: string): Promise<string[]> {
  const bodies: string[] = [];
  for (;;) {
    const { Messages = [] } = await sqsClient().send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    if (Messages.length === 0) return bodies;
    bodies.push(...Messages.map((message) => message.Body ?? ''));
  }
}

async function until(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('local SQS event source (Lambda event source mapping on the emulator)', () => {
  it('batches, deletes successes, redelivers batch item failures and moves them to the DLQ after maxReceiveCount', async () => {
    const { source, dlq } = await queuePair(3);
    await sqsClient().send(
      new SendMessageBatchCommand({ QueueUrl: source, Entries: ['ok-1', 'ok-2', 'poison', 'ok-3'].map((body, index) => ({ Id: `e${index}`, MessageBody: body })) }),
    );
    const seen: { body: string; receiveCount: string }[] = [];
    const batchSizes: number[] = [];
    const running = startSqsEventSource({
      sqs: sqsClient(),
      queueUrl: source,
      queueArn: 'arn:aws:sqs:us-east-1:000000000000:test',
      region: 'us-east-1',
      fn: gateFunction,
      batchSize: 10,
      maxBatchingWindowSeconds: 0.3,
      concurrency: 1,
      log: () => undefined,
      invoke: async (_fn, event: SQSEvent): Promise<SQSBatchResponse> => {
        batchSizes.push(event.Records.length);
        for (const record of event.Records) {
          seen.push({ body: record.body, receiveCount: record.attributes.ApproximateReceiveCount });
          expect(record).toMatchObject({ eventSource: 'aws:sqs', eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:test', awsRegion: 'us-east-1' });
        }
        return { batchItemFailures: event.Records.filter((record) => record.body === 'poison').map((record) => ({ itemIdentifier: record.messageId })) };
      },
    });
    try {
      await until(() => seen.filter((entry) => entry.body === 'poison').length >= 3, 15_000);
      let dead: string[] = [];
      await until(() => {
        void drain(dlq).then((bodies) => (dead = dead.concat(bodies)));
        return dead.length > 0;
      }, 10_000);
      expect(dead).toEqual(['poison']);
      expect(batchSizes[0]).toBe(4);
      expect(seen.filter((entry) => entry.body.startsWith('ok-'))).toHaveLength(3);
      expect(seen.filter((entry) => entry.body === 'poison').map((entry) => entry.receiveCount)).toEqual(['1', '2', '3']);
      expect(await drain(source)).toEqual([]);
    } finally {
      await running.stop();
    }
  });

  it('leaves the whole batch for redelivery when the handler throws', async () => {
    const { source } = await queuePair(5);
    await sqsClient().send(new SendMessageBatchCommand({ QueueUrl: source, Entries: [{ Id: 'a', MessageBody: 'a' }, { Id: 'b', MessageBody: 'b' }] }));
    let attempts = 0;
    const running = startSqsEventSource({
      sqs: sqsClient(),
      queueUrl: source,
      queueArn: 'arn:aws:sqs:us-east-1:000000000000:test2',
      region: 'us-east-1',
      fn: gateFunction,
      batchSize: 10,
      maxBatchingWindowSeconds: 0.2,
      concurrency: 1,
      log: () => undefined,
      invoke: async (_fn, event: SQSEvent) => {
        attempts += 1;
        if (attempts === 1) throw new Error('boom');
        return { batchItemFailures: [] as { itemIdentifier: string }[], size: event.Records.length };
      },
    });
    try {
      await until(() => attempts >= 2, 10_000);
      expect(running.stats.failedMessages).toBe(2);
      await until(() => running.stats.deleteRequests >= 1, 5_000);
      expect(await drain(source)).toEqual([]);
    } finally {
      await running.stop();
    }
  });
});
