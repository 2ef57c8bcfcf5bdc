import { createHash } from 'node:crypto';
import {
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { ulid } from 'ulid';
import type { Channel } from '../../domain/channels.ts';
import type { Line, Provider } from '../../domain/accounts/line.ts';
import { ConflictError, NotFoundError } from '../../domain/errors.ts';
import { keys } from './table-keys.ts';
import { LineReader, toLine } from './line-reader.ts';
import { SEALING_CONTEXT, type SecretBox } from '../../security/secret-box.ts';

/** What inbound traffic needs to find its account and verify its signature, in one GetItem. */
export interface LineRoute {
  accountId: string;
  lineId: string;
  channel: Channel;
  address: string;
  provider: Provider;
  brandName?: string;
  credentials: Record<string, string>;
}

export interface NewLine {
  channel: Channel;
  address: string;
  provider: Provider;
  name?: string;
  brandName?: string;
  providerId?: string;
  credentials?: Record<string, string>;
}

/** Lines with their writes and the inbound routing; the admin API's reads are LineReader's. */
export class LineStore extends LineReader {
  constructor(
    db: DynamoDBDocumentClient,
    tableName: string,
    /** Credentials are stored sealed under the service key, bound to their line. */
    private readonly secrets: SecretBox,
  ) {
    super(db, tableName);
  }

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

  /**
   * Meta's verification handshake: true when some WhatsApp Cloud API line was registered with this
   * verify token. A Query on the token's own partition, never a scan.
   */
  async isWhatsAppVerifyToken(verifyToken: string): Promise<boolean> {
    const { Items } = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.whatsappVerifyTokenPartition(sha256Hex(verifyToken)) },
        Limit: 1,
      }),
    );
    return (Items?.length ?? 0) > 0;
  }

  /** The email line of an address: the line registered for that exact address, else the one for its domain. */
  async findEmailRoute(address: string): Promise<LineRoute | undefined> {
    const normalized = address.trim().toLowerCase();
    const at = normalized.lastIndexOf('@');
    if (at <= 0 || at === normalized.length - 1) return undefined;
    return (await this.findRoute('email', normalized)) ?? (await this.findRoute('email', normalized.slice(at + 1)));
  }

  /** Inbound routing: the line a provider posted to, with its credentials. */
  async findRoute(channel: Channel, address: string): Promise<LineRoute | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.route(channel, address) }));
    if (!Item) return undefined;
    const accountId = String(Item.accountId);
    const lineId = String(Item.lineId);
    return {
      accountId,
      lineId,
      channel: Item.channel as Channel,
      address: String(Item.address),
      provider: Item.provider as Provider,
      brandName: typeof Item.brandName === 'string' ? Item.brandName : undefined,
      credentials:
        Item.credentials === undefined
          ? {}
          : (JSON.parse(await this.secrets.open(String(Item.credentials), SEALING_CONTEXT.lineCredentials(accountId, lineId))) as Record<string, string>),
    };
  }
}

function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}
