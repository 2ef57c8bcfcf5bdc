import { describe, it, expect } from 'vitest';
import { normalizeMessage } from '../../../shared/domain/keywords/normalize-message.ts';
import { looksLikeRevocation } from '../../../shared/domain/keywords/revocation-detector.ts';

function flags(text: string): boolean {
  return looksLikeRevocation(normalizeMessage(text));
}

const REVOCATIONS: Record<string, readonly string[]> = {
  en: [
    'please stop texting me',
    'Stop texting me!',
    'stop sending me these messages',
    'Stop the spam',
    'Take me off your list',
    'remove me from your list',
    'Remove me',
    "don't text me anymore",
    'don’t text me anymore',
    'dont message me',
    'Do not contact me again',
    'Never email me again',
    "Don't send me any more offers",
    'leave me alone',
    'unsubscribe me please',
    'Please unsubscribe',
    'I want to unsubscribe',
    'How do I opt out?',
    'opt me out',
    'I revoke my consent',
    'no more messages',
    'No more texts please',
    'No more',
    'Stop please',
    'STOP STOP STOP',
    'Stop. Now.',
    'stop it',
    'Please stop!!! 😡',
    'STOP NOW',
    'Cancel please',
    'Quit it',
    'End it',
    'UNSUB',
    "I'm not interested",
    'I never signed up for this',
    'wrong number',
    "I don't want these texts",
    'I no longer wish to receive these',
    'this is spam',
    'No, stop texting me',
    'How do I stop these?',
    'Delete my number',
    'Cancel my subscription',
    'I won’t tolerate this, stop messaging me',
  ],
  fr: [
    "Arrêtez de m'envoyer des messages",
    'arrete de m’écrire',
    "Ne m'envoyez plus de SMS",
    'Merci de ne plus me contacter',
    'Retirez-moi de votre liste',
    'Supprimez mon numéro',
    'Je veux me désinscrire',
    'Comment se désabonner ?',
    'Laissez-moi tranquille',
    'Je ne veux plus recevoir vos messages',
    'Plus de SMS svp',
    'Stop svp',
    "Arrêt s'il vous plaît",
    'Pas intéressé',
    'Mauvais numéro',
    "J'en ai marre de vos pubs",
  ],
  es: [
    'Dejen de enviarme mensajes',
    'Para de escribirme',
    'No me envíen más mensajes',
    'Quiero darme de baja',
    'Sáquenme de su lista',
    'Bórrenme de la lista',
    'Baja por favor',
    'No más mensajes',
    'No más',
    'Déjenme en paz',
    'Ya no quiero recibir esto',
    'No quiero recibir más mensajes',
    'No me interesa',
    'Número equivocado',
    'No me molesten',
    '¡Ya basta!',
  ],
  it: [
    'Smettete di inviarmi messaggi',
    'Smettila di scrivermi',
    'Non mandatemi più messaggi',
    'Non scrivetemi più',
    'Toglietemi dalla lista',
    'Cancellatemi',
    'Non voglio più ricevere messaggi',
    'Basta messaggi',
    'Lasciatemi in pace',
    'Ferma per favore',
    'Non mi interessa',
    'Numero sbagliato',
    'Voglio disiscrivermi',
  ],
  de: [
    'Hören Sie auf, mir zu schreiben',
    'Hör auf!',
    'Schicken Sie mir keine Nachrichten mehr',
    'Schreiben Sie mir nicht mehr',
    'Keine SMS mehr',
    'Keine Werbung',
    'Bitte entfernen Sie mich aus Ihrer Liste',
    'Löschen Sie meine Nummer',
    'Ich möchte mich abmelden',
    'Lassen Sie mich in Ruhe',
    'Stopp bitte',
    'Kein Interesse',
    'Falsche Nummer',
    'Bitte tragen Sie mich aus',
    'Ich will keine Nachrichten',
  ],
  pt: [
    'Parem de me mandar mensagens',
    'Pare de me enviar mensagens',
    'Não me enviem mais mensagens',
    'Me tirem dessa lista',
    'Tirem-me da lista',
    'Remova meu número',
    'Quero me descadastrar',
    'Não quero mais receber',
    'Chega de mensagens',
    'Me deixem em paz',
    'Sair por favor',
    'Não tenho interesse',
    'Número errado',
    'Quero cancelar a inscrição',
    'Não me incomodem',
  ],
};

const CHATTER = [
  // the negatives of the keyword contract
  'Endless thanks!',
  "Don't stop",
  "I'll send it this weekend",
  'stopping by later',
  // negated revocation phrases mean the opposite
  "Don't stop sending me deals, I love them",
  "Please don't ever stop texting me",
  "Please don't unsubscribe me",
  "I didn't unsubscribe, why no texts?",
  "Ne cessez pas de m'envoyer vos offres",
  "N'arrêtez pas de m'écrire",
  // words of the keyword lists in ordinary sentences
  'Thanks, see you tomorrow!',
  'What time do you open?',
  'Can you send me the invoice?',
  "I'll stop by the store later",
  'Stop by anytime',
  'The end',
  'The end of the month works for me',
  'Is the sale ending soon?',
  'Please cancel my appointment',
  'I quit my job last week',
  'Remove the onions from my order',
  'Text me when you are here',
  "Don't forget to text me the address",
  'Great, take me to the next step',
  'Get me from the airport at 5',
  'Call me back please',
  'Where do I send the payment?',
  'Who is this?',
  'Yes please',
  'Can I get more info?',
  // the same in the other languages
  'Merci beaucoup',
  "Je veux plus d'infos",
  'Hasta mañana',
  'Quiero más información',
  'Estoy de baja esta semana',
  'Grazie mille',
  'Voglio più informazioni',
  'Danke, bis morgen',
  'Ich möchte mehr Infos',
  'Obrigado!',
  'Me tira uma dúvida',
  'Quero saber mais',
  // nothing at all
  '',
  '🙏',
  '?!',
];

describe('looksLikeRevocation', () => {
  for (const [language, phrases] of Object.entries(REVOCATIONS)) {
    it.each(phrases)(`${language}: flags %j`, (text) => {
      expect(flags(text)).toBe(true);
    });
  }

  it.each(CHATTER)('does not flag %j', (text) => {
    expect(flags(text)).toBe(false);
  });

  it('works on whole words, never inside a word', () => {
    expect(flags('stop please')).toBe(true);
    expect(flags('stopping please')).toBe(false);
    expect(flags('unstoppable please')).toBe(false);
    expect(flags('leave me alone')).toBe(true);
    expect(flags('leave me alonely')).toBe(false);
    expect(flags('no more messages')).toBe(true);
    expect(flags('no more messagesx')).toBe(false);
  });

  it('treats a keyword with filler as a revocation only in a short message', () => {
    expect(flags('stop please thanks')).toBe(true);
    expect(flags('stop please thanks, also can you tell me when the store opens tomorrow')).toBe(false);
  });

  it('gives the same answer for raw and normalised text', () => {
    for (const text of ['Please STOP texting me 🙏', 'Tirem-me da lista', 'Endless thanks!']) {
      expect(looksLikeRevocation(text)).toBe(flags(text));
    }
  });
});
