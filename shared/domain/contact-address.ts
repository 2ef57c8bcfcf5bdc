import { parsePhoneNumberFromString } from 'libphonenumber-js/min';
import type { Channel } from './channels.ts';
import { ValidationError } from './errors.ts';
import { maskContact } from './mask-contact.ts';

// RFC 5321 limits; deliberately simple: providers validate deliverability, we only need a stable key.
const EMAIL_PATTERN = /^[^\s@<>()[\]\\,;:"]{1,64}@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;

/**
 * A contact's canonical address: E.164 for phone channels (a WhatsApp `wa_id` or `whatsapp:+…`
 * becomes `+…`), lower-cased for email. One person keeps one key whatever form a provider sends.
 */
export function normalizeContact(raw: string, channel?: Channel): string {
  const value = raw.trim();
  if (value.length === 0 || value.length > 320) throw new ValidationError('The contact address is empty or too long');
  const isEmail = channel === 'email' || (channel === undefined && value.includes('@'));
  return isEmail ? normalizeEmail(value) : normalizePhone(value);
}

export function normalizeEmail(raw: string): string {
  const email = raw.trim().toLowerCase();
  if (!EMAIL_PATTERN.test(email)) throw new ValidationError(`Not a valid email address: ${maskContact(email)}`);
  return email;
}

export function normalizePhone(raw: string): string {
  let value = raw.trim().replace(/^whatsapp:/i, '');
  // WhatsApp wa_ids are E.164 digits without the plus.
  if (/^\d{8,15}$/.test(value)) value = `+${value}`;
  const phone = parsePhoneNumberFromString(value);
  if (!phone || !phone.isPossible()) {
    throw new ValidationError('Not a valid phone number: use E.164, e.g. +15551230000');
  }
  return phone.number;
}

export { maskContact };
