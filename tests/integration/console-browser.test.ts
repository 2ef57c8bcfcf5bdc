import { mkdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { api } from '../support/api-client.ts';
import { launchChromium } from '../support/chromium.ts';
import { seedConsoleAccount, type ConsoleSeed } from '../support/console-seed.ts';
import { validPhone } from '../support/forms.ts';

const SCREENSHOTS = resolve(import.meta.dirname, '../../test-output');
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };
/** Playwright's own waits: generous, for a cold local stack on a busy 2-core machine. */
const WAIT = { timeout: 15_000 };

describe('operator console in a real browser', () => {
  let browser: { context: BrowserContext; close: () => Promise<void> };
  let seed: ConsoleSeed;
  const base = () => inject('baseUrl');
  /** Content-Security-Policy violations and uncaught errors, on any page of any test: there must be none. */
  const problems: string[] = [];

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    [browser, seed] = await Promise.all([launchChromium(), seedConsoleAccount()]);
    await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base() });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
  });

  async function newPage(viewport = DESKTOP): Promise<Page> {
    const page = await browser.context.newPage();
    await page.setViewportSize(viewport);
    page.on('console', (message) => {
      if (/Content.Security.Policy|Refused to/i.test(message.text())) problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    return page;
  }

  /** Opens the console and signs in through the form, as an operator does once per tab. */
  async function openConsole(hash = '', viewport = DESKTOP, key = seed.apiKey): Promise<Page> {
    const page = await newPage(viewport);
    await page.goto(`${base()}/console${hash}`);
    await page.getByLabel('API key').fill(key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Console pages' }).waitFor(WAIT);
    return page;
  }

  const shot = (page: Page, name: string) => page.screenshot({ path: resolve(SCREENSHOTS, `console-${name}.png`), fullPage: true });

  it('is served with a strict Content-Security-Policy, and its assets are cacheable', async () => {
    const response = await fetch(`${base()}/console`, { headers: { 'accept-encoding': 'gzip' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe');
    const html = await response.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/\bstyle=|https?:\/\//);
    const script = /<script[^>]*src="([^"]+)"/.exec(html)?.[1] ?? '';
    const asset = await fetch(`${base()}${script}`, { headers: { 'accept-encoding': 'gzip' } });
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await asset.text()).length).toBeGreaterThan(10_000);
    expect((await fetch(`${base()}/console/assets/nothing-here.js`)).status).toBe(404);
  });

  it('asks for the key once, says clearly when it is wrong, and lets the operator key create an account', async () => {
    const page = await newPage();
    await page.goto(`${base()}/console`);
    await page.getByLabel('API key').fill('og_this_key_does_not_exist');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent(), WAIT).toContain('The API key was not accepted (HTTP 401 unauthorized)');
    await shot(page, 'sign-in-wrong-key');

    await page.getByLabel('API key').fill(inject('adminApiKey'));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'This is the operator key' }).waitFor(WAIT);
    await page.getByLabel('Account name').fill('Console test shop');
    await page.getByRole('button', { name: 'Create account' }).click();
    const newKey = await page.getByLabel('API key of the new account').inputValue(WAIT);
    expect(newKey.length).toBeGreaterThan(20);
    await page.getByRole('button', { name: 'Continue with this account' }).click();
    await page.getByRole('heading', { name: 'Contact', level: 1 }).waitFor(WAIT);
    // Kept for the tab: a reload stays signed in, with the new account's brand.
    await page.reload();
    await expect.poll(() => page.locator('.brand').textContent(), WAIT).toContain('Console test shop');
    expect(await page.evaluate(() => Object.values(sessionStorage))).toEqual([newKey]);
    await page.close();
  });

  it('Contact: shows status per line (✓, red ✗, Not defined), the effective status and the audit trail with evidence', async () => {
    const page = await openConsole();
    // After signing in, focus is on the page's heading: the next Tab reaches the search field, and
    // the search runs from the keyboard, with the number typed the way people write it.
    await page.keyboard.press('Tab');
    expect(await page.locator(':focus').getAttribute('id')).toBe('contact-search');
    await page.keyboard.type(seed.contact.replace(/^\+1(\d{3})(\d{3})(\d{4})$/, '+1 ($1) $2-$3'));
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: `Consent of ${seed.contact}` }).waitFor(WAIT);

    const row = (name: string) => page.getByRole('table', { name: `Consent of ${seed.contact} on each line` }).getByRole('row', { name: new RegExp(name) });
    expect(await row('Main').textContent()).toContain('✗ Opted out');
    expect(await row('Main').locator('.status-out').first().evaluate((element) => element.ownerDocument.defaultView?.getComputedStyle(element).color)).toBe('rgb(185, 28, 28)');
    expect(await row('WhatsApp care').textContent()).toContain('✓ Opted in');
    expect(await row('Promotions').textContent()).toContain('Not defined');
    // No record on Promotions: the effective status is the SMS default, said in words.
    expect(await row('Promotions').textContent()).toContain('No record: the account default (opted out)');
    expect(await row('Newsletter').textContent()).toContain('Not defined');

    const trail = page.getByRole('list', { name: 'Audit events, newest first' });
    await trail.getByText('Flagged for review').waitFor(WAIT);
    const stop = trail.getByRole('listitem').filter({ hasText: 'Opted out on Main' });
    await stop.getByText('Evidence').click();
    expect(await stop.locator('dl').textContent()).toContain('Message textStop.');
    expect(await stop.locator('dl').textContent()).toContain('KeywordSTOP');
    // A fresh load starts at the top: the first Tab reaches the skip link.
    await page.reload();
    await page.getByRole('heading', { name: `Consent of ${seed.contact}` }).waitFor(WAIT);
    await page.keyboard.press('Tab');
    expect(await page.locator(':focus').textContent()).toBe('Skip to content');
    await trail.getByRole('listitem').filter({ hasText: 'Opted out on Main' }).getByText('Evidence').click();
    await shot(page, 'contact');
    await page.setViewportSize(PHONE);
    // On a phone the tables become cards, still tables to assistive technology, and nothing is wider than the screen.
    expect(await row('Promotions').textContent()).toContain('Not defined');
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(PHONE.width);
    // What a phone shows first: the top of the page, at the phone's size.
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: resolve(SCREENSHOTS, 'console-contact-phone.png') });
    await page.close();
  });

  it('Contact: sets consent by hand with a required note, downloads the export, and erases after confirmation', async () => {
    const page = await openConsole(`#/contact/${encodeURIComponent(seed.contact)}`);
    await page.getByRole('heading', { name: `Consent of ${seed.contact}` }).waitFor(WAIT);
    await page.getByLabel('Line', { exact: true }).selectOption({ label: `Promotions (${seed.lines.promotions.address})` });
    await page.getByLabel('Opt in').check();
    // The note is required: nothing is sent without it.
    await page.getByRole('button', { name: 'Record consent' }).click();
    expect(await page.getByLabel('Note (required)').evaluate((element) => (element as { validity: { valueMissing: boolean } }).validity.valueMissing)).toBe(true);
    await page.getByLabel('Note (required)').fill('Customer asked by phone, ticket 4411');
    await page.getByRole('button', { name: 'Record consent' }).click();
    await page.getByText(`Opted in on Promotions (${seed.lines.promotions.address}) (was not defined). The note and your API key are kept as evidence.`).waitFor(WAIT);
    const promotionsRow = page.getByRole('row', { name: /^Promotions/ });
    await expect.poll(() => promotionsRow.textContent(), WAIT).toContain('✓ Opted in');
    const latest = page.getByRole('list', { name: 'Audit events, newest first' }).getByRole('listitem').first();
    await expect.poll(() => latest.textContent(), WAIT).toContain('Opted in on Promotions');
    await latest.getByText('Evidence').click();
    expect(await latest.locator('dl').textContent()).toContain('NoteCustomer asked by phone, ticket 4411');
    // The API agrees.
    const consent = await api<{ lines: { lineId: string; status: string; evidence?: { note?: string } }[] }>('GET', `/v1/contacts/${encodeURIComponent(seed.contact)}/consent`, { key: seed.apiKey });
    expect(consent.body.lines.find((line) => line.lineId === seed.lines.promotions.lineId)).toMatchObject({ status: 'opted_in', evidence: { note: 'Customer asked by phone, ticket 4411' } });

    const [download] = await Promise.all([page.waitForEvent('download', WAIT), page.getByRole('button', { name: 'Download subject access export (JSON)' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^optgate-export-\+1\d{10}-\d{4}-\d{2}-\d{2}\.json$/);
    const exported = JSON.parse(readFileSync((await download.path()) ?? '', 'utf8')) as { contact: string; consent: unknown[]; events: unknown[] };
    expect(exported.contact).toBe(seed.contact);
    expect(exported.consent.length).toBeGreaterThanOrEqual(3);
    expect(exported.events.length).toBeGreaterThanOrEqual(4);

    // Erase: a dialog that needs the address typed before the button works.
    const erased = seed.campaignContacts[1] ?? '';
    await page.goto(`${base()}/console#/contact/${encodeURIComponent(erased)}`);
    await page.getByRole('heading', { name: `Consent of ${erased}` }).waitFor(WAIT);
    await page.getByRole('button', { name: 'Erase this contact…' }).click();
    const dialog = page.getByRole('dialog', { name: `Erase ${erased}?` });
    const confirm = dialog.getByRole('button', { name: 'Erase for good' });
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByLabel(`Type ${erased} to confirm`).fill(erased);
    // The dialog as the operator sees it (the screen, not the whole page behind the backdrop).
    await page.screenshot({ path: resolve(SCREENSHOTS, 'console-contact-erase-dialog.png') });
    await confirm.click();
    await page.getByText(new RegExp(`${erased.replace('+', '\\+')} is erased: \\d+ items deleted`)).waitFor(WAIT);
    await expect.poll(() => page.getByRole('row', { name: /^Promotions/ }).textContent(), WAIT).toContain('Not defined');
    expect((await api('GET', `/v1/contacts/${encodeURIComponent(erased)}/export`, { key: seed.apiKey })).status).toBe(404);
    await page.close();
  });

  it('Rules: lists custom and built-in rules, tests a message live against an unsaved rule, then saves, edits and deletes it', async () => {
    const page = await openConsole('#/rules');
    const custom = page.getByRole('table', { name: /Custom keyword rules/ });
    await custom.getByRole('row', { name: /^PAUSE/ }).waitFor(WAIT);
    expect(await custom.getByRole('row', { name: /^HOURS/ }).textContent()).toContain(`Main (${seed.lines.main.address})`);
    // By line: HOURS belongs to Main only; PAUSE is the account's, for every line.
    await page.getByLabel('Show the rules for').selectOption({ label: `WhatsApp care (${seed.lines.whatsapp.address}) · WhatsApp` });
    await expect.poll(() => custom.getByRole('row').count(), WAIT).toBe(1 + 1);
    expect(await custom.getByRole('row', { name: /^PAUSE/ }).count()).toBe(1);
    await page.getByLabel('Show the rules for').selectOption({ label: `Main (${seed.lines.main.address}) · SMS` });
    await expect.poll(() => custom.getByRole('row').count(), WAIT).toBe(1 + 2);
    await page.getByLabel('Show the rules for').selectOption({ label: 'Every line' });
    const builtins = page.getByText(/Built-in keywords \(\d+\)/);
    await builtins.click();
    expect(await page.getByRole('table', { name: 'French' }).textContent()).toContain('ARRÊT');
    await builtins.click();

    // The tester follows what is typed: first the built-in STOP, with the reply Acme would send.
    await page.getByRole('textbox', { name: 'Message', exact: true }).fill('Stop!');
    await page.getByLabel('Sent to line').selectOption({ label: `Main (${seed.lines.main.address}) · SMS` });
    const result = page.locator('.test-result');
    await expect.poll(() => result.textContent(), WAIT).toContain('STOP built-in, English');
    expect(await result.textContent()).toContain('Opted out on this line');
    expect(await result.textContent()).toContain('Acme: You');

    // A rule being written, not saved: the tester already uses it.
    await page.getByRole('textbox', { name: 'Message', exact: true }).fill('halt now');
    await page.getByRole('textbox', { name: 'Keyword', exact: true }).fill('HALT');
    await page.getByLabel('Matches').selectOption('first_word');
    await page.getByLabel('Scope').selectOption('channel');
    await page.getByLabel('Reply text (optional)').fill('{brand}: stopped on every line.');
    await expect.poll(() => result.textContent(), WAIT).toContain('HALT this unsaved rule');
    expect(await result.textContent()).toContain('Opted out on every SMS line');
    expect(await result.textContent()).toContain('Acme: stopped on every line.');
    await shot(page, 'rules');
    expect((await api<{ rules: { keyword: string }[] }>('GET', '/v1/rules', { key: seed.apiKey })).body.rules.map((rule) => rule.keyword)).not.toContain('HALT');

    await page.getByRole('button', { name: 'Add rule' }).click();
    await page.getByText('Added the rule HALT.').waitFor(WAIT);
    await custom.getByRole('row', { name: /^HALT/ }).waitFor(WAIT);
    await page.getByRole('button', { name: 'Edit rule HALT' }).click();
    await page.getByRole('textbox', { name: 'Keyword', exact: true }).fill('HALTALL');
    await page.getByRole('button', { name: 'Save rule' }).click();
    await page.getByText('Saved the rule HALTALL.').waitFor(WAIT);
    await page.getByRole('button', { name: 'Delete rule HALTALL…' }).click();
    await page.getByRole('button', { name: 'Delete HALTALL' }).click();
    await page.getByText('Rule deleted.').waitFor(WAIT);
    const keywords = (await api<{ rules: { keyword: string }[] }>('GET', '/v1/rules', { key: seed.apiKey })).body.rules.map((rule) => rule.keyword).sort();
    expect(keywords).toEqual(['HOURS', 'PAUSE']);
    await page.close();
  });

  it('Settings: toggles a channel default, changes retention and quiet hours, and adds a line', async () => {
    const page = await openConsole('#/settings');
    const emailDefault = page.getByRole('switch', { name: 'Opted in by default' }).nth(2);
    await emailDefault.waitFor(WAIT);
    expect(await emailDefault.isChecked()).toBe(false);
    expect(await page.getByRole('switch', { name: 'Quiet hours for marketing' }).nth(1).isChecked()).toBe(true);
    expect(await page.getByLabel('Brand name in replies').inputValue()).toBe('Acme');
    await shot(page, 'settings');

    await emailDefault.press('Space');
    expect(await emailDefault.isChecked()).toBe(true);
    await page.getByLabel('After an opt-out, block').nth(1).selectOption('all');
    await page.getByRole('switch', { name: 'Quiet hours for marketing' }).first().check();
    await page.getByLabel('Marketing allowed from').first().fill('08:30');
    await page.getByLabel('until', { exact: true }).first().fill('20:30');
    await page.getByLabel('Keep consent data (months)').fill('24');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Settings saved.').waitFor(WAIT);
    const settings = await api<{ channels: Record<string, { defaultStatus: string; optOutBlocks: string; quietHours?: unknown }>; retention: { dataMonths: number } }>(
      'GET',
      '/v1/settings',
      { key: seed.apiKey },
    );
    expect(settings.body.channels.email?.defaultStatus).toBe('opted_in');
    expect(settings.body.channels.whatsapp).toMatchObject({ optOutBlocks: 'all', quietHours: { allowedFrom: '09:00', allowedUntil: '20:00' } });
    expect(settings.body.channels.sms?.quietHours).toEqual({ allowedFrom: '08:30', allowedUntil: '20:30' });
    expect(settings.body.retention.dataMonths).toBe(24);

    // The API's own validation shows up next to the form.
    await page.getByLabel('Sites that may embed your forms (one origin per line)').fill('not an origin');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await expect.poll(() => page.getByRole('alert').textContent(), WAIT).toContain('body.allowedOrigins.0');

    const address = validPhone();
    await page.getByLabel('Number (E.164) or short code').fill(address);
    await page.getByLabel('Name (optional)').fill('Support');
    await page.getByLabel('Twilio auth token').fill('a-twilio-auth-token-for-support-0001');
    await page.getByRole('button', { name: 'Add line' }).click();
    await page.getByText('Added the line Support.').waitFor(WAIT);
    await page.getByRole('table', { name: 'Lines of this account' }).getByRole('row', { name: /^Support/ }).waitFor(WAIT);
    const lines = await api<{ lines: { address: string; hasCredentials: boolean }[] }>('GET', '/v1/lines', { key: seed.apiKey });
    expect(lines.body.lines.find((line) => line.address === address)?.hasCredentials).toBe(true);
    await page.close();
  });

  it('Forms: lists forms, previews one as visitors see it, copies the embed snippet, and creates a form', async () => {
    const page = await openConsole('#/forms');
    await page.getByRole('link', { name: 'Weekly trail deals by text', exact: true }).click();
    const preview = page.frameLocator('iframe[title="Preview of the form: Weekly trail deals by text"]');
    await preview.getByLabel('Mobile phone number').waitFor(WAIT);
    expect(await preview.getByRole('button', { name: 'Join' }).count()).toBe(1);
    expect(await page.getByLabel('Embed code').inputValue()).toBe(seed.embedCode);
    await page.getByRole('button', { name: 'Copy embed code' }).click();
    await page.getByText('Copied to the clipboard.').waitFor(WAIT);
    // The page's own clipboard, as the operator's paste would get it.
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(seed.embedCode);
    await shot(page, 'forms');

    // Edit: the version goes up and the preview shows the new text.
    await page.getByLabel('What people sign up for').fill('Weekly trail deals and route tips by text');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Saved: version 2.').waitFor(WAIT);
    await page.frameLocator('iframe[title^="Preview of the form"]').getByText('Weekly trail deals and route tips by text').waitFor(WAIT);

    await page.getByRole('link', { name: 'Back to the list' }).click();
    await page.getByRole('link', { name: 'New form' }).click();
    await page.getByLabel('Channel').selectOption('email');
    await page.getByLabel('What people sign up for').fill('The Acme newsletter, once a month');
    await page.getByLabel(/Consent statement/).fill('I agree to receive the Acme newsletter by email.');
    await page.getByRole('button', { name: 'Create form' }).click();
    await page.frameLocator('iframe[title^="Preview of the form"]').getByLabel('Email address').waitFor(WAIT);
    const forms = await api<{ forms: { description: string; channel: string }[] }>('GET', '/v1/forms', { key: seed.apiKey });
    expect(forms.body.forms.map((form) => form.description).sort()).toEqual(['The Acme newsletter, once a month', 'Weekly trail deals and route tips by text']);
    await page.close();
  });

  it('Reports: charts opt-outs per day and per campaign, lists keywords and reasons, and downloads the snapshot as CSV', async () => {
    const page = await openConsole('#/reports');
    const daily = page.getByRole('img', { name: /Line chart of opt-outs and opt-ins per day/ });
    await daily.waitFor(WAIT);
    // Chart.js drew into the canvas (it sizes the backing store to the box).
    expect(await daily.evaluate((canvas) => (canvas as { width: number }).width)).toBeGreaterThan(100);
    const rates = page.getByRole('table', { name: 'Messages sent, opt-outs and opt-out rate per campaign' });
    expect(await rates.getByRole('row', { name: /^new-arrivals/ }).textContent()).toContain('66.7%');
    expect(await rates.getByRole('row', { name: /^spring-sale/ }).textContent()).toContain('20.0%');
    await page.getByRole('img', { name: /Bar chart of the opt-out rate of 2 campaigns; the highest is new-arrivals at 66.7%/ }).waitFor(WAIT);
    const keywords = page.getByRole('table', { name: 'Opt-outs and opt-ins by keyword' });
    expect(await keywords.textContent()).toContain('PAUSE');
    expect(await keywords.textContent()).toContain('UNSUBSCRIBE');
    expect(await page.getByRole('table', { name: 'Opt-outs and opt-ins by reason' }).textContent()).toContain('keyword');

    // Only Promotions: every line starts ticked.
    const lineChoices = page.getByRole('group', { name: 'Lines' }).getByRole('checkbox');
    for (const choice of await lineChoices.all()) await choice.setChecked(false);
    await page.getByRole('checkbox', { name: /^Promotions/ }).check();
    await page.getByRole('button', { name: 'Show snapshot' }).click();
    const snapshot = page.getByRole('table', { name: /Contacts with a record on the chosen lines/ });
    await snapshot.waitFor(WAIT);
    const expected = await api<{ rows: { contact: string }[] }>('GET', `/v1/reports/snapshot?line=${seed.lines.promotions.lineId}&limit=1000`, { key: seed.apiKey });
    expect(expected.body.rows.length).toBeGreaterThanOrEqual(7);
    expect(await snapshot.getByRole('row').count()).toBe(1 + expected.body.rows.length);
    await shot(page, 'reports');

    const [download] = await Promise.all([page.waitForEvent('download', WAIT), page.getByRole('button', { name: 'Download CSV' }).click()]);
    const csv = readFileSync((await download.path()) ?? '', 'utf8').trim().split('\n');
    expect(csv[0]).toBe('contact,channel,line,status,occurred_at,source,updated_at');
    expect(csv).toHaveLength(1 + expected.body.rows.length);
    expect(csv.slice(1).every((row) => row.includes(seed.lines.promotions.lineId))).toBe(true);
    await page.close();
  });

  it('says clearly what failed when the API breaks, on every kind of failure, and keeps the console usable', async () => {
    const page = await openConsole('#/rules');
    await page.getByRole('table', { name: /Custom keyword rules/ }).waitFor(WAIT);

    // A 5xx with the API's JSON error.
    await page.route('**/v1/rules', (route) =>
      route.fulfill({ status: 500, contentType: 'application/json', body: JSON.stringify({ error: { code: 'internal_error', message: 'Something went wrong; retry later' } }) }),
    );
    await page.reload();
    await expect.poll(() => page.getByRole('alert').textContent(), WAIT).toContain('The API failed (HTTP 500 internal_error): Something went wrong; retry later. Try again in a moment.');
    expect(await page.getByRole('navigation', { name: 'Console pages' }).isVisible()).toBe(true);
    await shot(page, 'error-500');
    // Fixed: "Try again" loads the page.
    await page.unroute('**/v1/rules');
    await page.getByRole('button', { name: 'Try again' }).click();
    await page.getByRole('table', { name: /Custom keyword rules/ }).waitFor(WAIT);

    // A proxy's HTML error page instead of the API.
    await page.route('**/v1/reports/opt-outs*', (route) => route.fulfill({ status: 502, contentType: 'text/html', body: '<html><body>Bad gateway</body></html>' }));
    await page.getByRole('link', { name: 'Reports' }).click();
    await expect.poll(() => page.getByRole('alert').first().textContent(), WAIT).toContain('The API failed (HTTP 502): no explanation came with the answer. Try again in a moment.');

    // A 200 that is not JSON.
    await page.route('**/v1/forms', (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<html>login</html>' }));
    await page.getByRole('link', { name: 'Forms' }).click();
    await expect.poll(() => page.getByRole('alert').textContent(), WAIT).toContain('The API sent an answer the console cannot read: HTTP 200 with text/html');

    // No answer at all.
    await page.route('**/v1/settings', (route) => route.abort('connectionrefused'));
    await page.getByRole('link', { name: 'Settings' }).click();
    await expect.poll(() => page.getByRole('alert').first().textContent(), WAIT).toContain('The optgate API could not be reached');

    // A key revoked meanwhile: back to sign-in, saying why.
    await page.route('**/v1/lines', (route) =>
      route.fulfill({ status: 401, contentType: 'application/json', body: JSON.stringify({ error: { code: 'unauthorized', message: 'The API key is not valid' } }) }),
    );
    await page.getByRole('link', { name: 'Rules' }).click();
    await expect.poll(() => page.getByRole('alert').textContent(), WAIT).toContain('The API key was not accepted (HTTP 401 unauthorized): The API key is not valid.');
    expect(await page.getByLabel('API key').isVisible()).toBe(true);
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await page.close();
  });

  it('loaded every page without a Content-Security-Policy violation or a script error', () => {
    expect(problems).toEqual([]);
  });
});
