import { describe, it, expect } from 'vitest';
import type { Channel } from '../../../shared/domain/channels.ts';
import { evaluateKeywords, type EvaluateKeywordsInput } from '../../../shared/domain/keywords/evaluate-keywords.ts';
import type { KeywordRule } from '../../../shared/domain/keywords/keyword-rule.ts';

const LINE = 'line_1';
const OTHER_LINE = 'line_2';

let nextId = 0;
/** A custom account rule; pass lineId for a line rule. */
function rule(overrides: Partial<KeywordRule> & Pick<KeywordRule, 'keyword' | 'action'>): KeywordRule {
  nextId += 1;
  const origin = overrides.lineId === undefined ? 'account' : 'line';
  return { ruleId: `rule_${nextId}`, matchMode: 'exact', scope: 'line', origin, ...overrides };
}

function evaluate(text: string, options: Partial<Omit<EvaluateKeywordsInput, 'text'>> = {}) {
  return evaluateKeywords({ text, channel: 'sms', lineId: LINE, customRules: [], ...options });
}

describe('evaluateKeywords: normalisation', () => {
  it.each([
    ['Stop.', 'STOP'],
    [' stop ', 'STOP'],
    ['STOP 🙏', 'STOP'],
    ['stop!!!', 'STOP'],
    ['ｓｔｏｐ', 'STOP'],
    ['arrêt', 'ARRET'],
    ['«Arrêt»', 'ARRET'],
    ['Opt–Out', 'OPT-OUT'],
    ['opt  out', 'OPT OUT'],
    ['Unsubscribe 👍🏽', 'UNSUBSCRIBE'],
  ])('%j matches the built-in %s', (text, keyword) => {
    const { normalizedText, match } = evaluate(text);
    expect(normalizedText).toBe(keyword);
    expect(match?.rule.origin).toBe('builtin');
    expect(match?.action).toBe('opt_out');
  });
});

describe('evaluateKeywords: never substring matching', () => {
  it.each([
    'Endless thanks!',
    "Don't stop",
    "I'll send it this weekend",
    'stopping by later',
    'Stop by at 5',
    'STOP ME if you can',
    'stop.com',
    'Help me find the store',
    'information please',
    'infos',
    'Starting tomorrow',
    'yes please',
    'Yesterday was great',
    'Quite good',
    'Cancellation policy?',
    'The end',
    'Weekend?',
    'unstoppable',
    'STOPALLES',
    'optout2',
    'Baja California',
    'Alta Badia',
    'Ferma la macchina',
    'Hilfe beim Login',
    'Sair hoje?',
    '',
    '   ',
    '🙏',
  ])('%j matches nothing', (text) => {
    expect(evaluate(text).match).toBeNull();
  });
});

describe('evaluateKeywords: precedence', () => {
  it('a line rule overrides a built-in keyword', () => {
    const override = rule({ keyword: 'STOP', action: 'reply', replyText: 'Reply STOPALL to leave every list.', lineId: LINE });
    const { match } = evaluate('stop', { customRules: [override] });
    expect(match?.rule).toBe(override);
    expect(match).toMatchObject({ action: 'reply', scope: 'line', reply: 'Reply STOPALL to leave every list.' });
  });

  it('an account rule overrides a built-in keyword', () => {
    const account = rule({ keyword: 'info', action: 'reply', replyText: 'Open 9-5, Mon-Fri.' });
    const { match } = evaluate('INFO', { customRules: [account] });
    expect(match?.rule).toBe(account);
    expect(match?.reply).toBe('Open 9-5, Mon-Fri.');
  });

  it('line > account > built-in, whatever the order of the custom rules', () => {
    const account = rule({ keyword: 'STOP', action: 'help' });
    const line = rule({ keyword: 'STOP', action: 'reply', replyText: 'line', lineId: LINE });
    expect(evaluate('STOP', { customRules: [account, line] }).match?.rule).toBe(line);
    expect(evaluate('STOP', { customRules: [line, account] }).match?.rule).toBe(line);
    expect(evaluate('STOP', { customRules: [account] }).match?.rule).toBe(account);
  });

  it('precedence beats keyword length: a short line rule wins over a longer account rule', () => {
    const line = rule({ keyword: 'PRICE', matchMode: 'first_word', action: 'reply', replyText: 'line', lineId: LINE });
    const account = rule({ keyword: 'PRICE LIST', matchMode: 'first_word', action: 'reply', replyText: 'account' });
    expect(evaluate('price list for May', { customRules: [account, line] }).match?.rule).toBe(line);
  });

  it('among rules of the same precedence the longest keyword wins', () => {
    const short = rule({ keyword: 'PRICE', matchMode: 'first_word', action: 'reply', replyText: 'short' });
    const long = rule({ keyword: 'PRICE LIST', matchMode: 'first_word', action: 'reply', replyText: 'long' });
    expect(evaluate('Price list for May', { customRules: [short, long] }).match?.rule).toBe(long);
    expect(evaluate('Price list for May', { customRules: [long, short] }).match?.rule).toBe(long);
    expect(evaluate('Price for May', { customRules: [long, short] }).match?.rule).toBe(short);
  });

  it('length is measured on the normalised keyword', () => {
    const decorated = rule({ keyword: '«STOP»!!!', matchMode: 'first_word', action: 'reply', replyText: 'decorated' });
    const longer = rule({ keyword: 'STOP IT', matchMode: 'first_word', action: 'reply', replyText: 'longer' });
    expect(evaluate('stop it now', { customRules: [decorated, longer] }).match?.rule).toBe(longer);
  });

  it('a channel-specific rule beats an all-channel rule with the same keyword', () => {
    const all = rule({ keyword: 'HOURS', action: 'reply', replyText: 'all' });
    const sms = rule({ keyword: 'HOURS', action: 'reply', replyText: 'sms', channel: 'sms' });
    expect(evaluate('hours', { customRules: [all, sms] }).match?.rule).toBe(sms);
  });

  it('an exact rule beats a first_word rule with the same keyword; then the first rule given wins', () => {
    const firstWord = rule({ keyword: 'HOURS', matchMode: 'first_word', action: 'reply', replyText: 'first word' });
    const exact = rule({ keyword: 'HOURS', action: 'reply', replyText: 'exact' });
    const twin = rule({ keyword: 'hours', action: 'reply', replyText: 'twin' });
    expect(evaluate('hours', { customRules: [firstWord, exact] }).match?.rule).toBe(exact);
    expect(evaluate('hours', { customRules: [exact, twin] }).match?.rule).toBe(exact);
    expect(evaluate('hours', { customRules: [twin, exact] }).match?.rule).toBe(twin);
  });

  it('a custom rule for another keyword leaves the built-ins working', () => {
    const custom = rule({ keyword: 'MENU', action: 'reply', replyText: 'Our menu.' });
    expect(evaluate('STOP', { customRules: [custom] }).match?.rule.ruleId).toBe('builtin:en:stop');
  });
});

describe('evaluateKeywords: match modes', () => {
  const firstWord = rule({ keyword: 'PRICE', matchMode: 'first_word', action: 'reply', replyText: 'first word' });
  const exact = rule({ keyword: 'MENU', action: 'reply', replyText: 'exact' });

  it.each(['price', 'PRICE list please', 'Price, please', 'price? and hours', 'price🙏 please', 'Price.'])(
    'first_word matches %j',
    (text) => {
      expect(evaluate(text, { customRules: [firstWord] }).match?.rule).toBe(firstWord);
    },
  );

  it.each(['prices', 'PRICELESS', 'price-list', "price's", 'the price', 'my price please', 'price.com'])(
    'first_word does not match %j',
    (text) => {
      expect(evaluate(text, { customRules: [firstWord] }).match).toBeNull();
    },
  );

  it.each(['menu', 'Menu!', ' MENU 🙏'])('exact matches %j', (text) => {
    expect(evaluate(text, { customRules: [exact] }).match?.rule).toBe(exact);
  });

  it.each(['menu please', 'the menu', 'menus'])('exact does not match %j', (text) => {
    expect(evaluate(text, { customRules: [exact] }).match).toBeNull();
  });

  it('built-ins are exact: "stop texting me" is no STOP, but a first_word STOP rule catches it', () => {
    expect(evaluate('stop texting me').match).toBeNull();
    const stopFirst = rule({ keyword: 'STOP', matchMode: 'first_word', action: 'opt_out', lineId: LINE });
    expect(evaluate('stop texting me', { customRules: [stopFirst] }).match?.rule).toBe(stopFirst);
  });

  it('a multi-word exact keyword matches the whole message only', () => {
    expect(evaluate('opt out').match?.rule.ruleId).toBe('builtin:en:opt_out');
    expect(evaluate('opt out now').match).toBeNull();
  });

  it('a rule whose keyword normalises to nothing never matches', () => {
    const empty = rule({ keyword: '🙏', matchMode: 'first_word', action: 'reply', replyText: 'never' });
    expect(evaluate('🙏', { customRules: [empty] }).match).toBeNull();
    expect(evaluate('hello', { customRules: [empty] }).match).toBeNull();
  });
});

describe('evaluateKeywords: channel and line filtering', () => {
  const whatsappOnly = rule({ keyword: 'MENU', action: 'reply', replyText: 'whatsapp', channel: 'whatsapp' });
  const everyChannel = rule({ keyword: 'HOURS', action: 'reply', replyText: 'every channel' });
  const otherLine = rule({ keyword: 'STOP', action: 'reply', replyText: 'other line', lineId: OTHER_LINE });
  const otherLineAndChannel = rule({ keyword: 'DEALS', action: 'opt_in', lineId: OTHER_LINE, channel: 'email' });

  it.each([
    ['whatsapp', 'MENU', whatsappOnly],
    ['sms', 'MENU', null],
    ['email', 'MENU', null],
    ['sms', 'HOURS', everyChannel],
    ['whatsapp', 'HOURS', everyChannel],
    ['email', 'HOURS', everyChannel],
  ] as const)('on %s, %s matches %o', (channel: Channel, text, expected) => {
    const { match } = evaluate(text, { channel, customRules: [whatsappOnly, everyChannel] });
    expect(match?.rule ?? null).toBe(expected);
  });

  it("ignores another line's rules", () => {
    const { match } = evaluate('STOP', { customRules: [otherLine, otherLineAndChannel] });
    expect(match?.rule.ruleId).toBe('builtin:en:stop');
    expect(evaluate('DEALS', { channel: 'email', customRules: [otherLineAndChannel] }).match).toBeNull();
  });

  it("applies the line's own rules on that line", () => {
    expect(evaluate('STOP', { lineId: OTHER_LINE, customRules: [otherLine] }).match?.rule).toBe(otherLine);
    expect(
      evaluate('deals', { lineId: OTHER_LINE, channel: 'email', customRules: [otherLineAndChannel] }).match?.rule,
    ).toBe(otherLineAndChannel);
  });

  it('requires both the channel and the line of a line rule to apply', () => {
    expect(evaluate('DEALS', { lineId: OTHER_LINE, channel: 'sms', customRules: [otherLineAndChannel] }).match).toBeNull();
  });
});

describe('evaluateKeywords: actions, scopes and languages', () => {
  it('reports the scope of a channel-wide custom opt-out', () => {
    const leaveAll = rule({ keyword: 'LEAVE ALL', action: 'opt_out', scope: 'channel' });
    expect(evaluate('leave all', { customRules: [leaveAll] }).match).toMatchObject({ action: 'opt_out', scope: 'channel' });
  });

  it("uses the custom rule's language", () => {
    const rule1 = rule({ keyword: 'FIN', action: 'opt_out', language: 'es' });
    expect(evaluate('fin', { customRules: [rule1] }).match?.language).toBe('es');
  });

  it('infers the language of a custom rule without one from the built-in with the same keyword', () => {
    const arret = rule({ keyword: 'ARRÊT', action: 'reply', replyText: 'Bye', lineId: LINE });
    expect(evaluate('arret', { customRules: [arret] }).match?.language).toBe('fr');
  });

  it('falls back to English for a custom keyword in no language', () => {
    const custom = rule({ keyword: 'ZZZ', action: 'reply', replyText: 'Zzz' });
    expect(evaluate('zzz', { customRules: [custom] }).match?.language).toBe('en');
  });
});

describe('evaluateKeywords: replies and {brand}', () => {
  it('substitutes the brand in a built-in reply', () => {
    expect(evaluate('STOP', { brand: 'Acme Co' }).match?.reply).toBe(
      'Acme Co: You are unsubscribed and will receive no more messages. Reply START to resubscribe.',
    );
  });

  it.each([undefined, '', '   '])('drops the "{brand}: " prefix cleanly when the brand is %j', (brand) => {
    expect(evaluate('STOP', { brand }).match?.reply).toBe(
      'You are unsubscribed and will receive no more messages. Reply START to resubscribe.',
    );
    expect(evaluate('AIDE', { brand }).match?.reply).toBe(
      'Répondez ARRET pour vous désabonner, DEMARRER pour vous réabonner. Frais de messagerie possibles.',
    );
  });

  it('trims the brand', () => {
    expect(evaluate('HELP', { brand: '  Acme  ' }).match?.reply?.startsWith('Acme: Reply STOP')).toBe(true);
  });

  it('inserts the brand literally, never as a replacement pattern', () => {
    expect(evaluate('HELP', { brand: "A$&B$'C$1" }).match?.reply?.startsWith("A$&B$'C$1: ")).toBe(true);
  });

  it('substitutes every {brand} of a custom reply and tolerates spacing and case in the placeholder', () => {
    const custom = rule({ keyword: 'HI', action: 'reply', replyText: '{brand}: hello from { Brand }!' });
    expect(evaluate('hi', { brand: 'Acme', customRules: [custom] }).match?.reply).toBe('Acme: hello from Acme!');
    expect(evaluate('hi', { customRules: [custom] }).match?.reply).toBe('hello from!');
  });

  it('keeps a custom reply longer than 160 characters, up to 320', () => {
    const text = `{brand}: ${'x'.repeat(290)}`;
    const custom = rule({ keyword: 'LONG', action: 'reply', replyText: text });
    const reply = evaluate('long', { brand: 'Acme', customRules: [custom] }).match?.reply ?? '';
    expect(reply).toBe(`Acme: ${'x'.repeat(290)}`);
    expect(reply.length).toBe(296);
  });

  it('never returns a custom reply over 320 characters', () => {
    const custom = rule({ keyword: 'LONG', action: 'reply', replyText: `{brand}: ${'x'.repeat(318)}` });
    const reply = evaluate('long', { brand: 'A much longer brand name', customRules: [custom] }).match?.reply ?? '';
    expect(Array.from(reply).length).toBeLessThanOrEqual(320);
  });

  it('confirms a custom opt-out without reply text with the built-in wording of its language', () => {
    const custom = rule({ keyword: 'QUITTER', action: 'opt_out', language: 'fr' });
    expect(evaluate('quitter', { brand: 'Acme', customRules: [custom] }).match?.reply).toBe(
      'Acme: Vous êtes désabonné et ne recevrez plus de messages. Répondez DEMARRER pour vous réabonner.',
    );
  });

  it('confirms a custom channel-wide opt-out without reply text as a STOPALL', () => {
    const custom = rule({ keyword: 'LEAVE ALL', action: 'opt_out', scope: 'channel' });
    expect(evaluate('leave all', { customRules: [custom] }).match?.reply).toBe(
      'You are unsubscribed from all our numbers and will receive no more messages. Reply START to resubscribe.',
    );
  });

  it('answers a custom help rule without reply text with the built-in help, in English by default', () => {
    const custom = rule({ keyword: 'SUPPORT', action: 'help' });
    expect(evaluate('support', { brand: 'Acme', customRules: [custom] }).match?.reply).toBe(
      'Acme: Reply STOP to unsubscribe, START to resubscribe. Msg&data rates may apply.',
    );
  });

  it('has no reply for a reply rule that somehow has no text', () => {
    const broken = rule({ keyword: 'BROKEN', action: 'reply' });
    const { match } = evaluate('broken', { customRules: [broken] });
    expect(match?.action).toBe('reply');
    expect(match?.reply).toBeUndefined();
  });
});

describe('evaluateKeywords: flaggedRevocation', () => {
  it.each([
    'please stop texting me',
    'Stop please',
    'take me off your list',
    "don't text me anymore",
    'leave me alone',
    'unsubscribe me please',
    'no more messages',
    'Arrêtez de m’envoyer des SMS',
    'Dejen de enviarme mensajes',
    'Non scrivetemi più',
    'Keine Nachrichten mehr',
    'Parem de me mandar mensagens',
  ])('flags %j, which no rule matches', (text) => {
    const result = evaluate(text);
    expect(result.match).toBeNull();
    expect(result.flaggedRevocation).toBe(true);
  });

  it.each([
    'Endless thanks!',
    "Don't stop",
    "I'll send it this weekend",
    'stopping by later',
    'See you tomorrow',
    'What time do you open?',
    '🙏',
    '',
  ])('does not flag %j', (text) => {
    expect(evaluate(text).flaggedRevocation).toBe(false);
  });

  it('is false whenever a rule matched', () => {
    expect(evaluate('STOP').flaggedRevocation).toBe(false);
    const custom = rule({ keyword: 'PLEASE', matchMode: 'first_word', action: 'reply', replyText: 'Sure!' });
    const result = evaluate('please stop texting me', { customRules: [custom] });
    expect(result.match?.rule).toBe(custom);
    expect(result.flaggedRevocation).toBe(false);
  });
});
