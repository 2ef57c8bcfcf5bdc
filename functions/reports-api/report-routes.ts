import { stringify } from 'csv-stringify/sync';
import type { AccountReader } from '../../shared/adapters/dynamodb/account-reader.ts';
import type { ConsentSnapshotReader } from '../../shared/adapters/dynamodb/consent-snapshot-reader.ts';
import type { LineReader } from '../../shared/adapters/dynamodb/line-reader.ts';
import type { StatsReader } from '../../shared/adapters/dynamodb/stats-reader.ts';
import { validate } from '../../shared/http/api-gateway-request.ts';
import type { HttpEvent, HttpResult } from '../../shared/http/http-handler.ts';
import { json } from '../../shared/http/responses.ts';
import { getConsentSnapshot, snapshotQuerySchema } from '../../shared/use-cases/get-consent-snapshot.ts';
import { getOptOutReport, optOutReportQuerySchema } from '../../shared/use-cases/get-opt-out-report.ts';
import type { AccountRoutes } from '../../shared/http/account-api.ts';

function csv(body: string, filename: string, headers: Record<string, string> = {}): HttpResult {
  return {
    statusCode: 200,
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="${filename}"`,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      ...headers,
    },
    body,
  };
}

/** The same request with another cursor: what a CSV client follows to get the next part. */
function nextUrl(event: HttpEvent, publicBaseUrl: string, cursor: string): string {
  const params = new URLSearchParams(event.rawQueryString);
  params.set('cursor', cursor);
  return `${publicBaseUrl}${event.rawPath}?${params.toString()}`;
}

/**
 * Reports. Lambda response streaming is not available behind an HTTP API, so a large snapshot as
 * CSV is served in parts of at most SNAPSHOT_CSV_LIMIT rows: the header row comes with the first
 * part only, and each part names the next in `Link: <…>; rel="next"` (and X-Next-Cursor), so
 * concatenating the parts gives one CSV file.
 */
export function reportRoutes(deps: {
  accountStore: AccountReader;
  lineStore: LineReader;
  statsStore: StatsReader;
  snapshotReader: ConsentSnapshotReader;
  publicBaseUrl: string;
  now: () => Date;
}): AccountRoutes {
  return {
    'GET /v1/reports/snapshot': async (event, { accountId }) => {
      const query = validate(snapshotQuerySchema, event.queryStringParameters ?? {}, 'query');
      const page = await getConsentSnapshot(deps, { accountId, query, now: deps.now() });
      if (query.format === 'json') return json(200, page);
      const body = stringify(
        page.rows.map((row) => [row.contact, row.channel, row.line, row.status, row.occurredAt, row.source, row.updatedAt]),
        query.cursor ? {} : { header: true, columns: ['contact', 'channel', 'line', 'status', 'occurred_at', 'source', 'updated_at'] },
      );
      return csv(
        body,
        'consent-snapshot.csv',
        page.nextCursor ? { link: `<${nextUrl(event, deps.publicBaseUrl, page.nextCursor)}>; rel="next"`, 'x-next-cursor': page.nextCursor } : {},
      );
    },

    'GET /v1/reports/opt-outs': async (event, { accountId }) => {
      const query = validate(optOutReportQuerySchema, event.queryStringParameters ?? {}, 'query');
      const report = await getOptOutReport(deps, { accountId, query, now: deps.now() });
      if (query.format === 'json') return json(200, report);
      const campaign = report.groupBy === 'campaign';
      const body = stringify(
        report.groups.map((group) => [
          group.key,
          group.optOuts,
          group.optIns,
          ...(campaign ? [group.sent ?? 0, group.optOutRatePercent ?? ''] : []),
        ]),
        {
          header: true,
          columns: [report.groupBy, 'opt_outs', 'opt_ins', ...(campaign ? ['sent', 'opt_out_rate'] : [])],
          // Keywords and reasons are typed by people: never let a spreadsheet run them as formulas.
          escape_formulas: true,
        },
      );
      return csv(body, `opt-outs-by-${report.groupBy}-${report.from}-${report.to}.csv`);
    },
  };
}
