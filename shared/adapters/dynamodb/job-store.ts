import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { queryAll } from './query-all.ts';
import { keys, OPEN_JOBS_PARTITION, SK_PREFIX } from './table-keys.ts';

/** Where an account-wide re-application stands: the byContact shard, and the last contact done in it. */
export interface AccountRetentionCursor {
  shard: number;
  after?: string;
}

export type OpenJob =
  | {
      jobId: string;
      kind: 'retention';
      accountId: string;
      /** Set for one contact's re-application; absent for the whole account. */
      contact?: string;
      /** A new request for the same scope replaces the job; a worker holding an older generation stops. */
      generation: string;
      cursor?: AccountRetentionCursor;
      /** Contact jobs: the sort key after which the partition is still to do. */
      afterSk?: string;
      updated: number;
      createdAt: string;
    }
  | { jobId: string; kind: 'erasure'; accountId: string; contactHash: string; createdAt: string };

export type RetentionJob = Extract<OpenJob, { kind: 'retention' }>;

/**
 * Background work that outlives one request: retention re-applied after a settings change, and
 * erasures too large for one request. Open jobs live in one small partition the sweep reads every
 * run; a job is deleted when done.
 */
export class JobStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  static retentionJobId(accountId: string, contact?: string): string {
    return `${SK_PREFIX.openRetentionJob}A#${accountId}${contact === undefined ? '' : `#C#${contact}`}`;
  }

  static erasureJobId(accountId: string, contactHash: string): string {
    return `${SK_PREFIX.openErasureJob}A#${accountId}#${contactHash}`;
  }

  /** Opens (or restarts from the beginning) the re-application job for an account or one contact. */
  async openRetentionJob(accountId: string, contact: string | undefined, now: Date): Promise<RetentionJob> {
    const job: RetentionJob = {
      jobId: JobStore.retentionJobId(accountId, contact),
      kind: 'retention',
      accountId,
      ...(contact === undefined ? {} : { contact }),
      generation: ulid(now.getTime()),
      updated: 0,
      createdAt: now.toISOString(),
    };
    await this.db.send(new PutCommand({ TableName: this.tableName, Item: { ...keys.openJob(job.jobId), type: 'job', ...job } }));
    return job;
  }

  async openErasureJob(accountId: string, contactHash: string, now: Date): Promise<void> {
    const jobId = JobStore.erasureJobId(accountId, contactHash);
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...keys.openJob(jobId), type: 'job', jobId, kind: 'erasure', accountId, contactHash, createdAt: now.toISOString() },
      }),
    );
  }

  async listOpen(): Promise<OpenJob[]> {
    const items = await queryAll(this.db, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': OPEN_JOBS_PARTITION },
      ConsistentRead: true,
    });
    return items.map((item) => {
      const { pk: _pk, sk: _sk, type: _type, leaseOwner: _owner, leaseUntil: _until, ...job } = item;
      return job as unknown as OpenJob;
    });
  }

  /** One worker per job generation at a time. */
  async lease(job: RetentionJob, owner: string, untilMs: number, nowMs: number): Promise<boolean> {
    return this.update(job.jobId, {
      UpdateExpression: 'SET leaseOwner = :owner, leaseUntil = :until',
      ConditionExpression: '#generation = :generation AND (attribute_not_exists(leaseUntil) OR leaseUntil < :now OR leaseOwner = :owner)',
      ExpressionAttributeNames: { '#generation': 'generation' },
      ExpressionAttributeValues: { ':owner': owner, ':until': untilMs, ':generation': job.generation, ':now': nowMs },
    });
  }

  /** Saves progress; false when the job was replaced by a newer request (the worker stops). */
  async checkpoint(
    job: RetentionJob,
    owner: string,
    progress: { cursor?: AccountRetentionCursor; afterSk?: string; updated: number; leaseUntil: number },
  ): Promise<boolean> {
    const sets = ['#updated = :updated', 'leaseUntil = :until'];
    const removes: string[] = [];
    const values: Record<string, unknown> = { ':updated': progress.updated, ':until': progress.leaseUntil, ':owner': owner, ':generation': job.generation };
    for (const name of ['cursor', 'afterSk'] as const) {
      if (progress[name] === undefined) removes.push(`#${name}`);
      else {
        sets.push(`#${name} = :${name}`);
        values[`:${name}`] = progress[name];
      }
    }
    return this.update(job.jobId, {
      UpdateExpression: `SET ${sets.join(', ')}${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''}`,
      ConditionExpression: '#generation = :generation AND leaseOwner = :owner',
      // CURSOR is one of DynamoDB's reserved words; name every attribute to be safe.
      ExpressionAttributeNames: { '#updated': 'updated', '#cursor': 'cursor', '#afterSk': 'afterSk', '#generation': 'generation' },
      ExpressionAttributeValues: values,
    });
  }

  /** Frees the lease of a job left unfinished (its checkpoint stays), so the next run need not wait for it to lapse. */
  async release(job: RetentionJob, owner: string): Promise<void> {
    await this.update(job.jobId, {
      UpdateExpression: 'REMOVE leaseOwner, leaseUntil',
      ConditionExpression: 'leaseOwner = :owner',
      ExpressionAttributeValues: { ':owner': owner },
    });
  }

  /** Closes a finished job unless a newer request replaced it meanwhile. */
  async completeRetentionJob(job: RetentionJob): Promise<void> {
    try {
      await this.db.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: keys.openJob(job.jobId),
          ConditionExpression: '#generation = :generation',
          ExpressionAttributeNames: { '#generation': 'generation' },
          ExpressionAttributeValues: { ':generation': job.generation },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async delete(jobId: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.tableName, Key: keys.openJob(jobId) }));
  }

  private async update(jobId: string, input: Omit<ConstructorParameters<typeof UpdateCommand>[0], 'TableName' | 'Key'>): Promise<boolean> {
    try {
      await this.db.send(new UpdateCommand({ TableName: this.tableName, Key: keys.openJob(jobId), ...input }));
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}
