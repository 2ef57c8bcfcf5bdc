import * as z from '../validation/zod.ts';
import type { AccountStore } from '../adapters/dynamodb/account-store.ts';
import type { LineReader } from '../adapters/dynamodb/line-reader.ts';
import type { RuleStore } from '../adapters/dynamodb/rule-store.ts';
import type { Channel, ConsentStatus } from '../domain/channels.ts';
import { ValidationError } from '../domain/errors.ts';
import { evaluateKeywords } from '../domain/keywords/evaluate-keywords.ts';
import { assertRuleLine } from './assert-rule-line.ts';
import { keywordRuleInputSchema, ruleFromInput, type KeywordRule, type KeywordRuleInput } from '../domain/keywords/keyword-rule.ts';

/** The id an unsaved candidate rule carries in the answer when it does not replace a stored rule. */
export const CANDIDATE_RULE_ID = 'candidate';

export const keywordTestSchema = z.strictObject({
  /** The inbound message as the person would send it (SMS segments are joined up to 1,600 characters). */
  text: z.string().check(z.minLength(1), z.maxLength(1600)),
  /** The line the message is sent to: it decides the channel, the line rules and the brand. */
  lineId: z.string().check(z.trim(), z.minLength(1), z.maxLength(64)),
  /** An unsaved rule, evaluated as if it were saved, e.g. the one being written in the console. */
  candidate: z.optional(keywordRuleInputSchema),
  /** With `candidate`: the stored rule it would replace (an edit); without, the candidate is a new rule. */
  replacesRuleId: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(64))),
});
export type KeywordTestInput = z.infer<typeof keywordTestSchema>;

export interface KeywordTestResult {
  line: { lineId: string; channel: Channel; address: string; name?: string };
  /** What the engine matched on (case, accents, punctuation and trailing emoji removed). */
  normalizedText: string;
  match: {
    rule: KeywordRule;
    /** True when the unsaved candidate decided it. */
    candidate: boolean;
    language: string;
  } | null;
  /** The consent change the message would make; email acts on opt-outs only (a From header can be forged). */
  consentChange: { status: ConsentStatus; scope: 'line' | 'channel' } | null;
  /** The reply optgate would send back; email lines never reply. */
  reply: string | null;
  /** No rule matched, but the text reads like a plain-language revocation: it would be flagged for review. */
  flaggedRevocation: boolean;
}

export interface KeywordTestDeps {
  accountStore: AccountStore;
  lineStore: LineReader;
  ruleStore: RuleStore;
}

/**
 * What an inbound message on a line would do with the account's rules (plus an optional unsaved
 * rule), computed by the same engine and with the same brand as real traffic, and changing nothing.
 */
export async function testKeywordRules(deps: KeywordTestDeps, accountId: string, input: KeywordTestInput): Promise<KeywordTestResult> {
  if (input.replacesRuleId !== undefined && input.candidate === undefined) {
    throw new ValidationError('replacesRuleId needs a candidate rule to replace it with');
  }
  const [line, settings, storedRules] = await Promise.all([
    deps.lineStore.getLine(accountId, input.lineId),
    deps.accountStore.getSettings(accountId),
    deps.ruleStore.listRules(accountId),
  ]);
  if (!line) throw new ValidationError(`No line ${input.lineId} in this account`);
  if (input.replacesRuleId !== undefined && !storedRules.some((rule) => rule.ruleId === input.replacesRuleId)) {
    throw new ValidationError(`No rule ${input.replacesRuleId} in this account`);
  }
  const candidate = input.candidate ? await candidateRule(deps, accountId, input.candidate, input.replacesRuleId) : undefined;
  const customRules: KeywordRule[] = storedRules.filter((rule) => rule.ruleId !== input.replacesRuleId);
  if (candidate) customRules.push(candidate);

  const email = line.channel === 'email';
  const evaluation = evaluateKeywords({
    text: input.text,
    channel: line.channel,
    lineId: line.lineId,
    customRules,
    // As the inbound handlers do: the line's brand, else the account's; email replies are never sent.
    ...(email ? {} : { brand: line.brandName ?? settings.brandName }),
  });
  const { match } = evaluation;
  const changes = match && (match.action === 'opt_out' || (match.action === 'opt_in' && !email));
  return {
    line: { lineId: line.lineId, channel: line.channel, address: line.address, ...(line.name ? { name: line.name } : {}) },
    normalizedText: evaluation.normalizedText,
    match: match ? { rule: match.rule, candidate: candidate !== undefined && match.rule === candidate, language: match.language } : null,
    consentChange: changes ? { status: match.action === 'opt_out' ? 'opted_out' : 'opted_in', scope: match.scope } : null,
    reply: !email && match?.reply !== undefined ? match.reply : null,
    flaggedRevocation: evaluation.flaggedRevocation,
  };
}

async function candidateRule(deps: KeywordTestDeps, accountId: string, input: KeywordRuleInput, replacesRuleId: string | undefined): Promise<KeywordRule> {
  await assertRuleLine(deps, accountId, input);
  return ruleFromInput(replacesRuleId ?? CANDIDATE_RULE_ID, input);
}
