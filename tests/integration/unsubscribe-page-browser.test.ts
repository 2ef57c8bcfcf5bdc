import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, createAccount, createLine } from '../support/api-client.ts';
import { eventsOf, lineConsent } from '../support/consent.ts';
import { uniqueDomain } from '../support/ses.ts';

/** Debian's chromium package, headless, with a throwaway profile (CI installs it in .ci/run). */
async function launchChromium(): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const userDataDir = await mkdtemp(join(tmpdir(), 'optgate-unsubscribe-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  return {
    context,
    close: async () => {
      await context.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}

describe('the unsubscribe confirmation page in a real browser', () => {
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let key: string;
  let line: { lineId: string; address: string };

  beforeAll(async () => {
    browser = await launchChromium();
    ({ apiKey: key } = await createAccount('Unsubscribe page test'));
    line = await createLine(key, { channel: 'email', provider: 'ses', address: `letters@${uniqueDomain()}` });
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('opening the link changes nothing; the labelled form unsubscribes with the chosen reason, without cookies or errors', { timeout: 90_000 }, async () => {
    const contact = `browser.${Date.now()}@example.org`;
    const { body } = await api<{ url: string }>('POST', '/v1/unsubscribe-links', { key, json: { line: line.lineId, contact, campaignId: 'autumn' } });
    const page = await browser.context.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));

    // The public URL and the local one are the same here (PUBLIC_BASE_URL is the stack's own).
    const response = await page.goto(body.url);
    expect(response?.status()).toBe(200);
    await expect(page.title()).resolves.toBe('Unsubscribe');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Unsubscribe');
    expect(await page.locator('main').textContent()).toContain(line.address);
    expect(await page.locator('main').textContent()).not.toContain(contact);
    expect((await lineConsent(key, contact, line.lineId))?.status).toBe('not_defined');

    // Every control has an accessible name: the reasons by their labels, the comment by its label.
    await page.getByLabel('I get too many emails').check();
    await page.getByLabel('Anything else you want to tell us? (optional)').fill('Monthly would be plenty');
    await page.getByRole('button', { name: 'Unsubscribe' }).click();
    await page.getByRole('heading', { level: 1, name: 'You are unsubscribed' }).waitFor({ timeout: 20_000 });
    // No redirect: the answer is the POST's own response, at the same URL.
    expect(page.url()).toBe(body.url);

    expect(await lineConsent(key, contact, line.lineId)).toMatchObject({
      status: 'opted_out',
      source: 'unsubscribe_link',
      evidence: expect.objectContaining({ method: 'confirmation_page', reason: 'too_many', comment: 'Monthly would be plenty', campaignId: 'autumn' }),
    });
    expect(await eventsOf(key, contact)).toHaveLength(1);
    expect(await browser.context.cookies()).toEqual([]);
    // The strict CSP allows exactly the page's own style: nothing was blocked.
    expect(problems).toEqual([]);
    await page.close();
  });
});
