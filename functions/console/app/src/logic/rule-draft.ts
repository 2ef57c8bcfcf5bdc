import type { Channel, KeywordRule, RuleInput } from '../api/types.ts';

export type MatchMode = KeywordRule['matchMode'];
export type KeywordAction = KeywordRule['action'];

/** The rule editor's fields, as strings and choices; '' is "not set". */
export interface RuleDraft {
  keyword: string;
  matchMode: MatchMode;
  action: KeywordAction;
  scope: KeywordRule['scope'];
  replyText: string;
  channel: Channel | '';
  lineId: string;
  language: string;
}

export const EMPTY_RULE_DRAFT: RuleDraft = {
  keyword: '',
  matchMode: 'exact',
  action: 'opt_out',
  scope: 'line',
  replyText: '',
  channel: '',
  lineId: '',
  language: '',
};

export function draftFromRule(rule: KeywordRule): RuleDraft {
  return {
    keyword: rule.keyword,
    matchMode: rule.matchMode,
    action: rule.action,
    scope: rule.scope,
    replyText: rule.replyText ?? '',
    channel: rule.channel ?? '',
    lineId: rule.lineId ?? '',
    language: rule.language ?? '',
  };
}

/** Only opt-outs and opt-ins can cover every line of a channel (STOPALL); the API refuses the rest. */
export function scopeApplies(action: KeywordAction): boolean {
  return action === 'opt_out' || action === 'opt_in';
}

/** The body of POST / PUT /v1/rules (and the tester's candidate): trimmed, empty optionals left out. */
export function ruleInputFromDraft(draft: RuleDraft): RuleInput {
  const replyText = draft.replyText.trim();
  return {
    keyword: draft.keyword.trim(),
    matchMode: draft.matchMode,
    action: draft.action,
    scope: scopeApplies(draft.action) ? draft.scope : 'line',
    ...(replyText ? { replyText } : {}),
    ...(draft.channel ? { channel: draft.channel } : {}),
    ...(draft.lineId ? { lineId: draft.lineId } : {}),
    ...(draft.language ? { language: draft.language as NonNullable<RuleInput['language']> } : {}),
  };
}

/** A draft worth sending to the tester: it has a keyword, and a reply when the action is to reply. */
export function isTestableDraft(draft: RuleDraft): boolean {
  return draft.keyword.trim() !== '' && (draft.action !== 'reply' || draft.replyText.trim() !== '');
}
