import { describe, it, expect } from 'vitest';
import {
  ACTION_SCOPES,
  KEYWORD_ACTIONS,
  MATCH_MODES,
  keywordRuleInputSchema,
} from '../../../shared/domain/keywords/keyword-rule.ts';

function issuePaths(input: unknown): string[] {
  const result = keywordRuleInputSchema.safeParse(input);
  if (result.success) return [];
  return result.error.issues.map((issue) => issue.path.join('.'));
}

describe('keyword rule constants', () => {
  it('lists the modes, actions and scopes of the contract', () => {
    expect(MATCH_MODES).toEqual(['exact', 'first_word']);
    expect(KEYWORD_ACTIONS).toEqual(['opt_out', 'opt_in', 'help', 'reply']);
    expect(ACTION_SCOPES).toEqual(['line', 'channel']);
  });
});

describe('keywordRuleInputSchema', () => {
  it('applies the defaults: exact match, line scope', () => {
    const parsed = keywordRuleInputSchema.parse({ keyword: 'PRICES', action: 'help' });
    expect(parsed).toEqual({ keyword: 'PRICES', action: 'help', matchMode: 'exact', scope: 'line' });
  });

  it('accepts every field', () => {
    const input = {
      keyword: 'Arrêt total',
      matchMode: 'first_word',
      action: 'opt_out',
      scope: 'channel',
      replyText: '{brand}: vous ne recevrez plus rien.',
      channel: 'whatsapp',
      lineId: 'line_01',
      language: 'fr',
    };
    expect(keywordRuleInputSchema.parse(input)).toEqual(input);
  });

  it('trims the keyword and reply text', () => {
    const parsed = keywordRuleInputSchema.parse({ keyword: '  menu ', action: 'reply', replyText: ' See our menu. ' });
    expect(parsed.keyword).toBe('menu');
    expect(parsed.replyText).toBe('See our menu.');
  });

  it.each([
    ['one character', 'Y'],
    ['40 characters', 'A'.repeat(40)],
    ['five words', 'STOP ALL MY TEXT MESSAGES'],
    ['a hyphenated word', 'OPT-OUT'],
    ['accents', 'DÉSABONNER'],
    ['digits', '2FA'],
    ['decoration around letters', '«Arrêt»!'],
  ])('accepts a keyword with %s', (_label, keyword) => {
    expect(keywordRuleInputSchema.safeParse({ keyword, action: 'opt_out' }).success).toBe(true);
  });

  it.each([
    ['empty', ''],
    ['only white space', '   '],
    ['only punctuation', '?!.'],
    ['only quotes', '«»'],
    ['only an emoji', '🙏'],
    ['41 characters', 'A'.repeat(41)],
    ['six words', 'PLEASE STOP ALL MY TEXT MESSAGES'],
    ['a number instead of text', 42],
  ])('rejects a keyword that is %s', (_label, keyword) => {
    expect(issuePaths({ keyword, action: 'opt_out' })).toContain('keyword');
  });

  it('rejects a missing keyword and a missing action', () => {
    const paths = issuePaths({});
    expect(paths).toContain('keyword');
    expect(paths).toContain('action');
  });

  it("requires replyText when the action is 'reply'", () => {
    expect(issuePaths({ keyword: 'HOURS', action: 'reply' })).toEqual(['replyText']);
    expect(keywordRuleInputSchema.safeParse({ keyword: 'HOURS', action: 'reply', replyText: 'Open 9-5.' }).success).toBe(
      true,
    );
  });

  it.each(['opt_out', 'opt_in', 'help'])('lets a %s rule fall back to the default reply', (action) => {
    expect(keywordRuleInputSchema.safeParse({ keyword: 'KW', action }).success).toBe(true);
  });

  it.each([
    ['empty', ''],
    ['only white space', '   '],
    ['321 characters', 'x'.repeat(321)],
  ])('rejects a reply text that is %s', (_label, replyText) => {
    expect(issuePaths({ keyword: 'HOURS', action: 'reply', replyText })).toContain('replyText');
  });

  it('accepts a reply text of 320 characters', () => {
    const replyText = 'x'.repeat(320);
    expect(keywordRuleInputSchema.parse({ keyword: 'HOURS', action: 'reply', replyText }).replyText).toBe(replyText);
  });

  it.each([
    ['matchMode', { matchMode: 'substring' }],
    ['action', { action: 'delete' }],
    ['scope', { scope: 'account' }],
    ['channel', { channel: 'fax' }],
    ['language', { language: 'xx' }],
    ['lineId', { lineId: '' }],
  ])('rejects an unknown %s', (field, override) => {
    expect(issuePaths({ keyword: 'STOP', action: 'opt_out', ...override })).toContain(field);
  });

  it('rejects unknown fields (a typo must not fall back to a default silently)', () => {
    expect(keywordRuleInputSchema.safeParse({ keyword: 'STOP', action: 'opt_out', matchmode: 'first_word' }).success).toBe(
      false,
    );
  });

  it.each(['help', 'reply'])("rejects scope 'channel' for a %s rule", (action) => {
    expect(issuePaths({ keyword: 'KW', action, replyText: 'Hi', scope: 'channel' })).toContain('scope');
  });

  it.each(['opt_out', 'opt_in'])("accepts scope 'channel' for an %s rule", (action) => {
    expect(keywordRuleInputSchema.safeParse({ keyword: 'KW', action, scope: 'channel' }).success).toBe(true);
  });
});
