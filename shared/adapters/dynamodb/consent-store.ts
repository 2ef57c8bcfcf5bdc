import {
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import type { Channel } from '../../domain/channels.ts';
import type { AuditEvent } from '../../domain/consent/audit-event.ts';
import type { ConsentRecord } from '../../domain/consent/consent-record.ts';
import type { Suppression } from '../../domain/email/email-suppression.ts';
import { ValidationError } from '../../domain/errors.ts';
import { isExpired } from '../../domain/retention/expires-at.ts';
import type { StatIncrement } from '../../domain/reports/consent-stats.ts';
import { statCounterUpdate } from './stats-store.ts';
import { byLineIndexAttributes, keys, SK_PREFIX } from './table-keys.ts';
import { queryAll } from './query-all.ts';

/** Marks a provider message as handled, so a redelivery changes nothing and sends no second reply. */
export interface InboundMarker {
  provider: string;
  providerMessageId: string;
  receivedAt: string;
  eventId?: string;
  /** The reply due for this message; `pending` until the provider accepted it (async channels). */
  reply?: string;
  replyState: 'none' | 'pending' | 'sent';
}

export interface ConsentWrite {
  accountId: string;
  contact: string;
  event: AuditEvent;
  /** The new state, with the version that was read (undefined when there was no record). */
  record?: { next: ConsentRecord; expectedVersion: number | undefined };
  marker?: InboundMarker;
  /**
   * An email suppression (complaint, hard bounce), written in the same transaction. Unconditional:
   * a later report replaces an earlier one, and both reasons block every email alike.
   */
  suppression?: { channel: Channel; value: Suppression };
  expiresAt: number;
  /** Epoch seconds; an expired record not yet removed by TTL counts as absent. */
  nowSeconds: number;
  /** Report counters bumped in the same transaction, so a redelivery or a failed write never miscounts. */
  counters?: { increments: readonly StatIncrement[]; expiresAt: number };
}

export type CommitResult = 'committed' | 'duplicate' | 'conflict';

const EVENT_ID_PATTERN = /^[0-9A-HJKMNP-TV-Z]{26}$/;

export class ConsentStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Every live consent record of a contact (line and channel scopes, all channels). */
  async getRecords(accountId: string, contact: string, nowMs: number): Promise<ConsentRecord[]> {
    const items = await queryAll(this.db, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.contactPartition(accountId, contact), ':prefix': SK_PREFIX.consent },
      ConsistentRead: true,
    });
    return items.filter((item) => !isExpired(item.expiresAt as number | undefined, nowMs)).map(toRecord);
  }

  async getRecord(accountId: string, contact: string, channel: Channel, scope: string, nowMs: number): Promise<ConsentRecord | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.consent(accountId, contact, channel, scope), ConsistentRead: true }),
    );
    if (!Item || isExpired(Item.expiresAt as number | undefined, nowMs)) return undefined;
    return toRecord(Item);
  }

  /** The contact's suppression on a channel (email complaints and hard bounces), if any. */
  async getSuppression(accountId: string, contact: string, channel: Channel, nowMs: number): Promise<Suppression | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.suppression(accountId, contact, channel), ConsistentRead: true }),
    );
    if (!Item || isExpired(Item.expiresAt as number | undefined, nowMs)) return undefined;
    return {
      reason: Item.reason as Suppression['reason'],
      occurredAt: String(Item.occurredAt),
      eventId: String(Item.eventId),
      evidence: (Item.evidence ?? {}) as Suppression['evidence'],
    };
  }

  async getInboundMarker(accountId: string, contact: string, provider: string, messageId: string): Promise<InboundMarker | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: keys.inboundMarker(accountId, contact, provider, messageId),
        ConsistentRead: true,
      }),
    );
    return Item?.marker as InboundMarker | undefined;
  }

  /**
   * Writes the audit event, the new state and the idempotency marker in one transaction, so the
   * state never changes without its proof. `duplicate`: the marker exists (a redelivery);
   * `conflict`: someone changed the state since it was read (the caller re-reads and retries).
   */
  async commit(write: ConsentWrite): Promise<CommitResult> {
    const { accountId, contact, event, record, marker, suppression, expiresAt, nowSeconds } = write;
    const items = [];
    if (marker) {
      items.push({
        Put: {
          TableName: this.tableName,
          Item: {
            ...keys.inboundMarker(accountId, contact, marker.provider, marker.providerMessageId),
            type: 'inbound',
            accountId,
            contact,
            marker,
            expiresAt,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      });
    }
    items.push({
      Put: {
        TableName: this.tableName,
        Item: { ...keys.event(accountId, contact, event.eventId), type: 'event', accountId, event, expiresAt },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    });
    if (record) {
      const { next, expectedVersion } = record;
      items.push({
        Put: {
          TableName: this.tableName,
          Item: {
            ...keys.consent(accountId, contact, next.channel, next.scope),
            type: 'consent',
            accountId,
            ...next,
            expiresAt,
            ...byLineIndexAttributes(accountId, next),
          },
          ...(expectedVersion === undefined
            ? { ConditionExpression: 'attribute_not_exists(pk) OR expiresAt <= :now', ExpressionAttributeValues: { ':now': nowSeconds } }
            : { ConditionExpression: 'version = :version', ExpressionAttributeValues: { ':version': expectedVersion } }),
        },
      });
    }
    if (suppression) {
      items.push({
        Put: {
          TableName: this.tableName,
          Item: {
            ...keys.suppression(accountId, contact, suppression.channel),
            type: 'suppression',
            accountId,
            contact,
            channel: suppression.channel,
            ...suppression.value,
            expiresAt,
          },
        },
      });
    }
    for (const increment of write.counters?.increments ?? []) {
      items.push({ Update: statCounterUpdate(this.tableName, accountId, increment, write.counters?.expiresAt ?? expiresAt) });
    }
    try {
      await this.db.send(new TransactWriteCommand({ TransactItems: items }));
      return 'committed';
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = error.CancellationReasons ?? [];
      if (marker && reasons[0]?.Code === 'ConditionalCheckFailed') return 'duplicate';
      if (reasons.some((reason) => reason.Code === 'ConditionalCheckFailed')) return 'conflict';
      // Another transaction touched a shared counter shard at the same moment: re-read and retry.
      if (reasons.some((reason) => reason.Code === 'TransactionConflict')) return 'conflict';
      throw error;
    }
  }

  /** Records an inbound message that changed no consent (HELP, custom replies, chatter). */
  async putInboundMarker(
    accountId: string,
    contact: string,
    marker: InboundMarker,
    expiresAt: number,
    flagged?: AuditEvent,
  ): Promise<CommitResult> {
    if (flagged) return this.commit({ accountId, contact, event: flagged, marker, expiresAt, nowSeconds: 0 });
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: {
                  ...keys.inboundMarker(accountId, contact, marker.provider, marker.providerMessageId),
                  type: 'inbound',
                  accountId,
                  contact,
                  marker,
                  expiresAt,
                },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
          ],
        }),
      );
      return 'committed';
    } catch (error) {
      if (error instanceof TransactionCanceledException) return 'duplicate';
      throw error;
    }
  }

  async markReplySent(accountId: string, contact: string, provider: string, messageId: string): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.inboundMarker(accountId, contact, provider, messageId),
        UpdateExpression: 'SET marker.replyState = :sent',
        ExpressionAttributeValues: { ':sent': 'sent' },
        ConditionExpression: 'attribute_exists(pk)',
      }),
    );
  }

  /** The audit trail, newest first. The cursor is the last event id of the previous page. */
  async listEvents(
    accountId: string,
    contact: string,
    options: { limit: number; cursor?: string; nowMs: number },
  ): Promise<{ events: AuditEvent[]; nextCursor?: string }> {
    if (options.cursor !== undefined && !EVENT_ID_PATTERN.test(options.cursor)) {
      throw new ValidationError('cursor is not a value this API returned');
    }
    const page = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': keys.contactPartition(accountId, contact), ':prefix': SK_PREFIX.event },
        ScanIndexForward: false,
        Limit: options.limit,
        ...(options.cursor ? { ExclusiveStartKey: keys.event(accountId, contact, options.cursor) } : {}),
      }),
    );
    const events = (page.Items ?? [])
      .filter((item) => !isExpired(item.expiresAt as number | undefined, options.nowMs))
      .map((item) => item.event as AuditEvent);
    const lastSk = page.LastEvaluatedKey?.sk;
    return {
      events,
      ...(typeof lastSk === 'string' ? { nextCursor: lastSk.slice(SK_PREFIX.event.length) } : {}),
    };
  }
}

function toRecord(item: Record<string, unknown>): ConsentRecord {
  return {
    contact: String(item.contact),
    channel: item.channel as Channel,
    scope: String(item.scope),
    status: item.status as ConsentRecord['status'],
    ...(item.category === 'marketing' ? { category: 'marketing' as const } : {}),
    occurredAt: String(item.occurredAt),
    source: item.source as ConsentRecord['source'],
    evidence: (item.evidence ?? {}) as ConsentRecord['evidence'],
    eventId: String(item.eventId),
    version: Number(item.version),
    updatedAt: String(item.updatedAt),
  };
}
