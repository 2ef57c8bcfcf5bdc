import { generateKeyPairSync, randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto';

/**
 * A minimal X.509 v3 certificate writer (DER), so the local stack can sign SNS messages the way SNS
 * does, with a certificate the functions' unchanged verifier accepts. Node can parse certificates but
 * not create them, and a library for these few lines is not worth a dependency.
 */

function tlv(tag: number, content: Buffer): Buffer {
  const length = content.length;
  let header: Buffer;
  if (length < 0x80) header = Buffer.from([tag, length]);
  else {
    const bytes: number[] = [];
    for (let rest = length; rest > 0; rest >>= 8) bytes.unshift(rest & 0xff);
    header = Buffer.from([tag, 0x80 | bytes.length, ...bytes]);
  }
  return Buffer.concat([header, content]);
}

const sequence = (...items: Buffer[]) => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]) => tlv(0x31, Buffer.concat(items));
const explicit = (index: number, content: Buffer) => tlv(0xa0 + index, content);
const octetString = (content: Buffer) => tlv(0x04, content);
const bitString = (content: Buffer) => tlv(0x03, Buffer.concat([Buffer.from([0]), content]));
const nullValue = () => Buffer.from([0x05, 0x00]);
const utf8String = (value: string) => tlv(0x0c, Buffer.from(value, 'utf8'));

function integer(value: Buffer): Buffer {
  // Positive: a leading 0x00 when the high bit is set.
  return tlv(0x02, (value[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), value]) : value);
}

function oid(dotted: string): Buffer {
  const [first = 0, second = 0, ...rest] = dotted.split('.').map(Number);
  const bytes = [first * 40 + second];
  for (const part of rest) {
    const chunk: number[] = [];
    let value = part;
    do {
      chunk.unshift(value & 0x7f);
      value = Math.floor(value / 128);
    } while (value > 0);
    for (let index = 0; index < chunk.length - 1; index += 1) chunk[index] = (chunk[index] ?? 0) | 0x80;
    bytes.push(...chunk);
  }
  return tlv(0x06, Buffer.from(bytes));
}

function time(date: Date): Buffer {
  const iso = date.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  // RFC 5280: UTCTime until 2049, GeneralizedTime after.
  return date.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(`${iso.slice(2)}Z`)) : tlv(0x18, Buffer.from(`${iso}Z`));
}

const SHA256_WITH_RSA = sequence(oid('1.2.840.113549.1.1.11'), nullValue());

export interface SelfSignedCertificate {
  certificatePem: string;
  privateKey: KeyObject;
  certificate: X509Certificate;
}

/** An RSA-2048 key and a self-signed certificate for `commonName` (also its DNS subjectAltName). */
export function createSelfSignedCertificate(options: { commonName: string; notBefore: Date; notAfter: Date }): SelfSignedCertificate {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const name = sequence(set(sequence(oid('2.5.4.3'), utf8String(options.commonName))));
  const subjectAltName = sequence(oid('2.5.29.17'), octetString(sequence(tlv(0x82, Buffer.from(options.commonName, 'ascii')))));
  const serial = randomBytes(16);
  // Positive and minimal in DER: a first byte of 0x00 followed by one below 0x80 would be padding,
  // which OpenSSL rejects ("illegal padding") — about one certificate in 256 before this.
  serial[0] = ((serial[0] ?? 0) & 0x3f) | 0x40;
  const tbs = sequence(
    explicit(0, integer(Buffer.from([2]))),
    integer(serial),
    SHA256_WITH_RSA,
    name,
    sequence(time(options.notBefore), time(options.notAfter)),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
    explicit(3, sequence(subjectAltName)),
  );
  const der = sequence(tbs, SHA256_WITH_RSA, bitString(sign('sha256', tbs, privateKey)));
  const certificatePem = `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END CERTIFICATE-----\n`;
  return { certificatePem, privateKey, certificate: new X509Certificate(certificatePem) };
}
