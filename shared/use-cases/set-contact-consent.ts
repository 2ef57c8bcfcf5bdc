import * as z from '../validation/zod.ts';
import type { Stores } from '../adapters/dynamodb/stores.ts';
import { attributionWindowHoursOf } from '../domain/accounts/account-settings.ts';
import { CHANNEL_SCOPE, CHANNELS, CONSENT_SOURCES, CONSENT_STATUSES, type ConsentSource } from '../domain/channels.ts';
import type { ConsentEvidence } from '../domain/consent/consent-record.ts';
import { normalizeContact } from '../domain/contact-address.ts';
import { ValidationError } from '../domain/errors.ts';
import { recordConsentChange, type RecordConsentChangeDeps } from './record-consent-change.ts';
import { MAX_CLOCK_SKEW_MS } from '../domain/consent/event-time.ts';
import { findAccountLine } from './find-account-line.ts';
import { storableNumber } from '../domain/storable-number.ts';

/** DynamoDB nests maps and lists at most 32 deep in an item, the audit event's own levels included. */
const MAX_EVIDENCE_DEPTH = 8;

/** How deep a JSON value nests, counted without recursion (a hostile body may nest thousands deep). */
function exceedsDepth(value: unknown, limit: number): boolean {
  const pending: [unknown, number][] = [[value, 1]];
  while (pending.length > 0) {
    const [current, depth] = pending.pop() as [unknown, number];
    if (current === null || typeof current !== 'object') continue;
    if (depth > limit) return true;
    for (const inner of Object.values(current)) pending.push([inner, depth + 1]);
  }
  return false;
}

const jsonValue: z.ZodMiniType<ConsentEvidence[string]> = z.lazy(() =>
  // DynamoDB map keys cannot be empty.
  z.union([
    z.string().check(z.maxLength(2000)),
    storableNumber,
    z.boolean(),
    z.null(),
    z.array(jsonValue).check(z.maxLength(50)),
    z.record(z.string().check(z.minLength(1), z.maxLength(100)), jsonValue),
  ]),
);

/** Free-form evidence; its depth is checked before the recursive schema walks it. */
const evidenceSchema = z.pipe(
  z.transform((value: unknown, context) => {
    if (exceedsDepth(value, MAX_EVIDENCE_DEPTH)) {
      context.issues.push({ code: 'custom', message: `evidence nests deeper than ${MAX_EVIDENCE_DEPTH} levels`, input: value });
      return z.NEVER;
    }
    return value;
  }),
  z.record(z.string().check(z.minLength(1), z.maxLength(100)), jsonValue),
);

/** Keyword opt-outs come only from inbound messages, never from the API. */
const API_CONSENT_SOURCES = CONSENT_SOURCES.filter((source): source is Exclude<ConsentSource, 'keyword'> => source !== 'keyword');

export const setConsentSchema = z.strictObject({
  channel: z.enum(CHANNELS),
  /** A line id or the line's address on the channel; omitted = every line of the channel. */
  line: z.optional(z.string().check(z.minLength(1), z.maxLength(320))),
  status: z.enum(CONSENT_STATUSES),
  source: z._default(z.enum(API_CONSENT_SOURCES), 'api'),
  evidence: z.optional(evidenceSchema),
  occurredAt: z.optional(z.iso.datetime({ offset: true })),
  note: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(500))),
});
export type SetConsentInput = z.infer<typeof setConsentSchema>;


/** Sets consent by hand or through the API, with the API key as evidence. */
export async function setContactConsent(
  deps: Pick<Stores, 'accountStore' | 'lineStore'> & RecordConsentChangeDeps,
  input: { accountId: string; keyId: string; rawContact: string; body: SetConsentInput },
) {
  const { body } = input;
  const contact = normalizeContact(input.rawContact, body.channel);
  const now = deps.now();
  const occurredAt = body.occurredAt ? new Date(body.occurredAt).toISOString() : now.toISOString();
  if (Date.parse(occurredAt) > now.getTime() + MAX_CLOCK_SKEW_MS) {
    throw new ValidationError('occurredAt is in the future');
  }
  let lineId: string | undefined;
  if (body.line !== undefined) {
    const line = await findAccountLine(deps.lineStore, input.accountId, body.channel, body.line);
    if (!line) throw new ValidationError(`No ${body.channel} line ${body.line} in this account`);
    if (line.channel !== body.channel) throw new ValidationError(`Line ${body.line} is a ${line.channel} line, not ${body.channel}`);
    lineId = line.lineId;
  }
  const settings = await deps.accountStore.getSettings(input.accountId);
  const evidence: ConsentEvidence = {
    ...body.evidence,
    apiKeyId: input.keyId,
    ...(body.note ? { note: body.note } : {}),
  };
  const result = await recordConsentChange(deps, {
    accountId: input.accountId,
    retentionMonths: settings.retention.dataMonths,
    attributionWindowHours: attributionWindowHoursOf(settings),
    change: {
      contact,
      channel: body.channel,
      scope: lineId ?? CHANNEL_SCOPE,
      status: body.status,
      occurredAt,
      source: body.source,
      evidence,
    },
  });
  if (result.duplicate) throw new Error('unreachable: API changes carry no idempotency key');
  return { contact, effect: result.decision.effect, previousStatus: result.decision.previousStatus, event: result.event };
}
