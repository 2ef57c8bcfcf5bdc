import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { FUNCTIONS } from '../../../shared/manifest.ts';
import { PROJECT_ROOT } from '../../../infra/cdk/optgate-function.ts';

/**
 * The real thing, once: `npx cdk synth --quiet` with the app from cdk.json, local esbuild bundling
 * of every function, no AWS credentials and no network, into a temporary output directory (so it
 * never races a developer's own cdk.out). The other infra tests skip bundling.
 */

const run = promisify(execFile);

/** No credentials, no instance metadata probing, no telemetry or notices: synth must not need AWS. */
function offlineEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(AWS_|CDK_)/.test(key)) env[key] = value;
  }
  return {
    ...env,
    AWS_CONFIG_FILE: '/nonexistent/aws-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
    AWS_EC2_METADATA_DISABLED: 'true',
    CDK_DISABLE_CLI_TELEMETRY: 'true',
  };
}

interface AssemblyManifest {
  artifacts: Record<string, { type: string; environment?: string; properties?: { templateFile?: string } }>;
  missing?: unknown[];
}

interface LambdaResource {
  Type: string;
  Properties: { Code?: { S3Key?: unknown } };
  Metadata?: { 'aws:cdk:path'?: string; 'aws:asset:path'?: string; 'aws:asset:is-bundled'?: boolean };
}

let outdir: string;
let manifest: AssemblyManifest;

beforeAll(async () => {
  outdir = await mkdtemp(path.join(tmpdir(), 'optgate-cdk-synth-'));
  // Rejects (and fails the file) on a non-zero exit.
  await run('npx', ['cdk', 'synth', '--quiet', '--no-notices', '-c', 'stage=test', '--output', outdir], {
    cwd: PROJECT_ROOT,
    env: offlineEnv(),
    timeout: 240_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  manifest = JSON.parse(readFileSync(path.join(outdir, 'manifest.json'), 'utf8')) as AssemblyManifest;
  // The bundles leave the AWS SDK to the nodejs24.x runtime, which provides it: here, the project's copy
  // is made resolvable from the assets, and nothing else (a package a bundle forgot would not load).
  await mkdir(path.join(outdir, 'node_modules'), { recursive: true });
  await symlink(path.join(PROJECT_ROOT, 'node_modules', '@aws-sdk'), path.join(outdir, 'node_modules', '@aws-sdk'));
}, 300_000);

afterAll(async () => {
  if (outdir) await rm(outdir, { recursive: true, force: true });
});

function template(stackName: string): { Resources: Record<string, LambdaResource> } {
  const file = manifest.artifacts[stackName]?.properties?.templateFile;
  if (!file) throw new Error(`no template for ${stackName}`);
  return JSON.parse(readFileSync(path.join(outdir, file), 'utf8')) as { Resources: Record<string, LambdaResource> };
}

describe('npx cdk synth (offline, real bundling)', () => {
  it('writes both stacks of the stage without knowing the account, and needs no context lookups', () => {
    for (const name of ['optgate-test-stateful', 'optgate-test-stateless']) {
      expect(manifest.artifacts[name], name).toMatchObject({
        type: 'aws:cloudformation:stack',
        // The CLI fills in a default region when none is configured; the account stays unknown.
        environment: expect.stringMatching(/^aws:\/\/unknown-account\//),
      });
      expect(Object.keys(template(name).Resources).length, name).toBeGreaterThan(0);
    }
    expect(manifest.missing ?? []).toEqual([]);
  });

  it('bundles every manifest function into an ESM index.mjs with a source map, the AWS SDK left to the runtime', () => {
    const functions = Object.values(template('optgate-test-stateless').Resources).filter((r) => r.Type === 'AWS::Lambda::Function');
    expect(functions).toHaveLength(FUNCTIONS.length);
    for (const fn of FUNCTIONS) {
      const resource = functions.find((r) => r.Metadata?.['aws:cdk:path'] === `optgate-test-stateless/${fn.name}/Function/Resource`);
      expect(resource?.Metadata?.['aws:asset:is-bundled'], fn.name).toBe(true);
      const assetDir = path.join(outdir, resource?.Metadata?.['aws:asset:path'] ?? 'missing');
      expect(existsSync(path.join(assetDir, 'index.mjs.map')), fn.name).toBe(true);
      const code = readFileSync(path.join(assetDir, 'index.mjs'), 'utf8');
      expect(code.startsWith('import { createRequire }'), fn.name).toBe(true);
      // No copy of the SDK inside (its user agent, "aws-sdk-js…", comes with every bundled client).
      expect(code.includes('aws-sdk-js'), fn.name).toBe(false);
    }
  });

  it('produces bundles that load on Node.js and export handler (ESM + createRequire for CJS dependencies)', async () => {
    const stateless = template('optgate-test-stateless');
    for (const fn of FUNCTIONS) {
      const resource = Object.values(stateless.Resources).find(
        (r) => r.Metadata?.['aws:cdk:path'] === `optgate-test-stateless/${fn.name}/Function/Resource`,
      );
      const bundle = path.join(outdir, resource?.Metadata?.['aws:asset:path'] ?? 'missing', 'index.mjs');
      const { stdout } = await run(
        process.execPath,
        ['--input-type=module', '-e', `const m = await import(${JSON.stringify(`file://${bundle}`)}); console.log(typeof m.handler);`],
        {
          env: { ...offlineEnv(), AWS_REGION: 'us-east-1', ...deployedEnvironment(resource) },
          timeout: 30_000,
        },
      );
      expect(stdout.trim(), fn.name).toBe('function');
    }
  }, 60_000);
});

describe('the console function’s bundle', () => {
  it('carries the built web app next to index.mjs and serves the page from it', async () => {
    const resource = Object.values(template('optgate-test-stateless').Resources).find(
      (r) => r.Metadata?.['aws:cdk:path'] === 'optgate-test-stateless/console/Function/Resource',
    );
    const assetDir = path.join(outdir, resource?.Metadata?.['aws:asset:path'] ?? 'missing');
    const page = readFileSync(path.join(assetDir, 'app/dist/index.html'), 'utf8');
    const script = /src="\/console\/assets\/([^"]+\.js)"/.exec(page)?.[1] ?? 'missing';
    expect(existsSync(path.join(assetDir, 'app/dist/assets', script))).toBe(true);
    // The deployed handler, on the sample event: the page, with its Content-Security-Policy.
    const event = readFileSync(new URL('../../../events/console.get.json', import.meta.url), 'utf8');
    const { stdout } = await run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { handler } = await import(${JSON.stringify(`file://${path.join(assetDir, 'index.mjs')}`)});
         const result = await handler(JSON.parse(process.argv[1]), { getRemainingTimeInMillis: () => 5000 });
         const body = Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8');
         const text = result.headers['content-encoding'] === 'gzip' ? (await import('node:zlib')).gunzipSync(body).toString() : body.toString();
         console.log(JSON.stringify({ status: result.statusCode, csp: result.headers['content-security-policy'], script: text.includes(${JSON.stringify(script)}) }));`,
        event,
      ],
      { env: { ...offlineEnv(), AWS_REGION: 'us-east-1', ...deployedEnvironment(resource) }, timeout: 30_000 },
    );
    expect(JSON.parse(stdout.trim())).toEqual({ status: 200, csp: expect.stringContaining("script-src 'self'"), script: true });
  }, 60_000);
});

/**
 * The function's environment as deployed, with CloudFormation references (table name, queue URLs,
 * API URL) replaced by stand-ins, so each bundle's cold-start config validation runs for real.
 */
function deployedEnvironment(resource: { Properties?: Record<string, unknown> } | undefined): Record<string, string> {
  const variables = ((resource?.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {});
  return Object.fromEntries(
    Object.entries(variables).map(([name, value]) => [name, typeof value === 'string' ? value : standIn(name)]),
  );
}

function standIn(name: string): string {
  if (name.endsWith('_ARNS') || name.endsWith('_ARN')) return 'arn:aws:sns:us-east-1:123456789012:optgate-test-topic';
  if (name.endsWith('_URL')) return `https://stand-in.example.com/${name.toLowerCase()}`;
  return `stand-in-${name.toLowerCase()}`;
}
