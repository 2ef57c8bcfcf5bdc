/**
 * npm run bench:sweep — the retention sweep's cost must follow the number of expired items, not the
 * table: the same number of expired items is swept from tables 10× and 100× larger, on DynamoDB
 * Local. Reports items read per item deleted (target ≤ 1.05) and the time ratio 100× / 10×
 * (target < 2). Env: BENCH_EXPIRED (default 1000), BENCH_REPEAT (default 5).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DeleteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { startDynamoDbLocal } from '../../infra/local/dynamodb-local.ts';
import { provisionTable } from '../../infra/local/provision.ts';
import { SweepStore } from '../../shared/adapters/dynamodb/sweep-store.ts';
import { contactIndexAttributes, EXPIRY_INDEX_SHARDS, expiryAttributes, keys } from '../../shared/adapters/dynamodb/table-keys.ts';
import { mapConcurrent } from '../../shared/concurrency/map-concurrent.ts';
import { SWEEP_DELETES_PER_SECOND, sweepExpiredItems, type SweepReport } from '../../shared/use-cases/retention-sweep.ts';
import { freePort } from '../support/free-port.ts';
import { machineLine, writeSection } from './benchmarks-file.ts';

const EXPIRED = Number(process.env.BENCH_EXPIRED ?? 1000);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 5);
const SCALES = [10, 100] as const;
const NOW = new Date();
const NOW_S = Math.floor(NOW.getTime() / 1000);
const DAY = 86_400;


/** Contact-partition items like the service writes: mostly audit events, some consent states and profiles. */
function item(accountId: string, index: number, expiresAt: number): Record<string, unknown> {
  const contact = `+1202${String(index % 1_000_000).padStart(7, '0')}`;
  const kind = index % 10;
  const key =
    kind === 0 ? keys.consent(accountId, contact, 'sms', '*') : kind === 1 ? keys.profile(accountId, contact) : keys.event(accountId, contact, `01JZ${String(index).padStart(22, '0')}`);
  const activityAt = new Date((expiresAt - 30 * DAY) * 1000).toISOString();
  return {
    ...key,
    type: kind === 0 ? 'consent' : kind === 1 ? 'profile' : 'event',
    accountId,
    contact,
    status: 'opted_in',
    evidence: { source: 'bench', text: 'STOP' },
    ...expiryAttributes(key, expiresAt, activityAt),
    ...(kind === 1 ? contactIndexAttributes(accountId, contact) : {}),
  };
}

async function seed(db: DynamoDBDocumentClient, tableName: string, items: Record<string, unknown>[]): Promise<void> {
  const chunks: Record<string, unknown>[][] = [];
  for (let index = 0; index < items.length; index += 25) chunks.push(items.slice(index, index + 25));
  await mapConcurrent(chunks, 8, async (chunk) => {
    let pending = chunk.map((Item) => ({ PutRequest: { Item } }));
    while (pending.length > 0) {
      const result = await db.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } }));
      pending = (result.UnprocessedItems?.[tableName] ?? []) as typeof pending;
    }
  });
}

/** Expired: spread over the last two days. Live: half later today (same buckets, beyond "now"), half over the next 400 days. */
function expiredItems(accountId: string): Record<string, unknown>[] {
  return Array.from({ length: EXPIRED }, (_, index) => item(accountId, index, NOW_S - 60 - Math.floor((index / EXPIRED) * 2 * DAY)));
}
function liveItems(accountId: string, count: number): Record<string, unknown>[] {
  const endOfToday = Math.floor(NOW_S / DAY) * DAY + DAY - 1;
  return Array.from({ length: count }, (_, index) => {
    const expiresAt = index % 2 === 0 ? Math.min(endOfToday, NOW_S + 1 + (index % Math.max(1, endOfToday - NOW_S))) : NOW_S + DAY + (index % 400) * DAY;
    return item(accountId, EXPIRED + index, expiresAt);
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

const port = await freePort();
const dynamo = await startDynamoDbLocal({ port });
try {
  const client = new DynamoDBClient({ region: 'us-east-1', endpoint: dynamo.endpoint, credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } });
  const db = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  const results = new Map<number, { scale: number; tableItems: number; runs: SweepReport[]; seconds: number[] }>();
  for (const scale of SCALES) {
    const tableName = `bench-sweep-${scale}x`;
    await provisionTable(client, tableName);
    const tableItems = EXPIRED * scale;
    console.log(`${scale}×: seeding ${tableItems - EXPIRED} live items…`);
    await seed(db, tableName, liveItems(`acc_bench_${scale}`, tableItems - EXPIRED));
    results.set(scale, { scale, tableItems, runs: [], seconds: [] });
  }
  // One warm-up run (JIT, connections), then the sizes alternate so that a busy moment hits both alike.
  const sweepOnce = async (tableName: string, accountId: string) => {
    await seed(db, tableName, expiredItems(accountId));
    // Every run a day's first: the look-back days (where the re-seeded items expired) are queried.
    await db.send(new DeleteCommand({ TableName: tableName, Key: keys.sweepState() }));
    const started = performance.now();
    const report = await sweepExpiredItems(
      { db, tableName, sweepStore: new SweepStore(db, tableName), realNowMs: () => Date.now() },
      { now: NOW, deadlineMs: Date.now() + 600_000 },
    );
    if (report.totalDeleted !== EXPIRED || report.status !== 'complete') throw new Error(`expected ${EXPIRED} deleted, got ${JSON.stringify(report)}`);
    return { report, seconds: (performance.now() - started) / 1000 };
  };
  await provisionTable(client, 'bench-sweep-warmup');
  await sweepOnce('bench-sweep-warmup', 'acc_bench_warmup');
  for (let repeat = 0; repeat < REPEAT; repeat += 1) {
    for (const scale of SCALES) {
      const result = results.get(scale);
      if (!result) continue;
      const { report, seconds } = await sweepOnce(`bench-sweep-${scale}x`, `acc_bench_${scale}`);
      result.runs.push(report);
      result.seconds.push(seconds);
      console.log(`  ${scale}× run ${repeat + 1}: ${report.totalDeleted} deleted, ${report.itemsRead} read, ${seconds.toFixed(2)} s`);
    }
  }
  const rows = [...results.values()].map(({ scale, tableItems, runs, seconds }) => {
    const read = runs.reduce((sum, run) => sum + run.itemsRead, 0);
    const deleted = runs.reduce((sum, run) => sum + run.totalDeleted, 0);
    return { scale, tableItems, ratio: read / deleted, median: median(seconds), seconds, buckets: runs[0]?.bucketsQueried ?? 0 };
  });
  const [small, large] = rows;
  const timeRatio = (large?.median ?? 0) / (small?.median ?? 1);
  const worstRatio = Math.max(...rows.map((row) => row.ratio));
  const markdown = [
    '## Retention sweep (`npm run bench:sweep`)',
    '',
    `${EXPIRED} expired items (audit events, consent states, profiles; expired over the last two days) swept from tables`,
    `10× and 100× that size on DynamoDB Local; the live items sit half in the same day buckets (expiring later`,
    `today) and half over the next 400 days. After one warm-up run, ${REPEAT} runs per size, the sizes alternating, the`,
    'expired items re-seeded before each run (seeding is not timed).',
    '',
    '| table | items in table | expired | items read per item deleted | sweep time, median (runs) | buckets queried |',
    '|---|---|---|---|---|---|',
    ...rows.map(
      (row) =>
        `| ${row.scale}× | ${row.tableItems.toLocaleString('en')} | ${EXPIRED.toLocaleString('en')} | ${row.ratio.toFixed(3)} | ${row.median.toFixed(2)} s (${row.seconds.map((value) => value.toFixed(2)).join(', ')}) | ${row.buckets} |`,
    ),
    '',
    `- Items read per item deleted: ${worstRatio.toFixed(3)} at worst (target ≤ 1.05) — ${worstRatio <= 1.05 ? 'met' : 'NOT met'}.`,
    `- Time 100× / 10×: ${timeRatio.toFixed(2)} (target < 2) — ${timeRatio < 2 ? 'met' : 'NOT met'}. A Scan would read every item of the table (${large?.tableItems.toLocaleString('en')}).`,
    '- Why: the byExpiry index is bucketed by expiry day and shard, and sorted by expiry second, so the query',
    '  `gsi2sk < {now + 1}` reads exactly the due entries; live items are never read.',
    `- Each run here is a day's first (the look-back days included): ${EXPIRY_INDEX_SHARDS} shards × 4 days = ${4 * EXPIRY_INDEX_SHARDS} queries, 16 in flight, most of them`,
    '  empty at this size (0.5 read unit each); the later runs of a day query only that day\'s shards. The deletes are paced at',
    `  ${SWEEP_DELETES_PER_SECOND}/s (a moment's deletes may all land on one expiry bucket's index partition: SCALING.md), so 1,000 deletes take at least ${(1000 / SWEEP_DELETES_PER_SECOND).toFixed(1)} s.`,
    '- Times follow the machine\'s load (a shared machine: load average below); the ratios are the point.',
    '',
    machineLine(),
  ].join('\n');
  console.log(`\n${markdown}\n`);
  writeSection('bench:sweep', markdown);
  client.destroy();
} finally {
  await dynamo.stop();
}
