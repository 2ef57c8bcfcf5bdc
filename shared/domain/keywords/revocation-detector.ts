import { BUILTIN_RULES } from './builtin-rules.ts';
import { normalizeMessage } from './normalize-message.ts';

/**
 * Flags plain-language revocations that no keyword rule matched.
 *
 * The FCC's 2024 order makes any reasonable means of revoking consent valid ("please stop texting
 * me", "take me off your list"), not only the exact keywords. Acting on free text automatically
 * would misread messages, so these are flagged for a person to review instead.
 *
 * Everything here works on whole words of the normalised text: "stopping by later" has no word
 * STOP, "Endless thanks" no word END. Two kinds of evidence count:
 *  1. a short message made only of opt-out keywords and filler ("Stop please", "UNSUBSCRIBE ME",
 *     "Baja por favor"): the keyword with manners around it, which an `exact` rule cannot see;
 *  2. a revocation phrase anywhere, in English, French, Spanish, Italian, German or Portuguese.
 *     Phrases that a negation turns around ("don't stop sending", "n'arrêtez pas de m'écrire") are
 *     not evidence.
 */

/** Longer messages are not "keyword plus manners" any more; only phrases can flag them. */
const KEYWORD_WITH_FILLER_MAX_WORDS = 8;

/** `(?:A|B|C)`: an alternation of word sequences. */
function oneOf(...alternatives: readonly string[]): string {
  return `(?:${alternatives.join('|')})`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Negations typed without an apostrophe. */
const WORD_EXPANSIONS: Readonly<Record<string, readonly string[]>> = {
  DONT: ['DO', 'NOT'],
  DOESNT: ['DOES', 'NOT'],
  DIDNT: ['DID', 'NOT'],
  WONT: ['WILL', 'NOT'],
  CANT: ['CAN', 'NOT'],
};

/**
 * Splits normalised text into words and spells out negations, so that DON'T, DONT and DO NOT read
 * the same. Other apostrophes separate words, which is how French and Italian elide
 * ("M'ENVOYER" -> M ENVOYER, "DALL'ELENCO" -> DALL ELENCO).
 */
function toWords(normalizedText: string): string[] {
  return normalizedText
    .replace(/\b(WO|CA)N'T\b/gu, (_match, stem: string) => (stem === 'WO' ? 'WILL NOT' : 'CAN NOT'))
    .replace(/(\p{L})N'T(?!\p{L})/gu, '$1 NOT')
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word !== '')
    .flatMap((word) => WORD_EXPANSIONS[word] ?? [word]);
}

// ---------------------------------------------------------------------------------------------
// 1. Keyword plus filler.

/** Opt-out words as people type them around a keyword; built-in opt-out keywords are added below. */
const EXTRA_OPT_OUT_WORDS = [
  'UNSUB',
  'ARRETEZ',
  'STOPPEZ',
  'CESSEZ',
  'PAREN',
  'PAREM',
  'DETENGAN',
  'BASTA',
  'CHEGA',
  'SMETTILA',
  'SMETTETELA',
  'AUFHOREN',
  'QUITENME',
  'SAQUENME',
  'BORRENME',
  'CANCELLAMI',
  'TOGLIETEMI',
];

/** Words that add manners or emphasis but no other meaning. Multi-word entries are sequences. */
const FILLER = [
  // en
  'PLEASE', 'PLS', 'PLZ', 'NOW', 'RIGHT NOW', 'ASAP', 'IMMEDIATELY', 'THANKS', 'THANK YOU', 'THX', 'TY',
  'IT', 'ME', 'ALL', 'ALREADY', 'JUST', 'SERIOUSLY', 'AGAIN', 'FOR GOOD', 'THIS', 'THESE',
  'MESSAGES', 'MESSAGE', 'TEXTS', 'TEXTING', 'SMS', 'EMAILS',
  // fr
  'SVP', 'STP', 'S IL VOUS PLAIT', 'S IL TE PLAIT', 'MERCI', 'MAINTENANT', 'TOUT DE SUITE', 'IMMEDIATEMENT',
  'MOI', 'TOUT', 'DEFINITIVEMENT',
  // es / pt
  'POR FAVOR', 'GRACIAS', 'YA', 'AHORA', 'TODO', 'TODOS', 'MENSAJES', 'OBRIGADO', 'OBRIGADA', 'AGORA', 'JA',
  'TUDO', 'MENSAGENS',
  // it
  'PER FAVORE', 'GRAZIE', 'ORA', 'ADESSO', 'SUBITO', 'MESSAGGI',
  // de
  'BITTE', 'DANKE', 'JETZT', 'SOFORT', 'ALLES', 'MICH', 'NACHRICHTEN',
];

const OPT_OUT_WORDS: readonly string[] = [
  ...new Set([
    ...BUILTIN_RULES.filter((rule) => rule.action === 'opt_out').map((rule) =>
      toWords(normalizeMessage(rule.keyword)).join(' '),
    ),
    ...EXTRA_OPT_OUT_WORDS,
  ]),
];

const KEYWORD_WITH_FILLER = new RegExp(
  `^ (?:${oneOf(...FILLER)} )*${oneOf(...OPT_OUT_WORDS.map(escapeRegExp))} (?:${oneOf(...OPT_OUT_WORDS.map(escapeRegExp), ...FILLER)} )*$`,
  'u',
);

// ---------------------------------------------------------------------------------------------
// 2. Phrases. Sources are word sequences separated by single spaces, matched on whole words.

const MESSAGES_EN = oneOf('MESSAGES', 'MESSAGE', 'TEXTS', 'TEXT', 'MSGS', 'MSG', 'SMS', 'EMAILS', 'MAILS', 'SPAM',
  'NOTIFICATIONS', 'ALERTS', 'PROMOS', 'PROMOTIONS', 'ADS', 'OFFERS', 'CALLS', 'WHATSAPPS', 'SUBSCRIPTION');
const MESSAGES_FR = oneOf('MESSAGES', 'SMS', 'TEXTOS', 'MAILS', 'EMAILS', 'PUB', 'PUBS', 'PUBLICITE', 'PUBLICITES',
  'SPAM', 'NOTIFICATIONS', 'RELANCES', 'ENVOIS');
const MESSAGES_ES = oneOf('MENSAJES', 'SMS', 'CORREOS', 'EMAILS', 'TEXTOS', 'PUBLICIDAD', 'SPAM', 'WHATSAPP',
  'PROMOCIONES', 'NOTIFICACIONES');
const MESSAGES_IT = oneOf('MESSAGGI', 'SMS', 'EMAIL', 'MAIL', 'SPAM', 'PUBBLICITA', 'NOTIFICHE', 'PROMOZIONI');
const MESSAGES_DE = oneOf('NACHRICHTEN', 'SMS', 'WERBUNG', 'MAILS', 'EMAILS', 'E MAILS', 'SPAM', 'WHATSAPP',
  'NEWSLETTER', 'WERBENACHRICHTEN');
const MESSAGES_PT = oneOf('MENSAGENS', 'SMS', 'EMAILS', 'SPAM', 'PROPAGANDA', 'PUBLICIDADE', 'PROMOCOES',
  'NOTIFICACOES');

/** Spanish and Italian attach the pronoun to the infinitive: ENVIARME, SCRIVERMI. */
function withPronouns(stems: readonly string[], pronouns: readonly string[]): string {
  return oneOf(...stems.flatMap((stem) => [stem, ...pronouns.map((pronoun) => stem + pronoun)]));
}

const CONTACT_ES = withPronouns(['ENVIAR', 'MANDAR', 'ESCRIBIR', 'CONTACTAR', 'LLAMAR', 'MOLESTAR', 'TEXTEAR'], ['ME', 'NOS']);
const CONTACT_PT = oneOf('ENVIAR', 'MANDAR', 'ESCREVER', 'CONTACTAR', 'CONTATAR', 'LIGAR', 'INCOMODAR', 'PERTURBAR');
const CONTACT_IT = withPronouns(
  ['INVIARE', 'MANDARE', 'SCRIVERE', 'CONTATTARE', 'CHIAMARE', 'DISTURBARE', 'TELEFONARE'].map((verb) => verb.slice(0, -1)),
  ['E', 'MI', 'CI'],
);
const PT_REMOVE = oneOf('TIREM', 'TIRE', 'TIRA', 'REMOVAM', 'REMOVA', 'RETIREM', 'RETIRE', 'APAGUEM', 'APAGUE', 'EXCLUAM',
  'EXCLUA', 'DESCADASTREM', 'DESCADASTRE');
const CONTACT_FR = oneOf('ENVOYER', 'ECRIRE', 'CONTACTER', 'APPELER', 'SPAMMER', 'HARCELER', 'TEXTER', 'RELANCER',
  'DERANGER', 'SOLLICITER', 'TELEPHONER');

/**
 * Phrases whose meaning a preceding negation reverses: "stop sending me" is a revocation, "don't
 * stop sending me" the opposite.
 */
const NEGATABLE_PHRASES: readonly string[] = [
  // en
  `${oneOf('STOP', 'QUIT', 'CEASE', 'END')} ${oneOf('TEXTING', 'MESSAGING', 'SENDING', 'CONTACTING', 'CALLING', 'EMAILING',
    'MAILING', 'SPAMMING', 'BOTHERING', 'HARASSING', 'PINGING', 'RECEIVING', 'GETTING')}`,
  `${oneOf('STOP', 'QUIT', 'CEASE', 'END', 'CANCEL', 'BLOCK')} (?:${oneOf('ALL', 'ANY', 'THE', 'THESE', 'THIS', 'THOSE',
    'YOUR', 'UR', 'MY')} )?${MESSAGES_EN}`,
  oneOf('UNSUBSCRIBE', 'UNSUBSCRIBED', 'UNSUBSCRIBING', 'UNSUB', 'OPTOUT', 'OPT OUT', 'OPT ME OUT', 'OPTING OUT',
    'OPTED OUT', 'REVOKE', 'REVOKING', 'WITHDRAW CONSENT', 'WITHDRAW MY CONSENT'),
  // fr
  `${oneOf('ARRETEZ', 'ARRETE', 'ARRETER', 'ARRETES', 'STOPPEZ', 'STOPPE', 'CESSEZ', 'CESSE', 'CESSER')} ${oneOf('DE', 'D')} (?:${oneOf('M', 'ME', 'NOUS')} )?${CONTACT_FR}`,
  `${oneOf('ARRETEZ', 'ARRETE', 'STOPPEZ', 'CESSEZ')} ${oneOf('LES', 'VOS', 'CES', 'TES')} ${MESSAGES_FR}`,
  oneOf('DESABONNER', 'DESABONNEZ', 'DESABONNEMENT', 'DESINSCRIRE', 'DESINSCRIPTION', 'DESINSCRIVEZ', 'DESINSCRIS'),
  // es + pt ("para de", "parem de", "deja de", "deixem de")
  `${oneOf('DEJA', 'DEJEN', 'DEJE', 'DEJAD', 'PARA', 'PAREN', 'PARE', 'PARAD')} DE (?:ME )?${CONTACT_ES}`,
  `${oneOf('PARE', 'PAREM', 'PARA', 'DEIXEM', 'DEIXE', 'DEIXA')} DE (?:ME )?${CONTACT_PT}`,
  `${oneOf('PAREN', 'PARA', 'DETENGAN', 'DETENER', 'CANCELEN', 'CANCELAR')} ${oneOf('LOS', 'ESTOS', 'SUS', 'TUS', 'ESOS')} ${MESSAGES_ES}`,
  oneOf('DESUSCRIBIR', 'DESUSCRIBIRME', 'DESUSCRIBIRSE', 'DESUSCRIBANME', 'DESUSCRIBEME', 'DESUSCRIPCION', 'DESINSCRIBIR',
    'DESINSCRIBIRME'),
  `${oneOf('DAR', 'DARME', 'DARNOS', 'DARSE', 'DARTE', 'DENME', 'DEME', 'DAME', 'DEN', 'DOY')} DE BAJA`,
  `CANCELAR (?:${oneOf('MI', 'LA', 'A', 'MINHA')} )?${oneOf('SUSCRIPCION', 'INSCRICAO', 'ASSINATURA', 'SUBSCRICAO')}`,
  oneOf('DESCADASTRAR', 'DESCADASTRAMENTO', 'DESCADASTRE', 'DESCADASTREM', 'DESCADASTRA', 'DESINSCREVER', 'DESINSCREVA'),
  // it
  `${oneOf('SMETTETE', 'SMETTI', 'SMETTERE', 'SMETTETELA', 'SMETTILA', 'SMETTA', 'SMETTANO', 'FINITELA', 'FINISCILA')} DI (?:MI )?${CONTACT_IT}`,
  oneOf('DISISCRIVERE', 'DISISCRIVERMI', 'DISISCRIVETEMI', 'DISISCRIVIMI', 'DISISCRIZIONE'),
  // de
  `${oneOf('HOREN', 'HORT', 'HOR', 'HORE')} (?:${oneOf('SIE', 'BITTE', 'ENDLICH', 'DOCH', 'JETZT')} )*AUF (?:${oneOf('MIR', 'MICH',
    'UNS', 'BITTE', 'ENDLICH', 'DAMIT', 'MIT', 'ZU', 'DEN', 'DIESEN')} )*${oneOf('SCHREIBEN', 'SENDEN', 'SCHICKEN',
    'ZUZUSENDEN', 'ZUZUSCHICKEN', 'KONTAKTIEREN', 'ANZURUFEN', 'NERVEN', 'BELASTIGEN', 'SPAMMEN', 'NACHRICHTEN', 'SMS')}`,
  oneOf('ABMELDEN', 'ABBESTELLEN', 'ABMELDUNG', 'ABBESTELLUNG', 'AUSTRAGEN', 'DEABONNIEREN', 'WIDERRUFE', 'WIDERRUFEN'),
];

/** Phrases that are revocations wherever they appear (most carry their own negation). */
const PHRASES: readonly string[] = [
  // en
  `${oneOf('DO NOT', 'NEVER')} (?:EVER )?${oneOf('TEXT', 'MESSAGE', 'CONTACT', 'EMAIL', 'SMS', 'WHATSAPP', 'SPAM', 'CALL',
    'BOTHER')} ${oneOf('ME', 'US', 'THIS NUMBER', 'MY')}`,
  `${oneOf('DO NOT', 'NEVER')} SEND (?:${oneOf('ME', 'US')} )?${oneOf('ANY', 'ANYMORE', 'MORE', 'THESE', 'ANYTHING',
    'MESSAGES', 'TEXTS', 'EMAILS', 'OFFERS', 'PROMOS', 'ADS')}`,
  `${oneOf('TAKE', 'REMOVE', 'GET', 'DROP')} ME OFF`,
  `${oneOf('REMOVE', 'DELETE', 'DROP', 'ERASE', 'UNSUBSCRIBE')} ME FROM`,
  `${oneOf('REMOVE', 'DELETE', 'ERASE', 'DROP')} ${oneOf('MY', 'THIS')} ${oneOf('NUMBER', 'PHONE', 'EMAIL', 'ADDRESS',
    'CONTACT', 'NAME', 'INFO', 'DETAILS', 'DATA')}`,
  `TAKE ${oneOf('MY', 'THIS')} ${oneOf('NUMBER', 'EMAIL', 'NAME')} ${oneOf('OFF', 'OUT')}`,
  `LEAVE ${oneOf('ME', 'US')} ALONE`,
  `NO MORE ${MESSAGES_EN}`,
  `${oneOf('HOW DO I', 'HOW CAN I', 'HOW TO', 'WANT TO', 'LIKE TO', 'WISH TO', 'NEED TO')} ${oneOf('STOP THESE',
    'STOP THIS', 'STOP THEM', 'STOP THOSE', 'STOP YOUR', 'STOP ALL', 'BE REMOVED', 'BE TAKEN OFF', 'GET OFF')}`,
  `${oneOf('NOT', 'NO LONGER')} INTERESTED`,
  `${oneOf('DID NOT', 'NEVER')} ${oneOf('SIGN UP', 'SIGNED UP', 'SUBSCRIBE', 'SUBSCRIBED', 'CONSENT', 'CONSENTED',
    'AGREE', 'AGREED', 'OPT IN', 'OPTED IN', 'ASK', 'ASKED')}`,
  `${oneOf('DO NOT', 'NO LONGER', 'NEVER')} ${oneOf('WANT', 'WISH', 'NEED')} ${oneOf('TO RECEIVE', 'TO GET', 'THESE',
    'THOSE', 'ANY MORE', 'ANYMORE', `YOUR ${MESSAGES_EN}`, `ANY ${MESSAGES_EN}`, MESSAGES_EN)}`,
  `WRONG ${oneOf('NUMBER', 'PERSON', 'NO')}`,
  `${oneOf('THIS IS', 'IT IS', 'IT S', 'ITS', 'THAT IS', 'THAT S', 'THATS')} SPAM`,
  // fr
  `NE (?:${oneOf('M', 'ME', 'NOUS')} )?${oneOf('ENVOYEZ', 'ENVOIE', 'ENVOIES', 'ECRIVEZ', 'ECRIS', 'CONTACTEZ', 'CONTACTE',
    'APPELEZ', 'APPELLE', 'TEXTEZ', 'DERANGEZ', 'SOLLICITEZ', 'RELANCEZ')} ${oneOf('PLUS', 'JAMAIS', 'RIEN', 'AUCUN',
    'AUCUNE', 'PAS')}`,
  `NE PLUS (?:${oneOf('M', 'ME', 'NOUS')} )?${CONTACT_FR}`,
  `${oneOf('RETIREZ', 'RETIRE', 'RETIRER', 'SUPPRIMEZ', 'SUPPRIME', 'SUPPRIMER', 'ENLEVEZ', 'ENLEVE', 'ENLEVER', 'EFFACEZ',
    'EFFACER', 'RAYEZ', 'RAYER')} ${oneOf('MOI', 'MON', 'MES', 'M')}`,
  `${oneOf('ME', 'M')} ${oneOf('RETIRER', 'SUPPRIMER', 'ENLEVER', 'EFFACER', 'RAYER', 'DESINSCRIRE', 'DESABONNER')}`,
  `${oneOf('LAISSEZ', 'LAISSE')} ${oneOf('MOI', 'NOUS')} ${oneOf('TRANQUILLE', 'TRANQUILLES', 'EN PAIX')}`,
  `${oneOf('FOUTEZ', 'FICHEZ', 'FOUS', 'FICHE')} ${oneOf('MOI', 'NOUS')} LA PAIX`,
  `NE ${oneOf('VEUX', 'VEUT', 'SOUHAITE', 'SOUHAITONS', 'DESIRE', 'VOULONS')} PLUS`,
  `${oneOf('VEUX', 'SOUHAITE', 'DESIRE')} ${oneOf('PLUS', 'PAS')} ${oneOf('RECEVOIR', 'ETRE CONTACTE', 'ETRE CONTACTEE',
    'ETRE SOLLICITE', 'ETRE SOLLICITEE')}`,
  `${oneOf('ASSEZ', 'MARRE', 'FINI')} ${oneOf('DE', 'D')} (?:${oneOf('VOS', 'CES', 'TES', 'VOTRE', 'RECEVOIR')} )?${MESSAGES_FR}`,
  `${oneOf('PAS', 'PLUS')} ${oneOf('INTERESSE', 'INTERESSEE', 'INTERESSES', 'INTERESSEES')}`,
  `${oneOf('MAUVAIS NUMERO', 'ERREUR DE NUMERO', 'FAUX NUMERO')}`,
  // es
  `NO (?:${oneOf('ME', 'NOS')} )?${oneOf('ENVIEN', 'ENVIES', 'ENVIE', 'MANDEN', 'MANDES', 'MANDE', 'ESCRIBAN', 'ESCRIBAS',
    'CONTACTEN', 'CONTACTES', 'LLAMEN', 'LLAMES')} ${oneOf('MAS', 'NADA', 'NUNCA', 'ESTOS', 'ESOS', MESSAGES_ES)}`,
  `NO (?:${oneOf('ME', 'NOS')} )?${oneOf('MOLESTEN', 'MOLESTES', 'MOLESTE')}`,
  oneOf('QUITENME', 'QUITAME', 'QUITARME', 'SAQUENME', 'SACAME', 'SACARME', 'BORRENME', 'BORRAME', 'BORRARME',
    'ELIMINENME', 'ELIMINAME', 'ELIMINARME', 'REMUEVANME'),
  `${oneOf('QUITEN', 'QUITA', 'QUITAR', 'SAQUEN', 'SACA', 'SACAR', 'BORREN', 'BORRA', 'BORRAR', 'ELIMINEN', 'ELIMINA',
    'ELIMINAR')} MI ${oneOf('NUMERO', 'CORREO', 'TELEFONO', 'CONTACTO', 'DATOS', 'EMAIL', 'CELULAR')}`,
  `ME ${oneOf('QUITEN', 'SAQUEN', 'BORREN', 'ELIMINEN')} DE`,
  `${oneOf('DEJENME', 'DEJAME', 'DEJEME')} ${oneOf('EN PAZ', 'TRANQUILO', 'TRANQUILA')}`,
  `NO MAS ${MESSAGES_ES}`,
  `NO ${oneOf('QUIERO', 'DESEO', 'QUEREMOS')} ${oneOf('RECIBIR', 'MAS', 'SEGUIR RECIBIENDO', 'SUS', 'ESTOS', MESSAGES_ES)}`,
  `YA NO ${oneOf('QUIERO', 'DESEO', 'QUEREMOS')}`,
  `NO ${oneOf('ME INTERESA', 'NOS INTERESA', 'ESTOY INTERESADO', 'ESTOY INTERESADA')}`,
  'NUMERO EQUIVOCADO',
  // it
  `NON (?:${oneOf('MI', 'CI')} )?${oneOf('INVIATE', 'INVIATEMI', 'MANDATE', 'MANDATEMI', 'SCRIVETE', 'SCRIVETEMI',
    'CONTATTATE', 'CONTATTATEMI', 'CHIAMATE', 'CHIAMATEMI', 'DISTURBATE', 'DISTURBATEMI', CONTACT_IT)} ${oneOf('PIU',
    'MAI', 'ALTRI', 'ALTRE', 'NIENTE', MESSAGES_IT)}`,
  `NON ${oneOf('VOGLIO', 'DESIDERO', 'VOGLIAMO')} ${oneOf('PIU', 'RICEVERE', 'ALTRI', MESSAGES_IT)}`,
  `NON ${oneOf('MI INTERESSA', 'CI INTERESSA', 'SONO INTERESSATO', 'SONO INTERESSATA', 'SONO PIU INTERESSATO',
    'SONO PIU INTERESSATA')}`,
  oneOf('TOGLIETEMI', 'TOGLIMI', 'CANCELLATEMI', 'CANCELLAMI', 'RIMUOVETEMI', 'RIMUOVIMI', 'ELIMINATEMI', 'ELIMINAMI'),
  `${oneOf('TOGLIETE', 'TOGLI', 'TOGLIERE', 'CANCELLATE', 'CANCELLARE', 'RIMUOVETE', 'RIMUOVERE', 'ELIMINATE',
    'ELIMINARE')} (?:IL )?MIO ${oneOf('NUMERO', 'CONTATTO', 'INDIRIZZO', 'EMAIL')}`,
  `MI ${oneOf('TOGLIETE', 'CANCELLATE', 'RIMUOVETE', 'ELIMINATE', 'DISISCRIVETE')}`,
  `BASTA (?:CON )?(?:${oneOf('I', 'QUESTI', 'I VOSTRI', 'LE', 'QUESTE')} )?${MESSAGES_IT}`,
  `${oneOf('LASCIATEMI', 'LASCIAMI')} ${oneOf('IN PACE', 'STARE')}`,
  'NUMERO SBAGLIATO',
  // de
  `${oneOf('SCHICKEN', 'SENDEN', 'SCHREIBEN', 'KONTAKTIEREN', 'SCHICK', 'SENDE', 'SCHREIB', 'KONTAKTIERE',
    'SCHICKT', 'SENDET', 'SCHREIBT', 'KONTAKTIERT', 'RUFEN', 'RUF', 'RUFT')} (?:${oneOf('SIE', 'MIR', 'MICH', 'UNS',
    'BITTE', 'AB', 'JETZT')} )*${oneOf('KEINE', 'NICHT MEHR', 'NIE MEHR', 'NIE WIEDER', 'NICHTS MEHR')}`,
  `KEINE (?:${oneOf('WEITEREN', 'WEITERE')} )?${MESSAGES_DE} MEHR`,
  `${oneOf('WILL', 'MOCHTE', 'MOCHTEN', 'WOLLEN', 'WUNSCHE')} (?:${oneOf('ICH', 'WIR', 'BITTE')} )*${oneOf(
    `KEINE (?:${oneOf('WEITEREN', 'WEITERE')} )?${MESSAGES_DE}`, 'NICHTS MEHR', 'NICHT MEHR KONTAKTIERT',
    'NICHT MEHR ANGESCHRIEBEN', 'NICHT MEHR ANGERUFEN', 'NICHT MEHR BELASTIGT')}`,
  `${oneOf('ENTFERNEN', 'LOSCHEN', 'STREICHEN', 'ENTFERNT', 'LOSCHT', 'STREICHT', 'ENTFERNE', 'LOSCHE')} (?:${oneOf('SIE',
    'BITTE')} )*${oneOf('MICH', 'MEINE')}`,
  `${oneOf('TRAGEN', 'TRAGT', 'TRAG')} (?:${oneOf('SIE', 'BITTE')} )*MICH (?:${oneOf('BITTE', 'HIER', 'DA', 'SOFORT')} )*AUS`,
  `MICH (?:[^ ]+ ){0,4}${oneOf('ENTFERNEN', 'LOSCHEN', 'AUSTRAGEN', 'STREICHEN')}`,
  `${oneOf('LASST', 'LASSEN SIE', 'LASS')} MICH (?:${oneOf('BITTE', 'ENDLICH', 'DOCH')} )*${oneOf('IN RUHE', 'IN FRIEDEN')}`,
  'KEIN INTERESSE',
  'FALSCHE NUMMER',
  // pt
  `NAO (?:ME )?${oneOf('ENVIEM', 'ENVIE', 'MANDEM', 'MANDE', 'CONTACTEM', 'CONTATEM', 'CONTACTE', 'CONTATE', 'LIGUEM',
    'LIGUE', 'ESCREVAM', 'ESCREVA')} ${oneOf('MAIS', 'NADA', 'NUNCA', MESSAGES_PT)}`,
  `NAO (?:ME )?${oneOf('INCOMODEM', 'INCOMODE', 'PERTURBEM', 'PERTURBE')}`,
  // "me tira uma dúvida" (answer me a question) is not a revocation, so "from" or "my number" must follow.
  `${oneOf(`ME ${PT_REMOVE}`, `${PT_REMOVE} ME`)} ${oneOf('DA', 'DE', 'DO', 'DESSA', 'DESTA', 'DESSE', 'DESTE', 'DAS', 'DOS')}`,
  `${PT_REMOVE} ${oneOf('MEU', 'O MEU', 'MINHA', 'A MINHA')} ${oneOf('NUMERO', 'CONTATO', 'CONTACTO', 'EMAIL', 'TELEFONE',
    'CELULAR', 'TELEMOVEL', 'CADASTRO', 'NOME', 'DADOS')}`,
  `NAO ${oneOf('QUERO', 'DESEJO', 'QUEREMOS')} ${oneOf('MAIS', 'RECEBER', 'ESSAS', 'ESTAS', 'SUAS', MESSAGES_PT)}`,
  `NAO ${oneOf('TENHO INTERESSE', 'ESTOU INTERESSADO', 'ESTOU INTERESSADA', 'ME INTERESSA')}`,
  `CHEGA DE ${MESSAGES_PT}`,
  oneOf('ME DEIXEM EM PAZ', 'ME DEIXE EM PAZ', 'ME DEIXA EM PAZ', 'DEIXEM ME EM PAZ', 'DEIXE ME EM PAZ'),
  'NUMERO ERRADO',
];

/** Phrases that are only revocations as the whole message ("Plus de SMS" could also mean "more SMS"). */
const WHOLE_MESSAGE_PHRASES: readonly string[] = [
  `NO MORE(?: ${oneOf('PLEASE', 'PLS', 'PLZ', 'THANKS', 'THANK YOU')})*`,
  `${oneOf('PLUS', 'FINI')} ${oneOf('DE', 'D')} (?:${oneOf('VOS', 'CES', 'TES')} )?${MESSAGES_FR}(?: ${oneOf('MERCI', 'SVP', 'STP', 'S IL VOUS PLAIT')})*`,
  `NO MAS(?: ${oneOf('POR FAVOR', 'GRACIAS')})*`,
  `KEINE ${MESSAGES_DE}(?: ${oneOf('MEHR', 'BITTE', 'DANKE')})*`,
  `(?:BITTE )?${oneOf('HOREN', 'HORT', 'HOR', 'HORE')} (?:SIE )?(?:BITTE )?AUF(?: ${oneOf('BITTE', 'DAMIT', 'JETZT', 'SOFORT')})*`,
];

/**
 * Negations that reverse a following phrase. Not the bare "no" / "non" / "não": "No, stop texting
 * me" is a revocation, and a missed revocation costs more than a needless review.
 */
const NEGATION = oneOf('NOT', 'NEVER', 'NE', 'N');

/** Whole words only: every source is bounded by the spaces that pad the word string. */
const NEGATABLE = new RegExp(`(?<! ${NEGATION}(?: EVER)? )(?<= )${oneOf(...NEGATABLE_PHRASES)}(?= )`, 'u');
const ANYWHERE = new RegExp(`(?<= )${oneOf(...PHRASES)}(?= )`, 'u');
const WHOLE_MESSAGE = new RegExp(`^ ${oneOf(...WHOLE_MESSAGE_PHRASES)} $`, 'u');

/**
 * True when text that matched no keyword rule still reads like a request to stop messages.
 * Accepts raw text too: normalising again changes nothing.
 */
export function looksLikeRevocation(normalizedText: string): boolean {
  const words = toWords(normalizeMessage(normalizedText));
  if (words.length === 0) return false;
  const padded = ` ${words.join(' ')} `;
  if (words.length <= KEYWORD_WITH_FILLER_MAX_WORDS && KEYWORD_WITH_FILLER.test(padded)) return true;
  return NEGATABLE.test(padded) || ANYWHERE.test(padded) || WHOLE_MESSAGE.test(padded);
}
