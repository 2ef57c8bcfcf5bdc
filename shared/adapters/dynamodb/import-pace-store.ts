import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { keys } from './table-keys.ts';

export type PaceReservation = { ok: true } | { ok: false; retryAfterMs: number };

/**
 * Import back-pressure per account (the generic cell rate algorithm on one item): a request that
 * imports n rows reserves the time they take at the account's rate (`availableAt` moves n / rate
 * seconds ahead), and only when the previous reservation has run out. One conditional UpdateItem per
 * request; a refused request learns when to come back. With the request pacing its own writes at
 * the same rate, an account's imports never write faster than the rate however many clients send.
 */
export class ImportPaceStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async reserve(accountId: string, rows: number, ratePerSecond: number, nowMs: number): Promise<PaceReservation> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.importPace(accountId),
          UpdateExpression: 'SET availableAt = :next, #type = :type',
          ConditionExpression: 'attribute_not_exists(availableAt) OR availableAt <= :now',
          ExpressionAttributeNames: { '#type': 'type' },
          ExpressionAttributeValues: { ':next': nowMs + Math.ceil((rows * 1000) / ratePerSecond), ':now': nowMs, ':type': 'importPace' },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { ok: true };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const availableAt = Number(error.Item?.availableAt?.N ?? nowMs + 1000);
      return { ok: false, retryAfterMs: Math.max(1, availableAt - nowMs) };
    }
  }
}
