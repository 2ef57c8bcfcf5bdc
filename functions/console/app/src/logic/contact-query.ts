/**
 * What the operator typed into the contact search, made into what the API stores: emails in lower
 * case; phone numbers in E.164 without the spaces, dots, dashes and brackets people type.
 */
export interface ContactQuery {
  /** The prefix to search for (the API lists contacts by address prefix). */
  prefix: string;
  /** A whole address worth opening directly, even when no contact starts with it yet. */
  complete: boolean;
  kind: 'email' | 'phone' | 'text';
}

const PHONE_DECORATION = /[\s().\-\u00a0]/g;

export function parseContactQuery(input: string): ContactQuery {
  const trimmed = input.trim();
  if (trimmed.includes('@')) {
    const prefix = trimmed.toLowerCase();
    return { prefix, complete: /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(prefix), kind: 'email' };
  }
  const compact = trimmed.replace(PHONE_DECORATION, '');
  if (/^(\+|00)?\d+$/.test(compact)) {
    // Stored numbers are E.164: "00 44…" and bare digits (as WhatsApp shows them) get their "+".
    const digits = compact.replace(/^(\+|00)/, '');
    const prefix = `+${digits}`;
    return { prefix, complete: /^\+\d{8,15}$/.test(prefix), kind: 'phone' };
  }
  return { prefix: trimmed.toLowerCase(), complete: false, kind: 'text' };
}
