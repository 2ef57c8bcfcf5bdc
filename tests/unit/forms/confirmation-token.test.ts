import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { InvalidConfirmationTokenError, openConfirmationToken, sealConfirmationToken, type ConfirmationClaims } from '../../../shared/security/confirmation-token.ts';

const key = randomBytes(32);
const claims: ConfirmationClaims = {
  formId: 'form_01jform0000000000000000000',
  formVersion: 3,
  contact: 'reader@example.org',
  requestedAt: '2026-11-24T08:00:00.000Z',
  ip: '198.51.100.7',
  userAgent: 'Mozilla/5.0',
  exp: Date.parse('2026-11-26T08:00:00.000Z') / 1000,
};
const now = Date.parse('2026-11-25T08:00:00.000Z');

function reason(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof InvalidConfirmationTokenError) return error.reason;
    throw error;
  }
  return 'accepted';
}

describe('double opt-in confirmation token', () => {
  it('opens what it sealed, and shows no readable address', () => {
    const token = sealConfirmationToken(key, claims);
    expect(openConfirmationToken(key, token, claims.formId, now)).toEqual(claims);
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(Buffer.from(token, 'base64url').toString('latin1')).not.toContain('reader');
    expect(sealConfirmationToken(key, claims)).not.toBe(token);
  });

  it('refuses any altered byte, another form, another account key, and an expired link', () => {
    const token = sealConfirmationToken(key, claims);
    for (let index = 0; index < token.length; index += 7) {
      const altered = token.slice(0, index) + (token[index] === 'A' ? 'B' : 'A') + token.slice(index + 1);
      expect(reason(() => openConfirmationToken(key, altered, claims.formId, now)), `byte ${index}`).toBe('invalid');
    }
    expect(reason(() => openConfirmationToken(key, token, 'form_01jother000000000000000000', now))).toBe('invalid');
    expect(reason(() => openConfirmationToken(randomBytes(32), token, claims.formId, now))).toBe('invalid');
    expect(reason(() => openConfirmationToken(key, token, claims.formId, claims.exp * 1000))).toBe('expired');
    expect(reason(() => openConfirmationToken(key, 'short', claims.formId, now))).toBe('invalid');
    expect(reason(() => openConfirmationToken(key, '!'.repeat(60), claims.formId, now))).toBe('invalid');
  });
});
