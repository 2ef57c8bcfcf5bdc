import type { OptOutReport } from '../api/types.ts';

const DAY_MS = 24 * 3600 * 1000;

/** The last 30 days up to today (UTC), as the API defaults to. */
export function defaultRange(today: Date): { from: string; to: string } {
  const to = today.toISOString().slice(0, 10);
  const from = new Date(Date.parse(`${to}T00:00:00Z`) - 29 * DAY_MS).toISOString().slice(0, 10);
  return { from, to };
}

/** A day-grouped report as chart series; days without data are zero (the API already fills them). */
export function dailySeries(report: OptOutReport): { labels: string[]; optOuts: number[]; optIns: number[] } {
  const groups = [...report.groups].sort((a, b) => a.key.localeCompare(b.key));
  return { labels: groups.map((group) => group.key), optOuts: groups.map((group) => group.optOuts), optIns: groups.map((group) => group.optIns) };
}

export interface CampaignRate {
  campaign: string;
  sent: number;
  optOuts: number;
  /** Percent, or null when nothing was sent (a rate would be meaningless). */
  ratePercent: number | null;
  label: string;
}

/** Campaigns with their opt-out rate, highest first; campaigns with nothing sent come last. */
export function campaignRates(report: OptOutReport): CampaignRate[] {
  return report.groups
    .map((group) => {
      const sent = group.sent ?? 0;
      const ratePercent = sent > 0 ? Math.round((group.optOuts / sent) * 1000) / 10 : null;
      return { campaign: group.key, sent, optOuts: group.optOuts, ratePercent, label: group.optOutRatePercent ?? 'n/a (nothing sent)' };
    })
    .sort((a, b) => (b.ratePercent ?? -1) - (a.ratePercent ?? -1) || a.campaign.localeCompare(b.campaign));
}
