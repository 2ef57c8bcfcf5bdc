import { expiresAtFor } from '../retention/expires-at.ts';
import { dayOf, type StatIncrement } from './consent-stats.ts';

/** A marketing message the gate allowed and put on the dispatch queue. */
export interface MarketingSend {
  accountId: string;
  campaignId?: string;
  /** ISO 8601. */
  sentAt: string;
  /** The account's data retention in months: the counter expires with the account's data. */
  retentionMonths: number;
}

export interface CampaignSentCounter {
  accountId: string;
  increment: StatIncrement;
  /** Epoch seconds. */
  expiresAt: number;
}

/**
 * The campaign `sent` counters of a batch (the denominator of the opt-out rate): one increment per
 * (account, campaign, day), however many messages share it. Messages without a campaign count nowhere.
 */
export function campaignSentCounters(sends: readonly MarketingSend[]): CampaignSentCounter[] {
  const counters = new Map<string, CampaignSentCounter>();
  for (const send of sends) {
    if (!send.campaignId) continue;
    const day = dayOf(send.sentAt);
    const id = JSON.stringify([send.accountId, send.campaignId, day]);
    const counter = counters.get(id) ?? {
      accountId: send.accountId,
      increment: { dimension: 'campaign', day, value: send.campaignId, field: 'sent', amount: 0 },
      expiresAt: expiresAtFor(`${day}T00:00:00.000Z`, send.retentionMonths),
    };
    counter.increment = { ...counter.increment, amount: counter.increment.amount + 1 };
    counters.set(id, counter);
  }
  return [...counters.values()];
}
