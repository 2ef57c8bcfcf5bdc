import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { keys } from './table-keys.ts';

export interface PartitionPage {
  items: Record<string, unknown>[];
  /** The sort key to continue after; undefined at the end of the partition. */
  lastSk?: string;
}

/**
 * One page of everything in a contact's partition (profile, consent, audit events, markers,
 * message history, suppressions), in sort-key order. Export, erasure and retention re-application
 * all walk the partition this way; a projection keeps pages small when only keys are needed.
 */
export async function queryContactPartition(
  db: DynamoDBDocumentClient,
  tableName: string,
  accountId: string,
  contact: string,
  options: { afterSk?: string; limit: number; projection?: string; names?: Record<string, string>; consistent?: boolean },
): Promise<PartitionPage> {
  const pk = keys.contactPartition(accountId, contact);
  const page = await db.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': pk },
      Limit: options.limit,
      ConsistentRead: options.consistent ?? true,
      ...(options.afterSk ? { ExclusiveStartKey: { pk, sk: options.afterSk } } : {}),
      ...(options.projection ? { ProjectionExpression: options.projection } : {}),
      ...(options.names ? { ExpressionAttributeNames: options.names } : {}),
    }),
  );
  const lastSk = page.LastEvaluatedKey?.sk;
  return { items: page.Items ?? [], ...(typeof lastSk === 'string' ? { lastSk } : {}) };
}

/** What re-application reads of each item: its key, expiry and the timestamps its last activity can come from. */
export const ACTIVITY_PROJECTION = {
  projection: 'pk, sk, expiresAt, activityAt, lastActivityAt, updatedAt, createdAt, sentAt, occurredAt, #event.recordedAt, marker.receivedAt',
  names: { '#event': 'event' },
};

/**
 * When an item's last activity happened. Items written since retention re-application exists carry
 * `activityAt`; older ones (and other writers' items) fall back to the timestamp their kind keeps.
 */
export function activityAtOf(item: Record<string, unknown>): string | undefined {
  const nested = (name: string, field: string): unknown => (item[name] as Record<string, unknown> | undefined)?.[field];
  const candidates = [
    item.activityAt,
    item.lastActivityAt,
    item.updatedAt,
    nested('event', 'recordedAt'),
    nested('marker', 'receivedAt'),
    item.sentAt,
    item.createdAt,
    item.occurredAt,
  ];
  return candidates.find((value): value is string => typeof value === 'string' && !Number.isNaN(Date.parse(value)));
}
