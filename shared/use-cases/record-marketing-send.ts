import type { LastMarketingSendItem, StatsStore } from '../adapters/dynamodb/stats-store.ts';
import { DEFAULT_RETENTION_MONTHS, MAX_ATTRIBUTION_WINDOW_HOURS } from '../domain/accounts/account-settings.ts';
import { dayOf } from '../domain/reports/consent-stats.ts';
import { expiresAtFor } from '../domain/retention/expires-at.ts';

/** A marketing message the gate allowed (and dispatched). */
export interface MarketingSend {
  accountId: string;
  /** Normalised contact (E.164 or lower-cased email), as the consent records are keyed. */
  contact: string;
  lineId: string;
  /** Messages without a campaign still move the pointer: an opt-out after them is not blamed on an older campaign. */
  campaignId?: string;
  /** ISO 8601. */
  sentAt: string;
  /** The account's data retention in months (campaign counters expire with it); default 13 or options.retentionMonths. */
  retentionMonths?: number;
}

export interface RecordMarketingSendResult {
  /** UpdateItem calls made on campaign counters (one per account, campaign and day in the batch). */
  counterUpdates: number;
  /** BatchWriteItem calls made for the pointers (25 per call). */
  pointerBatches: number;
}

/**
 * Called by the outbound gate for the marketing messages of a batch it allowed: counts sends per
 * campaign and day (the denominator of the opt-out rate) and moves each contact's last-marketing
 * pointer for the line (what an opt-out is attributed to). Batch-friendly: counter updates are
 * aggregated per (account, campaign, day) and pointers written 25 per BatchWriteItem, so a batch of
 * 100 messages of one campaign costs 1 UpdateItem and 4 BatchWriteItem calls.
 *
 * Pointers live for the longest attribution window an account can set; within a batch the newest
 * send per (contact, line) wins. Across concurrent batches the last writer wins (an opt-out may then
 * be attributed to a message sent milliseconds earlier, which is acceptable for a rate).
 */
export async function recordMarketingSend(
  deps: { statsStore: StatsStore },
  sends: MarketingSend | readonly MarketingSend[],
  options: { retentionMonths?: number } = {},
): Promise<RecordMarketingSendResult> {
  const list: readonly MarketingSend[] = Array.isArray(sends) ? sends : [sends as MarketingSend];
  const retentionMonths = options.retentionMonths ?? DEFAULT_RETENTION_MONTHS;

  const counters = new Map<string, { accountId: string; campaignId: string; day: string; count: number; retentionMonths: number }>();
  const pointers = new Map<string, LastMarketingSendItem>();
  for (const send of list) {
    const sentAt = new Date(send.sentAt).toISOString();
    if (send.campaignId) {
      const day = dayOf(sentAt);
      const key = JSON.stringify([send.accountId, send.campaignId, day]);
      const counter = counters.get(key) ?? { accountId: send.accountId, campaignId: send.campaignId, day, count: 0, retentionMonths: send.retentionMonths ?? retentionMonths };
      counter.count += 1;
      counters.set(key, counter);
    }
    const pointerKey = JSON.stringify([send.accountId, send.contact, send.lineId]);
    const existing = pointers.get(pointerKey);
    if (!existing || Date.parse(existing.sentAt) <= Date.parse(sentAt)) {
      pointers.set(pointerKey, {
        accountId: send.accountId,
        contact: send.contact,
        lineId: send.lineId,
        sentAt,
        ...(send.campaignId ? { campaignId: send.campaignId } : {}),
        expiresAt: Math.floor(Date.parse(sentAt) / 1000) + MAX_ATTRIBUTION_WINDOW_HOURS * 3600,
      });
    }
  }

  await Promise.all(
    [...counters.values()].map((counter) =>
      deps.statsStore.addToCounter(
        counter.accountId,
        { dimension: 'campaign', day: counter.day, value: counter.campaignId, field: 'sent', amount: counter.count },
        expiresAtFor(`${counter.day}T00:00:00.000Z`, counter.retentionMonths),
      ),
    ),
  );
  const pointerBatches = await deps.statsStore.putLastMarketingSends([...pointers.values()]);
  return { counterUpdates: counters.size, pointerBatches };
}
