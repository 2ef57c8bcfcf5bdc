import { createHmac } from 'node:crypto';

/**
 * The keyed hash an erasure keeps instead of the address: hex HMAC-SHA256 of the normalised contact
 * (E.164 or lower-cased email) with the account's erasure key (32 random bytes). Without the key the
 * hash cannot be reversed or matched against a list of numbers; with it, the gate and imports can
 * still recognise the person to keep them suppressed. Callers pass an already-normalised contact.
 */
export function contactErasureHash(key: Buffer, contact: string): string {
  return createHmac('sha256', key).update(contact, 'utf8').digest('hex');
}
