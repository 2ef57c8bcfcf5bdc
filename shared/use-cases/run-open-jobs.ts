import type { OpenJob } from '../adapters/dynamodb/job-store.ts';
import { resumeErasure, type ErasureDeps } from './erase-contact.ts';
import { runRetentionJob, type ReapplyDeps } from './reapply-retention.ts';

export interface JobRunReport {
  jobId: string;
  kind: OpenJob['kind'];
  done: boolean;
  /** Items whose expiry changed (retention) or were deleted (erasure). */
  items: number;
}

/**
 * Background work the sweep picks up every run: retention re-applied after a settings or override
 * change, and erasures that did not finish within their request. Oldest first, until the deadline.
 */
export async function runOpenJobs(
  deps: ReapplyDeps & ErasureDeps,
  options: { now: Date; deadlineMs: number },
): Promise<JobRunReport[]> {
  const jobs = (await deps.jobStore.listOpen()).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  const reports: JobRunReport[] = [];
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
