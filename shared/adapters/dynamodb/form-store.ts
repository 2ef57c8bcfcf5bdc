import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { ConflictError, NotFoundError } from '../../domain/errors.ts';
import type { WebForm, WebFormInput } from '../../domain/forms/web-form.ts';
import { queryAll } from './query-all.ts';
import { keys, SK_PREFIX } from './table-keys.ts';

/**
 * Web forms. Each form is kept twice, written in one transaction: in the account partition (to
 * list an account's forms) and under its own id (the public page knows only the form id, so it
 * reads the form and its account with one GetItem).
 */
export class FormStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async createForm(accountId: string, input: WebFormInput, now = new Date()): Promise<WebForm> {
    const timestamp = now.toISOString();
    const form: WebForm = { ...input, formId: `form_${ulid(now.getTime()).toLowerCase()}`, version: 1, createdAt: timestamp, updatedAt: timestamp };
    await this.db.send(
      new TransactWriteCommand({
        TransactItems: this.puts(accountId, form).map((Item) => ({ Put: { TableName: this.tableName, Item, ConditionExpression: 'attribute_not_exists(pk)' } })),
      }),
    );
    return form;
  }

  async listForms(accountId: string): Promise<WebForm[]> {
    const items = await queryAll(this.db, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.account(accountId).pk, ':prefix': SK_PREFIX.form },
    });
    return items.map((item) => item.form as WebForm);
  }

  async getForm(accountId: string, formId: string): Promise<WebForm | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.form(accountId, formId) }));
    return Item?.form as WebForm | undefined;
  }

  /** For the public page: the form and the account it belongs to, by form id alone. */
  async getPublicForm(formId: string): Promise<{ accountId: string; form: WebForm } | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.publicForm(formId) }));
    if (!Item || typeof Item.accountId !== 'string') return undefined;
    return { accountId: Item.accountId, form: Item.form as WebForm };
  }

  /** Replaces the form's content and bumps its version; a concurrent edit is a 409, a missing form a 404. */
  async replaceForm(accountId: string, current: WebForm, input: WebFormInput, now = new Date()): Promise<WebForm> {
    const form: WebForm = { ...input, formId: current.formId, version: current.version + 1, createdAt: current.createdAt, updatedAt: now.toISOString() };
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: this.puts(accountId, form).map((Item) => ({
            Put: {
              TableName: this.tableName,
              Item,
              ConditionExpression: '#form.#version = :version AND accountId = :account',
              ExpressionAttributeNames: { '#form': 'form', '#version': 'version' },
              ExpressionAttributeValues: { ':version': current.version, ':account': accountId },
            },
          })),
        }),
      );
    } catch (error) {
      if (error instanceof TransactionCanceledException) throw new ConflictError(`Form ${current.formId} was changed or deleted meanwhile; read it again`);
      throw error;
    }
    return form;
  }

  async deleteForm(accountId: string, formId: string): Promise<void> {
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [keys.form(accountId, formId), keys.publicForm(formId)].map((Key) => ({
            Delete: {
              TableName: this.tableName,
              Key,
              // Never delete another account's form through a guessed id.
              ConditionExpression: 'accountId = :account',
              ExpressionAttributeValues: { ':account': accountId },
            },
          })),
        }),
      );
    } catch (error) {
      if (error instanceof TransactionCanceledException) throw new NotFoundError(`No form ${formId}`);
      throw error;
    }
  }

  private puts(accountId: string, form: WebForm): Record<string, unknown>[] {
    return [
      { ...keys.form(accountId, form.formId), type: 'form', accountId, form },
      { ...keys.publicForm(form.formId), type: 'publicForm', accountId, form },
    ];
  }
}
