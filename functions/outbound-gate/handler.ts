import { randomUUID } from 'node:crypto';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createDocumentClient } from '../../shared/adapters/dynamodb/document-client.ts';
import { OutboundStore } from '../../shared/adapters/dynamodb/outbound-store.ts';
import { createSqsClient } from '../../shared/adapters/sqs/sqs-client.ts';
import { loadGateConfig } from '../../shared/config/service-config.ts';
import { logger } from '../../shared/observability/logger.ts';
import { gateOutboundBatch } from '../../shared/use-cases/gate-outbound-batch.ts';
import { createSecretBox } from '../../shared/adapters/secrets/service-key-source.ts';
import { countGateDecisions } from '../../shared/observability/gate-metrics.ts';

const config = loadGateConfig();
// Opens line credentials and per-account keys (sealed in the table); reads the service key on first use.
const secrets = createSecretBox();
// Module scope: the store's caches (settings, lines, erasure keys) live as long as the container.
const db = createDocumentClient();
const store = new OutboundStore(db, config.tableName, { cacheTtlMs: config.cacheTtlMs, secrets });
const sqs = createSqsClient();
const log = {
  info: (message: string, details: Record<string, unknown> = {}) => logger.info(message, details),
  warn: (message: string, details: Record<string, unknown> = {}) => logger.warn(message, details),
  error: (message: string, details: Record<string, unknown> = {}) => logger.error(message, details),
};

/** A claim must outlive the invocation that holds it; a little margin covers clock skew. */
const LEASE_MARGIN_MS = 5_000;

/**
 * SQS event source with ReportBatchItemFailures: the messages listed in batchItemFailures stay on
 * the queue and come back after the visibility timeout (to the DLQ after maxReceiveCount); the
 * rest are deleted by Lambda.
 */
export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  const { batchItemFailures, summary } = await gateOutboundBatch(
    {
      store,
      sqs,
      queues: config.queues,
      now: () => new Date(),
      leaseMs: context.getRemainingTimeInMillis() + LEASE_MARGIN_MS,
      newToken: randomUUID,
      log,
    },
    event.Records.map((record) => ({ messageId: record.messageId, body: record.body, messageAttributes: record.messageAttributes })),
  );
  countGateDecisions(summary);
  return { batchItemFailures };
};
