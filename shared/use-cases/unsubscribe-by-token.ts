import type { Stores } from '../adapters/dynamodb/stores.ts';
import { CHANNEL_SCOPE } from '../domain/channels.ts';
import type { ConsentEvidence } from '../domain/consent/consent-record.ts';
import { effectiveStatus } from '../domain/consent/effective-status.ts';
import { decodeUnsubscribeToken, unsubscribeTokenKeyRef, type UnsubscribeClaims } from '../domain/email/unsubscribe-token.ts';
import { NotFoundError } from '../domain/errors.ts';
import { recordConsentChange, type RecordConsentChangeDeps } from './record-consent-change.ts';

/** Why people leave, as the confirmation page offers it; stored as evidence for opt-out analytics. */
export const UNSUBSCRIBE_REASONS = {
  too_many: 'I get too many emails',
  not_relevant: 'The content is not relevant to me',
  never_signed_up: 'I never signed up',
  other: 'Another reason',
} as const;
export type UnsubscribeReason = keyof typeof UNSUBSCRIBE_REASONS;

export type UnsubscribeDeps = Pick<Stores, 'accountStore' | 'lineStore' | 'consentStore' | 'unsubscribeKeyStore'> &
  Pick<RecordConsentChangeDeps, 'statsStore' | 'consentEvents' | 'now'>;

export interface UnsubscribeLinkTarget {
  claims: UnsubscribeClaims;
  keyId: string;
  lineAddress?: string;
}

/** The verified claims of a token, or a 404: a forged, altered or retired link looks like no link at all. */
export async function resolveUnsubscribeToken(deps: Pick<UnsubscribeDeps, 'unsubscribeKeyStore' | 'lineStore'>, token: string): Promise<UnsubscribeLinkTarget> {
  const invalid = () => new NotFoundError('This unsubscribe link is not valid');
  const ref = unsubscribeTokenKeyRef(token);
  if (!ref) throw invalid();
  const key = await deps.unsubscribeKeyStore.getKey(ref.accountId, ref.keyId);
  if (!key) throw invalid();
  const claims = decodeUnsubscribeToken(token, key);
  if (!claims) throw invalid();
  const line = await deps.lineStore.getLine(claims.accountId, claims.lineId);
  return { claims, keyId: key.keyId, ...(line ? { lineAddress: line.address } : {}) };
}

export interface UnsubscribeRequest {
  token: string;
  /** `one_click`: RFC 8058 POST from a mailbox provider. `confirmation_page`: our page's button. */
  method: 'one_click' | 'confirmation_page';
  reason?: UnsubscribeReason;
  comment?: string;
  ip?: string;
  userAgent?: string;
}

export interface UnsubscribeResult {
  target: UnsubscribeLinkTarget;
  /** The contact was already opted out of this line: nothing was written. */
  alreadyUnsubscribed: boolean;
}

/**
 * Opts the token's contact out of email on the token's line. Mailbox providers may POST a link more
 * than once: while the contact is still opted out, a repeat (without a new reason) changes nothing.
 * A click after the contact opted in again is a new request and is honoured.
 */
export async function unsubscribeByToken(deps: UnsubscribeDeps, request: UnsubscribeRequest): Promise<UnsubscribeResult> {
  const target = await resolveUnsubscribeToken(deps, request.token);
  const { claims } = target;
  const now = deps.now();
  const [lineRecord, channelRecord, settings] = await Promise.all([
    deps.consentStore.getRecord(claims.accountId, claims.contact, 'email', claims.lineId, now.getTime()),
    deps.consentStore.getRecord(claims.accountId, claims.contact, 'email', CHANNEL_SCOPE, now.getTime()),
    deps.accountStore.getSettings(claims.accountId),
  ]);
  const current = effectiveStatus({ lineRecord, channelRecord, defaultStatus: settings.channels.email.defaultStatus });
  if (current.explicit && current.status === 'opted_out' && request.reason === undefined && request.comment === undefined) {
    return { target, alreadyUnsubscribed: true };
  }
  const evidence: ConsentEvidence = {
    method: request.method,
    lineId: claims.lineId,
    ...(target.lineAddress ? { lineAddress: target.lineAddress } : {}),
    tokenKeyId: target.keyId,
    tokenIssuedAt: new Date(claims.issuedAt * 1000).toISOString(),
    ...(claims.campaignId ? { campaignId: claims.campaignId } : {}),
    ...(request.reason ? { reason: request.reason } : {}),
    ...(request.comment ? { comment: request.comment } : {}),
    ...(request.ip ? { ip: request.ip } : {}),
    ...(request.userAgent ? { userAgent: request.userAgent.slice(0, 512) } : {}),
  };
  await recordConsentChange(deps, {
    accountId: claims.accountId,
    retentionMonths: settings.retention.dataMonths,
    change: {
      contact: claims.contact,
      channel: 'email',
      scope: claims.lineId,
      status: 'opted_out',
      occurredAt: now.toISOString(),
      source: 'unsubscribe_link',
      evidence,
    },
  });
  return { target, alreadyUnsubscribed: false };
}
