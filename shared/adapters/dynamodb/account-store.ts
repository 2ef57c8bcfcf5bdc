import { randomBytes } from 'node:crypto';
import { PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import {
  BUILT_IN_ACCOUNT_DEFAULTS,
  defaultAccountSettings,
  type NewAccountDefaults,
  type AccountSettings,
} from '../../domain/accounts/account-settings.ts';
import { CONSENT_SUMMARIES_FLAG } from './consent-summary-store.ts';
import { AccountReader, hashApiKey } from './account-reader.ts';
import { keys } from './table-keys.ts';

export { hashApiKey, type AccountKey } from './account-reader.ts';

export function generateApiKey(): string {
  return `og_${randomBytes(32).toString('base64url')}`;
}

/** Accounts with their writes (creation, settings); the reads are AccountReader's. */
export class AccountStore extends AccountReader {
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

  async putSettings(accountId: string, settings: AccountSettings, now = new Date()): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...keys.settings(accountId), type: 'settings', accountId, settings, updatedAt: now.toISOString() },
      }),
    );
  }
}
