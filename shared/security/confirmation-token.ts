import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import * as z from '../validation/zod.ts';

/** What a double opt-in link proves: who asked, for which form version, from where, until when. */
export const confirmationClaimsSchema = z.strictObject({
  formId: z.string(),
  formVersion: z.number().check(z.int()),
  contact: z.string(),
  requestedAt: z.string(),
  ip: z.string(),
  userAgent: z.string(),
  /** Epoch seconds. */
  exp: z.number().check(z.int()),
});
export type ConfirmationClaims = z.infer<typeof confirmationClaimsSchema>;

export class InvalidConfirmationTokenError extends Error {
  constructor(readonly reason: 'invalid' | 'expired') {
    super(reason === 'expired' ? 'The confirmation link has expired' : 'The confirmation link is not valid');
    this.name = 'InvalidConfirmationTokenError';
  }
}

const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Seals the claims with AES-256-GCM under the account's form key: the link carries no readable
 * address, and any change to it (or using it on another form's URL, which is bound as associated
 * data) fails authentication. Stateless: nothing to store until the person confirms.
 */
export function sealConfirmationToken(key: Buffer, claims: ConfirmationClaims): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(claims.formId, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(JSON.stringify(claims), 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64url');
}

export function openConfirmationToken(key: Buffer, token: string, formId: string, nowMs: number): ConfirmationClaims {
  const bytes = /^[A-Za-z0-9_-]{40,4000}$/.test(token) ? Buffer.from(token, 'base64url') : Buffer.alloc(0);
  if (bytes.length <= IV_BYTES + TAG_BYTES) throw new InvalidConfirmationTokenError('invalid');
  let plain: string;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(formId, 'utf8'));
    decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    plain = Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    throw new InvalidConfirmationTokenError('invalid');
  }
  const parsed = confirmationClaimsSchema.safeParse(JSON.parse(plain));
  if (!parsed.success || parsed.data.formId !== formId) throw new InvalidConfirmationTokenError('invalid');
  if (parsed.data.exp * 1000 <= nowMs) throw new InvalidConfirmationTokenError('expired');
  return parsed.data;
}
