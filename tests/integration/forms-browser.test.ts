import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import type { BrowserContext, Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, createAccount, createLine } from '../support/api-client.ts';
import { launchChromium } from '../support/chromium.ts';
import { createForm, validPhone } from '../support/forms.ts';

/** Waits (Playwright's own auto-wait, generous for a cold local stack) and reads the text. */
async function textOf(locator: Locator): Promise<string | null> {
  await locator.waitFor({ timeout: 15_000 });
  return locator.textContent();
}

const SCREENSHOTS = resolve(import.meta.dirname, '../../test-output');

/** A partner's web page on another origin (another port), embedding the snippet as a site owner would. */
async function startPartnerSite(embedCode: () => string): Promise<{ origin: string; server: Server }> {
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Partner shop</title></head>
<body><h1>Partner shop</h1><p>Join our list:</p>${embedCode()}</body></html>`);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('web form in a real browser, embedded cross-origin', () => {
  let browser: { context: BrowserContext; close: () => Promise<void> };
  let embed = '';
  let allowed: { origin: string; server: Server };
  let stranger: { origin: string; server: Server };

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    browser = await launchChromium();
    allowed = await startPartnerSite(() => embed);
    stranger = await startPartnerSite(() => embed);
  });

  afterAll(async () => {
    await browser?.close();
    allowed?.server.close();
    stranger?.server.close();
  });

  it('is filled and submitted inside the iframe; the consent and its evidence show in the API; a second submission changes nothing; injected markup stays inert', async () => {
    const { apiKey } = await createAccount('Partner shop');
    const line = await createLine(apiKey, { provider: 'aws' });
    await api('PUT', '/v1/settings', { key: apiKey, json: { allowedOrigins: [allowed.origin] } });
    const injected = '<script>window.parent.postMessage("pwned","*");document.title="pwned"</script><img src=x onerror="document.title=\'pwned\'">';
    const form = await createForm(apiKey, {
      line: line.lineId,
      description: `Deals every week ${injected}`,
      confirmationMessage: 'I agree to receive marketing texts from Partner shop. Reply STOP to opt out.',
      buttonText: 'Subscribe',
    });
    embed = form.embedCode;

    const page = await browser.context.newPage();
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy|Refused/.test(message.text())) violations.push(message.text());
    });
    await page.goto(`${allowed.origin}/`);
    const frame = page.frameLocator('iframe[title="Sign-up form"]');
    expect(await textOf(frame.locator('#description'))).toContain('<script>');
    // The markup shows as text: no script element, no image, nothing ran.
    expect(await frame.locator('script, img').count()).toBe(0);
    expect(await page.title()).toBe('Partner shop');
    const iframeTitle = await frame.locator('title').textContent();
    expect(iframeTitle).toBe('Subscribe');
    // Accessible: the field and the checkbox are reachable by their labels; the box starts unticked.
    const checkbox = frame.getByLabel('I agree to receive marketing texts from Partner shop. Reply STOP to opt out.');
    expect(await checkbox.isChecked()).toBe(false);
    await page.screenshot({ path: resolve(SCREENSHOTS, 'form-embedded.png'), fullPage: true });

    const contact = validPhone();
    await frame.getByLabel('Mobile phone number').fill(contact);
    await checkbox.check();
    await frame.getByRole('button', { name: 'Subscribe' }).click();
    expect(await textOf(frame.getByRole('status'))).toBe('Thank you. You are subscribed.');
    await page.screenshot({ path: resolve(SCREENSHOTS, 'form-submitted.png'), fullPage: true });

    const consent = await api<{ lines: { lineId: string; status: string; source?: string; evidence?: Record<string, unknown> }[] }>(
      'GET',
      `/v1/contacts/${encodeURIComponent(contact)}/consent`,
      { key: apiKey },
    );
    expect(consent.body.lines.find((entry) => entry.lineId === line.lineId)).toMatchObject({
      status: 'opted_in',
      source: 'form',
      evidence: {
        formId: form.formId,
        formVersion: 1,
        consentText: 'I agree to receive marketing texts from Partner shop. Reply STOP to opt out.',
        description: `Deals every week ${injected}`,
        ip: '127.0.0.1',
        userAgent: expect.stringContaining('Chrome'),
      },
    });

    // The same person again, in the same embedded form: same answer, no second change.
    await page.goto(`${allowed.origin}/`);
    await frame.getByLabel('Mobile phone number').fill(contact);
    await frame.getByLabel(/I agree to receive/).check();
    await frame.getByRole('button', { name: 'Subscribe' }).click();
    expect(await textOf(frame.getByRole('status'))).toBe('Thank you. You are subscribed.');
    const events = await api<{ events: unknown[] }>('GET', `/v1/contacts/${encodeURIComponent(contact)}/events`, { key: apiKey });
    expect(events.body.events).toHaveLength(1);
    expect(violations).toEqual([]);
    await page.close();
  });

  it('shows what to fix, in place, for a number that is not valid', async () => {
    const { apiKey } = await createAccount('Partner shop');
    await api('PUT', '/v1/settings', { key: apiKey, json: { allowedOrigins: [allowed.origin] } });
    embed = (await createForm(apiKey, {})).embedCode;
    const page = await browser.context.newPage();
    await page.goto(`${allowed.origin}/`);
    const frame = page.frameLocator('iframe');
    await frame.getByLabel('Mobile phone number').fill('555');
    await frame.getByLabel(/I agree/).check();
    await frame.getByRole('button', { name: 'Subscribe' }).click();
    expect(await textOf(frame.getByRole('alert'))).toContain('Enter a valid mobile number');
    expect(await frame.getByLabel('Mobile phone number').inputValue()).toBe('555');
    expect(await frame.getByLabel(/I agree/).isChecked()).toBe(false);
    await page.screenshot({ path: resolve(SCREENSHOTS, 'form-error.png'), fullPage: true });
    await page.close();
  });

  it('cannot be framed by an origin the account did not allow', async () => {
    const { apiKey } = await createAccount('Partner shop');
    await api('PUT', '/v1/settings', { key: apiKey, json: { allowedOrigins: [allowed.origin] } });
    embed = (await createForm(apiKey, {})).embedCode;
    const page = await browser.context.newPage();
    const formFields = async () => {
      // The page's load event waits for its iframe, blocked or not.
      const frame = page.frames().find((candidate) => candidate !== page.mainFrame());
      return frame ? frame.locator('#contact').count() : -1;
    };
    // The same snippet: shown on the allowed origin (so the check below can fail)…
    await page.goto(`${allowed.origin}/`, { waitUntil: 'load' });
    expect(await formFields()).toBe(1);
    // …and blocked by Chromium (CSP frame-ancestors) on any other.
    await page.goto(`${stranger.origin}/`, { waitUntil: 'load' });
    expect(await formFields()).toBe(0);
    await page.screenshot({ path: resolve(SCREENSHOTS, 'form-refused-origin.png'), fullPage: true });
    await page.close();
  });
});
