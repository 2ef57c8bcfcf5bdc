import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { parse } from 'csv-parse';
import type { ApiClient } from './api-client.ts';
import { createProgress } from './progress.ts';

export interface ImportSummary {
  file: string;
  batchId: string;
  rows: number;
  chunks: number;
  applied: { changed: number; confirmed: number; superseded: number };
  /** Rows this batch had applied before (a re-run): nothing changed. */
  duplicates: number;
  rejected: { line: number; code: string; message: string }[];
  seconds: number;
}

interface ChunkResult {
  batchId: string;
  rows: number;
  applied: { changed: number; confirmed: number; superseded: number };
  duplicates: number;
  rejected: { line: number; code: string; message: string }[];
  complete: boolean;
}

/** The server takes at most 5,000 rows per request. */
export const MAX_CHUNK_ROWS = 5000;

/**
 * Imports a consent CSV of any size: the file is hashed first (its batch id, so re-running the same
 * file is recognised and changes nothing), then cut at record boundaries into chunks of `chunkRows`
 * records, each sent with the header row and the file line it starts on (errors are reported by
 * file line). Chunks go in file order, one at a time; a failed request is retried (safe: every row
 * is idempotent on batch id and line).
 */
export async function importFile(
  client: ApiClient,
  file: string,
  options: { chunkRows: number; progress: boolean },
): Promise<ImportSummary> {
  const started = Date.now();
  const { size } = await stat(file);
  const batchId = await batchIdOf(file);
  const progress = createProgress({
    enabled: options.progress,
    format: 'importing |{bar}| {percentage}% | {rows} rows | {rejected} rejected | ETA {eta_formatted}',
    total: size,
    payload: { rows: 0, rejected: 0 },
  });
  const summary: ImportSummary = {
    file,
    batchId,
    rows: 0,
    chunks: 0,
    applied: { changed: 0, confirmed: 0, superseded: 0 },
    duplicates: 0,
    rejected: [],
    seconds: 0,
  };
  const handle = await open(file, 'r');
  try {
    const read = async (start: number, end: number): Promise<Buffer> => {
      const buffer = Buffer.alloc(end - start);
      let offset = 0;
      while (offset < buffer.length) {
        const { bytesRead } = await handle.read(buffer, offset, buffer.length - offset, start + offset);
        if (bytesRead === 0) break;
        offset += bytesRead;
      }
      return buffer.subarray(0, offset);
    };
    let header: Buffer | undefined;
    let line = 1;
    let chunkStart = 0;
    let chunkEnd = 0;
    let chunkRows = 0;
    const send = async () => {
      if (!header || chunkRows === 0) return;
      const data = await read(chunkStart, chunkEnd);
      const body = Buffer.concat([header, data]);
      // A request that ran out of time applied part of the chunk: send it again until complete. The
      // rows applied by earlier attempts come back as duplicates and are not counted twice.
      let appliedBefore = 0;
      let result: ChunkResult;
      for (;;) {
        result = (await client.json<ChunkResult>('POST', `/v1/imports?batchId=${batchId}&firstLine=${line}`, { body, contentType: 'text/csv' })).body;
        const applied = result.applied.changed + result.applied.confirmed + result.applied.superseded;
        for (const effect of ['changed', 'confirmed', 'superseded'] as const) summary.applied[effect] += result.applied[effect];
        summary.duplicates += result.duplicates - appliedBefore;
        appliedBefore += applied;
        if (result.complete) break;
      }
      summary.chunks += 1;
      summary.rows += result.rows;
      summary.rejected.push(...result.rejected);
      line += countLines(data);
      chunkStart = chunkEnd;
      chunkRows = 0;
      progress.update(chunkEnd, { rows: summary.rows, rejected: summary.rejected.length });
    };
    const parser = createReadStream(file).pipe(parse({ info: true, raw: false, bom: true, relax_column_count: true, skip_empty_lines: true }));
    for await (const { info } of parser as AsyncIterable<{ info: { bytes: number } }>) {
      if (!header) {
        header = await read(0, info.bytes);
        line += countLines(header);
        chunkStart = info.bytes;
        chunkEnd = info.bytes;
        continue;
      }
      chunkEnd = info.bytes;
      chunkRows += 1;
      if (chunkRows >= options.chunkRows) await send();
    }
    await send();
    if (!header) throw new Error(`${file} is empty: a header row is required`);
  } finally {
    progress.stop();
    await handle.close();
  }
  summary.rejected.sort((a, b) => a.line - b.line);
  summary.seconds = (Date.now() - started) / 1000;
  return summary;
}

/** Same id as the server gives a whole file posted at once: imp_ + the first 128 bits of its SHA-256. */
async function batchIdOf(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return `imp_${hash.digest('hex').slice(0, 32)}`;
}

/** Line breaks in a slice that ends at a record boundary (LF, CRLF and lone CR). */
function countLines(bytes: Buffer): number {
  let count = 0;
  for (let index = 0; index < bytes.length; index += 1) {
    const byte = bytes[index];
    if (byte === 0x0a || (byte === 0x0d && bytes[index + 1] !== 0x0a)) count += 1;
  }
  return count;
}

export function formatImportSummary(summary: ImportSummary, maxErrors = 50): string {
  const lines = [
    `Imported ${summary.file} as batch ${summary.batchId}: ${summary.rows} rows in ${summary.chunks} chunk(s), ${summary.seconds.toFixed(1)} s`,
    `  changed ${summary.applied.changed} · confirmed ${summary.applied.confirmed} · superseded (older than stored) ${summary.applied.superseded} · already imported ${summary.duplicates} · rejected ${summary.rejected.length}`,
  ];
  if (summary.rejected.length > 0) {
    lines.push('Rejected rows:');
    for (const row of summary.rejected.slice(0, maxErrors)) lines.push(`  line ${row.line}: ${row.code}: ${row.message}`);
    if (summary.rejected.length > maxErrors) lines.push(`  … and ${summary.rejected.length - maxErrors} more (--json lists them all)`);
  }
  return lines.join('\n');
}
