import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createAccount, createLine } from '../support/api-client.ts';
import { generateConsentCsv } from '../support/consent-csv-fixture.ts';

const projectRoot = resolve(import.meta.dirname, '../..');
const packageJson = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { bin: Record<string, string> };
const bin = join(projectRoot, packageJson.bin.optgate ?? 'missing');
const dir = mkdtempSync(join(tmpdir(), 'optgate-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the CLI as `npx optgate` would (its bin entry, on this Node), against the local stack. */
function optgate(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: projectRoot,
      env: { ...process.env, OPTGATE_URL: inject('baseUrl'), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', fail);
    child.once('exit', (code) => done({ code, stdout, stderr }));
  });
}

type ImportSummary = {
  batchId: string;
  rows: number;
  chunks: number;
  applied: { changed: number; confirmed: number; superseded: number };
  duplicates: number;
  rejected: { line: number; code: string }[];
};

describe('optgate CLI against the local stack', () => {
  it('imports 5,000 rows in chunks with a progress bar, reports bad rows by line, and a re-import changes nothing', async () => {
    const { apiKey } = await createAccount('CLI');
    const line = await createLine(apiKey, { provider: 'aws' });
    const generated = generateConsentCsv({ rows: 5_000, lineId: line.lineId, badEvery: 500 });
    const file = join(dir, 'consent.csv');
    writeFileSync(file, generated.csv);
    const env = { OPTGATE_API_KEY: apiKey };

    const first = await optgate(['import', file, '--json', '--progress'], env);
    expect(first.code, first.stderr).toBe(2); // done, with rejected rows
    expect(first.stderr).toMatch(/importing \|[█░]+\| 100% \| 5000 rows \| 10 rejected/);
    const summary = JSON.parse(first.stdout) as ImportSummary;
    expect(summary).toMatchObject({ rows: 5_000, chunks: 5, duplicates: 0, applied: { changed: 4_990, confirmed: 0, superseded: 0 } });
    expect(summary.rejected.map((row) => ({ line: row.line, code: row.code }))).toEqual(generated.badLines);

    const again = await optgate(['import', file, '--json'], env);
    const second = JSON.parse(again.stdout) as ImportSummary;
    expect(second).toMatchObject({ batchId: summary.batchId, duplicates: 4_990, applied: { changed: 0, confirmed: 0, superseded: 0 } });
    expect(second.rejected).toEqual(summary.rejected);
    expect(again.stderr).not.toContain('importing |'); // no bar unless a terminal or --progress

    const out = join(dir, 'export.csv');
    const exported = await optgate(['export', '--out', out, '--page-size', '700'], env);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).toContain('Exported 4990 consent record(s)');
    const rows = readFileSync(out, 'utf8').trim().split('\n');
    expect(rows[0]).toBe('contact,channel,line,status,occurredAt,source,evidence,eventId,updatedAt');
    expect(rows.slice(1).map((row) => row.split(',')[0])).toEqual([...generated.contacts].sort());

    const text = await optgate(['import', file], env);
    expect(text.stdout).toContain(`as batch ${summary.batchId}: 5000 rows`);
    expect(text.stdout).toMatch(/line 501: invalid_status/);
  }, 600_000);

  it('erases a contact and prints the receipt; exports to stdout; fails clearly on bad use', async () => {
    const { apiKey } = await createAccount('CLI erase');
    const line = await createLine(apiKey, { provider: 'aws' });
    const generated = generateConsentCsv({ rows: 20, lineId: line.lineId });
    const file = join(dir, 'small.csv');
    writeFileSync(file, generated.csv);
    const env = { OPTGATE_API_KEY: apiKey };
    expect((await optgate(['import', file, '--quiet'], env)).code).toBe(0);

    const contact = generated.contacts[3] ?? '';
    const erased = await optgate(['erase', contact, '--json'], env);
    expect(erased.code, erased.stderr).toBe(0);
    expect(JSON.parse(erased.stdout)).toMatchObject({ status: 'complete', totalDeleted: 5, deleted: { consent: 1, event: 1, inbound: 1, profile: 1, summary: 1 } });
    const text = await optgate(['erase', contact], env);
    expect(text.stdout).toMatch(/^Already erased: receipt er_/);

    const stdout = await optgate(['export'], env);
    expect(stdout.code).toBe(0);
    const lines = stdout.stdout.trim().split('\n');
    expect(lines).toHaveLength(20); // header + 19 contacts
    expect(stdout.stdout).not.toContain(contact);
    expect(stdout.stderr).toContain('Exported 19 consent record(s)');

    const noKey = await optgate(['export'], { OPTGATE_API_KEY: '' });
    expect(noKey.code).toBe(1);
    expect(noKey.stderr).toContain('OPTGATE_API_KEY');
    const wrongKey = await optgate(['export', '--key', 'og_wrong-key-0000000000'], {});
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stderr).toContain('unauthorized');
    const unknown = await optgate(['frobnicate'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('Unknown command');
    const missing = await optgate(['import', join(dir, 'nope.csv')], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('nope.csv');
  }, 120_000);
});
