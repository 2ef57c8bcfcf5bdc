import type { ActionScope, KeywordAction, KeywordLanguage, KeywordRule } from './keyword-rule.ts';
import { normalizeMessage } from './normalize-message.ts';

/**
 * The keywords every line answers to without configuration.
 *
 * Sources, merged: Twilio's default keywords; the opt-out keywords AWS End User Messaging requires;
 * the words the FCC's 2024 revocation order names (stop, quit, end, revoke, opt out, cancel,
 * unsubscribe); and the usual equivalents in French (incl. Canada's ARRÊT / AIDE), Spanish,
 * Italian, German and Portuguese.
 *
 * Each normalised keyword exists once. A word shared by several languages belongs to English when it
 * is English (STOP, INFO), otherwise to the first language in fr, es, it, de, pt order that uses it
 * (PARAR and CANCELAR are Spanish here, although Portuguese too): the language only decides the
 * reply's wording, the action is the same.
 *
 * All built-ins are `exact`, as carriers do: "STOP" opts out, "stop by at 5" does not.
 */

type BuiltinAction = Exclude<KeywordAction, 'reply'>;

interface LanguageKeywords {
  opt_out: readonly string[];
  opt_in: readonly string[];
  help: readonly string[];
}

/** Display spellings; accents are kept for display and removed by normalisation for matching. */
const KEYWORDS: Record<KeywordLanguage, LanguageKeywords> = {
  en: {
    // STOPALL is added separately: it is the only channel-scoped built-in.
    opt_out: ['STOP', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT', 'OPT-OUT', 'OPT OUT', 'REMOVE', 'TD'],
    opt_in: ['START', 'YES', 'UNSTOP'],
    help: ['HELP', 'INFO'],
  },
  fr: {
    opt_out: ['ARRÊT', 'ARRÊTER', 'DÉSABONNER', 'DÉSABONNEMENT', 'DÉSINSCRIRE', 'DÉSINSCRIPTION'],
    opt_in: ['DÉMARRER', 'ABONNER'],
    help: ['AIDE'],
  },
  es: {
    opt_out: ['BAJA', 'PARAR', 'CANCELAR', 'DETENER', 'DESUSCRIBIR'],
    opt_in: ['ALTA', 'COMENZAR', 'INICIAR'],
    help: ['AYUDA'],
  },
  it: {
    opt_out: ['FERMA', 'ANNULLA', 'CANCELLA', 'DISISCRIVI'],
    opt_in: ['INIZIA', 'ISCRIVI'],
    help: ['AIUTO'],
  },
  de: {
    // KÜNDIGEN normalises to KUNDIGEN; KUENDIGEN is how it is typed without an umlaut key.
    opt_out: ['STOPP', 'ENDE', 'ABMELDEN', 'ABBESTELLEN', 'KÜNDIGEN', 'KUENDIGEN'],
    opt_in: ['STARTEN', 'ANMELDEN'],
    help: ['HILFE'],
  },
  pt: {
    opt_out: ['SAIR', 'PARE', 'DESCADASTRAR', 'REMOVER'],
    opt_in: ['COMEÇAR', 'INSCREVER'],
    help: ['AJUDA'],
  },
};

/**
 * CTIA-style replies: one confirmation, no marketing, the sender's name first, the keywords that undo
 * or explain the change (each one a built-in of the same language), and at most 118 characters
 * without the brand, so that a brand of up to 40 characters still fits in one 160-character SMS.
 */
const REPLIES: Record<KeywordLanguage, Record<BuiltinAction, string>> = {
  en: {
    opt_out: '{brand}: You are unsubscribed and will receive no more messages. Reply START to resubscribe.',
    opt_in: '{brand}: You are subscribed again. Msg&data rates may apply. Reply HELP for help, STOP to opt out.',
    help: '{brand}: Reply STOP to unsubscribe, START to resubscribe. Msg&data rates may apply.',
  },
  fr: {
    opt_out: '{brand}: Vous êtes désabonné et ne recevrez plus de messages. Répondez DEMARRER pour vous réabonner.',
    opt_in: "{brand}: Vous êtes réabonné. Frais de messagerie possibles. Répondez AIDE pour de l'aide, ARRET pour vous désabonner.",
    help: '{brand}: Répondez ARRET pour vous désabonner, DEMARRER pour vous réabonner. Frais de messagerie possibles.',
  },
  es: {
    opt_out: '{brand}: Te has dado de baja y no recibirás más mensajes. Responde ALTA para volver a suscribirte.',
    opt_in: '{brand}: Te has suscrito de nuevo. Pueden aplicarse tarifas de mensajes. Responde AYUDA para ayuda, BAJA para darte de baja.',
    help: '{brand}: Responde BAJA para darte de baja, ALTA para volver a suscribirte. Pueden aplicarse tarifas de mensajes.',
  },
  it: {
    opt_out: '{brand}: Iscrizione annullata, non riceverai altri messaggi. Rispondi INIZIA per iscriverti di nuovo.',
    opt_in: '{brand}: Sei di nuovo iscritto. Possono applicarsi costi per i messaggi. Rispondi AIUTO per assistenza, FERMA per annullare.',
    help: "{brand}: Rispondi FERMA per annullare l'iscrizione, INIZIA per iscriverti di nuovo. Possono applicarsi costi per i messaggi.",
  },
  de: {
    opt_out: '{brand}: Sie sind abgemeldet und erhalten keine Nachrichten mehr. Antworten Sie STARTEN, um sich wieder anzumelden.',
    opt_in: '{brand}: Sie sind wieder angemeldet. Es können Gebühren anfallen. Antworten Sie HILFE für Hilfe, STOPP zum Abmelden.',
    help: '{brand}: Antworten Sie STOPP zum Abmelden, STARTEN zum erneuten Anmelden. Es können Gebühren für Nachrichten anfallen.',
  },
  pt: {
    opt_out: '{brand}: Inscrição cancelada. Não receberá mais mensagens. Responda COMECAR para se inscrever novamente.',
    opt_in: '{brand}: Inscrição reativada. Podem ser cobradas tarifas de mensagens. Responda AJUDA para ajuda, SAIR para cancelar.',
    help: '{brand}: Responda SAIR para cancelar a inscrição, COMECAR para se inscrever de novo. Podem ser cobradas tarifas de mensagens.',
  },
};

/** STOPALL confirms that every line of the channel is affected, not only the one it was sent to. */
const CHANNEL_OPT_OUT_REPLY =
  '{brand}: You are unsubscribed from all our numbers and will receive no more messages. Reply START to resubscribe.';

function isKeywordLanguage(language: string | undefined): language is KeywordLanguage {
  return language !== undefined && Object.hasOwn(REPLIES, language);
}

/**
 * The built-in reply template for an action, used by the built-ins themselves and as the
 * confirmation of a custom opt-out / opt-in / help rule that has no reply text of its own (CTIA
 * expects every opt-out to be confirmed). Unknown languages get English.
 */
export function defaultReplyTemplate(
  action: KeywordAction,
  scope: ActionScope,
  language: string | undefined,
): string | undefined {
  if (action === 'reply') return undefined;
  if (action === 'opt_out' && scope === 'channel') return CHANNEL_OPT_OUT_REPLY;
  return REPLIES[isKeywordLanguage(language) ? language : 'en'][action];
}

function builtinRule(language: KeywordLanguage, keyword: string, action: BuiltinAction, scope: ActionScope): KeywordRule {
  // Ids use the normalised keyword so that ARRÊT is `builtin:fr:arret`; spaces would be awkward in a
  // URL path, and '_' never occurs in a keyword, so `opt_out` cannot collide with `opt-out`.
  const id = normalizeMessage(keyword).toLowerCase().replaceAll(' ', '_');
  return {
    ruleId: `builtin:${language}:${id}`,
    keyword,
    matchMode: 'exact',
    action,
    scope,
    replyText: scope === 'channel' ? CHANNEL_OPT_OUT_REPLY : REPLIES[language][action],
    language,
    origin: 'builtin',
  };
}

function buildRules(): KeywordRule[] {
  const rules: KeywordRule[] = [];
  for (const language of Object.keys(KEYWORDS) as KeywordLanguage[]) {
    const keywords = KEYWORDS[language];
    for (const action of ['opt_out', 'opt_in', 'help'] as const) {
      for (const keyword of keywords[action]) rules.push(builtinRule(language, keyword, action, 'line'));
    }
  }
  rules.push(builtinRule('en', 'STOPALL', 'opt_out', 'channel'));
  return rules;
}

export const BUILTIN_RULES: readonly KeywordRule[] = Object.freeze(buildRules().map((rule) => Object.freeze(rule)));
