import { createHash } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { expiryIndexAttributes, keys } from './table-keys.ts';

export interface RateLimit {
  limit: number;
  windowSeconds: number;
}

/**
 * Fixed-window counters in DynamoDB (not in memory: Lambda runs many containers at once). One
 * conditional UpdateItem per hit: the ADD happens only while the count is under the limit, so the
 * check and the increment are one atomic step. Counters expire (TTL) soon after their window.
 */
export class DynamoRateLimiter {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** True when the hit is allowed (and counted); false when the subject is over its limit in this window. */
  async hit(accountId: string, kind: string, subject: string, rule: RateLimit, nowMs: number): Promise<boolean> {
    const nowSeconds = Math.floor(nowMs / 1000);
    const windowStart = nowSeconds - (nowSeconds % rule.windowSeconds);
    // Hashed: keys and item values hold no IP address or contact.
    const subjectHash = createHash('sha256').update(subject).digest('hex').slice(0, 32);
    const key = keys.rateCounter(accountId, kind, subjectHash, windowStart);
    const expiresAt = windowStart + rule.windowSeconds + 60;
    const expiry = expiryIndexAttributes(expiresAt, key.pk, key.sk);
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: 'ADD #count :one SET #type = :type, expiresAt = :expiresAt, gsi2pk = :gsi2pk, gsi2sk = :gsi2sk',
          ConditionExpression: 'attribute_not_exists(#count) OR #count < :limit',
          ExpressionAttributeNames: { '#count': 'count', '#type': 'type' },
          ExpressionAttributeValues: { ':one': 1, ':limit': rule.limit, ':type': 'rateCounter', ':expiresAt': expiresAt, ':gsi2pk': expiry.gsi2pk, ':gsi2sk': expiry.gsi2sk },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}
