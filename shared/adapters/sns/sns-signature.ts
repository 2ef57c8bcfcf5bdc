import { verify, type X509Certificate } from 'node:crypto';
import * as z from '../../validation/zod.ts';

/**
 * An SNS message as SNS signs it. HTTP(S) subscriptions spell the certificate field
 * `SigningCertURL`; Lambda subscriptions spell it `SigningCertUrl` and may send `"Subject": null`.
 */
export const snsMessageSchema = z.looseObject({
  Type: z.enum(['Notification', 'SubscriptionConfirmation', 'UnsubscribeConfirmation']),
  MessageId: z.string().check(z.minLength(1), z.maxLength(256)),
  TopicArn: z.string().check(z.minLength(1), z.maxLength(512)),
  Subject: z.optional(z.nullable(z.string().check(z.maxLength(512)))),
  Message: z.string(),
  Timestamp: z.string().check(z.minLength(1), z.maxLength(64)),
  SignatureVersion: z.string().check(z.maxLength(8)),
  Signature: z.string().check(z.minLength(1), z.maxLength(4096)),
  SigningCertURL: z.optional(z.string().check(z.maxLength(2048))),
  SigningCertUrl: z.optional(z.string().check(z.maxLength(2048))),
  SubscribeURL: z.optional(z.string().check(z.maxLength(2048))),
  Token: z.optional(z.string().check(z.maxLength(2048))),
});
export type SnsMessage = z.infer<typeof snsMessageSchema>;

/** Where signing certificates come from (fetched over HTTPS and cached in production; a fixture in tests). */
export interface SnsCertificateSource {
  get(certificateUrl: URL): Promise<X509Certificate>;
}

export type SnsVerification = { ok: true; message: SnsMessage } | { ok: false; reason: string };

const ALGORITHMS: Readonly<Record<string, string>> = { '1': 'sha1', '2': 'sha256' };
const TOPIC_ARN = /^arn:(aws[a-z-]*):sns:([a-z0-9-]+):\d{12}:[A-Za-z0-9_-]+$/;

/** What SNS signs of a message. */
export interface SnsSignedFields {
  Type: SnsMessage['Type'];
  Message: string;
  MessageId: string;
  Subject?: string | null;
  Timestamp: string;
  TopicArn: string;
  SubscribeURL?: string;
  Token?: string;
}

/** The fields SNS signs, in its order; an absent or null Subject is left out of a notification. */
export function snsStringToSign(message: SnsSignedFields): string | undefined {
  const fields: [string, string | null | undefined][] =
    message.Type === 'Notification'
      ? [
          ['Message', message.Message],
          ['MessageId', message.MessageId],
          ['Subject', message.Subject],
          ['Timestamp', message.Timestamp],
          ['TopicArn', message.TopicArn],
          ['Type', message.Type],
        ]
      : [
          ['Message', message.Message],
          ['MessageId', message.MessageId],
          ['SubscribeURL', message.SubscribeURL],
          ['Timestamp', message.Timestamp],
          ['Token', message.Token],
          ['TopicArn', message.TopicArn],
          ['Type', message.Type],
        ];
  let text = '';
  for (const [name, value] of fields) {
    if (value === undefined || value === null) {
      if (name === 'Subject') continue;
      return undefined;
    }
    text += `${name}\n${value}\n`;
  }
  return text;
}

/**
 * Verifies SNS message signatures (SignatureVersion 1: SHA1withRSA, 2: SHA256withRSA) before anything
 * in a message is used: the topic must be on the allow-list, the certificate must come from
 * https://sns.<the topic's region>.amazonaws.com/….pem, be valid now and be issued to
 * sns.amazonaws.com. Never throws for a bad message; a certificate that cannot be fetched throws
 * (a retry may succeed).
 */
export class SnsSignatureVerifier {
  private readonly allowedTopics: ReadonlySet<string>;

  constructor(
    private readonly options: {
      allowedTopicArns: readonly string[];
      certificates: SnsCertificateSource;
      now?: () => Date;
    },
  ) {
    this.allowedTopics = new Set(options.allowedTopicArns);
  }

  async verify(input: unknown): Promise<SnsVerification> {
    const parsed = snsMessageSchema.safeParse(input);
    if (!parsed.success) return { ok: false, reason: 'not an SNS message' };
    const message = parsed.data;
    const algorithm = ALGORITHMS[message.SignatureVersion];
    if (!algorithm) return { ok: false, reason: `unsupported SignatureVersion ${message.SignatureVersion}` };
    if (!this.allowedTopics.has(message.TopicArn)) return { ok: false, reason: 'topic not allowed' };
    const certificateUrl = this.certificateUrl(message);
    if (!certificateUrl) return { ok: false, reason: 'signing certificate URL is not an SNS one for the topic region' };
    const stringToSign = snsStringToSign(message);
    if (stringToSign === undefined) return { ok: false, reason: 'fields missing from the signed string' };
    const signature = Buffer.from(message.Signature, 'base64');
    if (signature.length === 0) return { ok: false, reason: 'empty signature' };

    const certificate = await this.options.certificates.get(certificateUrl);
    const now = (this.options.now ?? (() => new Date()))().getTime();
    if (now < Date.parse(certificate.validFrom) || now > Date.parse(certificate.validTo)) {
      return { ok: false, reason: 'signing certificate not valid now' };
    }
    if (!certificate.checkHost('sns.amazonaws.com') && !certificate.checkHost(certificateUrl.hostname)) {
      return { ok: false, reason: 'certificate not issued to SNS' };
    }
    let valid: boolean;
    try {
      valid = verify(algorithm, Buffer.from(stringToSign, 'utf8'), certificate.publicKey, signature);
    } catch {
      valid = false;
    }
    return valid ? { ok: true, message } : { ok: false, reason: 'signature does not match' };
  }

  private certificateUrl(message: SnsMessage): URL | undefined {
    const raw = message.SigningCertURL ?? message.SigningCertUrl;
    const arn = TOPIC_ARN.exec(message.TopicArn);
    if (!raw || !arn) return undefined;
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return undefined;
    }
    const [, partition, region] = arn;
    const suffix = partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
    const ok =
      url.protocol === 'https:' &&
      url.hostname === `sns.${region}.${suffix}` &&
      url.port === '' &&
      url.username === '' &&
      url.password === '' &&
      url.search === '' &&
      url.pathname.endsWith('.pem');
    return ok ? url : undefined;
  }
}
