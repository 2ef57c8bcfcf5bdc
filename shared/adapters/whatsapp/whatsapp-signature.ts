import { createHmac, timingSafeEqual } from 'node:crypto';

const SIGNATURE_HEADER = /^sha256=([0-9a-fA-F]{64})$/;

/** `sha256=<hex HMAC-SHA256(body, app secret)>`, as Meta sends it in X-Hub-Signature-256. */
export function computeWhatsAppSignature(appSecret: string, body: Buffer | string): string {
  return `sha256=${createHmac('sha256', appSecret).update(body).digest('hex')}`;
}

/**
 * Checks X-Hub-Signature-256 over the exact bytes received. Meta serialises non-ASCII text as
 * `\uXXXX` escapes and signs those bytes, so the raw body verifies as it is; a body that was parsed
 * and re-serialised (escapes turned into UTF-8, spacing changed) does not, by design. Constant-time;
 * never throws.
 */
export function verifyWhatsAppSignature(input: { appSecret: string; rawBody: Buffer; signature: string | undefined }): boolean {
  const { appSecret, rawBody, signature } = input;
  if (!appSecret || !signature) return false;
  const match = SIGNATURE_HEADER.exec(signature.trim());
  if (!match?.[1]) return false;
  const received = Buffer.from(match[1].toLowerCase(), 'hex');
  const expected = createHmac('sha256', appSecret).update(rawBody).digest();
  return received.length === expected.length && timingSafeEqual(received, expected);
}
