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

/** The outbound queue's visibility timeout follows the rule the CDK app uses: ≥ 6 × its consumer's timeout. */
export function visibilityTimeoutFor(queue: QueueName): number {
  const consumer = FUNCTIONS.flatMap((fn: FunctionDefinition) =>
    fn.triggers.flatMap((trigger) => (trigger.kind === 'sqs' && trigger.queue === queue ? [fn.timeoutSeconds] : [])),
  );
  return Math.max(30, ...consumer.map((seconds) => seconds * 6));
}

export const MAX_RECEIVE_COUNT = 5;

/** Creates every queue of the manifest on the SQS emulator; the outbound queue redrives to its DLQ. */
export async function provisionQueues(client: SQSClient): Promise<Record<QueueName, string>> {
  const create = async (name: QueueName, attributes: Record<string, string> = {}) => {
    const { QueueUrl } = await client.send(
      new CreateQueueCommand({
        QueueName: QUEUES[name].name,
        Attributes: { VisibilityTimeout: String(visibilityTimeoutFor(name)), ...attributes },
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
