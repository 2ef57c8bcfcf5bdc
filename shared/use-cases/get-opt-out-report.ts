import * as z from '../validation/zod.ts';
import type { AccountStore } from '../adapters/dynamodb/account-store.ts';
import type { StatRow, StatsStore } from '../adapters/dynamodb/stats-store.ts';
import { attributionWindowHoursOf } from '../domain/accounts/account-settings.ts';
import { ValidationError } from '../domain/errors.ts';
import { ALL_VALUE, formatRatePercent, STAT_DIMENSIONS } from '../domain/reports/consent-stats.ts';
import type { OptOutGroup, OptOutReport } from '../domain/reports/opt-out-report.ts';

export const REPORT_FORMATS = ['json', 'csv'] as const;

export const optOutReportQuerySchema = z.strictObject({
  /** First UTC day (yyyy-mm-dd); default: 29 days before `to`. */
  from: z.optional(z.iso.date()),
  /** Last UTC day, inclusive; default: today. */
  to: z.optional(z.iso.date()),
  groupBy: z._default(z.enum(STAT_DIMENSIONS), 'day'),
  format: z._default(z.enum(REPORT_FORMATS), 'json'),
});
export type OptOutReportQuery = z.infer<typeof optOutReportQuerySchema>;

/** Bounds the work of one request: at most a year of days per report. */
export const MAX_REPORT_DAYS = 366;
const DAY_MS = 24 * 3600 * 1000;

export type { OptOutGroup, OptOutReport };

function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00.000Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** The day range of a report, defaulted and bounded; a reversed or too long range is the caller's mistake. */
export function reportRange(query: Pick<OptOutReportQuery, 'from' | 'to'>, now: Date): { from: string; to: string } {
  const to = query.to ?? now.toISOString().slice(0, 10);
  const from = query.from ?? addDays(to, -29);
  const days = (Date.parse(to) - Date.parse(from)) / DAY_MS + 1;
  if (days < 1) throw new ValidationError('from must not be after to');
  if (days > MAX_REPORT_DAYS) throw new ValidationError(`A report covers at most ${MAX_REPORT_DAYS} days`);
  return { from, to };
}

function sumByValue(rows: readonly StatRow[]): Map<string, { optOuts: number; optIns: number; sent: number }> {
  const sums = new Map<string, { optOuts: number; optIns: number; sent: number }>();
  for (const row of rows) {
    const sum = sums.get(row.value) ?? { optOuts: 0, optIns: 0, sent: 0 };
    sum.optOuts += row.optOuts;
    sum.optIns += row.optIns;
    sum.sent += row.sent;
    sums.set(row.value, sum);
  }
  return sums;
}

/**
 * Opt-outs and opt-ins over a range of days, grouped by day, line, keyword, campaign or reason,
 * read from the counters the writes keep (one Query per counter shard and dimension, no scan). The
 * totals come from the `day` counters: every change has a day, not every change has a keyword.
 */
export async function getOptOutReport(
  deps: { accountStore: AccountStore; statsStore: StatsStore },
  input: { accountId: string; query: OptOutReportQuery; now: Date },
): Promise<OptOutReport> {
  const { accountId, query, now } = input;
  const { from, to } = reportRange(query, now);
  const [settings, dayRows, groupRows] = await Promise.all([
    deps.accountStore.getSettings(accountId),
    deps.statsStore.sumCounters(accountId, 'day', from, to, now.getTime()),
    query.groupBy === 'day' ? Promise.resolve(undefined) : deps.statsStore.sumCounters(accountId, query.groupBy, from, to, now.getTime()),
  ]);
  const totals = { optOuts: 0, optIns: 0 };
  for (const row of dayRows) {
    totals.optOuts += row.optOuts;
    totals.optIns += row.optIns;
  }

  let groups: OptOutGroup[];
  if (query.groupBy === 'day') {
    const byDay = new Map(dayRows.filter((row) => row.value === ALL_VALUE).map((row) => [row.day, row]));
    groups = [];
    // Every day of the range, zeros included, so a chart has no gaps.
    for (let day = from; day <= to; day = addDays(day, 1)) {
      const row = byDay.get(day);
      groups.push({ key: day, optOuts: row?.optOuts ?? 0, optIns: row?.optIns ?? 0 });
    }
  } else {
    groups = [...sumByValue(groupRows ?? [])].map(([key, sum]) =>
      query.groupBy === 'campaign'
        ? {
            key,
            optOuts: sum.optOuts,
            optIns: sum.optIns,
            sent: sum.sent,
            optOutRate: sum.sent > 0 ? sum.optOuts / sum.sent : null,
            optOutRatePercent: formatRatePercent(sum.optOuts, sum.sent),
          }
        : { key, optOuts: sum.optOuts, optIns: sum.optIns },
    );
    groups.sort((a, b) => b.optOuts - a.optOuts || b.optIns - a.optIns || a.key.localeCompare(b.key));
  }
  return { from, to, groupBy: query.groupBy, attributionWindowHours: attributionWindowHoursOf(settings), totals, groups };
}
