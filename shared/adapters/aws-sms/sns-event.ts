import { z } from 'zod';

/** Thrown when a Lambda invocation is not a well-formed SNS event: a wiring error, not bad user input. */
export class InvalidSnsEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export interface SnsMessageEnvelope {
  snsMessageId: string;
  topicArn: string;
  /** ISO 8601, when SNS accepted the message. */
  timestamp: string;
  /** The published message, still a string (for two-way SMS: JSON). */
  message: string;
}

const snsEventSchema = z.object({
  Records: z
    .array(
      z.object({
        Sns: z.object({
          MessageId: z.string().min(1),
          TopicArn: z.string().min(1),
          Timestamp: z.iso.datetime({ offset: true }),
          Message: z.string(),
        }),
      }),
    )
    .min(1),
});

/** The messages of a Lambda SNS event, in record order; throws InvalidSnsEventError on any other shape. */
export function extractSnsMessages(event: unknown): SnsMessageEnvelope[] {
  const result = snsEventSchema.safeParse(event);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`).join('; ');
    throw new InvalidSnsEventError(`Not a valid SNS event: ${problems}`);
  }
  return result.data.Records.map(({ Sns }) => ({
    snsMessageId: Sns.MessageId,
    topicArn: Sns.TopicArn,
    timestamp: Sns.Timestamp,
    message: Sns.Message,
  }));
}

function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(event)';
  return path.map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`)).join('').replace(/^\./, '');
}
