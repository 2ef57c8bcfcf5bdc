import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AttributeValue, ContactProfile } from '../../domain/contacts/contact-profile.ts';
import { isExpired } from '../../domain/retention/expires-at.ts';
import type { RetentionOverride } from '../../domain/retention/retention-policy.ts';
import { CONTACT_INDEX_SHARDS, contactIndexPartition, keys } from './table-keys.ts';

/** A profile as stored, with what the consent export needs (the keys of its consent records). */
export interface ProfileItem extends ContactProfile {
  consentKeys: string[];
}

export interface ProfilePage {
  profiles: ProfileItem[];
  /** The last contact of this page when there may be more; pass it back as `after`. */
  nextAfter?: string;
}

const INDEX_NAME = 'byContact';
// Above every character a contact can hold, so BETWEEN prefix AND prefix+MAX is "begins with prefix".
const MAX_CHAR = '\u{10FFFF}';

/**
 * Contact profiles' reads (by contact, and pages of the byContact index), in a module of their own
 * so that a read-only function (the consent export) carries no write command. ProfileStore adds the writes.
 */
export class ProfileReader {
  constructor(
    protected readonly db: DynamoDBDocumentClient,
    protected readonly tableName: string,
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
