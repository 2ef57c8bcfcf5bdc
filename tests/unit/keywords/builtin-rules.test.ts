import { describe, it, expect } from 'vitest';
import { BUILTIN_RULES } from '../../../shared/domain/keywords/builtin-rules.ts';
import { evaluateKeywords } from '../../../shared/domain/keywords/evaluate-keywords.ts';
import type { ActionScope, KeywordAction } from '../../../shared/domain/keywords/keyword-rule.ts';
import { normalizeMessage } from '../../../shared/domain/keywords/normalize-message.ts';

/**
 * The built-in keywords as the product promises them, written out by hand (not derived from the
 * code) so that adding, dropping or re-assigning a keyword fails a test.
 * [keyword as a person types it, language, action, scope]
 */
const EXPECTED_BUILTINS: readonly (readonly [string, string, KeywordAction, ActionScope])[] = [
  // en: Twilio defaults, AWS End User Messaging required opt-outs, FCC 2024 revocation words
  ['STOP', 'en', 'opt_out', 'line'],
  ['STOPALL', 'en', 'opt_out', 'channel'],
  ['UNSUBSCRIBE', 'en', 'opt_out', 'line'],
  ['CANCEL', 'en', 'opt_out', 'line'],
  ['END', 'en', 'opt_out', 'line'],
  ['QUIT', 'en', 'opt_out', 'line'],
  ['REVOKE', 'en', 'opt_out', 'line'],
  ['OPTOUT', 'en', 'opt_out', 'line'],
  ['OPT-OUT', 'en', 'opt_out', 'line'],
  ['OPT OUT', 'en', 'opt_out', 'line'],
  ['REMOVE', 'en', 'opt_out', 'line'],
  ['TD', 'en', 'opt_out', 'line'],
  ['START', 'en', 'opt_in', 'line'],
  ['YES', 'en', 'opt_in', 'line'],
  ['UNSTOP', 'en', 'opt_in', 'line'],
  ['HELP', 'en', 'help', 'line'],
  ['INFO', 'en', 'help', 'line'],
  // fr
  ['ARRÊT', 'fr', 'opt_out', 'line'],
  ['ARRÊTER', 'fr', 'opt_out', 'line'],
  ['DÉSABONNER', 'fr', 'opt_out', 'line'],
  ['DÉSABONNEMENT', 'fr', 'opt_out', 'line'],
  ['DÉSINSCRIRE', 'fr', 'opt_out', 'line'],
  ['DÉSINSCRIPTION', 'fr', 'opt_out', 'line'],
  ['DÉMARRER', 'fr', 'opt_in', 'line'],
  ['ABONNER', 'fr', 'opt_in', 'line'],
  ['AIDE', 'fr', 'help', 'line'],
  // es
  ['BAJA', 'es', 'opt_out', 'line'],
  ['PARAR', 'es', 'opt_out', 'line'],
  ['CANCELAR', 'es', 'opt_out', 'line'],
  ['DETENER', 'es', 'opt_out', 'line'],
  ['DESUSCRIBIR', 'es', 'opt_out', 'line'],
  ['ALTA', 'es', 'opt_in', 'line'],
  ['COMENZAR', 'es', 'opt_in', 'line'],
  ['INICIAR', 'es', 'opt_in', 'line'],
  ['AYUDA', 'es', 'help', 'line'],
  // it
  ['FERMA', 'it', 'opt_out', 'line'],
  ['ANNULLA', 'it', 'opt_out', 'line'],
  ['CANCELLA', 'it', 'opt_out', 'line'],
  ['DISISCRIVI', 'it', 'opt_out', 'line'],
  ['INIZIA', 'it', 'opt_in', 'line'],
  ['ISCRIVI', 'it', 'opt_in', 'line'],
  ['AIUTO', 'it', 'help', 'line'],
  // de
  ['STOPP', 'de', 'opt_out', 'line'],
  ['ENDE', 'de', 'opt_out', 'line'],
  ['ABMELDEN', 'de', 'opt_out', 'line'],
  ['ABBESTELLEN', 'de', 'opt_out', 'line'],
  ['KÜNDIGEN', 'de', 'opt_out', 'line'],
  ['KUENDIGEN', 'de', 'opt_out', 'line'],
  ['STARTEN', 'de', 'opt_in', 'line'],
  ['ANMELDEN', 'de', 'opt_in', 'line'],
  ['HILFE', 'de', 'help', 'line'],
  // pt
  ['SAIR', 'pt', 'opt_out', 'line'],
  ['PARE', 'pt', 'opt_out', 'line'],
  ['DESCADASTRAR', 'pt', 'opt_out', 'line'],
  ['REMOVER', 'pt', 'opt_out', 'line'],
  ['COMEÇAR', 'pt', 'opt_in', 'line'],
  ['INSCREVER', 'pt', 'opt_in', 'line'],
  ['AJUDA', 'pt', 'help', 'line'],
];

/** Keyword lists the built-ins must cover, per source, with the action each word must trigger. */
const REQUIRED_KEYWORD_LISTS: Record<string, readonly (readonly [string, KeywordAction])[]> = {
  'Twilio defaults': [
    ['STOP', 'opt_out'],
    ['STOPALL', 'opt_out'],
    ['UNSUBSCRIBE', 'opt_out'],
    ['CANCEL', 'opt_out'],
    ['END', 'opt_out'],
    ['QUIT', 'opt_out'],
    ['REVOKE', 'opt_out'],
    ['OPTOUT', 'opt_out'],
    ['START', 'opt_in'],
    ['YES', 'opt_in'],
    ['UNSTOP', 'opt_in'],
    ['HELP', 'help'],
    ['INFO', 'help'],
  ],
  'AWS End User Messaging required opt-outs': [
    ['ARRET', 'opt_out'],
    ['CANCEL', 'opt_out'],
    ['END', 'opt_out'],
    ['OPT-OUT', 'opt_out'],
    ['OPTOUT', 'opt_out'],
    ['QUIT', 'opt_out'],
    ['REMOVE', 'opt_out'],
    ['STOP', 'opt_out'],
    ['TD', 'opt_out'],
    ['UNSUBSCRIBE', 'opt_out'],
  ],
  'FCC 2024 revocation words': [
    ['stop', 'opt_out'],
    ['quit', 'opt_out'],
    ['end', 'opt_out'],
    ['revoke', 'opt_out'],
    ['opt out', 'opt_out'],
    ['cancel', 'opt_out'],
    ['unsubscribe', 'opt_out'],
  ],
};

const LANGUAGES = ['en', 'fr', 'es', 'it', 'de', 'pt'];

/** Words that would make a confirmation a marketing message, in the six languages. */
const MARKETING =
  /\b(?:free|gratuit|gratis|gratuito|kostenlos|sale|soldes|rebajas|saldi|discount|rabais|descuento|sconto|rabatt|desconto|offer|offre|oferta|offerta|angebot|deal|promo|win|buy|shop|order|click)\b|%|https?:|www\./iu;

function ruleFor(keyword: string) {
  const normalized = normalizeMessage(keyword);
  return BUILTIN_RULES.find((rule) => normalizeMessage(rule.keyword) === normalized);
}

function evaluate(text: string, brand?: string) {
  return evaluateKeywords({ text, channel: 'sms', lineId: 'line_1', customRules: [], brand });
}

describe('BUILTIN_RULES', () => {
  it('holds exactly the expected keywords, languages, actions and scopes', () => {
    const actual = BUILTIN_RULES.map((rule) =>
      [normalizeMessage(rule.keyword), rule.language, rule.action, rule.scope].join(' | '),
    ).sort();
    const expected = EXPECTED_BUILTINS.map(([keyword, language, action, scope]) =>
      [normalizeMessage(keyword), language, action, scope].join(' | '),
    ).sort();
    expect(actual).toEqual(expected);
  });

  it('never has two built-ins with the same normalised keyword', () => {
    const keywords = BUILTIN_RULES.map((rule) => normalizeMessage(rule.keyword));
    expect(new Set(keywords).size).toBe(keywords.length);
  });

  it('has unique rule ids of the form builtin:<lang>:<keyword>', () => {
    const ids = BUILTIN_RULES.map((rule) => rule.ruleId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const rule of BUILTIN_RULES) {
      expect(rule.ruleId).toMatch(/^builtin:(?:en|fr|es|it|de|pt):[a-z0-9_-]+$/);
      expect(rule.ruleId.startsWith(`builtin:${rule.language}:`)).toBe(true);
    }
    expect(ruleFor('STOP')?.ruleId).toBe('builtin:en:stop');
    expect(ruleFor('STOPALL')?.ruleId).toBe('builtin:en:stopall');
    expect(ruleFor('ARRÊT')?.ruleId).toBe('builtin:fr:arret');
    expect(ruleFor('OPT OUT')?.ruleId).toBe('builtin:en:opt_out');
    expect(ruleFor('OPT-OUT')?.ruleId).toBe('builtin:en:opt-out');
    expect(ruleFor('OPTOUT')?.ruleId).toBe('builtin:en:optout');
  });

  it('are exact, channel- and line-independent, and carry a reply and a language', () => {
    for (const rule of BUILTIN_RULES) {
      expect(rule).toMatchObject({ matchMode: 'exact', origin: 'builtin' });
      expect(rule.channel).toBeUndefined();
      expect(rule.lineId).toBeUndefined();
      expect(LANGUAGES).toContain(rule.language);
      expect(rule.replyText).toMatch(/^\{brand\}: /);
    }
  });

  it('gives only STOPALL the channel scope', () => {
    expect(BUILTIN_RULES.filter((rule) => rule.scope === 'channel').map((rule) => rule.keyword)).toEqual(['STOPALL']);
  });

  it('cannot be changed by a consumer', () => {
    expect(Object.isFrozen(BUILTIN_RULES)).toBe(true);
    for (const rule of BUILTIN_RULES) expect(Object.isFrozen(rule)).toBe(true);
  });
});

describe('every built-in keyword matches', () => {
  const variants = (keyword: string): string[] => [
    keyword,
    keyword.toLowerCase(),
    `${keyword[0]}${keyword.slice(1).toLowerCase()}.`,
    ` ${keyword} `,
    `${keyword}!`,
    `"${keyword}"`,
    `${keyword} 🙏`,
    normalizeMessage(keyword),
  ];

  it.each(EXPECTED_BUILTINS)('%s (%s) -> %s, scope %s', (keyword, language, action, scope) => {
    for (const channel of ['sms', 'whatsapp', 'email'] as const) {
      for (const text of variants(keyword)) {
        const { match, flaggedRevocation } = evaluateKeywords({ text, channel, lineId: 'line_1', customRules: [] });
        expect(match, `${JSON.stringify(text)} on ${channel}`).not.toBeNull();
        expect(match).toMatchObject({ action, scope, language });
        expect(match?.rule.origin).toBe('builtin');
        expect(flaggedRevocation).toBe(false);
      }
    }
  });

  for (const [source, words] of Object.entries(REQUIRED_KEYWORD_LISTS)) {
    it.each(words)(`${source}: %s -> %s`, (word, action) => {
      expect(evaluate(word).match?.action).toBe(action);
    });
  }

  it.each([
    ['arrêt', 'fr'],
    ['Arret', 'fr'],
    ['désabonner', 'fr'],
    ['DESINSCRIRE', 'fr'],
    ['kündigen', 'de'],
    ['kuendigen', 'de'],
    ['começar', 'pt'],
    ['COMECAR', 'pt'],
    ['démarrer', 'fr'],
  ])('with or without accents: %s (%s)', (text, language) => {
    expect(evaluate(text).match?.language).toBe(language);
  });
});

describe('built-in replies', () => {
  it.each(BUILTIN_RULES.map((rule) => [rule.ruleId, rule] as const))('%s: branded, at most 160 characters', (_id, rule) => {
    const reply = evaluate(rule.keyword, 'Acme').match?.reply ?? '';
    expect(reply.startsWith('Acme: ')).toBe(true);
    expect(reply).not.toMatch(/[{}]/);
    expect(Array.from(reply).length).toBeLessThanOrEqual(160);
    expect(reply).not.toMatch(MARKETING);
  });

  it.each(BUILTIN_RULES.map((rule) => [rule.ruleId, rule] as const))('%s: a 40-character brand still fits whole', (_id, rule) => {
    const brand = 'B'.repeat(40);
    const reply = evaluate(rule.keyword, brand).match?.reply ?? '';
    expect(reply.startsWith(`${brand}: `)).toBe(true);
    expect(Array.from(reply).length).toBeLessThanOrEqual(160);
  });

  it.each(BUILTIN_RULES.map((rule) => [rule.ruleId, rule] as const))(
    '%s: an over-long brand is shortened, the instructions are kept',
    (_id, rule) => {
      const reply = evaluate(rule.keyword, 'Very Long Brand Name '.repeat(10)).match?.reply ?? '';
      const ending = (rule.replyText ?? '').slice(-40);
      expect(Array.from(reply).length).toBeLessThanOrEqual(160);
      expect(reply.startsWith('Very Long Brand')).toBe(true);
      expect(reply.endsWith(ending)).toBe(true);
    },
  );

  it.each(BUILTIN_RULES.map((rule) => [rule.ruleId, rule] as const))('%s: without a brand the prefix is dropped', (_id, rule) => {
    const reply = evaluate(rule.keyword).match?.reply ?? '';
    expect(reply).toBe((rule.replyText ?? '').replace('{brand}: ', ''));
    expect(reply).toMatch(/^\p{Lu}/u);
    expect(reply.toLowerCase()).not.toContain('brand');
  });

  it.each(BUILTIN_RULES.map((rule) => [rule.ruleId, rule] as const))(
    '%s: names keywords that exist in its own language and undo or explain the change',
    (_id, rule) => {
      const named = ((rule.replyText ?? '').match(/\b[A-Z]{3,}\b/g) ?? []).map((word) => {
        const target = ruleFor(word);
        expect(target, `${word} in ${rule.ruleId}`).toBeDefined();
        expect(target?.language).toBe(rule.language);
        return target?.action;
      });
      const needed = { opt_out: ['opt_in'], opt_in: ['opt_out', 'help'], help: ['opt_out', 'opt_in'], reply: [] }[rule.action];
      for (const action of needed) expect(named).toContain(action);
    },
  );

  it('has its own wording in each language', () => {
    for (const action of ['opt_out', 'opt_in', 'help'] as const) {
      const replies = LANGUAGES.map(
        (language) =>
          BUILTIN_RULES.find((rule) => rule.language === language && rule.action === action && rule.scope === 'line')
            ?.replyText,
      );
      expect(new Set(replies).size).toBe(LANGUAGES.length);
    }
  });

  it('confirms a STOPALL for every line of the channel', () => {
    expect(evaluate('STOPALL', 'Acme').match?.reply).toBe(
      'Acme: You are unsubscribed from all our numbers and will receive no more messages. Reply START to resubscribe.',
    );
  });

  it('uses the CTIA wording in English', () => {
    expect(evaluate('STOP', 'Acme').match?.reply).toBe(
      'Acme: You are unsubscribed and will receive no more messages. Reply START to resubscribe.',
    );
    expect(evaluate('START', 'Acme').match?.reply).toBe(
      'Acme: You are subscribed again. Msg&data rates may apply. Reply HELP for help, STOP to opt out.',
    );
    expect(evaluate('HELP', 'Acme').match?.reply).toBe(
      'Acme: Reply STOP to unsubscribe, START to resubscribe. Msg&data rates may apply.',
    );
  });
});
