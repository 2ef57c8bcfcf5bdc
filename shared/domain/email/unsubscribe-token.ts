import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import * as z from '../../validation/zod.ts';

/**
 * Opaque one-click unsubscribe tokens (RFC 8058 links). The token names the account and the key id
 * in clear (to find the key: keys are per account and rotate, old ones keep verifying until
 * retired) and carries the line, the contact and the campaign ENCRYPTED (AES-256-CTR), then
 * authenticated with HMAC-SHA256 over everything before the tag (encrypt-then-MAC). No address is
 * readable from a token, and any change to it makes it invalid.
 *
 * Layout, base64url: 0x01 | len | accountId | len | keyId | iv (16) | ciphertext | tag (16).
 */
export interface UnsubscribeClaims {
  accountId: string;
  lineId: string;
  contact: string;
  campaignId?: string;
  /** Epoch seconds. */
  issuedAt: number;
}

export interface UnsubscribeKey {
  keyId: string;
  /** 32 random bytes. */
  secret: Buffer;
}

const VERSION = 1;
const IV_BYTES = 16;
const TAG_BYTES = 16;
const ID = /^[a-z0-9_]{1,64}$/;
/** Far above a real token (about 300 characters), far below an abusive URL. */
export const MAX_TOKEN_CHARS = 1500;
export const TOKEN_PATTERN = /^[A-Za-z0-9_-]{40,1500}$/;

const claimsSchema = z.tuple([
  z.string().check(z.minLength(1), z.maxLength(64)),
  z.string().check(z.minLength(3), z.maxLength(320)),
  z.nullable(z.string().check(z.maxLength(64))),
  z.number().check(z.int(), z.nonnegative()),
]);

function subkeys(secret: Buffer): { encryption: Buffer; mac: Buffer } {
  const derive = (purpose: string) => Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), `optgate/unsubscribe/${purpose}`, 32));
  return { encryption: derive('encryption'), mac: derive('mac') };
}

export function encodeUnsubscribeToken(claims: UnsubscribeClaims, key: UnsubscribeKey, iv: Buffer = randomBytes(IV_BYTES)): string {
  if (!ID.test(claims.accountId) || !ID.test(key.keyId)) throw new Error('account and key ids must be [a-z0-9_]{1,64}');
  const { encryption, mac } = subkeys(key.secret);
  const plaintext = Buffer.from(JSON.stringify([claims.lineId, claims.contact, claims.campaignId ?? null, claims.issuedAt]), 'utf8');
  const cipher = createCipheriv('aes-256-ctr', encryption, iv);
  const header = Buffer.concat([
    Buffer.from([VERSION, claims.accountId.length]),
    Buffer.from(claims.accountId, 'ascii'),
    Buffer.from([key.keyId.length]),
    Buffer.from(key.keyId, 'ascii'),
    iv,
  ]);
  const signed = Buffer.concat([header, cipher.update(plaintext), cipher.final()]);
  const tag = createHmac('sha256', mac).update(signed).digest().subarray(0, TAG_BYTES);
  return Buffer.concat([signed, tag]).toString('base64url');
}

interface ParsedToken {
  accountId: string;
  keyId: string;
  signed: Buffer;
  iv: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

function parseToken(token: string): ParsedToken | undefined {
  if (!TOKEN_PATTERN.test(token)) return undefined;
  const bytes = Buffer.from(token, 'base64url');
  // base64url decoding is lenient; a token that does not round-trip was altered.
  if (bytes.toString('base64url') !== token || bytes[0] !== VERSION) return undefined;
  let offset = 1;
  const readId = (): string | undefined => {
    const length = bytes[offset] ?? 0;
    const value = bytes.subarray(offset + 1, offset + 1 + length).toString('ascii');
    offset += 1 + length;
    return ID.test(value) && value.length === length ? value : undefined;
  };
  const accountId = readId();
  const keyId = readId();
  if (!accountId || !keyId || bytes.length < offset + IV_BYTES + 1 + TAG_BYTES) return undefined;
  const iv = bytes.subarray(offset, offset + IV_BYTES);
  const tagStart = bytes.length - TAG_BYTES;
  return {
    accountId,
    keyId,
    signed: bytes.subarray(0, tagStart),
    iv,
    ciphertext: bytes.subarray(offset + IV_BYTES, tagStart),
    tag: bytes.subarray(tagStart),
  };
}

/** The account and key a token claims to be signed with (unverified: only to look the key up). */
export function unsubscribeTokenKeyRef(token: string): { accountId: string; keyId: string } | undefined {
  const parsed = parseToken(token);
  return parsed ? { accountId: parsed.accountId, keyId: parsed.keyId } : undefined;
}

/** The claims of a token signed with `key`; undefined for anything forged, altered or malformed. */
export function decodeUnsubscribeToken(token: string, key: UnsubscribeKey): UnsubscribeClaims | undefined {
  const parsed = parseToken(token);
  if (!parsed || parsed.keyId !== key.keyId) return undefined;
  const { encryption, mac } = subkeys(key.secret);
  const expected = createHmac('sha256', mac).update(parsed.signed).digest().subarray(0, TAG_BYTES);
  if (!timingSafeEqual(expected, parsed.tag)) return undefined;
  const decipher = createDecipheriv('aes-256-ctr', encryption, parsed.iv);
  const plaintext = Buffer.concat([decipher.update(parsed.ciphertext), decipher.final()]).toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(plaintext);
  } catch {
    return undefined;
  }
  const claims = claimsSchema.safeParse(json);
  if (!claims.success) return undefined;
  const [lineId, contact, campaignId, issuedAt] = claims.data;
  return { accountId: parsed.accountId, lineId, contact, ...(campaignId !== null ? { campaignId } : {}), issuedAt };
}
