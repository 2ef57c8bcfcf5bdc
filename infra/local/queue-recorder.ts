import { DeleteMessageBatchCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';

export interface RecordedMessage {
  queue: string;
  body: string;
  receivedAt: string;
  /** The gate's messageId (from the decision, or from the dead-lettered envelope when it parses). */
  messageId?: string;
}

const MAX_KEPT = 100_000;

function messageIdOf(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { decision?: { messageId?: unknown }; body?: unknown };
    if (typeof parsed.decision?.messageId === 'string') return parsed.decision.messageId;
    if (typeof parsed.body === 'string') {
      const envelope = JSON.parse(parsed.body) as { messageId?: unknown };
      if (typeof envelope.messageId === 'string') return envelope.messageId;
    }
  } catch {
    // Not JSON (a malformed envelope on the DLQ): only a text search can find it.
  }
  return undefined;
}

/**
 * Tests only (`recordQueues`): drains the gate's output queues into memory so parallel test files
 * can each find their own messages (GET /local/gated?messageId=…) without stealing each other's.
 * `npm start` leaves the queues alone for the AWS CLI.
 */
export function startQueueRecorder(sqs: SQSClient, queues: Record<string, string>) {
  const recorded: RecordedMessage[] = [];
  let stopped = false;
  const drain = async (queue: string, url: string) => {
    while (!stopped) {
      try {
        // Short polls (see sqs-event-source.ts: the emulator's long poll can return a message twice).
        const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
        if (Messages.length === 0) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          continue;
        }
        for (const message of Messages) {
          const body = message.Body ?? '';
          recorded.push({ queue, body, receivedAt: new Date().toISOString(), messageId: messageIdOf(body) });
        }
        if (recorded.length > MAX_KEPT) recorded.splice(0, recorded.length - MAX_KEPT);
        await sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: url,
            Entries: Messages.map((message, index) => ({ Id: `r${index}`, ReceiptHandle: message.ReceiptHandle ?? '' })),
          }),
        );
      } catch {
        if (!stopped) await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  };
  const loops = Object.entries(queues).map(([queue, url]) => drain(queue, url));
  return {
    find(filter: { messageId?: string; contains?: string }): RecordedMessage[] {
      return recorded.filter(
        (message) =>
          (filter.messageId === undefined || message.messageId === filter.messageId) &&
          (filter.contains === undefined || message.body.includes(filter.contains)),
      );
    },
    async stop() {
      stopped = true;
      await Promise.all(loops);
    },
  };
}
export type QueueRecorder = ReturnType<typeof startQueueRecorder>;
