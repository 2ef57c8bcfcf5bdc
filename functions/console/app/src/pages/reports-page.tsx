import { useState } from 'preact/hooks';
import type { ApiClient } from '../api/client.ts';
import { CHANNEL_LIST, CHANNEL_NAMES, type Line, type OptOutReport, type SnapshotPage } from '../api/types.ts';
import { DailyChart, RateChart } from '../components/charts.tsx';
import { downloadText } from '../components/download.ts';
import { ErrorNotice, Loading, Notice } from '../components/notice.tsx';
import { PageHeading } from '../components/page-heading.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { TableScroll } from '../components/table-scroll.tsx';
import { useLoad } from '../components/use-load.ts';
import { fileNameOf } from '../logic/download.ts';
import { campaignRates, dailySeries, defaultRange } from '../logic/report-series.ts';
import { formatDateTime, sourceLabel } from '../logic/status-display.ts';

interface Reports {
  day: OptOutReport;
  campaign: OptOutReport;
  keyword: OptOutReport;
  reason: OptOutReport;
  line: OptOutReport;
}

function lineLabel(lines: readonly Line[], key: string): string {
  const channelWide = /^(sms|whatsapp|email):\*$/.exec(key);
  if (channelWide?.[1]) return `Every ${CHANNEL_NAMES[channelWide[1] as Line['channel']]} line`;
  const line = lines.find((candidate) => candidate.lineId === key);
  return line ? (line.name ? `${line.name} (${line.address})` : line.address) : key;
}

function CountTable({ report, title, keyHeading, label }: { report: OptOutReport; title: string; keyHeading: string; label: (key: string) => string }) {
  if (report.groups.length === 0) return <p>Nothing in this period.</p>;
  return (
    <TableScroll label={title}>
      <table>
        <caption class="visually-hidden">{title}</caption>
        <thead>
          <tr>
            <th scope="col">{keyHeading}</th>
            <th scope="col" class="number">
              Opt-outs
            </th>
            <th scope="col" class="number">
              Opt-ins
            </th>
          </tr>
        </thead>
        <tbody>
          {report.groups.map((group) => (
            <tr key={group.key}>
              <th scope="row">{label(group.key)}</th>
              <td class="number">{group.optOuts}</td>
              <td class="number">{group.optIns}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}

function Analytics({ reports, lines }: { reports: Reports; lines: Line[] }) {
  const series = dailySeries(reports.day);
  const rates = campaignRates(reports.campaign);
  const charted = rates.filter((rate) => rate.ratePercent !== null);
  const { totals, from, to } = reports.day;
  return (
    <>
      <p class="totals" role="status">
        From {from} to {to}: <strong>{totals.optOuts}</strong> opt-outs and <strong>{totals.optIns}</strong> opt-ins.
      </p>
      <section class="panel" aria-labelledby="daily-heading">
        <h2 id="daily-heading">Opt-outs and opt-ins per day</h2>
        <DailyChart
          id="daily-chart"
          labels={series.labels}
          optOuts={series.optOuts}
          optIns={series.optIns}
          summary={`Line chart of opt-outs and opt-ins per day from ${from} to ${to}: ${totals.optOuts} opt-outs and ${totals.optIns} opt-ins in all. The numbers are in the table below.`}
        />
        <details>
          <summary>The numbers per day</summary>
          <CountTable report={{ ...reports.day, groups: reports.day.groups.filter((group) => group.optOuts + group.optIns > 0) }} title="Opt-outs and opt-ins per day" keyHeading="Day" label={(key) => key} />
        </details>
      </section>
      <section class="panel" aria-labelledby="campaign-heading">
        <h2 id="campaign-heading">Opt-out rate per campaign</h2>
        <p class="hint">
          An opt-out counts against the last marketing message optgate let through to that person on that line, if it was sent within {reports.campaign.attributionWindowHours}{' '}
          hours before.
        </p>
        {rates.length === 0 ? (
          <p>No campaign sent or opted out of in this period.</p>
        ) : (
          <>
            {charted.length > 0 && (
              <RateChart
                id="campaign-chart"
                labels={charted.map((rate) => rate.campaign)}
                percents={charted.map((rate) => rate.ratePercent ?? 0)}
                summary={`Bar chart of the opt-out rate of ${charted.length} campaigns; the highest is ${charted[0]?.campaign} at ${charted[0]?.label}. The numbers are in the table below.`}
              />
            )}
            <TableScroll label="Opt-out rate per campaign">
              <table>
                <caption class="visually-hidden">Messages sent, opt-outs and opt-out rate per campaign</caption>
                <thead>
                  <tr>
                    <th scope="col">Campaign</th>
                    <th scope="col" class="number">
                      Sent
                    </th>
                    <th scope="col" class="number">
                      Opt-outs
                    </th>
                    <th scope="col" class="number">
                      Opt-out rate
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {rates.map((rate) => (
                    <tr key={rate.campaign}>
                      <th scope="row">{rate.campaign}</th>
                      <td class="number">{rate.sent}</td>
                      <td class="number">{rate.optOuts}</td>
                      <td class="number">{rate.label}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableScroll>
          </>
        )}
      </section>
      <div class="two-columns">
        <section class="panel" aria-labelledby="keyword-heading">
          <h2 id="keyword-heading">Keyword hits</h2>
          <CountTable report={reports.keyword} title="Opt-outs and opt-ins by keyword" keyHeading="Keyword" label={(key) => key} />
        </section>
        <section class="panel" aria-labelledby="reason-heading">
          <h2 id="reason-heading">Reasons</h2>
          <CountTable report={reports.reason} title="Opt-outs and opt-ins by reason" keyHeading="Reason or source" label={sourceLabel} />
        </section>
      </div>
      <section class="panel" aria-labelledby="by-line-heading">
        <h2 id="by-line-heading">By line</h2>
        <CountTable report={reports.line} title="Opt-outs and opt-ins by line" keyHeading="Line" label={(key) => lineLabel(lines, key)} />
      </section>
    </>
  );
}

function Snapshot({ api, lines }: { api: ApiClient; lines: Line[] }) {
  const choices = [
    ...lines.map((line) => ({ value: line.lineId, label: `${lineLabel(lines, line.lineId)} · ${CHANNEL_NAMES[line.channel]}` })),
    ...CHANNEL_LIST.map((channel) => ({ value: `${channel}:*`, label: `Channel-wide ${CHANNEL_NAMES[channel]} records (every line)` })),
  ];
  const [selected, setSelected] = useState<string[]>(() => lines.map((line) => line.lineId));
  const [status, setStatus] = useState('');
  // The page shown, the cursor it was read with, and the cursors of the pages before it (for "Previous").
  const [pages, setPages] = useState<{ page: SnapshotPage; cursor?: string; previous: (string | undefined)[] }>();
  const [outcome, setOutcome] = useState<{ error?: unknown; message?: string }>();
  const [busy, setBusy] = useState(false);

  const show = async (cursor: string | undefined, previous: (string | undefined)[]) => {
    if (selected.length === 0) {
      setOutcome({ message: 'Choose at least one line.' });
      return;
    }
    setBusy(true);
    setOutcome(undefined);
    try {
      setPages({ page: await api.snapshot(selected, status, cursor), cursor, previous });
    } catch (failure) {
      setOutcome({ error: failure });
    } finally {
      setBusy(false);
    }
  };
  const download = async () => {
    if (selected.length === 0) {
      setOutcome({ message: 'Choose at least one line.' });
      return;
    }
    setBusy(true);
    setOutcome(undefined);
    try {
      const csv = await api.snapshotCsv(selected, status);
      const rows = Math.max(0, csv.trim().split('\n').length - 1);
      downloadText(`${fileNameOf('consent-snapshot', new Date().toISOString().slice(0, 10))}.csv`, csv, 'text/csv');
      setOutcome({ message: `Downloaded the snapshot as CSV (${rows} rows).` });
    } catch (failure) {
      setOutcome({ error: failure });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="panel" aria-labelledby="snapshot-heading">
      <h2 id="snapshot-heading">Opt In &amp; Out Snapshot</h2>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void show(undefined, []);
        }}
      >
        <fieldset class="choices stacked">
          <legend>Lines</legend>
          {choices.map((choice) => (
            <label key={choice.value}>
              <input
                type="checkbox"
                checked={selected.includes(choice.value)}
                onChange={(event) =>
                  setSelected(event.currentTarget.checked ? [...selected, choice.value] : selected.filter((value) => value !== choice.value))
                }
              />{' '}
              {choice.label}
            </label>
          ))}
        </fieldset>
        <div class="field">
          <label for="snapshot-status">Status</label>
          <select id="snapshot-status" value={status} onChange={(event) => setStatus(event.currentTarget.value)}>
            <option value="">Opted in and opted out</option>
            <option value="opted_in">Opted in</option>
            <option value="opted_out">Opted out</option>
          </select>
        </div>
        <p class="actions">
          <button type="submit" disabled={busy}>
            Show snapshot
          </button>
          <button type="button" class="secondary" disabled={busy} onClick={() => void download()}>
            Download CSV
          </button>
        </p>
      </form>
      {outcome?.error !== undefined && <ErrorNotice error={outcome.error} />}
      {outcome?.message && (
        <Notice tone="info">
          <p>{outcome.message}</p>
        </Notice>
      )}
      {pages && pages.page.rows.length === 0 && <p role="status">No contact has a record on these lines.</p>}
      {pages && pages.page.rows.length > 0 && (
        <>
          <TableScroll label="Snapshot">
            <table class="stack">
              <caption class="visually-hidden">Contacts with a record on the chosen lines, by line, status and contact</caption>
              <thead>
                <tr>
                  <th scope="col">Contact</th>
                  <th scope="col">Line</th>
                  <th scope="col">Status</th>
                  <th scope="col">Since</th>
                  <th scope="col">Source</th>
                </tr>
              </thead>
              <tbody>
                {pages.page.rows.map((row) => (
                  <tr key={`${row.line}#${row.contact}`}>
                    <th scope="row">{row.contact}</th>
                    <td data-label="Line">{lineLabel(lines, row.line)}</td>
                    <td data-label="Status">
                      <StatusBadge status={row.status} />
                    </td>
                    <td data-label="Since">{formatDateTime(row.occurredAt)}</td>
                    <td data-label="Source">{sourceLabel(row.source)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
          <p class="actions">
            {pages.previous.length > 0 && (
              <button type="button" class="secondary" disabled={busy} onClick={() => void show(pages.previous.at(-1), pages.previous.slice(0, -1))}>
                Previous page
              </button>
            )}
            {pages.page.nextCursor && (
              <button type="button" class="secondary" disabled={busy} onClick={() => void show(pages.page.nextCursor, [...pages.previous, pages.cursor])}>
                Next page
              </button>
            )}
          </p>
        </>
      )}
    </section>
  );
}

/** Reports: opt-outs and opt-ins over time, per campaign, keyword and reason; the consent snapshot. */
export function ReportsPage({ api }: { api: ApiClient }) {
  const [range, setRange] = useState(() => defaultRange(new Date()));
  const [shown, setShown] = useState(range);
  const reports = useLoad(async (): Promise<Reports> => {
    const [day, campaign, keyword, reason, line] = await Promise.all(
      (['day', 'campaign', 'keyword', 'reason', 'line'] as const).map((groupBy) => api.optOutReport(groupBy, shown.from, shown.to)),
    );
    if (!day || !campaign || !keyword || !reason || !line) throw new Error('A report is missing');
    return { day, campaign, keyword, reason, line };
  }, [api, shown.from, shown.to]);
  const lines = useLoad(() => api.listLines(), [api]);
  return (
    <>
      <PageHeading>Reports</PageHeading>
      <form
        class="inline-form panel"
        aria-label="Period"
        onSubmit={(event) => {
          event.preventDefault();
          setShown(range);
        }}
      >
        <div class="field">
          <label for="report-from">From</label>
          <input id="report-from" type="date" required value={range.from} onInput={(event) => setRange({ ...range, from: event.currentTarget.value })} />
        </div>
        <div class="field">
          <label for="report-to">To</label>
          <input id="report-to" type="date" required value={range.to} onInput={(event) => setRange({ ...range, to: event.currentTarget.value })} />
        </div>
        <button type="submit">Show</button>
      </form>
      {reports.error !== undefined && <ErrorNotice error={reports.error} onRetry={reports.reload} />}
      {reports.loading && !reports.data && <Loading what="the reports" />}
      {reports.data && <Analytics reports={reports.data} lines={lines.data ?? []} />}
      {lines.error !== undefined && <ErrorNotice error={lines.error} onRetry={lines.reload} />}
      {lines.data && <Snapshot api={api} lines={lines.data} />}
    </>
  );
}
