import { randomBytes } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { keys } from './table-keys.ts';
import { SEALING_CONTEXT, type SecretBox } from '../../security/secret-box.ts';

/**
 * The per-account key that seals double opt-in links (AES-256-GCM), created on first use and
 * cached for the container's life. Kept in the account partition like the erasure key: one
 * account's key never opens another account's links.
 */
export class FormTokenKeyStore {
  private readonly cache = new Map<string, Promise<Buffer>>();

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** The key is stored sealed under the service key. */
    private readonly secrets: SecretBox,
  ) {}

  getKey(accountId: string): Promise<Buffer> {
    let key = this.cache.get(accountId);
    if (!key) {
      key = this.load(accountId);
      this.cache.set(accountId, key);
      key.catch(() => this.cache.delete(accountId));
    }
    return key;
  }

  /**
   * The key if the account has one, never creating it: opening a link needs no key that sealed
   * none (a made-up link to a form of an account that never sent one must change nothing).
   */
  async findKey(accountId: string): Promise<Buffer | undefined> {
    const cached = this.cache.get(accountId);
    if (cached) return cached;
    const existing = await this.read(accountId);
    if (existing) this.cache.set(accountId, Promise.resolve(existing));
    return existing;
  }

  private async load(accountId: string): Promise<Buffer> {
    const existing = await this.read(accountId);
    if (existing) return existing;
    const created = randomBytes(32);
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...keys.formTokenKey(accountId),
            type: 'secret',
            accountId,
            key: await this.secrets.seal(created.toString('base64'), SEALING_CONTEXT.formTokenKey(accountId)),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return created;
    } catch (error) {
      // Another container created it first: use theirs.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const winner = await this.read(accountId);
      if (!winner) throw error;
      return winner;
    }
  }

  private async read(accountId: string): Promise<Buffer | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.formTokenKey(accountId), ConsistentRead: true }));
    if (typeof Item?.key !== 'string') return undefined;
    return Buffer.from(await this.secrets.open(Item.key, SEALING_CONTEXT.formTokenKey(accountId)), 'base64');
  }
}
