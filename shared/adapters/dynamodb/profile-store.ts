import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AttributeValue, ContactProfile, ProfileInput } from '../../domain/contacts/contact-profile.ts';
import { isExpired } from '../../domain/retention/expires-at.ts';
import type { RetentionOverride } from '../../domain/retention/retention-policy.ts';
import { CONTACT_INDEX_SHARDS, contactIndexAttributes, contactIndexPartition, expiryAttributes, keys } from './table-keys.ts';

/** A profile as stored, with what the consent export needs (the keys of its consent records). */
export interface ProfileItem extends ContactProfile {
  consentKeys: string[];
}

export interface ProfilePage {
  profiles: ProfileItem[];
  /** The last contact of this page when there may be more; pass it back as `after`. */
  nextAfter?: string;
}

const MAX_ATTEMPTS = 3;
const INDEX_NAME = 'byContact';
// Above every character a contact can hold, so BETWEEN prefix AND prefix+MAX is "begins with prefix".
const MAX_CHAR = '\u{10FFFF}';

export class ProfileStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** The live profile; an expired one not yet swept counts as absent. */
  async get(accountId: string, contact: string, nowMs: number): Promise<ProfileItem | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.profile(accountId, contact), ConsistentRead: true }),
    );
    if (!Item || isExpired(Item.expiresAt as number | undefined, nowMs)) return undefined;
    return toProfile(Item);
  }

  /**
   * Replaces name, externalId and attributes. A profile change is activity: the profile's expiry
   * moves to `expiresAt`. An absent or expired profile is created afresh (nothing stale revives).
   */
  async putFields(
    accountId: string,
    contact: string,
    input: ProfileInput,
    at: { now: Date; expiresAt: number },
  ): Promise<void> {
    const nowIso = at.now.toISOString();
    const fields = {
      ...(input.name ? { name: input.name } : {}),
      ...(input.externalId ? { externalId: input.externalId } : {}),
      attributes: input.attributes ?? {},
    };
    await this.upsert(accountId, contact, at.now, {
      create: { ...fields, updatedAt: nowIso, lastActivityAt: nowIso, expiresAt: at.expiresAt },
      update: {
        set: { ...fields, updatedAt: nowIso, lastActivityAt: nowIso },
        remove: [...(input.name ? [] : ['name']), ...(input.externalId ? [] : ['externalId'])],
        expiresAt: at.expiresAt,
        activityAt: nowIso,
      },
    });
  }

  /**
   * Stores the contact's retention override (empty = follow the account). Existing items get their
   * new expiry from the re-application job; a contact seen for the first time gets a profile.
   */
  async setRetention(accountId: string, contact: string, override: RetentionOverride, at: { now: Date; expiresAtIfNew: number }): Promise<void> {
    const nowIso = at.now.toISOString();
    const hasOverride = Object.keys(override).length > 0;
    await this.upsert(accountId, contact, at.now, {
      create: { attributes: {}, ...(hasOverride ? { retention: override } : {}), updatedAt: nowIso, lastActivityAt: nowIso, expiresAt: at.expiresAtIfNew },
      update: { set: { ...(hasOverride ? { retention: override } : {}), updatedAt: nowIso }, remove: hasOverride ? [] : ['retention'] },
    });
  }

  private async upsert(
    accountId: string,
    contact: string,
    now: Date,
    change: {
      create: Record<string, unknown> & { lastActivityAt: string; expiresAt: number };
      update: { set: Record<string, unknown>; remove: string[]; expiresAt?: number; activityAt?: string };
    },
  ): Promise<void> {
    const key = keys.profile(accountId, contact);
    const nowSeconds = Math.floor(now.getTime() / 1000);
    for (let attempt = 1; ; attempt += 1) {
      const existing = await this.get(accountId, contact, now.getTime());
      try {
        if (!existing) {
          const { expiresAt, lastActivityAt, ...rest } = change.create;
          await this.db.send(
            new PutCommand({
              TableName: this.tableName,
              Item: {
                ...key,
                type: 'profile',
                accountId,
                contact,
                createdAt: now.toISOString(),
                lastActivityAt,
                ...rest,
                ...expiryAttributes(key, expiresAt, lastActivityAt),
                ...contactIndexAttributes(accountId, contact),
              },
              ConditionExpression: 'attribute_not_exists(pk) OR expiresAt <= :now',
              ExpressionAttributeValues: { ':now': nowSeconds },
            }),
          );
        } else {
          const set: Record<string, unknown> = { ...change.update.set };
          if (change.update.expiresAt !== undefined && change.update.activityAt !== undefined) {
            Object.assign(set, expiryAttributes(key, change.update.expiresAt, change.update.activityAt));
          }
          const names = Object.fromEntries([...Object.keys(set), ...change.update.remove].map((name) => [`#${name}`, name]));
          const values = Object.fromEntries(Object.entries(set).map(([name, value]) => [`:${name}`, value]));
          const setClause = Object.keys(set).map((name) => `#${name} = :${name}`).join(', ');
          const removeClause = change.update.remove.map((name) => `#${name}`).join(', ');
          await this.db.send(
            new UpdateCommand({
              TableName: this.tableName,
              Key: key,
              UpdateExpression: `SET ${setClause}${removeClause ? ` REMOVE ${removeClause}` : ''}`,
              ConditionExpression: 'attribute_exists(pk) AND expiresAt > :now',
              ExpressionAttributeNames: names,
              ExpressionAttributeValues: { ...values, ':now': nowSeconds },
            }),
          );
        }
        return;
      } catch (error) {
        // Someone created, renewed or removed the profile between our read and write: read again.
        if (!(error instanceof ConditionalCheckFailedException) || attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  }

  /**
   * One page of the account's profiles in contact order, optionally those starting with `prefix`,
   * after the contact `after`. Each byContact shard is sorted by contact; the shards are merged,
   * and the page stops at the smallest last key of the shards that have more, so nothing is
   * skipped. Expired profiles are left out unless `includeExpired` (the consent export still reads
   * live consent records of a contact whose profile expired first).
   */
  async listPage(
    accountId: string,
    options: { prefix?: string; after?: string; limit: number; nowMs: number; includeExpired?: boolean },
  ): Promise<ProfilePage> {
    const perShard = Math.ceil((options.limit / CONTACT_INDEX_SHARDS) * 1.25) + 4;
    const shards = await Promise.all(
      Array.from({ length: CONTACT_INDEX_SHARDS }, (_, shard) => this.queryShard(accountId, shard, options, perShard)),
    );
    const open = shards.filter((shard) => shard.more);
    const cut = open.length > 0 ? open.map((shard) => shard.items.at(-1)?.contact ?? '').sort()[0] : undefined;
    const merged = shards
      .flatMap((shard) => shard.items)
      .filter((item) => cut === undefined || item.contact <= cut)
      .sort((a, b) => (a.contact < b.contact ? -1 : a.contact > b.contact ? 1 : 0));
    const page = merged.slice(0, options.limit);
    const more = merged.length > options.limit || open.length > 0;
    const visible = options.includeExpired ? page : page.filter((item) => !isExpired(item.expiresAt, options.nowMs));
    const last = page.at(-1);
    return { profiles: visible, ...(more && last ? { nextAfter: last.contact } : {}) };
  }

  /** One shard's profiles after `after`, expired ones included (re-application walks every contact). */
  async listShard(accountId: string, shard: number, after: string | undefined, limit: number): Promise<{ items: ProfileItem[]; more: boolean }> {
    return this.queryShard(accountId, shard, after === undefined ? {} : { after }, limit);
  }

  private async queryShard(
    accountId: string,
    shard: number,
    options: { prefix?: string; after?: string },
    limit: number,
  ): Promise<{ items: ProfileItem[]; more: boolean }> {
    const values: Record<string, unknown> = { ':pk': contactIndexPartition(accountId, shard) };
    let condition = 'gsi3pk = :pk';
    const { prefix, after } = options;
    if (prefix) {
      // "after" + U+0001 is the smallest contact greater than "after" (contacts hold no control characters).
      const afterNext = after ? `${after}\u0001` : undefined;
      values[':lo'] = afterNext && afterNext > prefix ? afterNext : prefix;
      values[':hi'] = `${prefix}${MAX_CHAR}`;
      condition += ' AND gsi3sk BETWEEN :lo AND :hi';
    } else if (after) {
      values[':after'] = after;
      condition += ' AND gsi3sk > :after';
    }
    const page = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: INDEX_NAME,
        KeyConditionExpression: condition,
        ExpressionAttributeValues: values,
        Limit: limit,
      }),
    );
    return { items: (page.Items ?? []).map(toProfile), more: page.LastEvaluatedKey !== undefined };
  }
}

export function toProfile(item: Record<string, unknown>): ProfileItem {
  const retention = item.retention as RetentionOverride | undefined;
  const consentKeys = item.consentKeys instanceof Set ? [...(item.consentKeys as Set<string>)] : [];
  return {
    contact: String(item.contact),
    ...(typeof item.name === 'string' ? { name: item.name } : {}),
    ...(typeof item.externalId === 'string' ? { externalId: item.externalId } : {}),
    attributes: (item.attributes ?? {}) as Record<string, AttributeValue>,
    ...(retention && Object.keys(retention).length > 0 ? { retention } : {}),
    createdAt: String(item.createdAt),
    ...(typeof item.updatedAt === 'string' ? { updatedAt: item.updatedAt } : {}),
    lastActivityAt: String(item.lastActivityAt ?? item.createdAt),
    ...(typeof item.expiresAt === 'number' ? { expiresAt: item.expiresAt } : {}),
    consentKeys: consentKeys.sort(),
  };
}
