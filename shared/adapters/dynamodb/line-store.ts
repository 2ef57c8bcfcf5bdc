import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { ulid } from 'ulid';
import type { Channel } from '../../domain/channels.ts';
import type { Line, Provider } from '../../domain/accounts/line.ts';
import { ConflictError, NotFoundError } from '../../domain/errors.ts';
import { keys } from './table-keys.ts';
import { toLine } from './line-reader.ts';
import { LineRouter, sha256Hex } from './line-router.ts';
import { SEALING_CONTEXT } from '../../security/secret-box.ts';

export interface NewLine {
  channel: Channel;
  address: string;
  provider: Provider;
  name?: string;
  brandName?: string;
  providerId?: string;
  credentials?: Record<string, string>;
}

/**
 * Lines with their writes (the admin API's): registering a line and deleting it. The reads are
 * LineReader's and the inbound routing LineRouter's, so functions that only route carry no delete.
 */
export class LineStore extends LineRouter {
  /**
   * The line item and its route item(s) are written together; the route's condition makes an
   * address belong to one account only (a second registration is a 409, not a silent takeover).
   */
  async createLine(accountId: string, input: NewLine, now = new Date()): Promise<Line> {
    const lineId = `line_${ulid(now.getTime()).toLowerCase()}`;
    const line: Line = {
      lineId,
      channel: input.channel,
      address: input.address,
      provider: input.provider,
      name: input.name,
      brandName: input.brandName,
      providerId: input.providerId,
      createdAt: now.toISOString(),
      hasCredentials: Object.keys(input.credentials ?? {}).length > 0,
    };
    const credentials = input.credentials ?? {};
    const route = {
      type: 'route',
      accountId,
      lineId,
      channel: input.channel,
      address: input.address,
      provider: input.provider,
      brandName: input.brandName,
      // One sealed JSON object; lines without credentials (AWS, SES) store none.
      ...(Object.keys(credentials).length > 0
        ? { credentials: await this.secrets.seal(JSON.stringify(credentials), SEALING_CONTEXT.lineCredentials(accountId, lineId)) }
        : {}),
    };
    const routeAddresses = [input.address, ...(input.providerId ? [input.providerId] : [])];
    const verifyToken = input.provider === 'meta' ? input.credentials?.verifyToken : undefined;
    const verifyTokenSha256 = verifyToken ? sha256Hex(verifyToken) : undefined;
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: { ...keys.line(accountId, lineId), type: 'line', accountId, ...line, verifyTokenSha256 },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            ...(verifyTokenSha256
              ? [
                  {
                    Put: {
                      TableName: this.tableName,
                      Item: { ...keys.whatsappVerifyToken(verifyTokenSha256, accountId, lineId), type: 'verifyToken', accountId, lineId },
                    },
                  },
                ]
              : []),
            ...routeAddresses.map((address) => ({
              Put: {
                TableName: this.tableName,
                Item: { ...keys.route(input.channel, address), ...route },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            })),
          ],
        }),
      );
    } catch (error) {
      if (error instanceof TransactionCanceledException) {
        throw new ConflictError(`${input.channel} line ${input.address} is already registered`);
      }
      throw error;
    }
    return line;
  }

  async deleteLine(accountId: string, lineId: string): Promise<void> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.line(accountId, lineId) }));
    if (!Item) throw new NotFoundError(`No line ${lineId}`);
    const line = toLine(Item);
    const verifyTokenSha256 = typeof Item.verifyTokenSha256 === 'string' ? Item.verifyTokenSha256 : undefined;
    const routeAddresses = [line.address, ...(line.providerId ? [line.providerId] : [])];
    await this.db.send(
      new TransactWriteCommand({
        TransactItems: [
          { Delete: { TableName: this.tableName, Key: keys.line(accountId, lineId) } },
          ...(verifyTokenSha256
            ? [{ Delete: { TableName: this.tableName, Key: keys.whatsappVerifyToken(verifyTokenSha256, accountId, lineId) } }]
            : []),
          ...routeAddresses.map((address) => ({
            Delete: {
              TableName: this.tableName,
              Key: keys.route(line.channel, address),
              // Never delete a route another account owns.
              ConditionExpression: 'attribute_not_exists(pk) OR accountId = :account',
              ExpressionAttributeValues: { ':account': accountId },
            },
          })),
        ],
      }),
    );
  }
}
