import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { CHANNELS, type Channel } from '../../domain/channels.ts';
import {
  EMPTY_SUMMARY,
  liveSummary,
  summaryExpiry,
  withReappliedExpiry,
  withRecord,
  withSuppression,
  type ConsentSummary,
  type SummaryRecord,
  type SummarySuppression,
} from '../../domain/consent/consent-summary.ts';
import { contactErasureHash } from '../../domain/retention/erasure-hash.ts';
import { isExpired } from '../../domain/retention/expires-at.ts';
import { reappliedExpiresAt, type RetentionPeriod } from '../../domain/retention/retention-policy.ts';
import { SEALING_CONTEXT, type SecretBox } from '../../security/secret-box.ts';
import { batchGetItems, keyId, type TableKey } from './batch-get-items.ts';
import { activityAtOf } from './contact-partition.ts';
import { expiryAttributes, expiryIndexAttributes, keys, SK_PREFIX } from './table-keys.ts';

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/**
 * The account item's attribute saying every (contact, channel) of the account with consent data has
 * its summary: set when the account is created, or by the migration (backfillConsentSummaries) for
 * accounts with data from before summaries. Without it, readers use the records themselves.
 */
export const CONSENT_SUMMARIES_FLAG = 'consentSummaries';
/** The migration's progress (see backfillConsentSummaries). */
export const CONSENT_SUMMARY_MIGRATION = 'CONSENT_SUMMARY';

/** Whether an account item says its consent summaries are complete. */
export function summariesComplete(accountItem: Record<string, unknown> | undefined): boolean {
  return accountItem?.[CONSENT_SUMMARIES_FLAG] === true;
}

/** Items per TransactWriteItems, the summary's Put included. */
const TRANSACT_MAX_ITEMS = 100;
/** Rounds for a retention re-application that a concurrent write keeps overtaking. */
const REAPPLY_ROUNDS = 10;

/** 9999-12-31T23:59:59Z: the entry of an item that carries no expiry. */
const NO_EXPIRY = 253_402_300_799;

/** A change to one (contact, channel)'s summary: a record of a scope, or the suppression, rewritten. */
export type SummaryChange =
  | { accountId: string; contact: string; channel: Channel; scope: string; record: SummaryRecord }
  | { accountId: string; contact: string; channel: Channel; suppression: SummarySuppression };

export interface StoredSummary {
  summary: ConsentSummary;
  /** Undefined when there is no item (the next write creates it). */
  version: number | undefined;
}

/** The summary item of (account, contact, channel) at `version`. */
export function summaryItem(accountId: string, contact: string, channel: Channel, summary: ConsentSummary, version: number): Record<string, unknown> {
  const key = keys.consentSummary(accountId, contact, channel);
  const expiry = summaryExpiry(summary);
  return {
    ...key,
    type: 'consentSummary',
    accountId,
    contact,
    channel,
    version,
    records: summary.records,
    ...(summary.suppression ? { suppression: summary.suppression } : {}),
    ...(summary.erasedAt ? { erasedAt: summary.erasedAt } : {}),
    // The item lives as long as its longest-lived entry; the sweep finds it by that expiry.
    ...(expiry ? { expiresAt: expiry.expiresAt, activityAt: expiry.activityAt, ...expiryIndexAttributes(expiry.expiresAt, key.pk, key.sk) } : {}),
  };
}

/** Reads a stored summary item; entries that do not have the expected shape are left out (and so count as absent). */
export function parseSummaryItem(item: Record<string, unknown> | undefined): StoredSummary | undefined {
  if (!item) return undefined;
  const records: Record<string, SummaryRecord> = {};
  const rawRecords = item.records && typeof item.records === 'object' ? (item.records as Record<string, unknown>) : {};
  for (const [scope, raw] of Object.entries(rawRecords)) {
    const record = raw as Record<string, unknown>;
    if ((record.status !== 'opted_in' && record.status !== 'opted_out') || typeof record.occurredAt !== 'string' || typeof record.expiresAt !== 'number') continue;
    records[scope] = {
      status: record.status,
      occurredAt: record.occurredAt,
      eventId: String(record.eventId ?? ''),
      ...(record.category === 'marketing' ? { category: 'marketing' as const } : {}),
      expiresAt: record.expiresAt,
      activityAt: String(record.activityAt ?? ''),
    };
  }
  const rawSuppression = item.suppression as Record<string, unknown> | undefined;
  const suppression: SummarySuppression | undefined =
    rawSuppression && typeof rawSuppression.expiresAt === 'number'
      ? {
          // Any other stored reason is treated as the stricter of the two, as the gate does for the item.
          reason: rawSuppression.reason === 'complaint' ? 'complaint' : 'hard_bounce',
          occurredAt: String(rawSuppression.occurredAt ?? ''),
          expiresAt: rawSuppression.expiresAt,
          activityAt: String(rawSuppression.activityAt ?? ''),
        }
      : undefined;
  return {
    summary: { records, ...(suppression ? { suppression } : {}), ...(typeof item.erasedAt === 'string' ? { erasedAt: item.erasedAt } : {}) },
    version: typeof item.version === 'number' ? item.version : 0,
  };
}

/**
 * The summary the consent items of one (contact, channel) imply: the record items (CONSENT#…) and
 * the suppression item, with the expiry and activity each item carries. Used to create a summary
 * where data predates summaries (migration) and by the equivalence tests.
 */
export function summaryFromItems(items: readonly Record<string, unknown>[]): ConsentSummary {
  let summary = EMPTY_SUMMARY;
  for (const item of items) {
    const sk = String(item.sk);
    // An item without an expiry never expires: its entry gets the latest date DynamoDB can index.
    const expiry = { expiresAt: typeof item.expiresAt === 'number' ? item.expiresAt : NO_EXPIRY, activityAt: activityAtOf(item) ?? '' };
    if (sk.startsWith(SK_PREFIX.consent)) {
      if ((item.status !== 'opted_in' && item.status !== 'opted_out') || typeof item.occurredAt !== 'string') continue;
      summary = withRecord(summary, String(item.scope), {
        status: item.status,
        occurredAt: item.occurredAt,
        eventId: String(item.eventId ?? ''),
        ...(item.category === 'marketing' ? { category: 'marketing' as const } : {}),
        ...expiry,
      });
    } else if (sk.startsWith(SK_PREFIX.suppression)) {
      summary = withSuppression(summary, {
        reason: item.reason === 'complaint' ? 'complaint' : 'hard_bounce',
        occurredAt: typeof item.occurredAt === 'string' ? item.occurredAt : '',
        ...expiry,
      });
    }
  }
  return summary;
}

/** Where a suppression's expiry goes among the summary's entries (scopes never contain `#`). */
const SUPPRESSION_ENTRY = '#suppression';

function groupId(accountId: string, contact: string, channel: Channel): string {
  return keyId(keys.consentSummary(accountId, contact, channel));
}

/**
 * Keeps the consent summaries (see ConsentSummary) in step with the records and suppressions. Every
 * writer of those items asks it for the summary Put to add to its transaction: the current summary
 * is read first and the Put is conditional on its version (or on its absence), so two writers of
 * one (contact, channel) never lose each other's entry. A summary created where none exists takes
 * the contact's erasure time from the tombstone (an erasure that starts later stamps the existing
 * summaries in its own transaction: ErasureStore.start).
 */
export class ConsentSummaryStore {
  /** Accounts seen with complete summaries (it never goes back). */
  private readonly migrated = new Set<string>();

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** Opens the accounts' sealed erasure keys (a new summary takes the erasure time from the tombstone). */
    private readonly secrets: SecretBox,
  ) {}

  /**
   * Marks accounts as having every summary (the migration, once it has created them all). Accounts
   * that no longer exist are skipped.
   */
  async markAccountsMigrated(accountIds: Iterable<string>): Promise<void> {
    for (const accountId of new Set(accountIds)) {
      try {
        await this.db.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: keys.account(accountId),
            UpdateExpression: 'SET #flag = :true',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeNames: { '#flag': CONSENT_SUMMARIES_FLAG },
            ExpressionAttributeValues: { ':true': true },
          }),
        );
        this.migrated.add(accountId);
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    }
  }

  /**
   * The summary Puts for a set of changes (one per contact and channel, changes applied in order),
   * each conditional on the version read now. A transaction that carries them fails on a summary
   * condition only if someone wrote that summary meanwhile: read again and retry.
   */
  async putsFor(changes: readonly SummaryChange[], nowMs: number): Promise<TransactItem[]> {
    if (changes.length === 0) return [];
    const groups = new Map<string, { accountId: string; contact: string; channel: Channel; changes: SummaryChange[] }>();
    for (const change of changes) {
      const id = groupId(change.accountId, change.contact, change.channel);
      const group = groups.get(id) ?? { accountId: change.accountId, contact: change.contact, channel: change.channel, changes: [] };
      group.changes.push(change);
      groups.set(id, group);
    }
    const current = await this.read([...groups.values()], nowMs);
    return [...groups.entries()].map(([id, group]) => {
      const stored = current.get(id) ?? { summary: EMPTY_SUMMARY, version: undefined };
      let summary = liveSummary(stored.summary, nowMs);
      for (const change of group.changes) {
        summary = 'record' in change ? withRecord(summary, change.scope, change.record) : withSuppression(summary, change.suppression);
      }
      return this.put(group.accountId, group.contact, group.channel, summary, stored.version);
    });
  }

  /** A Put of the summary that succeeds only if it is still at `version` (undefined: still absent). */
  put(accountId: string, contact: string, channel: Channel, summary: ConsentSummary, version: number | undefined): TransactItem {
    return {
      Put: {
        TableName: this.tableName,
        Item: summaryItem(accountId, contact, channel, summary, (version ?? 0) + 1),
        ...(version === undefined
          ? { ConditionExpression: 'attribute_not_exists(pk)' }
          : { ConditionExpression: '#version = :summaryVersion', ExpressionAttributeNames: { '#version': 'version' }, ExpressionAttributeValues: { ':summaryVersion': version } }),
      },
    };
  }

  /**
   * Creates the summary of a (contact, channel) whose consent items predate summaries (migration),
   * unless one exists (a writer created it since). Returns whether it created one.
   */
  async createIfAbsent(accountId: string, contact: string, channel: Channel, nowMs: number): Promise<boolean> {
    const current = (await this.read([{ accountId, contact, channel }], nowMs)).get(groupId(accountId, contact, channel));
    if (!current || current.version !== undefined) return false;
    // Nothing live to copy: no summary is needed (a later write creates it).
    if (Object.keys(current.summary.records).length === 0 && !current.summary.suppression) return false;
    const { Put } = this.put(accountId, contact, channel, current.summary, undefined);
    if (!Put) return false;
    try {
      await this.db.send(new PutCommand(Put));
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /**
   * The current summaries (strongly consistent). Where none exists: in an account not yet migrated,
   * the one the channel's items imply (they may predate summaries); in a migrated one, none means no
   * live record. Either way the erasure time comes from the contact's tombstone.
   */
  async read(groups: readonly { accountId: string; contact: string; channel: Channel }[], nowMs: number): Promise<Map<string, StoredSummary>> {
    const accounts = [...new Set(groups.map((group) => group.accountId))];
    const wanted: TableKey[] = [
      ...groups.map((group) => keys.consentSummary(group.accountId, group.contact, group.channel)),
      ...accounts.map((accountId) => keys.erasureKey(accountId)),
      ...accounts.filter((accountId) => !this.migrated.has(accountId)).map((accountId) => keys.account(accountId)),
    ];
    const read = await this.fresh(wanted);
    for (const accountId of accounts) if (summariesComplete(read.get(keyId(keys.account(accountId))))) this.migrated.add(accountId);
    const result = new Map<string, StoredSummary>();
    const missing: { accountId: string; contact: string; channel: Channel }[] = [];
    for (const group of groups) {
      const id = groupId(group.accountId, group.contact, group.channel);
      const stored = parseSummaryItem(read.get(id));
      if (stored) result.set(id, stored);
      else missing.push(group);
    }
    if (missing.length === 0) return result;

    const tombstones = new Map<string, TableKey>();
    const erasureKeys = new Map<string, Buffer>();
    for (const group of missing) {
      const raw = read.get(keyId(keys.erasureKey(group.accountId)))?.key;
      if (typeof raw !== 'string' || raw === '') continue;
      let erasureKey = erasureKeys.get(group.accountId);
      if (!erasureKey) {
        // A key that does not open fails the write: a summary must not be created without the erasure it may owe.
        erasureKey = Buffer.from(await this.secrets.open(raw, SEALING_CONTEXT.erasureKey(group.accountId)), 'base64');
        erasureKeys.set(group.accountId, erasureKey);
      }
      tombstones.set(groupId(group.accountId, group.contact, group.channel), keys.tombstone(group.accountId, contactErasureHash(erasureKey, group.contact)));
    }
    const [erased, fromItems] = await Promise.all([
      tombstones.size > 0 ? this.fresh([...tombstones.values()]) : new Map<string, Record<string, unknown>>(),
      // In a migrated account no summary means no live consent item; elsewhere the items may predate summaries.
      Promise.all(missing.map((group) => (this.migrated.has(group.accountId) ? [] : this.channelItems(group.accountId, group.contact, group.channel)))),
    ]);
    missing.forEach((group, index) => {
      const id = groupId(group.accountId, group.contact, group.channel);
      const tombstone = tombstones.get(id);
      const erasedAt = tombstone ? erased.get(keyId(tombstone))?.erasedAt : undefined;
      const items = fromItems[index] ?? [];
      const summary = liveSummary(summaryFromItems(items.filter((item) => !isExpired(item.expiresAt as number | undefined, nowMs))), nowMs);
      result.set(id, { summary: { ...summary, ...(typeof erasedAt === 'string' ? { erasedAt } : {}) }, version: undefined });
    });
    return result;
  }

  /** The record items of one channel and its suppression item (strongly consistent). */
  async channelItems(accountId: string, contact: string, channel: Channel): Promise<Record<string, unknown>[]> {
    const [records, suppression] = await Promise.all([
      this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': keys.contactPartition(accountId, contact), ':prefix': `${SK_PREFIX.consent}${channel}#` },
          ConsistentRead: true,
        }),
      ),
      this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.suppression(accountId, contact, channel), ConsistentRead: true })),
    ]);
    // A channel holds one record per line at most: one page is the norm, more are followed.
    const items = [...(records.Items ?? [])];
    let startKey = records.LastEvaluatedKey;
    while (startKey) {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': keys.contactPartition(accountId, contact), ':prefix': `${SK_PREFIX.consent}${channel}#` },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    }
    return suppression.Item ? [...items, suppression.Item] : items;
  }

  /**
   * Gives one channel's records and suppression the expiry `period` implies (reappliedExpiresAt) and
   * their summary entries the same, in one transaction per round: each item conditional on the expiry
   * it was read with and the summary on its version, so the gate never sees the two disagree. A
   * write that overtakes it is read again. Returns the items it changed.
   */
  async reapplyChannel(accountId: string, contact: string, channel: Channel, period: RetentionPeriod, nowSeconds: number): Promise<number> {
    const summaryKey = keys.consentSummary(accountId, contact, channel);
    let updated = 0;
    for (let round = 1; round <= REAPPLY_ROUNDS; round += 1) {
      const [items, summaryRead] = await Promise.all([
        this.channelItems(accountId, contact, channel),
        this.db.send(new GetCommand({ TableName: this.tableName, Key: summaryKey, ConsistentRead: true })),
      ]);
      const stored = parseSummaryItem(summaryRead.Item);
      const changes = items.flatMap((item) => {
        const currentExpiresAt = typeof item.expiresAt === 'number' ? item.expiresAt : undefined;
        const activityAt = activityAtOf(item);
        if (currentExpiresAt === undefined || activityAt === undefined) return [];
        const next = reappliedExpiresAt({ activityAt, currentExpiresAt, period, nowSeconds });
        return next === undefined ? [] : [{ key: { pk: String(item.pk), sk: String(item.sk) }, scope: String(item.scope), currentExpiresAt, next, activityAt }];
      });
      const chunk = changes.slice(0, TRANSACT_MAX_ITEMS - 1);
      const last = chunk.length === changes.length;
      // Entries follow their item; an entry whose item is not in this chunk waits for its own round.
      const nextOf = new Map(chunk.map((change) => [change.key.sk.startsWith(SK_PREFIX.suppression) ? SUPPRESSION_ENTRY : change.scope, change.next]));
      const summary = stored
        ? withReappliedExpiry(stored.summary, (entry, scope) => {
            const entryId = scope ?? SUPPRESSION_ENTRY;
            if (nextOf.has(entryId)) return nextOf.get(entryId);
            return last ? reappliedExpiresAt({ activityAt: entry.activityAt, currentExpiresAt: entry.expiresAt, period, nowSeconds }) : undefined;
          })
        : undefined;
      const summaryChanged = stored !== undefined && summary !== undefined && JSON.stringify(summary) !== JSON.stringify(stored.summary);
      if (chunk.length === 0 && !summaryChanged) return updated;
      const transactItems: TransactItem[] = chunk.map((change) => ({
        Update: {
          TableName: this.tableName,
          Key: change.key,
          UpdateExpression: 'SET expiresAt = :expiresAt, activityAt = :activityAt, gsi2pk = :gsi2pk, gsi2sk = :gsi2sk',
          ConditionExpression: 'expiresAt = :current',
          ExpressionAttributeValues: {
            ...Object.fromEntries(Object.entries(expiryAttributes(change.key, change.next, change.activityAt)).map(([name, value]) => [`:${name}`, value])),
            ':current': change.currentExpiresAt,
          },
        },
      }));
      if (stored && summary && summaryChanged) transactItems.push(this.put(accountId, contact, channel, summary, stored.version));
      try {
        await this.db.send(new TransactWriteCommand({ TransactItems: transactItems }));
        updated += transactItems.length;
      } catch (error) {
        // A writer renewed an item or the summary meanwhile: read again (its own expiry is already right).
        if (!(error instanceof TransactionCanceledException)) throw error;
      }
    }
    throw new Error('Retention re-application: the channel kept changing');
  }

  /** The summary keys of a contact on every channel (an erasure stamps all that exist). */
  static contactKeys(accountId: string, contact: string): TableKey[] {
    return CHANNELS.map((channel) => keys.consentSummary(accountId, contact, channel));
  }

  private async fresh(tableKeys: readonly TableKey[]): Promise<Map<string, Record<string, unknown>>> {
    const result = await batchGetItems(this.db, this.tableName, tableKeys, { consistentRead: true });
    if (result.failed.size > 0) throw new Error(`BatchGetItem left ${result.failed.size} key(s) unread`);
    return result.items;
  }
}
