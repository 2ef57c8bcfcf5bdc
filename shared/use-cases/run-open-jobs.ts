import type { OpenJob } from '../adapters/dynamodb/job-store.ts';
import { backfillConsentSummaries } from './backfill-consent-summaries.ts';
import { resumeErasure, type ErasureDeps } from './erase-contact.ts';
import { runRetentionJob, type ReapplyDeps } from './reapply-retention.ts';

export interface JobRunReport {
  jobId: string;
  kind: OpenJob['kind'] | 'migration';
  done: boolean;
  /** Items whose expiry changed (retention) or were deleted (erasure). */
  items: number;
}

/**
 * Background work the sweep picks up every run: the consent summary migration while a table still
 * has data from before summaries, retention re-applied after a settings or override change, and
 * erasures that did not finish within their request. Oldest first, until the deadline.
 */
export async function runOpenJobs(
  deps: ReapplyDeps & ErasureDeps,
  options: { now: Date; deadlineMs: number },
): Promise<JobRunReport[]> {
  const reports: JobRunReport[] = [];
  const migration = await backfillConsentSummaries(deps, options);
  if (migration.itemsRead > 0 || migration.status !== 'complete') {
    reports.push({ jobId: 'MIGRATION#CONSENT_SUMMARY', kind: 'migration', done: migration.status === 'complete', items: migration.created });
  }
  const jobs = (await deps.jobStore.listOpen()).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  for (const job of jobs) {
    if (deps.realNowMs() > options.deadlineMs) break;
    if (job.kind === 'retention') {
      const progress = await runRetentionJob(deps, job, options);
      reports.push({ jobId: job.jobId.replace(/#C#.*$/, '#C#…'), kind: job.kind, done: progress.done, items: progress.updated });
    } else {
      const receipt = await resumeErasure(deps, { accountId: job.accountId, contactHash: job.contactHash, ...options });
      reports.push({ jobId: job.jobId, kind: job.kind, done: receipt?.status !== 'in_progress', items: receipt?.totalDeleted ?? 0 });
    }
  }
  return reports;
}
