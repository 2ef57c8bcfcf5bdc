import { createSign, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { HttpClient, HttpRequest } from '../../../shared/adapters/http/http-client.ts';
import { createSnsCertificateSource } from '../../../shared/adapters/sns/sns-certificate-source.ts';
import { SnsSignatureVerifier, snsStringToSign, type SnsCertificateSource, type SnsMessage } from '../../../shared/adapters/sns/sns-signature.ts';
import { createSelfSignedCertificate } from '../../../infra/local/self-signed-certificate.ts';
import {
  SNS_VECTOR_CERTIFICATE_PEM,
  SNS_VECTOR_CERTIFICATE_URL,
  SNS_VECTOR_SIGNED_AT,
  SNS_VECTORS,
} from '../../fixtures/sns-signature-vectors.ts';

const vectorCertificate = new X509Certificate(SNS_VECTOR_CERTIFICATE_PEM);
const allowedTopicArns = [...new Set(SNS_VECTORS.map((vector) => String(vector.message.TopicArn)))];

/** Serves the vectors' certificate and records which URLs were asked for. */
function fixtureCertificates(certificate = vectorCertificate): SnsCertificateSource & { requested: string[] } {
  const requested: string[] = [];
  return {
    requested,
    get: async (url) => {
      requested.push(url.href);
      return certificate;
    },
  };
}

function verifier(options: { now?: Date; topics?: string[]; certificates?: SnsCertificateSource } = {}) {
  return new SnsSignatureVerifier({
    allowedTopicArns: options.topics ?? allowedTopicArns,
    certificates: options.certificates ?? fixtureCertificates(),
    now: () => options.now ?? SNS_VECTOR_SIGNED_AT,
  });
}

describe('SNS signature: the real AWS-signed messages', () => {
  it('has all ten vectors, both signature versions and both certificate field spellings', () => {
    expect(SNS_VECTORS).toHaveLength(10);
    expect(new Set(SNS_VECTORS.map((vector) => vector.message.SignatureVersion))).toEqual(new Set(['1', '2']));
    expect(SNS_VECTORS.some((vector) => 'SigningCertURL' in vector.message)).toBe(true);
    expect(SNS_VECTORS.some((vector) => 'SigningCertUrl' in vector.message)).toBe(true);
    expect(SNS_VECTORS.some((vector) => vector.message.Subject === null)).toBe(true);
  });

  it.each(SNS_VECTORS)('$name verifies', async ({ message }) => {
    const certificates = fixtureCertificates();
    const result = await verifier({ certificates }).verify(message);
    expect(result).toEqual({ ok: true, message: expect.objectContaining({ MessageId: message.MessageId }) });
    expect(certificates.requested).toEqual([SNS_VECTOR_CERTIFICATE_URL]);
  });

  const tamperings: { what: string; change: (message: Record<string, string | null>) => Record<string, string | null> }[] = [
    { what: 'the Message', change: (m) => ({ ...m, Message: `${m.Message ?? ''}!` }) },
    { what: 'the MessageId', change: (m) => ({ ...m, MessageId: `${m.MessageId ?? ''}0` }) },
    { what: 'the Timestamp', change: (m) => ({ ...m, Timestamp: '2022-07-28T21:24:09.324Z' }) },
    { what: 'the Subject (added or changed)', change: (m) => ({ ...m, Subject: `${m.Subject ?? ''}x` }) },
    { what: 'the Type', change: (m) => ({ ...m, Type: 'SubscriptionConfirmation', SubscribeURL: 'https://example.com', Token: 't' }) },
    { what: 'the SignatureVersion', change: (m) => ({ ...m, SignatureVersion: m.SignatureVersion === '1' ? '2' : '1' }) },
    {
      what: 'one byte of the Signature',
      change: (m) => {
        const bytes = Buffer.from(m.Signature ?? '', 'base64');
        bytes[10] = (bytes[10] ?? 0) ^ 0x01;
        return { ...m, Signature: bytes.toString('base64') };
      },
    },
  ];

  for (const { what, change } of tamperings) {
    it.each(SNS_VECTORS)(`fails when ${what} is altered: $name`, async ({ message }) => {
      expect((await verifier().verify(change(message))).ok).toBe(false);
    });
  }

  it('fails when the Subject is removed from a message that had one', async () => {
    const withSubject = SNS_VECTORS.filter((vector) => typeof vector.message.Subject === 'string');
    expect(withSubject.length).toBeGreaterThan(0);
    for (const { message } of withSubject) {
      const { Subject: _subject, ...rest } = message;
      expect((await verifier().verify(rest)).ok).toBe(false);
    }
  });

  it('fails once the certificate has expired (the real clock) and before it was valid', async () => {
    const [first] = SNS_VECTORS;
    expect(await verifier({ now: new Date('2026-11-24T00:00:00Z') }).verify(first?.message)).toEqual({
      ok: false,
      reason: 'signing certificate not valid now',
    });
    expect((await verifier({ now: new Date('2021-01-01T00:00:00Z') }).verify(first?.message)).ok).toBe(false);
  });

  it('fails for a topic that is not on the allow-list, without fetching any certificate', async () => {
    const certificates = fixtureCertificates();
    const result = await verifier({ topics: ['arn:aws:sns:us-east-2:295079676684:some-other-topic'], certificates }).verify(SNS_VECTORS[0]?.message);
    expect(result).toEqual({ ok: false, reason: 'topic not allowed' });
    expect(certificates.requested).toEqual([]);
  });

  it.each([
    ['another host', 'https://sns.us-east-2.amazonaws.com.example.com/SimpleNotificationService-x.pem'],
    ['a look-alike host', 'https://sns-us-east-2.amazonaws.com/SimpleNotificationService-x.pem'],
    ['plain http', 'http://sns.us-east-2.amazonaws.com/SimpleNotificationService-x.pem'],
    ['another region than the topic', 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-x.pem'],
    ['a port', 'https://sns.us-east-2.amazonaws.com:8443/SimpleNotificationService-x.pem'],
    ['credentials', 'https://user@sns.us-east-2.amazonaws.com/SimpleNotificationService-x.pem'],
    ['not a .pem', 'https://sns.us-east-2.amazonaws.com/cert.txt'],
    ['a query string', 'https://sns.us-east-2.amazonaws.com/x.pem?a=b'],
    ['not a URL', 'sns.us-east-2.amazonaws.com/x.pem'],
  ])('refuses a signing certificate URL with %s, without fetching it', async (_what, url) => {
    const certificates = fixtureCertificates();
    const { SigningCertURL: _a, SigningCertUrl: _b, ...message } = SNS_VECTORS[0]?.message ?? {};
    expect((await verifier({ certificates }).verify({ ...message, SigningCertURL: url })).ok).toBe(false);
    expect(certificates.requested).toEqual([]);
  });

  it('refuses a certificate that is not issued to SNS, even when it signed the message', async () => {
    const forged = createSelfSignedCertificate({ commonName: 'attacker.example.com', notBefore: new Date('2020-01-01'), notAfter: new Date('2030-01-01') });
    const message: SnsMessage = { ...(SNS_VECTORS[0]?.message as SnsMessage) };
    const signer = createSign('sha1');
    signer.update(snsStringToSign(message) ?? '');
    const forgedMessage = { ...message, Signature: signer.sign(forged.privateKey, 'base64') };
    expect(await verifier({ certificates: fixtureCertificates(forged.certificate) }).verify(forgedMessage)).toEqual({
      ok: false,
      reason: 'certificate not issued to SNS',
    });
  });

  it.each([null, 'text', 42, {}, { Type: 'Notification' }, { ...SNS_VECTORS[0]?.message, SignatureVersion: '3' }])(
    'rejects what is not a signed SNS message: %j',
    async (input) => {
      expect((await verifier().verify(input)).ok).toBe(false);
    },
  );
});

describe('SNS certificate source', () => {
  function fakeHttp(answers: { status: number; body: string }[]): HttpClient & { requests: HttpRequest[] } {
    const requests: HttpRequest[] = [];
    return {
      requests,
      send: async (request) => {
        requests.push(request);
        return answers.shift() ?? { status: 500, body: '' };
      },
    };
  }

  it('fetches a certificate once and serves it from cache afterwards', async () => {
    const http = fakeHttp([{ status: 200, body: SNS_VECTOR_CERTIFICATE_PEM }]);
    const source = createSnsCertificateSource({ http });
    const url = new URL(SNS_VECTOR_CERTIFICATE_URL);
    const [first, second] = await Promise.all([source.get(url), source.get(url)]);
    expect(first?.fingerprint256).toBe(vectorCertificate.fingerprint256);
    expect(second).toBe(first);
    expect(http.requests.map((request) => request.url)).toEqual([SNS_VECTOR_CERTIFICATE_URL]);
  });

  it('does not cache a failure, and rejects what is not a certificate', async () => {
    const http = fakeHttp([{ status: 503, body: '' }, { status: 200, body: 'not a certificate' }, { status: 200, body: SNS_VECTOR_CERTIFICATE_PEM }]);
    const source = createSnsCertificateSource({ http });
    const url = new URL(SNS_VECTOR_CERTIFICATE_URL);
    await expect(source.get(url)).rejects.toThrow(/503/);
    await expect(source.get(url)).rejects.toThrow(/not a PEM/);
    await expect(source.get(url)).resolves.toBeInstanceOf(X509Certificate);
    expect(http.requests).toHaveLength(3);
  });

  it('fetches from the configured base URL, keeping the certificate path', async () => {
    const http = fakeHttp([{ status: 200, body: SNS_VECTOR_CERTIFICATE_PEM }]);
    const source = createSnsCertificateSource({ http, baseUrl: 'http://127.0.0.1:4000/local/sns-certificates' });
    await source.get(new URL(SNS_VECTOR_CERTIFICATE_URL));
    expect(http.requests[0]?.url).toBe('http://127.0.0.1:4000/local/sns-certificates/SimpleNotificationService-7ff5318490ec183fbaddaa2a969abfda.pem');
  });
});
