import { generateKeyPairSync, randomBytes, randomUUID, sign, type KeyObject } from 'node:crypto';
import type { SNSEvent } from 'aws-lambda';
import { snsStringToSign } from '../../shared/adapters/sns/sns-signature.ts';
import type { LocalSnsSigner } from './local-sns-signer.ts';

/**
 * What an attacker (or a broken relay) could hand the functions instead of a genuine SNS delivery;
 * the local helpers take `?forge=<kind>` (and `?tamper=1` for `altered-message`) so tests can show
 * that every one of them is refused:
 * - `altered-message`: signed, then the message changed (a space appended).
 * - `forged-signature`: random bytes of a real signature's length.
 * - `stale-key`: signed with a key that is not the one of the certificate the message names (an old
 *   or a stolen one).
 * - `reserialised`: signed over the message as published, delivered re-serialised (same JSON value,
 *   other bytes: a relay that parsed and re-encoded it).
 * - `wrong-cert-url`: genuinely signed, but naming a certificate on a host that is not SNS's.
 * - `foreign-topic`: genuinely signed for a topic the function does not subscribe to.
 */
export const SNS_FORGERIES = ['altered-message', 'forged-signature', 'stale-key', 'reserialised', 'wrong-cert-url', 'foreign-topic'] as const;
export type SnsForgery = (typeof SNS_FORGERIES)[number];

export class NothingToReserialiseError extends Error {
  constructor() {
    super('The message is already in JSON.stringify form (or not JSON): re-serialising it would not change a byte');
    this.name = new.target.name;
  }
}

let staleKey: KeyObject | undefined;
function signWithStaleKey(stringToSign: string): string {
  staleKey ??= generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  return sign('sha256', Buffer.from(stringToSign, 'utf8'), staleKey).toString('base64');
}

function reserialise(message: string): string {
  let value: unknown;
  try {
    value = JSON.parse(message);
  } catch {
    throw new NothingToReserialiseError();
  }
  const again = JSON.stringify(value);
  if (again === message) throw new NothingToReserialiseError();
  return again;
}

/**
 * Wraps a message the way SNS delivers it to a subscribed Lambda function, signed (SignatureVersion
 * 2) with the local stack's SNS key, or forged as `forge` says.
 */
export function toSnsEvent(
  message: string,
  topicArn: string,
  signer: LocalSnsSigner,
  options: { timestamp?: Date; subject?: string; forge?: SnsForgery } = {},
): SNSEvent {
  const messageId = randomUUID();
  const region = topicArn.split(':')[3] ?? 'us-east-1';
  const signedTopicArn = options.forge === 'foreign-topic' ? topicArn.replace(/:[^:]+$/, ':someone-elses-topic') : topicArn;
  const fields = {
    Type: 'Notification' as const,
    MessageId: messageId,
    TopicArn: signedTopicArn,
    Subject: options.subject ?? null,
    Message: message,
    Timestamp: (options.timestamp ?? new Date()).toISOString(),
    SignatureVersion: '2',
  };
  let signature = signer.sign(fields);
  if (options.forge === 'forged-signature') signature = randomBytes(Buffer.from(signature, 'base64').length).toString('base64');
  if (options.forge === 'stale-key') signature = signWithStaleKey(snsStringToSign(fields) ?? '');
  const delivered =
    options.forge === 'altered-message' ? `${message} ` : options.forge === 'reserialised' ? reserialise(message) : message;
  const certificateUrl =
    options.forge === 'wrong-cert-url' ? signer.certificateUrl.replace(`sns.${region}.amazonaws.com`, `sns.${region}.amazonaws.com.attacker.example`) : signer.certificateUrl;
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: `${signedTopicArn}:${randomUUID()}`,
        Sns: {
          ...fields,
          // The Lambda event type says string; SNS sends null when a message has no subject.
          Subject: fields.Subject as string,
          Message: delivered,
          Signature: signature,
          SigningCertUrl: certificateUrl,
          UnsubscribeUrl: `https://sns.${region}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${signedTopicArn}:${randomUUID()}`,
          MessageAttributes: {},
        },
      },
    ],
  };
}
