import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import { keys } from '../../shared/adapters/dynamodb/table-keys.ts';

export const TABLE_NAME = 'optgate';

/** A document client on the local stack's DynamoDB Local, for seeding and for checking what is really stored. */
export function localTable(): DynamoDBDocumentClient {
  const client = new DynamoDBClient({
    region: 'us-east-1',
    endpoint: inject('dynamoDbEndpoint'),
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

/** Every item of a contact's partition, expired or not (what is physically there). */
export async function partitionItems(db: DynamoDBDocumentClient, accountId: string, contact: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await db.send(
      new QueryCommand({
        TableName: TABLE_NAME,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.contactPartition(accountId, contact) },
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

export async function getItem(db: DynamoDBDocumentClient, key: { pk: string; sk: string }): Promise<Record<string, unknown> | undefined> {
  return (await db.send(new GetCommand({ TableName: TABLE_NAME, Key: key, ConsistentRead: true }))).Item;
}

/** Writes items 25 per BatchWriteItem call, several calls at once, retrying unprocessed ones. */
export async function seedItems(db: DynamoDBDocumentClient, items: Record<string, unknown>[], concurrency = 8): Promise<void> {
  const chunks: Record<string, unknown>[][] = [];
  for (let index = 0; index < items.length; index += 25) chunks.push(items.slice(index, index + 25));
  let next = 0;
  const worker = async () => {
    while (next < chunks.length) {
      const chunk = chunks[next];
      next += 1;
      let pending = (chunk ?? []).map((Item) => ({ PutRequest: { Item } }));
      while (pending.length > 0) {
        const result = await db.send(new BatchWriteCommand({ RequestItems: { [TABLE_NAME]: pending } }));
        pending = (result.UnprocessedItems?.[TABLE_NAME] ?? []) as typeof pending;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}
