import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { computeWhatsAppSignature, verifyWhatsAppSignature } from '../../../shared/adapters/whatsapp/whatsapp-signature.ts';
import { WHATSAPP_REAL_SIGNED_VECTOR, WHATSAPP_SDK_VECTOR, WHATSAPP_UNICODE_VECTOR } from '../../fixtures/whatsapp-signature-vectors.ts';

const verify = (appSecret: string, body: string | Buffer, signature: string | undefined) =>
  verifyWhatsAppSignature({ appSecret, rawBody: Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8'), signature });

describe('X-Hub-Signature-256: official values', () => {
  it("Meta's Node.js SDK vector verifies and computes", () => {
    const { appSecret, body, signature } = WHATSAPP_SDK_VECTOR;
    expect(verify(appSecret, body, signature)).toBe(true);
    expect(computeWhatsAppSignature(appSecret, body)).toBe(signature);
  });

  it('the non-ASCII vector verifies over the \\uXXXX-escaped bytes Meta sends', () => {
    const { appSecret, escapedBody, signature } = WHATSAPP_UNICODE_VECTOR;
    expect(/^[\x20-\x7e]*$/.test(escapedBody)).toBe(true);
    expect(verify(appSecret, escapedBody, signature)).toBe(true);
  });

  it('the same text re-serialised as UTF-8 does not verify', () => {
    const { appSecret, decodedText, signature, signatureOverUtf8 } = WHATSAPP_UNICODE_VECTOR;
    expect(verify(appSecret, decodedText, signature)).toBe(false);
    // It is the UTF-8 bytes that this other value signs, which shows the bytes really differ.
    expect(computeWhatsAppSignature(appSecret, Buffer.from(decodedText, 'utf8'))).toBe(signatureOverUtf8);
  });

  it('the real Meta-signed delivery verifies byte for byte', () => {
    const { appSecret, body, signature, bodySha256 } = WHATSAPP_REAL_SIGNED_VECTOR;
    const bytes = Buffer.from(body, 'utf8');
    expect(bytes).toHaveLength(511);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(bodySha256);
    expect(verify(appSecret, bytes, signature)).toBe(true);
  });

  it.each([
    ['pretty-printed', (body: string) => JSON.stringify(JSON.parse(body), null, 2)],
    ['re-serialised compactly with keys reordered', (body: string) => JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(body) as object).reverse()))],
    ['with a trailing newline', (body: string) => `${body}\n`],
    ['with one character changed', (body: string) => body.replace('PyWa.', 'PyWa!')],
  ])('the real delivery %s does not verify', (_what, alter) => {
    const { appSecret, body, signature } = WHATSAPP_REAL_SIGNED_VECTOR;
    const altered = alter(body);
    expect(altered).not.toBe(body);
    expect(verify(appSecret, altered, signature)).toBe(false);
  });
});

describe('X-Hub-Signature-256: wrong or malformed input', () => {
  const { appSecret, body, signature } = WHATSAPP_REAL_SIGNED_VECTOR;

  it('fails with another app secret', () => {
    expect(verify(`${appSecret}0`, body, signature)).toBe(false);
  });

  it('accepts the hex in upper case (the same bytes)', () => {
    expect(verify(appSecret, body, `sha256=${signature.slice(7).toUpperCase()}`)).toBe(true);
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['without the sha256= prefix', signature.slice(7)],
    ['sha1', `sha1=${signature.slice(7, 47)}`],
    ['truncated', signature.slice(0, -2)],
    ['too long', `${signature}00`],
    ['not hex', `sha256=${'z'.repeat(64)}`],
  ])('fails when the header is %s', (_what, header) => {
    expect(verify(appSecret, body, header)).toBe(false);
  });

  it('fails with an empty app secret', () => {
    expect(verify('', body, computeWhatsAppSignature('', body))).toBe(false);
  });
});
