import type { LineReader } from '../adapters/dynamodb/line-reader.ts';
import { ValidationError } from '../domain/errors.ts';
import type { KeywordRuleInput } from '../domain/keywords/keyword-rule.ts';

/** A rule may name only a line of the same account, and only a line of the rule's channel. */
export async function assertRuleLine(deps: { lineStore: LineReader }, accountId: string, input: KeywordRuleInput): Promise<void> {
  if (input.lineId === undefined) return;
  const line = await deps.lineStore.getLine(accountId, input.lineId);
  if (!line) throw new ValidationError(`No line ${input.lineId} in this account`);
  if (input.channel !== undefined && input.channel !== line.channel) {
    throw new ValidationError(`Line ${input.lineId} is a ${line.channel} line, not ${input.channel}`);
  }
}
