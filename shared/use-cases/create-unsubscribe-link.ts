import * as z from '../validation/zod.ts';
import type { Stores } from '../adapters/dynamodb/stores.ts';
import { normalizeEmail } from '../domain/contact-address.ts';
import { listUnsubscribeHeaders, unsubscribeMailto, type ListUnsubscribeHeaders } from '../domain/email/list-unsubscribe.ts';
import { encodeUnsubscribeToken } from '../domain/email/unsubscribe-token.ts';
import { findAccountLine } from './find-account-line.ts';
import { ValidationError } from '../domain/errors.ts';

export const unsubscribeLinkInputSchema = z.strictObject({
  /** The email line the message is sent from: its id or its address. */
  line: z.string().check(z.minLength(1), z.maxLength(320)),
  contact: z.string().check(z.trim(), z.minLength(3), z.maxLength(320)),
  campaignId: z.optional(
    z.string().check(z.minLength(1), z.maxLength(64), z.regex(/^[A-Za-z0-9._:-]+$/, 'campaignId may hold letters, digits and . _ : -')),
  ),
});
export type UnsubscribeLinkInput = z.infer<typeof unsubscribeLinkInputSchema>;

export interface UnsubscribeLink {
  url: string;
  mailto: string;
  headers: ListUnsubscribeHeaders;
}

/**
 * The headers a sender puts on one email to one contact: an opaque, signed one-click link
 * (`{publicBaseUrl}/unsubscribe/{token}`) and the mailto fallback.
 */
export async function createUnsubscribeLink(
  deps: Pick<Stores, 'lineStore' | 'unsubscribeKeyStore'> & { now: () => Date; publicBaseUrl: string },
  input: { accountId: string; body: UnsubscribeLinkInput },
): Promise<UnsubscribeLink> {
  const line = await findAccountLine(deps.lineStore, input.accountId, 'email', input.body.line);
  if (!line) throw new ValidationError(`No email line ${input.body.line} in this account`);
  if (line.channel !== 'email') throw new ValidationError(`Line ${input.body.line} is a ${line.channel} line, not an email line`);
  const contact = normalizeEmail(input.body.contact);
  const now = deps.now();
  const key = await deps.unsubscribeKeyStore.signingKey(input.accountId, now);
  const token = encodeUnsubscribeToken(
    {
      accountId: input.accountId,
      lineId: line.lineId,
      contact,
      ...(input.body.campaignId ? { campaignId: input.body.campaignId } : {}),
      issuedAt: Math.floor(now.getTime() / 1000),
    },
    key,
  );
  const url = `${deps.publicBaseUrl}/unsubscribe/${token}`;
  const mailto = unsubscribeMailto(line.address);
  return { url, mailto, headers: listUnsubscribeHeaders({ url, mailto }) };
}
