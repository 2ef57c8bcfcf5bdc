/**
 * Canonical form of an inbound message (and of every rule keyword) for keyword matching.
 *
 * Phones and apps decorate what people type: auto-capitalisation, a trailing full stop, smart
 * quotes, full-width letters from Asian keyboards, an emoji after the word. Carriers still treat
 * "Stop." as STOP, so both sides of a comparison go through this one function and are then compared
 * for equality or on word boundaries, never as substrings.
 */

/**
 * Invisible format characters that keyboards and copy-paste insert (zero-width space, word joiner,
 * BOM, soft hyphen, bidi marks). They carry no meaning for a keyword but would break equality.
 * ZWJ / ZWNJ are kept here: they are part of emoji sequences and of some scripts' spelling; a
 * trailing one is removed with the emoji it belongs to.
 */
const INVISIBLE_FORMAT_CHARS = /[\u00AD\u061C\u180E\u200B\u200E\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/gu;

/**
 * Combining diacritics removed after NFD: the Latin/Greek/Cyrillic blocks (ARRÊT -> ARRET,
 * DÉSABONNER -> DESABONNER), the combining marks for symbols (emoji keycaps) and Arabic tashkeel,
 * which is optional in everyday writing. Marks of other scripts (Devanagari vowel signs, Japanese
 * dakuten...) are spelling, not decoration, so they stay.
 */
// The class lists combining marks on purpose, one by one, never as part of a visible character.
// eslint-disable-next-line no-misleading-character-class -- see above
const DIACRITICS = /[\u0300-\u036F\u064B-\u065F\u0670\u1AB0-\u1AFF\u1DC0-\u1DFF\u20D0-\u20FF\uFE20-\uFE2F]/gu;

/** Typographic apostrophes (smart punctuation on phones) become ASCII ' so "DON’T" equals "DON'T". */
const APOSTROPHES = /[\u2018\u2019\u201B\u02BC\u02BB\uFF07]/gu;

/** Hyphen and dash variants become ASCII '-' so "OPT–OUT" (auto-replaced dash) equals "OPT-OUT". */
const DASHES = /[\u2010-\u2015\u2212\uFE58\uFE63\uFF0D]/gu;

const WHITESPACE_RUN = /\s+/gu;

/**
 * One character that may decorate a keyword at either end: white space, punctuation and quotes,
 * symbols (emoji are symbols, as are skin-tone modifiers and regional-indicator flags), any other
 * pictographic code point (covers emoji newer than this runtime's Unicode tables), and the glue of
 * emoji sequences: ZWJ/ZWNJ, variation selectors, the keycap mark and tag characters (subdivision
 * flags). Exported for the word-boundary check of `first_word` rules.
 */
export const DECORATION_CHAR =
  String.raw`[\s\p{P}\p{S}\p{Extended_Pictographic}\u200C\u200D\uFE0E\uFE0F\u20E3\u{E0020}-\u{E007F}]`;

// Matches one code point at a time; emoji glue (ZWJ, FE0F, keycap) is listed on purpose.
// eslint-disable-next-line no-misleading-character-class -- see above
const IS_DECORATION = new RegExp(`^${DECORATION_CHAR}$`, 'u');

/**
 * Removes decoration at both ends. A loop over code points rather than `^X+|X+$`: that regex
 * backtracks quadratically on a long inner run of punctuation, and inbound text is untrusted.
 */
function trimDecoration(text: string): string {
  const chars = Array.from(text);
  let start = 0;
  let end = chars.length;
  while (start < end && IS_DECORATION.test(chars[start] ?? '')) start += 1;
  while (end > start && IS_DECORATION.test(chars[end - 1] ?? '')) end -= 1;
  return start === 0 && end === chars.length ? text : chars.slice(start, end).join('');
}

/**
 * NFKC, upper case, no diacritics, single inner spaces, and no surrounding white space,
 * punctuation, quotes or emoji. Inner punctuation stays ("OPT-OUT", "DON'T").
 *
 * Decoration is removed at both ends, not only trailing emoji: "🛑 STOP" and "«Arrêt»" are as
 * clearly a keyword as "STOP 🙏".
 */
export function normalizeMessage(text: string): string {
  return trimDecoration(
    text
      // Full-width and other compatibility forms fold to their plain letters (ｓｔｏｐ -> stop, ﬁ -> fi).
      .normalize('NFKC')
      .replace(INVISIBLE_FORMAT_CHARS, '')
      // toUpperCase is locale-independent (unlike toLocaleUpperCase, which turns i into İ in Turkish).
      // It runs before the diacritic strip because upper-casing can itself produce combining marks.
      .toUpperCase()
      .normalize('NFD')
      .replace(DIACRITICS, '')
      // Recompose what NFD split but is not a diacritic (Hangul syllables, kana voicing marks).
      .normalize('NFC')
      .replace(APOSTROPHES, "'")
      .replace(DASHES, '-')
      .replace(WHITESPACE_RUN, ' '),
  );
}
