import type {
  DynamoDBClient} from '@aws-sdk/client-dynamodb';
import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceNotFoundException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  type GlobalSecondaryIndex,
} from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { FUNCTIONS, QUEUES, TABLE, type FunctionDefinition, type QueueName } from '../../shared/manifest.ts';

/**
 * Creates the table as the CDK app does (same keys, indexes and TTL attribute), if it is not there
 * yet, and adds indexes an older table lacks. `created`: the table is new (it holds no older data).
 */
export async function provisionTable(client: DynamoDBClient, tableName: string): Promise<{ created: boolean }> {
  const indexes: GlobalSecondaryIndex[] = TABLE.indexes.map((index) => ({
    IndexName: index.name,
    KeySchema: [
      { AttributeName: index.partitionKey, KeyType: 'HASH' },
      { AttributeName: index.sortKey, KeyType: 'RANGE' },
    ],
    Projection: { ProjectionType: index.projection },
  }));
  const existing = await describe(client, tableName);
  if (existing) {
    // A data folder from an older version lacks the indexes added since: add them in place.
    const present = new Set((existing.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName));
    for (const index of indexes.filter((candidate) => !present.has(candidate.IndexName))) {
      const keyNames = index.KeySchema?.map((key) => key.AttributeName ?? '') ?? [];
      await client.send(
        new UpdateTableCommand({
          TableName: tableName,
          AttributeDefinitions: keyNames.map((name) => ({ AttributeName: name, AttributeType: 'S' })),
          GlobalSecondaryIndexUpdates: [{ Create: index }],
        }),
      );
    }
    return { created: false };
  }
  const indexAttributes = TABLE.indexes.flatMap((index) => [index.partitionKey, index.sortKey]);
  const attributes = [...new Set([TABLE.partitionKey, TABLE.sortKey, ...indexAttributes])];
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: attributes.map((name) => ({ AttributeName: name, AttributeType: 'S' })),
      KeySchema: [
        { AttributeName: TABLE.partitionKey, KeyType: 'HASH' },
        { AttributeName: TABLE.sortKey, KeyType: 'RANGE' },
      ],
      ...(indexes.length > 0 ? { GlobalSecondaryIndexes: indexes } : {}),
    }),
  );
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: TABLE.ttlAttribute, Enabled: true },
    }),
  );
  return { created: true };
}

async function describe(client: DynamoDBClient, tableName: string) {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}

function consumerTimeouts(queue: QueueName): number[] {
  return FUNCTIONS.flatMap((fn: FunctionDefinition) =>
    fn.triggers.flatMap((trigger) => (trigger.kind === 'sqs' && trigger.queue === queue ? [fn.timeoutSeconds] : [])),
  );
}

/** The outbound queue's visibility timeout follows the rule the CDK app uses: ≥ 6 × its consumer's timeout. */
export function visibilityTimeoutFor(queue: QueueName): number {
  return Math.max(30, ...consumerTimeouts(queue).map((seconds) => seconds * 6));
}

/**
 * A message must not come back while the invocation that received it may still run and hold its
 * claim: the lease lasts the consumer's timeout plus a margin (the gate adds 5 s). Shorter visibility
 * timeouts (tests that need retries to come back sooner than AWS's recommended 6 ×) stay above it.
 */
const LEASE_MARGIN_SECONDS = 5;
export function checkedVisibility(queue: QueueName, seconds: number): number {
  const floor = Math.max(0, ...consumerTimeouts(queue)) + LEASE_MARGIN_SECONDS;
  if (!Number.isInteger(seconds) || seconds <= floor) {
    throw new Error(`The visibility timeout of ${queue} must be a whole number of seconds above ${floor} (its consumer's timeout and lease margin); got ${seconds}`);
  }
  return seconds;
}

export const MAX_RECEIVE_COUNT = 5;

/** Creates every queue of the manifest on the SQS emulator; the outbound queue redrives to its DLQ. */
export async function provisionQueues(client: SQSClient, visibilityOverrides: Partial<Record<QueueName, number>> = {}): Promise<Record<QueueName, string>> {
  const create = async (name: QueueName, attributes: Record<string, string> = {}) => {
    const override = visibilityOverrides[name];
    const visibility = override === undefined ? visibilityTimeoutFor(name) : checkedVisibility(name, override);
    const { QueueUrl } = await client.send(
      new CreateQueueCommand({
        QueueName: QUEUES[name].name,
        Attributes: { VisibilityTimeout: String(visibility), ...attributes },
      }),
    );
    if (!QueueUrl) throw new Error(`CreateQueue returned no URL for ${name}`);
    return QueueUrl;
  };
  const outboundDlq = await create('outboundDlq', { MessageRetentionPeriod: String(14 * 24 * 3600) });
  const { Attributes } = await client.send(new GetQueueAttributesCommand({ QueueUrl: outboundDlq, AttributeNames: ['QueueArn'] }));
  const outbound = await create('outbound', {
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: Attributes?.QueueArn, maxReceiveCount: MAX_RECEIVE_COUNT }),
  });
  return { outbound, outboundDlq, dispatch: await create('dispatch'), suppressed: await create('suppressed') };
}
