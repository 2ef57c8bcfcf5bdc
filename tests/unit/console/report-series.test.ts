import { describe, expect, it } from 'vitest';
import type { OptOutReport } from '../../../functions/console/app/src/api/types.ts';
import { campaignRates, dailySeries, defaultRange } from '../../../functions/console/app/src/logic/report-series.ts';

const report = (groupBy: OptOutReport['groupBy'], groups: OptOutReport['groups']): OptOutReport => ({
  from: '2026-11-01',
  to: '2026-11-03',
  groupBy,
  attributionWindowHours: 72,
  totals: { optOuts: 0, optIns: 0 },
  groups,
});

describe('report series', () => {
  it('defaults to the last 30 days, today included, across a month and a year boundary', () => {
    expect(defaultRange(new Date('2026-12-06T23:59:00Z'))).toEqual({ from: '2026-11-07', to: '2026-12-06' });
    expect(defaultRange(new Date('2027-01-10T00:00:00Z'))).toEqual({ from: '2026-12-12', to: '2027-01-10' });
  });

  it('orders days for the line chart', () => {
    const series = dailySeries(
      report('day', [
        { key: '2026-11-03', optOuts: 1, optIns: 0 },
        { key: '2026-11-01', optOuts: 0, optIns: 4 },
        { key: '2026-11-02', optOuts: 2, optIns: 1 },
      ]),
    );
    expect(series).toEqual({ labels: ['2026-11-01', '2026-11-02', '2026-11-03'], optOuts: [0, 2, 1], optIns: [4, 1, 0] });
  });

  it('ranks campaigns by opt-out rate; a campaign with nothing sent has no rate and comes last', () => {
    const rates = campaignRates(
      report('campaign', [
        { key: 'spring', optOuts: 1, optIns: 0, sent: 5, optOutRate: 0.2, optOutRatePercent: '20.0%' },
        { key: 'orphan', optOuts: 2, optIns: 0, sent: 0, optOutRate: null, optOutRatePercent: null },
        { key: 'arrivals', optOuts: 2, optIns: 0, sent: 3, optOutRate: 2 / 3, optOutRatePercent: '66.7%' },
      ]),
    );
    expect(rates.map(({ campaign, ratePercent, label }) => [campaign, ratePercent, label])).toEqual([
      ['arrivals', 66.7, '66.7%'],
      ['spring', 20, '20.0%'],
      ['orphan', null, 'n/a (nothing sent)'],
    ]);
  });
});
