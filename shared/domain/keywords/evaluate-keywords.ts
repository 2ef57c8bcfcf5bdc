import type { Channel } from '../channels.ts';
import { BUILTIN_RULES, defaultReplyTemplate } from './builtin-rules.ts';
import { CUSTOM_REPLY_MAX_CHARS, type ActionScope, type KeywordAction, type KeywordRule } from './keyword-rule.ts';
import { DECORATION_CHAR, normalizeMessage } from './normalize-message.ts';
import { looksLikeRevocation } from './revocation-detector.ts';

export interface KeywordMatch {
  rule: KeywordRule;
  action: KeywordAction;
  scope: ActionScope;
  /** The reply to send, `{brand}` already substituted; absent when there is nothing to say. */
  reply?: string;
  /** The rule's language, else the language of the built-in with the same keyword, else 'en'. */
  language: string;
}

export interface KeywordEvaluation {
  normalizedText: string;
  match: KeywordMatch | null;
  /** No rule matched but the text reads like a plain-language revocation: a person should review it. */
  flaggedRevocation: boolean;
}

export interface EvaluateKeywordsInput {
  text: string;
  channel: Channel;
  lineId: string;
  /** The account's and the line's custom rules; the engine filters them by channel and line. */
  customRules: readonly KeywordRule[];
  /** Replaces `{brand}` in the reply; without it the "{brand}: " prefix is dropped. */
  brand?: string;
}

/** CTIA: a keyword reply fits in one SMS. */
const BUILTIN_REPLY_MAX_CHARS = 160;

interface Candidate {
  rule: KeywordRule;
  keyword: string;
  /** 3 line rule, 2 account rule, 1 built-in. */
  precedence: number;
  /** Position in the input, the last tie-breaker, so that the outcome never depends on sort stability. */
  order: number;
}

function precedenceOf(rule: KeywordRule): number {
  if (rule.lineId !== undefined) return 3;
  return rule.origin === 'builtin' ? 1 : 2;
}

/** Built-ins are normalised once per container, not per message. */
const BUILTIN_CANDIDATES: readonly Candidate[] = BUILTIN_RULES.map((rule, index) => ({
  rule,
  keyword: normalizeMessage(rule.keyword),
  precedence: 1,
  order: index,
}));

const BUILTIN_LANGUAGE_BY_KEYWORD: ReadonlyMap<string, string> = new Map(
  BUILTIN_CANDIDATES.map((candidate) => [candidate.keyword, candidate.rule.language ?? 'en']),
);

/**
 * What may follow a `first_word` keyword: the end, a space, or decoration (punctuation, emoji) and
 * then a space. So "INFO, hours?" and "INFO🙏 please" start with INFO; "INFORMATION" and "OPT-OUTS"
 * do not start with INFO or OPT-OUT.
 */
const WORD_BOUNDARY_AFTER = new RegExp(`^${DECORATION_CHAR}*?(?: |$)`, 'u');

function matches(candidate: Candidate, text: string): boolean {
  const { keyword } = candidate;
  if (keyword === '') return false;
  if (candidate.rule.matchMode === 'exact') return text === keyword;
  return text.startsWith(keyword) && WORD_BOUNDARY_AFTER.test(text.slice(keyword.length));
}

function codePointLength(text: string): number {
  let length = 0;
  for (const _ of text) length += 1;
  return length;
}

/** `a` wins over `b`: precedence, then the longer keyword, then channel-specific, then exact, then input order. */
function beats(a: Candidate, b: Candidate): boolean {
  if (a.precedence !== b.precedence) return a.precedence > b.precedence;
  const lengthA = codePointLength(a.keyword);
  const lengthB = codePointLength(b.keyword);
  if (lengthA !== lengthB) return lengthA > lengthB;
  const channelA = a.rule.channel !== undefined;
  const channelB = b.rule.channel !== undefined;
  if (channelA !== channelB) return channelA;
  const exactA = a.rule.matchMode === 'exact';
  const exactB = b.rule.matchMode === 'exact';
  if (exactA !== exactB) return exactA;
  return a.order < b.order;
}

function appliesTo(rule: KeywordRule, channel: Channel, lineId: string): boolean {
  return (rule.channel === undefined || rule.channel === channel) && (rule.lineId === undefined || rule.lineId === lineId);
}

const BRAND_PREFIX = /^\s*\{\s*brand\s*\}\s*[:\-\u2013\u2014]?\s*/iu;
const BRAND_PLACEHOLDER = /\{\s*brand\s*\}/giu;
/** A placeholder and the space before it, so "Thanks from {brand}." becomes "Thanks from." */
const BRAND_PLACEHOLDER_WITH_SPACE = / ?\{\s*brand\s*\}/giu;

/** Cuts to `max` code points (never inside a surrogate pair), with an ellipsis when cut. */
function truncate(text: string, max: number): string {
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  if (max <= 0) return '';
  return `${chars.slice(0, max - 1).join('').trimEnd()}\u2026`;
}

/**
 * Substitutes `{brand}` and keeps the reply within `maxChars`. When a long brand would push it over,
 * the brand is shortened rather than the end of the message, which carries the instructions
 * (Reply START...) that CTIA wants in the confirmation.
 */
function renderReply(template: string, brand: string | undefined, maxChars: number): string | undefined {
  const name = brand?.trim() ?? '';
  let text: string;
  if (name === '') {
    text = template.replace(BRAND_PREFIX, '').replace(BRAND_PLACEHOLDER_WITH_SPACE, '').trim();
  } else {
    const placeholders = template.match(BRAND_PLACEHOLDER)?.length ?? 0;
    const withoutBrand = codePointLength(template.replace(BRAND_PLACEHOLDER, ''));
    const room = placeholders === 0 ? 0 : Math.floor((maxChars - withoutBrand) / placeholders);
    const fittedName = codePointLength(name) > room && room >= 2 ? truncate(name, room) : name;
    // A function replacer: a brand such as "A$&B" must not be read as a replacement pattern.
    text = template.replace(BRAND_PLACEHOLDER, () => fittedName);
  }
  text = truncate(text, maxChars);
  return text === '' ? undefined : text;
}

function replyFor(rule: KeywordRule, language: string, brand: string | undefined): string | undefined {
  if (rule.replyText !== undefined) {
    const max = rule.origin === 'builtin' ? BUILTIN_REPLY_MAX_CHARS : CUSTOM_REPLY_MAX_CHARS;
    return renderReply(rule.replyText, brand, max);
  }
  // A custom opt-out / opt-in / help rule without its own text still confirms, with the built-in wording.
  const fallback = defaultReplyTemplate(rule.action, rule.scope, language);
  return fallback === undefined ? undefined : renderReply(fallback, brand, BUILTIN_REPLY_MAX_CHARS);
}

/**
 * Finds the keyword rule an inbound message triggers, and the reply to send.
 *
 * Applicable rules are the built-ins and the custom rules for this channel (or every channel) and
 * this line (or every line of the account). The most specific origin wins (line > account >
 * built-in), so a line can redefine STOP; among rules of one origin the longest keyword wins.
 * Matching is on the normalised text and whole words only: never a substring.
 */
export function evaluateKeywords(input: EvaluateKeywordsInput): KeywordEvaluation {
  const normalizedText = normalizeMessage(input.text);
  if (normalizedText === '') return { normalizedText, match: null, flaggedRevocation: false };

  let best: Candidate | undefined;
  const consider = (candidate: Candidate): void => {
    if (!appliesTo(candidate.rule, input.channel, input.lineId) || !matches(candidate, normalizedText)) return;
    if (best === undefined || beats(candidate, best)) best = candidate;
  };
  input.customRules.forEach((rule, index) => {
    consider({ rule, keyword: normalizeMessage(rule.keyword), precedence: precedenceOf(rule), order: index });
  });
  // Built-ins rank after every custom rule of the same precedence (only possible if a caller passes
  // built-ins as custom rules), hence the offset.
  for (const candidate of BUILTIN_CANDIDATES) consider({ ...candidate, order: input.customRules.length + candidate.order });

  if (best === undefined) {
    return { normalizedText, match: null, flaggedRevocation: looksLikeRevocation(normalizedText) };
  }
  const { rule } = best;
  const language = rule.language ?? BUILTIN_LANGUAGE_BY_KEYWORD.get(best.keyword) ?? 'en';
  const reply = replyFor(rule, language, input.brand);
  const match: KeywordMatch = { rule, action: rule.action, scope: rule.scope, language };
  if (reply !== undefined) match.reply = reply;
  return { normalizedText, match, flaggedRevocation: false };
}
