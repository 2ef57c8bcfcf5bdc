import { createHash, randomBytes } from 'node:crypto';
import { GetCommand, PutCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import {
  accountSettingsSchema,
  BUILT_IN_ACCOUNT_DEFAULTS,
  defaultAccountSettings,
  type NewAccountDefaults,
  type AccountSettings,
} from '../../domain/accounts/account-settings.ts';
import { CONSENT_SUMMARIES_FLAG } from './consent-summary-store.ts';
import { keys } from './table-keys.ts';

export interface AccountKey {
  accountId: string;
  keyId: string;
}

/** API keys are random 256-bit strings; a SHA-256 of such a key is safe to store and fast to look up. */
export function hashApiKey(apiKey: string): string {
  return createHash('sha256').update(apiKey, 'utf8').digest('hex');
}

export function generateApiKey(): string {
  return `og_${randomBytes(32).toString('base64url')}`;
}

export class AccountStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * Creates the account with its first API key; the plain key is returned once and never stored. The
   * settings start from the deployment's defaults for new accounts.
   */
  async createAccount(
    name: string,
    now = new Date(),
    defaults: NewAccountDefaults = BUILT_IN_ACCOUNT_DEFAULTS,
  ): Promise<{ accountId: string; apiKey: string; keyId: string; createdAt: string }> {
    const accountId = `acc_${ulid(now.getTime()).toLowerCase()}`;
    const keyId = `key_${ulid(now.getTime()).toLowerCase()}`;
    const apiKey = generateApiKey();
    const createdAt = now.toISOString();
    await this.db.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: this.tableName,
              // A new account's consent data is written with its summaries from the start (see ConsentSummaryStore).
              Item: { ...keys.account(accountId), type: 'account', accountId, name, createdAt, [CONSENT_SUMMARIES_FLAG]: true },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          {
            Put: {
              TableName: this.tableName,
              Item: { ...keys.apiKey(hashApiKey(apiKey)), type: 'apiKey', accountId, keyId, createdAt },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          {
            Put: {
              TableName: this.tableName,
              // CTIA wants the program's name in every confirmation: the account name until set otherwise.
              Item: {
                ...keys.settings(accountId),
                type: 'settings',
                accountId,
                settings: { ...defaultAccountSettings(defaults), brandName: name.trim().slice(0, 40) },
                updatedAt: createdAt,
              },
            },
          },
        ],
      }),
    );
    return { accountId, apiKey, keyId, createdAt };
  }

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

  async putSettings(accountId: string, settings: AccountSettings, now = new Date()): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...keys.settings(accountId), type: 'settings', accountId, settings, updatedAt: now.toISOString() },
      }),
    );
  }
}
