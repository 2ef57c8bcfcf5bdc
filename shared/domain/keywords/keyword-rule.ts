import * as z from '../../validation/zod.ts';
import { CHANNELS, type Channel } from '../channels.ts';
import { normalizeMessage } from './normalize-message.ts';

/**
 * `exact`: the whole (normalised) message is the keyword, which is what carriers do for STOP.
 * `first_word`: the message starts with the keyword as a whole word ("INFO hours please").
 */
export const MATCH_MODES = ['exact', 'first_word'] as const;
export type MatchMode = (typeof MATCH_MODES)[number];

export const KEYWORD_ACTIONS = ['opt_out', 'opt_in', 'help', 'reply'] as const;
export type KeywordAction = (typeof KEYWORD_ACTIONS)[number];

/** `line`: the line the message was sent to (STOP). `channel`: every line of that channel (STOPALL). */
export const ACTION_SCOPES = ['line', 'channel'] as const;
export type ActionScope = (typeof ACTION_SCOPES)[number];

export type RuleOrigin = 'builtin' | 'account' | 'line';

/** Languages the built-in rules and their replies exist in. */
export const KEYWORD_LANGUAGES = ['en', 'fr', 'es', 'it', 'de', 'pt'] as const;
export type KeywordLanguage = (typeof KEYWORD_LANGUAGES)[number];

export interface KeywordRule {
  /** Built-ins: `builtin:<lang>:<keyword>`, e.g. `builtin:en:stop`. */
  ruleId: string;
  /** As entered, for display; matching always uses `normalizeMessage(keyword)`. */
  keyword: string;
  matchMode: MatchMode;
  action: KeywordAction;
  scope: ActionScope;
  /** The reply to send; may contain `{brand}`. Built-ins carry a default in their language. */
  replyText?: string;
  /** Undefined: every channel. */
  channel?: Channel;
  /** Set: a line rule. Undefined: an account rule (or a built-in). */
  lineId?: string;
  language?: string;
  origin: RuleOrigin;
}

/** Limits a custom rule's keyword: long enough for "STOP ALL MESSAGES", short enough to be typed. */
export const KEYWORD_MAX_CHARS = 40;
export const KEYWORD_MAX_WORDS = 5;
/** Two concatenated SMS segments; built-in replies stay within one (160). */
export const CUSTOM_REPLY_MAX_CHARS = 320;

/**
 * A custom rule as the admin API creates or replaces it. Strict: an unknown field is a client
 * mistake (a typo such as `matchmode` would otherwise silently fall back to the default).
 */
export const keywordRuleInputSchema = z
  .strictObject({
    keyword: z
      .string()
      .check(
        z.trim(),
        z.minLength(1),
        z.maxLength(KEYWORD_MAX_CHARS),
        z.refine((keyword) => normalizeMessage(keyword) !== '', { message: 'keyword must contain at least one letter or digit' }),
        z.refine((keyword) => normalizeMessage(keyword).split(' ').length <= KEYWORD_MAX_WORDS, {
          message: `keyword must have at most ${KEYWORD_MAX_WORDS} words`,
        }),
      ),
    matchMode: z._default(z.enum(MATCH_MODES), 'exact'),
    action: z.enum(KEYWORD_ACTIONS),
    scope: z._default(z.enum(ACTION_SCOPES), 'line'),
    replyText: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(CUSTOM_REPLY_MAX_CHARS))),
    channel: z.optional(z.enum(CHANNELS)),
    lineId: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(64))),
    language: z.optional(z.enum(KEYWORD_LANGUAGES)),
  })
  .check(
    z.superRefine((input, ctx) => {
      if (input.action === 'reply' && input.replyText === undefined) {
        ctx.addIssue({ code: 'custom', path: ['replyText'], message: "replyText is required when action is 'reply'" });
      }
      // Only a consent change can apply to every line of a channel; HELP or a reply has no scope.
      if (input.scope === 'channel' && (input.action === 'help' || input.action === 'reply')) {
        ctx.addIssue({
          code: 'custom',
          path: ['scope'],
          message: "scope 'channel' is only meaningful for opt_out and opt_in",
        });
      }
    }),
  );
export type KeywordRuleInput = z.infer<typeof keywordRuleInputSchema>;

/** A custom rule from its API input: a line rule when it names a line, else an account rule. */
export function ruleFromInput(ruleId: string, input: KeywordRuleInput): KeywordRule {
  return {
    ruleId,
    keyword: input.keyword,
    matchMode: input.matchMode,
    action: input.action,
    scope: input.scope,
    ...(input.replyText !== undefined ? { replyText: input.replyText } : {}),
    ...(input.channel !== undefined ? { channel: input.channel } : {}),
    ...(input.lineId !== undefined ? { lineId: input.lineId } : {}),
    ...(input.language !== undefined ? { language: input.language } : {}),
    origin: input.lineId !== undefined ? 'line' : 'account',
  };
}
