import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Channel } from '../../domain/channels.ts';
import type { Line, Provider } from '../../domain/accounts/line.ts';
import { queryAll } from './query-all.ts';
import { keys, SK_PREFIX } from './table-keys.ts';

/**
 * An account's lines as the admin API shows them (never their credentials), in a module of their
 * own so that a read-only function (reports) carries no write command and no service key.
 * LineStore adds the writes and the inbound routing, which opens sealed credentials.
 */
export class LineReader {
  constructor(
    protected readonly db: DynamoDBDocumentClient,
    protected readonly tableName: string,
  ) {}

  async listLines(accountId: string): Promise<Line[]> {
    const items = await queryAll(this.db, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.account(accountId).pk, ':prefix': SK_PREFIX.line },
    });
    return items.map(toLine);
  }

  async getLine(accountId: string, lineId: string): Promise<Line | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.line(accountId, lineId) }));
    return Item ? toLine(Item) : undefined;
  }
}

export function toLine(item: Record<string, unknown>): Line {
  return {
    lineId: String(item.lineId),
    channel: item.channel as Channel,
    address: String(item.address),
    provider: item.provider as Provider,
    ...(typeof item.name === 'string' ? { name: item.name } : {}),
    ...(typeof item.brandName === 'string' ? { brandName: item.brandName } : {}),
    ...(typeof item.providerId === 'string' ? { providerId: item.providerId } : {}),
    createdAt: String(item.createdAt),
    hasCredentials: item.hasCredentials === true,
  };
}
