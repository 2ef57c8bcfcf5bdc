/**
 * npm run bench:cold-start [-- --runs 3 --no-write]
 *
 * Every function as the CDK app deploys it: `npx cdk synth` bundles them with esbuild (the real
 * bundles: minified ESM, the AWS SDK left to the nodejs24.x runtime), then for each one its size
 * and, in a fresh Node.js process per run, the time to import the bundle and to serve a first event
 * (the sample in events/, or a minimal one) against the local stack's DynamoDB Local, SQS and fakes.
 * Budgets: ≤ 300 KB per bundle, ≤ 150 ms to import and serve the first event.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseArgs } from 'node:util';
import { deflateRawSync } from 'node:zlib';
import { startLocalStack } from '../../infra/local/local-stack.ts';
import { PROJECT_ROOT } from '../../infra/cdk/optgate-function.ts';
import { ENV } from '../../shared/config/service-config.ts';
import { FUNCTIONS, type FunctionDefinition } from '../../shared/manifest.ts';
import { SAMPLE_SNS_CERTIFICATE_PEM } from '../fixtures/sample-sns-certificate.ts';
import { freePort } from '../support/free-port.ts';
import { machineLine, writeSection } from './benchmarks-file.ts';

const { values: args } = parseArgs({ options: { runs: { type: 'string', default: '3' }, 'no-write': { type: 'boolean', default: false } } });
const RUNS = Number(args.runs);
const BUDGET = { bytes: 300_000, ms: 150 };
const run = promisify(execFile);
const log = (line: string) => console.log(line);

interface Resource {
  Type: string;
  Properties?: { Environment?: { Variables?: Record<string, unknown> } };
  Metadata?: { 'aws:cdk:path'?: string; 'aws:asset:path'?: string };
}

/** The first event of a function: its sample in events/, or a minimal one of its trigger's shape. */
function firstEvent(fn: FunctionDefinition): { event: unknown; source: string } {
  const sample = readdirSync(path.join(PROJECT_ROOT, 'events')).find((file) => file.startsWith(`${fn.name}.`));
  if (sample) return { event: JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'events', sample), 'utf8')), source: `events/${sample}` };
  if (fn.triggers.some((trigger) => trigger.kind === 'schedule')) {
    return { event: { version: '0', id: 'bench', 'detail-type': 'Scheduled Event', source: 'aws.events', time: new Date().toISOString(), region: 'us-east-1', resources: [], detail: {} }, source: 'a scheduled event' };
  }
  const routeKey = fn.routes.find((route) => route.startsWith('GET ') && !route.includes('{')) ?? fn.routes[0] ?? 'GET /';
  const [method = 'GET', rawPath = '/'] = routeKey.split(' ');
  return {
    event: {
      version: '2.0',
      routeKey,
      rawPath,
      rawQueryString: '',
      headers: { authorization: 'Bearer og_bench_not_a_key_0000000000', 'content-type': 'application/json' },
      requestContext: { http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '192.0.2.1', userAgent: 'bench' }, requestId: 'bench', routeKey, stage: '$default', time: new Date().toUTCString(), timeEpoch: Date.now(), accountId: '000000000000', apiId: 'bench', domainName: 'localhost', domainPrefix: 'localhost' },
      isBase64Encoded: false,
    },
    source: `${routeKey} with an unknown key`,
  };
}

/** What one fresh process measures: import the bundle, then call the handler once. */
const PROBE = `
const [bundle, eventFile, timeoutMs] = process.argv.slice(-3);
const event = JSON.parse((await import('node:fs')).readFileSync(eventFile, 'utf8'));
const deadline = Date.now() + Number(timeoutMs);
const context = { callbackWaitsForEmptyEventLoop: false, functionName: 'bench', functionVersion: '$LATEST', invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:bench', memoryLimitInMB: '512', awsRequestId: 'bench', logGroupName: 'bench', logStreamName: 'bench', getRemainingTimeInMillis: () => deadline - Date.now() };
const started = performance.now();
const module = await import(bundle);
const imported = performance.now();
let outcome = 'ok';
try {
  const result = await module.handler(event, context);
  if (result && typeof result === 'object' && 'statusCode' in result) outcome = String(result.statusCode);
} catch (error) {
  outcome = 'threw ' + (error && error.name);
}
const served = performance.now();
process.stdout.write('\\n@@' + JSON.stringify({ importMs: imported - started, firstEventMs: served - imported, outcome }) + '\\n');
process.exit(0);
`;

function directoryBytes(dir: string): { bytes: number; zipped: number } {
  let bytes = 0;
  let zipped = 0;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    bytes += statSync(file).size;
    // A zip entry is its deflated bytes plus ~100 bytes of headers.
    zipped += deflateRawSync(readFileSync(file)).length + 100;
  }
  return { bytes, zipped };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

async function main() {
  const outdir = await mkdtemp(path.join(tmpdir(), 'optgate-cold-start-'));
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  const stack = await startLocalStack({ port: await freePort(), dynamoDbPort: await freePort(), sqsPort: await freePort(), eventSources: false, log: () => undefined });
  // The SNS samples are signed with the sample certificate: the functions fetch it from here.
  const certificates = createServer((_request, response) => response.end(SAMPLE_SNS_CERTIFICATE_PEM));
  await new Promise<void>((resolve) => certificates.listen(0, '127.0.0.1', () => resolve()));
  try {
    log(`bench:cold-start — cdk synth (bundling every function) into ${outdir}`);
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(AWS_PROFILE|CDK_)/.test(name)));
    await run('npx', ['cdk', 'synth', '--quiet', '--no-notices', '-c', 'stage=test', '--output', outdir], { cwd: PROJECT_ROOT, env: { ...env, AWS_EC2_METADATA_DISABLED: 'true', CDK_DISABLE_CLI_TELEMETRY: 'true' }, timeout: 600_000, maxBuffer: 64 * 1024 * 1024 });
    // As the nodejs24.x runtime provides the AWS SDK to the bundles: resolvable from the assets, and nothing else.
    await mkdir(path.join(outdir, 'node_modules'), { recursive: true });
    await symlink(path.join(PROJECT_ROOT, 'node_modules', '@aws-sdk'), path.join(outdir, 'node_modules', '@aws-sdk'));
    const manifest = JSON.parse(readFileSync(path.join(outdir, 'manifest.json'), 'utf8')) as { artifacts: Record<string, { properties?: { templateFile?: string } }> };
    const templateFile = manifest.artifacts['optgate-test-stateless']?.properties?.templateFile ?? '';
    const resources = Object.values((JSON.parse(readFileSync(path.join(outdir, templateFile), 'utf8')) as { Resources: Record<string, Resource> }).Resources);

    const snsSampleTopics = ['inbound-aws-sms.sns.json', 'inbound-ses.complaint.sns.json', 'aws-sms-events.opted-out.sns.json'].map(
      (file) => (JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'events', file), 'utf8')) as { Records: { Sns: { TopicArn: string } }[] }).Records[0]?.Sns.TopicArn ?? '',
    );
    const rows = [];
    for (const fn of FUNCTIONS as readonly FunctionDefinition[]) {
      const resource = resources.find((candidate) => candidate.Metadata?.['aws:cdk:path'] === `optgate-test-stateless/${fn.name}/Function/Resource`);
      const assetDir = path.join(outdir, resource?.Metadata?.['aws:asset:path'] ?? 'missing');
      const bundle = path.join(assetDir, 'index.mjs');
      const bundleBytes = statSync(bundle).size;
      const asset = directoryBytes(assetDir);
      const deployed = Object.fromEntries(
        Object.entries(resource?.Properties?.Environment?.Variables ?? {}).filter(([name, value]) => typeof value === 'string' && (name === 'NODE_OPTIONS' || name.startsWith('POWERTOOLS_'))),
      ) as Record<string, string>;
      const { event, source } = firstEvent(fn);
      const eventFile = path.join(outdir, `${fn.name}.event.json`);
      await writeFile(eventFile, JSON.stringify(event));
      const samples: { importMs: number; firstEventMs: number; outcome: string }[] = [];
      for (let attempt = 0; attempt < RUNS; attempt += 1) {
        const { stdout } = await run(process.execPath, ['--input-type=module', '-e', PROBE, '--', `file://${bundle}`, eventFile, String(fn.timeoutSeconds * 1000)], {
          cwd: assetDir,
          env: {
            ...env,
            ...deployed,
            [ENV.snsCertificateBaseUrl]: `http://127.0.0.1:${(certificates.address() as AddressInfo).port}`,
            [ENV.snsTopicArns]: [...snsSampleTopics, ...(process.env[ENV.snsTopicArns] ?? '').split(',')].filter(Boolean).join(','),
          },
          timeout: 60_000,
          maxBuffer: 16 * 1024 * 1024,
        });
        const line = stdout.split('\n').find((candidate) => candidate.startsWith('@@')) ?? '@@{}';
        samples.push(JSON.parse(line.slice(2)) as { importMs: number; firstEventMs: number; outcome: string });
      }
      const importMs = median(samples.map((sample) => sample.importMs));
      const firstEventMs = median(samples.map((sample) => sample.firstEventMs));
      const totalMs = median(samples.map((sample) => sample.importMs + sample.firstEventMs));
      const row = { name: fn.name, memoryMb: fn.memoryMb, bundleBytes, assetBytes: asset.bytes, zippedBytes: asset.zipped, importMs, firstEventMs, totalMs, outcome: samples[0]?.outcome ?? '?', source };
      log(`${fn.name.padEnd(18)} ${(bundleBytes / 1000).toFixed(0).padStart(5)} KB (zip ${(asset.zipped / 1000).toFixed(0)} KB) import ${importMs.toFixed(0)} ms, first event ${firstEventMs.toFixed(0)} ms (${row.outcome}; ${source})`);
      rows.push(row);
    }
    if (!args['no-write']) writeSection('bench:cold-start', section(rows));
  } finally {
    certificates.close();
    await stack.stop();
    await rm(outdir, { recursive: true, force: true });
  }
}

function section(rows: { name: string; memoryMb: number; bundleBytes: number; assetBytes: number; zippedBytes: number; importMs: number; firstEventMs: number; totalMs: number; outcome: string; source: string }[]): string {
  const kb = (bytes: number) => (bytes / 1000).toFixed(0);
  const sizeMet = rows.filter((row) => row.bundleBytes <= BUDGET.bytes).length;
  const timeMet = rows.filter((row) => row.totalMs <= BUDGET.ms).length;
  return `## Cold start (\`npm run bench:cold-start\`)

Each function's real bundle, as \`npx cdk synth\` builds it (esbuild: minified ESM, source map beside it, the AWS SDK v3 left to the
nodejs24.x runtime), imported in a fresh Node.js ${process.version} process (the deployed \`NODE_OPTIONS\` and Powertools settings),
then called once with a first event against the local stack (DynamoDB Local, the SQS emulator, the local fakes); median of ${RUNS}
fresh processes. Not measured: Lambda's own sandbox and runtime start, which no bundle can change.

| function | memory MB | index.mjs KB (budget ≤ ${BUDGET.bytes / 1000}) | asset KB (zipped) | import ms | first event ms | import + first event ms (budget ≤ ${BUDGET.ms}) | first event |
|---|---|---|---|---|---|---|---|
${rows
  .map(
    (row) =>
      `| ${row.name} | ${row.memoryMb} | ${kb(row.bundleBytes)} ${row.bundleBytes <= BUDGET.bytes ? '' : '**over**'} | ${kb(row.assetBytes)} (${kb(row.zippedBytes)}) | ${row.importMs.toFixed(0)} | ${row.firstEventMs.toFixed(0)} | ${row.totalMs.toFixed(0)} ${row.totalMs <= BUDGET.ms ? '' : '**over**'} | ${row.source} → ${row.outcome} |`,
  )
  .join('\n')}

- Bundle size: ${sizeMet} of ${rows.length} within ${BUDGET.bytes / 1000} KB; import and first event: ${timeMet} of ${rows.length} within ${BUDGET.ms} ms.
- Before (AWS SDK bundled, zod's locales pulled in whole, the full libphonenumber metadata everywhere): 839–1,172 KB per bundle.
- Since: zod/mini through \`shared/validation/zod.ts\` instead of classic zod (~60 KB less in every bundle; the same English
  messages and JSON Schemas), and the forms' validity check on libphonenumber-js's \`mobile\` metadata (98 KB) instead of \`max\` (156 KB).
- What is left in the two bundles still over, admin-api and data-api: libphonenumber-js (\`min\` metadata and code, ~115 KB: both
  take contacts as people type them), optgate's own code (~100 KB: every route of each API), zod (~40 KB), Powertools (~38 KB),
  csv-stringify / csv-parse (11 / 31 KB). Under 300 KB they would need fewer routes per function (measured: admin-api without
  its form and report routes 322 KB; data-api without the CSV import 295 KB).
- retention-sweep's first event is a whole run, the first of a day: 4 days × 256 shards = 1,024 index queries, nearly all empty,
  16 in flight instead of one after another (1.5–1.8× faster in interleaved runs here, where DynamoDB Local is CPU-bound on the
  2 shared cores; in AWS each query is mostly network wait, so the gain should be larger — not measured). Reaching 150 ms would
  mean querying fewer buckets (fewer shards a day, or the look-back spread over the day's runs), not a leaner bundle.
- Times follow the machine's load (a shared machine: load average below; other sessions ran tests meanwhile); sizes do not.
- The first event is a sample from events/ (signed SNS samples verified against the sample certificate) or a minimal one; most
  end in an ordinary refusal (no such account or line), after the function's configuration, clients and first DynamoDB or
  Secrets Manager call: the part of a cold start the code decides.

${machineLine()}`;
}

await main();
