import type { StatDimension } from './consent-stats.ts';

/** One row of GET /v1/reports/opt-outs: a day, line, keyword, campaign or reason. */
export interface OptOutGroup {
  key: string;
  optOuts: number;
  optIns: number;
  /** groupBy=campaign: marketing messages sent, and opt-outs divided by them. */
  sent?: number;
  optOutRate?: number | null;
  optOutRatePercent?: string | null;
}

/** The body of GET /v1/reports/opt-outs (JSON). */
export interface OptOutReport {
  from: string;
  to: string;
  groupBy: StatDimension;
  attributionWindowHours: number;
  totals: { optOuts: number; optIns: number };
  groups: OptOutGroup[];
}
