import * as z from '../validation/zod.ts';
import type { OutboundStore } from '../adapters/dynamodb/outbound-store.ts';
import { normalizeLineAddress } from '../domain/accounts/line.ts';
import { CHANNELS, MESSAGE_CATEGORIES, type Channel } from '../domain/channels.ts';
import { normalizeContact } from '../domain/contact-address.ts';
import { AppError, ServiceUnavailableError, ValidationError } from '../domain/errors.ts';
import { decideOutbound, tombstoneCanMatter, unknownLineDecision, type OutboundDecision } from '../domain/outbound/decide-outbound.ts';
import { recipientTimeZones } from '../domain/outbound/quiet-hours.ts';
import { gatherOutboundFacts } from './gather-outbound-facts.ts';

export const CHECK_MAX_ITEMS = 100;

export const consentCheckSchema = z.strictObject({
  items: z
    .array(
      z.strictObject({
        channel: z.enum(CHANNELS),
        from: z.string().check(z.trim(), z.minLength(3), z.maxLength(254)),
        to: z.string().check(z.trim(), z.minLength(3), z.maxLength(320)),
        category: z.enum(MESSAGE_CATEGORIES),
        requireOptIn: z.optional(z.boolean()),
      }),
    ).check(z.minLength(1), z.maxLength(CHECK_MAX_ITEMS)),
});
export type ConsentCheckInput = z.infer<typeof consentCheckSchema>;

export interface CheckedItem extends OutboundDecision {
  channel: Channel;
  from: string;
  to: string;
  allowed: boolean;
  lineId?: string;
}

/**
 * The gate's decision for up to 100 prospective messages, with the same domain code and the same
 * batched reads, without sending or recording anything. Lines of other accounts are unknown here.
 * When consent cannot be read the whole answer is a 503: a guess would be a decision made unchecked.
 */
export async function checkConsent(
  deps: { store: OutboundStore; now: () => Date },
  accountId: string,
  input: ConsentCheckInput,
): Promise<{ decisions: CheckedItem[] }> {
  const now = deps.now();
  const normalized = input.items.map((item, index) => {
    try {
      return { ...item, to: normalizeContact(item.to, item.channel), from: normalizeLineAddress(item.channel, item.from) };
    } catch (error) {
      if (error instanceof AppError) throw new ValidationError(`items.${index}: ${error.message}`);
      throw error;
    }
  });
  const facts = await gatherOutboundFacts(
    deps.store,
    normalized.map((item) => ({
      channel: item.channel,
      from: item.from,
      contact: item.to,
      needsConsent: true,
      tombstoneMatters: (stored, account) =>
        tombstoneCanMatter({ channel: item.channel, category: item.category, requireOptIn: item.requireOptIn, policy: account.settings.channels[item.channel], ...stored }),
    })),
    now.getTime(),
    { accountId },
  );
  if (facts.some((result) => result.kind === 'failed')) throw new ServiceUnavailableError('Consent could not be read; retry');
  return {
    decisions: normalized.map((item, index) => {
      const result = facts[index];
      let decision: OutboundDecision;
      let lineId: string | undefined;
      if (result?.kind === 'ready') {
        const policy = result.account.settings.channels[item.channel];
        lineId = result.line.lineId;
        decision = decideOutbound({
          channel: item.channel,
          category: item.category,
          requireOptIn: item.requireOptIn,
          policy,
          ...result.stored,
          schedule: {
            now,
            timeZones:
              item.category === 'marketing' && policy.quietHours
                ? recipientTimeZones({ channel: item.channel, contact: item.to, defaultTimeZone: result.account.settings.defaultTimeZone })
                : [],
          },
        });
      } else {
        decision = unknownLineDecision(item.requireOptIn);
      }
      return { channel: item.channel, from: item.from, to: item.to, ...(lineId ? { lineId } : {}), allowed: decision.outcome === 'allowed', ...decision };
    }),
  };
}
