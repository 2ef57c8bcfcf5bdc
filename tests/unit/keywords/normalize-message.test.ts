import { describe, it, expect } from 'vitest';
import { normalizeMessage } from '../../../shared/domain/keywords/normalize-message.ts';

describe('normalizeMessage', () => {
  it.each([
    // case and surrounding white space
    ['stop', 'STOP'],
    [' stop ', 'STOP'],
    ['\t\nStop\r\n', 'STOP'],
    ['\u00A0STOP\u3000', 'STOP'],
    // surrounding punctuation and quotes
    ['Stop.', 'STOP'],
    ['STOP!!!', 'STOP'],
    ['stop?!', 'STOP'],
    ["'stop'", 'STOP'],
    ['"STOP"', 'STOP'],
    ['\u201Cstop\u201D', 'STOP'],
    ['«Arrêt»', 'ARRET'],
    ['« arrêt »', 'ARRET'],
    ['¡Alto!', 'ALTO'],
    ['¿Ayuda?', 'AYUDA'],
    ['*STOP*', 'STOP'],
    ['(stop)', 'STOP'],
    ['stop…', 'STOP'],
    ['-stop-', 'STOP'],
    // diacritics
    ['arrêt', 'ARRET'],
    ['ARRÊT', 'ARRET'],
    ['Désabonner', 'DESABONNER'],
    ['kündigen', 'KUNDIGEN'],
    ['COMEÇAR', 'COMECAR'],
    ['não', 'NAO'],
    ['Straße', 'STRASSE'],
    // decomposed input (e + combining circumflex) ends up the same as the precomposed one
    ['arre\u0302t', 'ARRET'],
    // compatibility forms (NFKC)
    ['ｓｔｏｐ', 'STOP'],
    ['ＳＴＯＰ', 'STOP'],
    ['\u{1D412}\u{1D413}\u{1D40E}\u{1D40F}', 'STOP'],
    ['\uFB01n', 'FIN'],
    // trailing emoji, including sequences
    ['STOP 🙏', 'STOP'],
    ['stop🙏', 'STOP'],
    ['STOP 👍🏽', 'STOP'],
    ['STOP 👨‍👩‍👧', 'STOP'],
    ['STOP ❤️', 'STOP'],
    ['STOP #️⃣', 'STOP'],
    ['STOP 🇫🇷', 'STOP'],
    ['STOP 🏴󠁧󠁢󠁳󠁣󠁴󠁿', 'STOP'],
    ['STOP 😡😡😡!!!', 'STOP'],
    ['STOP ☺', 'STOP'],
    // leading emoji too
    ['🛑 STOP', 'STOP'],
    // inner white space collapses, inner punctuation stays
    ['opt   out', 'OPT OUT'],
    ['opt\n\tout', 'OPT OUT'],
    ['Opt-Out', 'OPT-OUT'],
    ['opt–out', 'OPT-OUT'],
    ['opt\u2011out', 'OPT-OUT'],
    ['Don’t stop', "DON'T STOP"],
    ["Don't  stop!", "DON'T STOP"],
    ['Stop. Thanks', 'STOP. THANKS'],
    ['stop 🙏 please', 'STOP 🙏 PLEASE'],
    // invisible characters inserted by keyboards
    ['S\u200BTOP', 'STOP'],
    ['\uFEFFSTOP', 'STOP'],
    ['\u200ESTOP\u200F', 'STOP'],
    ['ST\u00ADOP', 'STOP'],
    // nothing left
    ['', ''],
    ['   ', ''],
    ['?!.', ''],
    ['🙏', ''],
    ['👍🏽❤️', ''],
  ])('%j -> %j', (input, expected) => {
    expect(normalizeMessage(input)).toBe(expected);
  });

  it('does not use the runtime locale for upper case (Turkish dotted i)', () => {
    expect(normalizeMessage('info')).toBe('INFO');
    expect(normalizeMessage('ınfo')).toBe('INFO');
  });

  it('keeps the spelling marks of scripts whose marks are not decoration', () => {
    expect(normalizeMessage('नहीं')).toBe('नहीं');
    expect(normalizeMessage('がんばって')).toBe('がんばって');
    expect(normalizeMessage('한국')).toBe('한국');
  });

  it('keeps digits and inner symbols', () => {
    expect(normalizeMessage('stop 2')).toBe('STOP 2');
    expect(normalizeMessage('Msg&data')).toBe('MSG&DATA');
  });

  it('is idempotent', () => {
    for (const text of ['«Arrêt» 🙏', ' Opt–Out! ', 'ｓｔｏｐ', 'Don’t  stop 👍🏽', 'Straße']) {
      const once = normalizeMessage(text);
      expect(normalizeMessage(once)).toBe(once);
    }
  });

  it('keeps a long run of inner punctuation intact', () => {
    const text = `A${'!'.repeat(200_000)}B`;
    expect(normalizeMessage(text)).toBe(text);
  });
});
