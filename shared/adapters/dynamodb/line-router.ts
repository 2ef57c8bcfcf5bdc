import { createHash } from 'node:crypto';
import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Channel } from '../../domain/channels.ts';
import type { Provider } from '../../domain/accounts/line.ts';
import { keys } from './table-keys.ts';
import { LineReader } from './line-reader.ts';
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

/**
 * Inbound routing: which account and line a provider posted to, with the line's credentials opened
 * (to verify the signature). Reads only: LineStore adds the writes, which only the admin API needs.
 */
export class LineRouter extends LineReader {
  constructor(
    db: DynamoDBDocumentClient,
    tableName: string,
    /** Credentials are stored sealed under the service key, bound to their line. */
    protected readonly secrets: SecretBox,
  ) {
    super(db, tableName);
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

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}
