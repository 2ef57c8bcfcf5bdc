import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { ApiClient } from './api-client.ts';
import { createProgress } from './progress.ts';

export interface ExportSummary {
  rows: number;
  pages: number;
  seconds: number;
  out: string;
}

/**
 * Writes the account's consent as one CSV (to a file, or stdout), following the API's pages: only
 * the first page carries the header row, so the pages simply concatenate.
 */
export async function exportConsent(
  client: ApiClient,
  options: { out?: string; prefix?: string; pageSize: number; progress: boolean },
): Promise<ExportSummary> {
  const started = Date.now();
  const target: Writable = options.out ? createWriteStream(options.out) : process.stdout;
  const progress = createProgress({ enabled: options.progress, format: 'exporting | {rows} rows | {pages} pages | {duration_formatted}', total: 0, payload: { rows: 0, pages: 0 } });
  const summary: ExportSummary = { rows: 0, pages: 0, seconds: 0, out: options.out ?? '(stdout)' };
  try {
    let cursor: string | undefined;
    do {
      const query = new URLSearchParams({ limit: String(options.pageSize) });
      if (cursor) query.set('cursor', cursor);
      if (options.prefix) query.set('prefix', options.prefix);
      const response = await client.request('GET', `/v1/exports/consent?${query.toString()}`);
      const csv = await response.text();
      if (!target.write(csv)) await once(target, 'drain');
      summary.rows += Number(response.headers.get('x-optgate-rows') ?? 0);
      summary.pages += 1;
      cursor = response.headers.get('x-optgate-next-cursor') ?? undefined;
      progress.update(0, { rows: summary.rows, pages: summary.pages });
    } while (cursor);
  } finally {
    progress.stop();
    if (options.out) {
      target.end();
      await once(target, 'finish');
    }
  }
  summary.seconds = (Date.now() - started) / 1000;
  return summary;
}

export function formatExportSummary(summary: ExportSummary): string {
  return `Exported ${summary.rows} consent record(s) in ${summary.pages} page(s) to ${summary.out}, ${summary.seconds.toFixed(1)} s`;
}
