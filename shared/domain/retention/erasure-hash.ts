import { createHmac } from 'node:crypto';

/**
 * The only trace of an erased contact: HMAC-SHA256 of the normalized address under the account's
 * erasure key, hex. Without the key the hash cannot be checked against a list of numbers; with it,
 * the gate and imports can still recognise the person and keep honouring the erasure.
 */
export function contactErasureHash(key: Buffer, contact: string): string {
  return createHmac('sha256', key).update(contact, 'utf8').digest('hex');
}
