import { randomUUID } from 'node:crypto';
import {
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import type { Channel } from '../../domain/channels.ts';
import type { AuditEvent } from '../../domain/consent/audit-event.ts';
import type { ConsentRecord } from '../../domain/consent/consent-record.ts';
import type { Suppression } from '../../domain/email/email-suppression.ts';
import { ValidationError } from '../../domain/errors.ts';
import { isExpired } from '../../domain/retention/expires-at.ts';
import type { StatIncrement } from '../../domain/reports/consent-stats.ts';
import { statCounterUpdate } from './stats-store.ts';
import type { RetentionOverride } from '../../domain/retention/retention-policy.ts';
import type { ProfileState } from '../../domain/retention/profile-touch.ts';
import { batchGetAll } from './batch-get-items.ts';
import { ConsentSummaryStore, type SummaryChange } from './consent-summary-store.ts';
import type { SecretBox } from '../../security/secret-box.ts';
import { byLineIndexAttributes, contactIndexAttributes, expiryAttributes, keys, SK_PREFIX } from './table-keys.ts';
import { queryAll } from './query-all.ts';

/** Marks a provider message as handled, so a redelivery changes nothing and sends no second reply. */
export interface InboundMarker {
  provider: string;
  providerMessageId: string;
  receivedAt: string;
  eventId?: string;
  /** The reply due for this message; `pending` until the provider accepted it (async channels). */
  reply?: string;
  /** `refused`: the provider refused it for good (an expired token…); it is not tried again. */
  replyState: 'none' | 'pending' | 'sent' | 'refused';
  /**
   * While `pending`: until when (epoch ms) the invocation holding the reply may still be sending it.
   * A redelivery sends a pending reply only once this has passed (claimPendingReply), so a copy
   * arriving while the first is mid-send does not reply a second time. Absent on older markers.
   */
  replyLeaseUntil?: number;
  /** While `pending`: which delivery holds the reply (only it may give it up). */
  replyHolder?: string;
}

/** Which inbound message (its idempotency marker). */
export interface InboundMarkerRef {
  accountId: string;
  contact: string;
  provider: string;
  messageId: string;
}

/** A pending reply held by one delivery. */
export interface HeldReply extends InboundMarkerRef {
  holder: string;
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
  /** When the activity happened (ISO); the base of expiresAt. Defaults to the event's recordedAt. */
  activityAt?: string;
  /**
   * Touch the contact's profile in the same transaction (created when the contact first appears,
   * renewed when the activity is not yet covered: see profileTouchDue). `live`: a profile was read
   * and has not expired. `expiresAt`: the profile's own expiry (profileExpiresAt); without it, the
   * write's.
   */
  profile?: { live: boolean; consentKeys?: string[]; expiresAt?: number };
}

/** A profile touch due with an activity (see profileTouchDue): whether the profile is live, and the expiry to give it. */
export interface ProfileTouch {
  live: boolean;
  expiresAt: number;
  nowSeconds: number;
}

/**
 * What a write needs to know about a contact before it writes: its retention override, whether a
 * profile exists, and (to skip a touch it does not need) the profile's expiry and consent keys.
 */
export interface ContactRetentionState extends ProfileState {
  override?: RetentionOverride;
}

export type CommitResult = 'committed' | 'duplicate' | 'conflict';

type TransactItem = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>[number];

const EVENT_ID_PATTERN = /^[0-9A-HJKMNP-TV-Z]{26}$/;
/** Rounds for a write whose only obstacle is a summary someone else just wrote (it is read again). */
const SUMMARY_ROUNDS = 5;

export class ConsentStore {
  /** The consent summaries, written in the same transaction as every record and suppression. */
  readonly summaries: ConsentSummaryStore;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** Opens sealed erasure keys (a new consent summary takes the contact's erasure time from its tombstone). */
    secrets: SecretBox,
  ) {
    this.summaries = new ConsentSummaryStore(db, tableName, secrets);
  }

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
  /** The items of one write: marker, audit event, state, profile touch. */
  private transactItems(write: ConsentWrite): TransactItem[] {
    const { accountId, contact, event, record, marker, suppression, expiresAt, nowSeconds } = write;
    const activityAt = write.activityAt ?? event.recordedAt;
    const items: TransactItem[] = [];
    if (marker) {
      const markerKey = keys.inboundMarker(accountId, contact, marker.provider, marker.providerMessageId);
      items.push({
        Put: {
          TableName: this.tableName,
          Item: { ...markerKey, type: 'inbound', accountId, contact, marker, ...expiryAttributes(markerKey, expiresAt, activityAt) },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      });
    }
    const eventKey = keys.event(accountId, contact, event.eventId);
    items.push({
      Put: {
        TableName: this.tableName,
        Item: { ...eventKey, type: 'event', accountId, event, ...expiryAttributes(eventKey, expiresAt, activityAt) },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    });
    if (record) {
      const { next, expectedVersion } = record;
      const consentKey = keys.consent(accountId, contact, next.channel, next.scope);
      items.push({
        Put: {
          TableName: this.tableName,
          Item: { ...consentKey, type: 'consent', accountId, ...next, ...expiryAttributes(consentKey, expiresAt, activityAt), ...byLineIndexAttributes(accountId, next) },
          ...(expectedVersion === undefined
            ? { ConditionExpression: 'attribute_not_exists(pk) OR expiresAt <= :now', ExpressionAttributeValues: { ':now': nowSeconds } }
            : { ConditionExpression: 'version = :version', ExpressionAttributeValues: { ':version': expectedVersion } }),
        },
      });
    }
    if (suppression) {
      const suppressionKey = keys.suppression(accountId, contact, suppression.channel);
      items.push({
        Put: {
          TableName: this.tableName,
          Item: {
            ...suppressionKey,
            type: 'suppression',
            accountId,
            contact,
            channel: suppression.channel,
            ...suppression.value,
            ...expiryAttributes(suppressionKey, expiresAt, activityAt),
          },
        },
      });
    }
    for (const increment of write.counters?.increments ?? []) {
      items.push({ Update: statCounterUpdate(this.tableName, accountId, increment, write.counters?.expiresAt ?? expiresAt) });
    }
    if (write.profile) {
      items.push(
        this.profileTouch({
          accountId,
          contact,
          live: write.profile.live,
          expiresAt: write.profile.expiresAt ?? expiresAt,
          activityAt,
          nowSeconds,
          consentKeys: write.profile.consentKeys ?? (record ? [`${record.next.channel}#${record.next.scope}`] : []),
        }),
      );
    }
    return items;
  }

  async commit(write: ConsentWrite): Promise<CommitResult> {
    const items = this.transactItems(write);
    const { marker } = write;
    for (let round = 1; round <= SUMMARY_ROUNDS; round += 1) {
      const summaries = await this.summaries.putsFor(ConsentStore.summaryChanges([write]), write.nowSeconds * 1000);
      try {
        await this.db.send(new TransactWriteCommand({ TransactItems: [...items, ...summaries] }));
        return 'committed';
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        const reasons = error.CancellationReasons ?? [];
        if (marker && reasons[0]?.Code === 'ConditionalCheckFailed') return 'duplicate';
        const own = reasons.slice(0, items.length);
        if (own.some((reason) => reason.Code === 'ConditionalCheckFailed')) return 'conflict';
        // Another transaction touched a shared counter shard at the same moment: re-read and retry.
        if (own.some((reason) => reason.Code === 'TransactionConflict')) return 'conflict';
        // Only the summary moved (another scope of the channel was written): read it again.
        const summaryMoved = reasons.slice(items.length).some((reason) => reason.Code === 'ConditionalCheckFailed' || reason.Code === 'TransactionConflict');
        if (!summaryMoved) throw error;
      }
    }
    return 'conflict';
  }

  /**
   * Several writes in one transaction (at most 100 items in all, summaries included: see
   * summaryCount): a bulk import packs the rows of many contacts together. All or nothing: `false`
   * when DynamoDB cancelled it (a marker, a record or a summary changed meanwhile); the caller then
   * applies those rows one by one.
   */
  async commitMany(writes: readonly ConsentWrite[]): Promise<boolean> {
    const items = writes.flatMap((write) => this.transactItems(write));
    const nowSeconds = Math.max(...writes.map((write) => write.nowSeconds));
    const summaries = await this.summaries.putsFor(ConsentStore.summaryChanges(writes), nowSeconds * 1000);
    try {
      await this.db.send(new TransactWriteCommand({ TransactItems: [...items, ...summaries] }));
      return true;
    } catch (error) {
      if (error instanceof TransactionCanceledException) return false;
      throw error;
    }
  }

  /** What the writes change in the consent summaries, in order. */
  static summaryChanges(writes: readonly ConsentWrite[]): SummaryChange[] {
    return writes.flatMap((write): SummaryChange[] => {
      const { accountId, contact, record, suppression } = write;
      const expiry = { expiresAt: write.expiresAt, activityAt: write.activityAt ?? write.event.recordedAt };
      const changes: SummaryChange[] = [];
      if (record) {
        const { next } = record;
        changes.push({
          accountId,
          contact,
          channel: next.channel,
          scope: next.scope,
          record: { status: next.status, occurredAt: next.occurredAt, eventId: next.eventId, ...(next.category ? { category: next.category } : {}), ...expiry },
        });
      }
      if (suppression) {
        changes.push({ accountId, contact, channel: suppression.channel, suppression: { reason: suppression.value.reason, occurredAt: suppression.value.occurredAt, ...expiry } });
      }
      return changes;
    });
  }

  /** Summary items the writes add to a transaction: one per (contact, channel) they touch. */
  static summaryCount(writes: readonly ConsentWrite[]): number {
    return new Set(ConsentStore.summaryChanges(writes).map((change) => `${change.accountId}\u0000${change.contact}\u0000${change.channel}`)).size;
  }

  /** Items a write adds to a transaction (for packing several writes into one). */
  static itemCount(write: ConsentWrite): number {
    return (write.marker ? 1 : 0) + 1 + (write.record ? 1 : 0) + (write.profile ? 1 : 0);
  }

  /**
   * Records an inbound message that changed no consent (HELP, custom replies, chatter). With a
   * flagged revocation, the marker and its audit event go in one transaction. Otherwise no
   * transaction is needed (a transactional write costs twice a plain one): the profile touch, when
   * due, comes first (renewing it twice is harmless, so a failure after it leaves nothing half-done),
   * then the marker as one conditional Put.
   */
  async putInboundMarker(
    accountId: string,
    contact: string,
    marker: InboundMarker,
    expiresAt: number,
    flagged?: AuditEvent,
    touch?: ProfileTouch,
  ): Promise<CommitResult> {
    const nowSeconds = touch?.nowSeconds ?? 0;
    if (flagged) {
      const write = (live: boolean) =>
        this.commit({ accountId, contact, event: flagged, marker, expiresAt, nowSeconds, activityAt: marker.receivedAt, ...(touch ? { profile: { live, expiresAt: touch.expiresAt } } : {}) });
      const result = await write(touch?.live ?? true);
      // The profile appeared concurrently: write again, renewing it in place.
      return result === 'conflict' && touch ? write(true) : result;
    }
    if (touch) await this.touchProfile(accountId, contact, touch, marker.receivedAt);
    const markerKey = keys.inboundMarker(accountId, contact, marker.provider, marker.providerMessageId);
    // Tells this write from another delivery's when the SDK retried a Put whose answer was lost.
    const writeToken = randomUUID();
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...markerKey, type: 'inbound', accountId, contact, marker, writeToken, ...expiryAttributes(markerKey, expiresAt, marker.receivedAt) },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return 'committed';
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: markerKey, ProjectionExpression: 'writeToken', ConsistentRead: true }));
      return Item?.writeToken === writeToken ? 'committed' : 'duplicate';
    }
  }

  /**
   * A profile touch on its own (not in a transaction, at half a transactional write's cost): created
   * if absent, else renewed in place, `consentKeys` added. Writers touch it before their own items,
   * so the profile covers them (and lists their consent records) whenever they exist; renewing it
   * twice is harmless.
   */
  async touchProfile(accountId: string, contact: string, touch: ProfileTouch, activityAt: string, consentKeys?: string[]): Promise<void> {
    const send = (live: boolean) => {
      const item = this.profileTouch({ accountId, contact, live, expiresAt: touch.expiresAt, activityAt, nowSeconds: touch.nowSeconds, ...(consentKeys ? { consentKeys } : {}) });
      return item.Put ? this.db.send(new PutCommand(item.Put)) : this.db.send(new UpdateCommand(item.Update as NonNullable<TransactItem['Update']>));
    };
    try {
      await send(touch.live);
    } catch (error) {
      // Created meanwhile (or by this Put, its answer lost and retried): renew it in place.
      if (!touch.live && error instanceof ConditionalCheckFailedException) await send(true);
      else throw error;
    }
  }

  /**
   * The contact's profile in the same transaction as its activity: created (Put, only if absent or
   * expired, so a concurrent first write is a conflict the caller retries) or renewed in place
   * (Update, so name, attributes and the retention override stay).
   */
  private profileTouch(input: {
    accountId: string;
    contact: string;
    live: boolean;
    expiresAt: number;
    activityAt: string;
    nowSeconds: number;
    consentKeys?: string[];
  }): TransactItem {
    const { accountId, contact, expiresAt, activityAt } = input;
    const consentKeys = input.consentKeys ?? [];
    const profileKey = keys.profile(accountId, contact);
    const indexed = { ...expiryAttributes(profileKey, expiresAt, activityAt), ...contactIndexAttributes(accountId, contact) };
    if (!input.live) {
      return {
        Put: {
          TableName: this.tableName,
          Item: {
            ...profileKey,
            type: 'profile',
            accountId,
            contact,
            attributes: {},
            createdAt: activityAt,
            lastActivityAt: activityAt,
            ...(consentKeys.length > 0 ? { consentKeys: new Set(consentKeys) } : {}),
            ...indexed,
          },
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt <= :now',
          ExpressionAttributeValues: { ':now': input.nowSeconds },
        },
      };
    }
    const values: Record<string, unknown> = {
      ':type': 'profile',
      ':accountId': accountId,
      ':contact': contact,
      ':at': activityAt,
      ...Object.fromEntries(Object.entries(indexed).map(([name, value]) => [`:${name}`, value])),
    };
    const sets = ['#type = :type', 'accountId = :accountId', 'contact = :contact', 'lastActivityAt = :at', 'createdAt = if_not_exists(createdAt, :at)'];
    sets.push(...Object.keys(indexed).map((name) => `${name} = :${name}`));
    if (consentKeys.length > 0) values[':consentKeys'] = new Set(consentKeys);
    return {
      Update: {
        TableName: this.tableName,
        Key: profileKey,
        UpdateExpression: `SET ${sets.join(', ')}${consentKeys.length > 0 ? ' ADD consentKeys :consentKeys' : ''}`,
        ExpressionAttributeNames: { '#type': 'type' },
        ExpressionAttributeValues: values,
      },
    };
  }

  /** The contact's retention override (from its profile) and whether the profile is live. */
  async getContactRetention(accountId: string, contact: string, nowMs: number): Promise<ContactRetentionState> {
    const { Item } = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: keys.profile(accountId, contact),
        ProjectionExpression: 'expiresAt, retention, consentKeys',
        ConsistentRead: true,
      }),
    );
    if (!Item || isExpired(Item.expiresAt as number | undefined, nowMs)) return { live: false };
    const override = Item.retention as RetentionOverride | undefined;
    return {
      live: true,
      ...(typeof Item.expiresAt === 'number' ? { expiresAt: Item.expiresAt } : {}),
      ...(Item.consentKeys instanceof Set ? { consentKeys: Item.consentKeys as Set<string> } : {}),
      ...(override && Object.keys(override).length > 0 ? { override } : {}),
    };
  }

  async markReplySent(accountId: string, contact: string, provider: string, messageId: string, state: 'sent' | 'refused' = 'sent'): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.inboundMarker(accountId, contact, provider, messageId),
        UpdateExpression: 'SET marker.replyState = :sent',
        ExpressionAttributeValues: { ':sent': state },
        ConditionExpression: 'attribute_exists(pk)',
      }),
    );
  }

  /**
   * Takes over a `pending` reply whose holder's lease ran out or was given up: true when `held.holder`
   * now holds it (until `leaseUntilMs`) and must send it; false when it was sent or is held.
   */
  async claimPendingReply(held: HeldReply, nowMs: number, leaseUntilMs: number): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.inboundMarker(held.accountId, held.contact, held.provider, held.messageId),
          UpdateExpression: 'SET marker.replyLeaseUntil = :lease, marker.replyHolder = :holder',
          ConditionExpression: 'marker.replyState = :pending AND (attribute_not_exists(marker.replyLeaseUntil) OR marker.replyLeaseUntil < :now)',
          ExpressionAttributeValues: { ':lease': leaseUntilMs, ':holder': held.holder, ':pending': 'pending', ':now': nowMs },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Gives up a held `pending` reply (only its holder can), so the provider's next redelivery sends it at once. */
  async releasePendingReply(held: HeldReply): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.inboundMarker(held.accountId, held.contact, held.provider, held.messageId),
          UpdateExpression: 'SET marker.replyLeaseUntil = :released',
          ConditionExpression: 'marker.replyState = :pending AND marker.replyHolder = :holder',
          ExpressionAttributeValues: { ':released': 0, ':pending': 'pending', ':holder': held.holder },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /**
   * What a bulk write needs to know up front, in a few BatchGetItem calls instead of three reads
   * per row: which markers exist, the live records, and each contact's retention state.
   */
  async prefetch(
    accountId: string,
    wanted: { markers: { contact: string; provider: string; messageId: string }[]; records: { contact: string; channel: Channel; scope: string }[]; contacts: string[] },
    nowMs: number,
  ): Promise<{ markers: Set<string>; records: Map<string, ConsentRecord>; contacts: Map<string, ContactRetentionState> }> {
    const markerKeys = wanted.markers.map((ref) => keys.inboundMarker(accountId, ref.contact, ref.provider, ref.messageId));
    const recordKeys = wanted.records.map((ref) => keys.consent(accountId, ref.contact, ref.channel, ref.scope));
    const profileKeys = wanted.contacts.map((contact) => keys.profile(accountId, contact));
    const items = await batchGetAll(this.db, this.tableName, [...markerKeys, ...recordKeys, ...profileKeys], { consistentRead: true, concurrency: 8 });
    const markers = new Set<string>();
    const records = new Map<string, ConsentRecord>();
    const contacts = new Map<string, ContactRetentionState>();
    for (const item of items) {
      const sk = String(item.sk);
      const live = !isExpired(item.expiresAt as number | undefined, nowMs);
      if (sk.startsWith(SK_PREFIX.inbound)) markers.add(`${String(item.pk)}|${sk}`);
      else if (sk.startsWith(SK_PREFIX.consent) && live) records.set(`${String(item.pk)}|${sk}`, toRecord(item));
      else if (sk === 'PROFILE' && live) {
        const override = item.retention as RetentionOverride | undefined;
        contacts.set(String(item.contact), { live: true, ...(override && Object.keys(override).length > 0 ? { override } : {}) });
      }
    }
    return { markers, records, contacts };
  }

  static markerRef(accountId: string, contact: string, provider: string, messageId: string): string {
    const key = keys.inboundMarker(accountId, contact, provider, messageId);
    return `${key.pk}|${key.sk}`;
  }

  static recordRef(accountId: string, contact: string, channel: Channel, scope: string): string {
    const key = keys.consent(accountId, contact, channel, scope);
    return `${key.pk}|${key.sk}`;
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
