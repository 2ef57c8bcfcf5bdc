import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { ServiceKeyring } from './service-keyring.ts';

/**
 * Seals the small secrets optgate keeps in its table — provider credentials of a line, per-account
 * unsubscribe, form-link and erasure keys — with AES-256-GCM under the service key. The table (its
 * backups, exports and point-in-time restores included) then holds no usable secret: opening one
 * also takes secretsmanager:GetSecretValue on the service key, which only the functions have.
 *
 * Every value is bound to what it belongs to (the `context`, e.g. `line-credentials:{account}:{line}`)
 * as associated data, so a sealed value copied onto another item does not open.
 *
 * Format: `sb1.{keyId}.{base64url(iv ‖ tag ‖ ciphertext)}`.
 */
export interface SecretBox {
  seal(plaintext: string, context: string): Promise<string>;
  open(sealed: string, context: string): Promise<string>;
}

export class SealedValueError extends Error {
  override readonly name = 'SealedValueError';
}

const VERSION = 'sb1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const SEALED_PATTERN = /^sb1\.([A-Za-z0-9_-]{1,32})\.([A-Za-z0-9_-]+)$/;

export function isSealed(value: unknown): value is string {
  return typeof value === 'string' && SEALED_PATTERN.test(value);
}

/**
 * The keyring comes from `loadKeyring` (cached by its source); a value sealed under a key id the
 * cached keyring does not know yet (another container saw a rotation first) asks once more with
 * `refresh`.
 */
export class KeyringSecretBox implements SecretBox {
  constructor(private readonly loadKeyring: (options?: { refresh?: boolean }) => Promise<ServiceKeyring>) {}

  async seal(plaintext: string, context: string): Promise<string> {
    const keyring = await this.loadKeyring();
    const key = keyring.keys.get(keyring.currentKeyId);
    if (!key) throw new SealedValueError('The current service key is missing');
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(associatedData(keyring.currentKeyId, context));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `${VERSION}.${keyring.currentKeyId}.${Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64url')}`;
  }

  async open(sealed: string, context: string): Promise<string> {
    const match = SEALED_PATTERN.exec(sealed);
    if (!match) {
      throw new SealedValueError('Not a sealed value (data written by an optgate version before sealing? see README, Secrets)');
    }
    const [, keyId = '', payload = ''] = match;
    let key = (await this.loadKeyring()).keys.get(keyId);
    if (!key) key = (await this.loadKeyring({ refresh: true })).keys.get(keyId);
    if (!key) throw new SealedValueError(`Sealed with service key "${keyId}", which the service key secret no longer has`);
    const bytes = Buffer.from(payload, 'base64url');
    if (bytes.length < IV_BYTES + TAG_BYTES) throw new SealedValueError('Sealed value is truncated');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES));
      decipher.setAAD(associatedData(keyId, context));
      decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new SealedValueError(`Sealed value does not open for ${context.split(':')[0]} (altered, or moved from another item)`);
    }
  }
}

function associatedData(keyId: string, context: string): Buffer {
  return Buffer.from(`${VERSION}.${keyId}.${context}`, 'utf8');
}

/** The contexts values are bound to: one per kind of secret and the item it belongs to. */
export const SEALING_CONTEXT = {
  lineCredentials: (accountId: string, lineId: string) => `line-credentials:${accountId}:${lineId}`,
  unsubscribeKey: (accountId: string, keyId: string) => `unsubscribe-key:${accountId}:${keyId}`,
  formTokenKey: (accountId: string) => `form-token-key:${accountId}`,
  erasureKey: (accountId: string) => `erasure-key:${accountId}`,
} as const;
