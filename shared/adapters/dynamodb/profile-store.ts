import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ProfileInput } from '../../domain/contacts/contact-profile.ts';
import type { RetentionOverride } from '../../domain/retention/retention-policy.ts';
import { ProfileReader } from './profile-reader.ts';
import { contactIndexAttributes, expiryAttributes, keys } from './table-keys.ts';

export { toProfile, type ProfileItem, type ProfilePage } from './profile-reader.ts';

const MAX_ATTEMPTS = 3;

/** Profiles with their writes; the reads are ProfileReader's. */
export class ProfileStore extends ProfileReader {
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
}
