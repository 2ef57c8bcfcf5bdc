import type { Context, ScheduledEvent } from 'aws-lambda';
import { createDataStores } from '../../shared/adapters/dynamodb/data-stores.ts';
import { createDocumentClient } from '../../shared/adapters/dynamodb/document-client.ts';
import { loadServiceConfig } from '../../shared/config/service-config.ts';
import { logger } from '../../shared/observability/logger.ts';
import { sweepExpiredItems, type SweepReport } from '../../shared/use-cases/retention-sweep.ts';
import { runOpenJobs, type JobRunReport } from '../../shared/use-cases/run-open-jobs.ts';
import { createSecretBox } from '../../shared/adapters/secrets/service-key-source.ts';

const config = loadServiceConfig();
// Opens line credentials and per-account keys (sealed in the table); reads the service key on first use.
const secrets = createSecretBox();
const stores = createDataStores(createDocumentClient(), config.tableName, secrets);
const realNowMs = () => Date.now();

/** Kept back from the timeout so the run saves its checkpoint and returns instead of being killed. */
const SAFETY_MARGIN_MS = 15_000;

export interface RetentionSweepResult {
  jobs: JobRunReport[];
  sweep: SweepReport;
}

/**
 * EventBridge schedule: first the open background jobs (retention re-application, unfinished
 * erasures) with at most half the time, then the sweep of expired items. The event's time is the
 * sweep's "now" (EventBridge sets it to the scheduled time; the local stack can set another).
 */
export async function handler(event: Partial<ScheduledEvent>, context: Context): Promise<RetentionSweepResult> {
  const eventTime = typeof event.time === 'string' ? new Date(event.time) : undefined;
  const now = eventTime && !Number.isNaN(eventTime.getTime()) ? eventTime : new Date();
  const start = realNowMs();
  const deadlineMs = start + Math.max(1_000, context.getRemainingTimeInMillis() - SAFETY_MARGIN_MS);
  const deps = { ...stores, realNowMs };
  const jobs = await runOpenJobs(deps, { now, deadlineMs: start + (deadlineMs - start) / 2 });
  const sweep = await sweepExpiredItems(deps, { now, deadlineMs });
  logger.info('Retention sweep finished', { jobs, sweep });
  return { jobs, sweep };
}
