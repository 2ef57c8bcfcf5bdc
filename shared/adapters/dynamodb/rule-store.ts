import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { ulid } from 'ulid';
import { ruleFromInput, type KeywordRule, type KeywordRuleInput } from '../../domain/keywords/keyword-rule.ts';
import { NotFoundError } from '../../domain/errors.ts';
import { keys, SK_PREFIX } from './table-keys.ts';
import { queryAll } from './query-all.ts';

export interface StoredRule extends KeywordRule {
  createdAt: string;
  updatedAt: string;
}

/** Custom keyword rules of one account (account-wide or for one line). */
export class RuleStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async listRules(accountId: string): Promise<StoredRule[]> {
    const items = await queryAll(this.db, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.account(accountId).pk, ':prefix': SK_PREFIX.rule },
    });
    return items.map((item) => item.rule as StoredRule);
  }

  async createRule(accountId: string, input: KeywordRuleInput, now = new Date()): Promise<StoredRule> {
    const rule = toStoredRule(`rule_${ulid(now.getTime()).toLowerCase()}`, input, now.toISOString(), now.toISOString());
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...keys.rule(accountId, rule.ruleId), type: 'rule', accountId, rule },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return rule;
  }

  async replaceRule(accountId: string, ruleId: string, input: KeywordRuleInput, now = new Date()): Promise<StoredRule> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.rule(accountId, ruleId) }));
    const existing = Item?.rule as StoredRule | undefined;
    if (!existing) throw new NotFoundError(`No rule ${ruleId}`);
    const rule = toStoredRule(ruleId, input, existing.createdAt, now.toISOString());
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.rule(accountId, ruleId), type: 'rule', accountId, rule },
          ConditionExpression: 'attribute_exists(pk)',
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new NotFoundError(`No rule ${ruleId}`);
      throw error;
    }
    return rule;
  }

  async deleteRule(accountId: string, ruleId: string): Promise<void> {
    try {
      await this.db.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: keys.rule(accountId, ruleId),
          ConditionExpression: 'attribute_exists(pk)',
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new NotFoundError(`No rule ${ruleId}`);
      throw error;
    }
  }
}

function toStoredRule(ruleId: string, input: KeywordRuleInput, createdAt: string, updatedAt: string): StoredRule {
  return { ...ruleFromInput(ruleId, input), createdAt, updatedAt };
}
