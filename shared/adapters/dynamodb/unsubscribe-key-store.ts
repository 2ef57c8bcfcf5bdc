import { randomBytes } from 'node:crypto';
import { GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { ulid } from 'ulid';
import type { UnsubscribeKey } from '../../domain/email/unsubscribe-token.ts';
import { keys, SK_PREFIX } from './table-keys.ts';
import { SEALING_CONTEXT, type SecretBox } from '../../security/secret-box.ts';

/**
 * The per-account keys of unsubscribe tokens. The newest key signs; every stored key verifies, so a
 * rotation never breaks links already sent. Key ids are ULIDs, so the newest sorts last. Keys are
 * secrets: never logged, never returned by the API.
 */
export class UnsubscribeKeyStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** Keys are stored sealed under the service key. */
    private readonly secrets: SecretBox,
  ) {}

  /** The key that signs new tokens, created on first use. */
  async signingKey(accountId: string, now = new Date()): Promise<UnsubscribeKey> {
    const newest = await this.newestKey(accountId);
    if (newest) return newest;
    return this.rotate(accountId, now);
  }

  /** Adds a new signing key; older keys keep verifying the links they signed. */
  async rotate(accountId: string, now = new Date()): Promise<UnsubscribeKey & { createdAt: string }> {
    const key = { keyId: `uk_${ulid(now.getTime()).toLowerCase()}`, secret: randomBytes(32) };
    const createdAt = now.toISOString();
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...keys.unsubscribeKey(accountId, key.keyId),
            type: 'unsubscribeKey',
            accountId,
            keyId: key.keyId,
            secret: await this.secrets.seal(key.secret.toString('base64'), SEALING_CONTEXT.unsubscribeKey(accountId, key.keyId)),
            createdAt,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      // Two first uses at once: the other one's key is as good.
      if (error instanceof ConditionalCheckFailedException) {
        const newest = await this.newestKey(accountId);
        if (newest) return { ...newest, createdAt };
      }
      throw error;
    }
    return { ...key, createdAt };
  }

  async getKey(accountId: string, keyId: string): Promise<UnsubscribeKey | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.unsubscribeKey(accountId, keyId) }));
    return Item ? this.toKey(accountId, Item) : undefined;
  }

  private async newestKey(accountId: string): Promise<UnsubscribeKey | undefined> {
    const { Items } = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': keys.account(accountId).pk, ':prefix': SK_PREFIX.unsubscribeKey },
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    const item = Items?.[0];
    return item ? this.toKey(accountId, item) : undefined;
  }

  private async toKey(accountId: string, item: Record<string, unknown>): Promise<UnsubscribeKey> {
    const keyId = String(item.keyId);
    const secret = await this.secrets.open(String(item.secret), SEALING_CONTEXT.unsubscribeKey(accountId, keyId));
    return { keyId, secret: Buffer.from(secret, 'base64') };
  }
}
