import * as z from '../../validation/zod.ts';
import type { SnsMessage, SnsSignatureVerifier } from './sns-signature.ts';
import { METRIC_NAMES, metrics } from '../../observability/metrics.ts';

/** Thrown when a Lambda invocation is not a well-formed SNS event: a wiring error, not bad user input. */
export class InvalidSnsEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

const lambdaSnsEventSchema = z.object({
  Records: z.array(z.object({ EventSource: z.optional(z.string()), Sns: z.record(z.string(), z.unknown()) })).check(z.minLength(1)),
});

export interface SnsRecordsVerification {
  /** Notifications whose signature, topic and certificate verified, in record order. */
  notifications: SnsMessage[];
  /** Records that did not verify: never acted on. */
  rejected: { messageId?: string; reason: string }[];
}

/**
 * Verifies every record of a Lambda SNS event before anything in it is used. A Lambda subscription
 * is already authorised by IAM; checking the signature too means a message reaches the use cases
 * only if SNS itself signed it for an allowed topic, however the function came to be invoked.
 */
export async function verifySnsRecords(event: unknown, verifier: SnsSignatureVerifier): Promise<SnsRecordsVerification> {
  const parsed = lambdaSnsEventSchema.safeParse(event);
  if (!parsed.success) throw new InvalidSnsEventError('Not a Lambda SNS event (Records[].Sns)');
  const result: SnsRecordsVerification = { notifications: [], rejected: [] };
  for (const record of parsed.data.Records) {
    const verification = await verifier.verify(record.Sns);
    if (verification.ok && verification.message.Type === 'Notification') {
      result.notifications.push(verification.message);
    } else {
      const messageId = typeof record.Sns.MessageId === 'string' ? record.Sns.MessageId : undefined;
      result.rejected.push({ ...(messageId ? { messageId } : {}), reason: verification.ok ? `unexpected ${verification.message.Type}` : verification.reason });
    }
  }
  metrics().count(METRIC_NAMES.signatureFailures, result.rejected.length, { source: 'sns' });
  return result;
}
