import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { waitForPort } from '../../infra/local/wait-for-port.ts';
import { spawnLocalStack } from '../support/spawn-local-stack.ts';

async function portIsClosed(port: number): Promise<boolean> {
  try {
    await waitForPort(port, 200);
    return false;
  } catch {
    return true;
  }
}

/** `npm start` as a developer runs it: persistence between runs, clean Ctrl-C, a clear message for a busy port. */
describe('npm start lifecycle', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'optgate-data-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('keeps data and the generated operator key between runs, and leaves no emulator behind on Ctrl-C', async () => {
    const first = await spawnLocalStack({ OPTGATE_DATA_DIR: dataDir });
    const adminKey = /operator key\s+(\S+)/.exec(first.output())?.[1] ?? '';
    expect(adminKey).toMatch(/^og_admin_/);
    const created = await fetch(`${first.baseUrl}/v1/accounts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Persistent' }),
    });
    expect(created.status).toBe(201);
    const { apiKey } = (await created.json()) as { apiKey: string };
    expect(await first.interrupt()).toBe(0);
    // The Java emulator and the SQS emulator are gone with it.
    expect(await portIsClosed(first.ports.dynamoDbPort)).toBe(true);
    expect(await portIsClosed(first.ports.sqsPort)).toBe(true);

    const second = await spawnLocalStack({ OPTGATE_DATA_DIR: dataDir });
    try {
      expect(second.output()).toContain(adminKey);
      const settings = await fetch(`${second.baseUrl}/v1/settings`, { headers: { authorization: `Bearer ${apiKey}` } });
      expect(settings.status).toBe(200);
      expect(((await settings.json()) as { brandName: string }).brandName).toBe('Persistent');
    } finally {
      await second.interrupt();
    }
  }, 180_000);

  it('runs a second, in-memory instance beside the first and refuses a busy port by name', async () => {
    const first = await spawnLocalStack({ OPTGATE_IN_MEMORY: '1' });
    try {
      const health = await fetch(`${first.baseUrl}/health`);
      expect(health.status).toBe(200);
      await expect(spawnLocalStack({ OPTGATE_IN_MEMORY: '1', PORT: String(first.ports.port) })).rejects.toThrow(
        /PORT port \d+ is already in use/,
      );
    } finally {
      await first.interrupt();
    }
  }, 180_000);
});
