import { createHash } from 'node:crypto';
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { accountSettingsSchema, defaultAccountSettings, type AccountSettings } from '../../domain/accounts/account-settings.ts';
import { keys } from './table-keys.ts';

export interface AccountKey {
  accountId: string;
  keyId: string;
}

/** API keys are random 256-bit strings; a SHA-256 of such a key is safe to store and fast to look up. */
export function hashApiKey(apiKey: string): string {
  return createHash('sha256').update(apiKey, 'utf8').digest('hex');
}

/**
 * The reads of accounts, keys and settings, in a module of their own so that a read-only function
 * (reports) carries no write command: its policy grants reads only (tests/unit/infra/code-permissions).
 * AccountStore adds the writes.
 */
export class AccountReader {
  constructor(
    protected readonly db: DynamoDBDocumentClient,
    protected readonly tableName: string,
  ) {}

  async findAccountByApiKey(apiKey: string): Promise<AccountKey | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.apiKey(hashApiKey(apiKey)) }));
    if (!Item || typeof Item.accountId !== 'string' || typeof Item.keyId !== 'string') return undefined;
    return { accountId: Item.accountId, keyId: Item.keyId };
  }

  async getAccount(accountId: string): Promise<{ accountId: string; name: string; createdAt: string } | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.account(accountId) }));
    if (!Item) return undefined;
    return { accountId, name: String(Item.name), createdAt: String(Item.createdAt) };
  }

  /** The account's settings; the defaults when none were saved. */
  async getSettings(accountId: string): Promise<AccountSettings> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.settings(accountId) }));
    if (!Item) return defaultAccountSettings();
    return accountSettingsSchema.parse(Item.settings);
  }
}
