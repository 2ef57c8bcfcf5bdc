import { describe, expect, inject, it } from 'vitest';
import { api, createAccount, createLine } from '../support/api-client.ts';
import { createForm, submitForm, validPhone } from '../support/forms.ts';
import { getItem, localTable } from '../support/table.ts';
import { keys } from '../../shared/adapters/dynamodb/table-keys.ts';

type ErrorBody = { error: { code: string; message: string } };
type ConsentView = { lines: { lineId: string; status: string; evidence?: Record<string, unknown>; source?: string }[]; channels: { channel: string; status: string; evidence?: Record<string, unknown> }[] };
type SentEmail = { to: string[]; from: string; subject: string; text?: string; html?: string };
type BusEvent = { source: string; detailType: string; detail: Record<string, unknown> };

const consentOf = async (key: string, contact: string) =>
  (await api<ConsentView>('GET', `/v1/contacts/${encodeURIComponent(contact)}/consent`, { key })).body;
const eventsOf = async (key: string, contact: string) =>
  (await api<{ events: { effect?: string; evidence: Record<string, unknown> }[] }>('GET', `/v1/contacts/${encodeURIComponent(contact)}/events`, { key })).body.events;
const formPath = (formId: string) => `/forms/${formId}`;

describe('web forms: admin API', () => {
  it('creates, lists, reads, replaces (new version) and deletes a form, with its URL and embed code', async () => {
    const { apiKey } = await createAccount();
    const line = await createLine(apiKey, { provider: 'aws' });
    const form = await createForm(apiKey, { line: line.lineId });
    expect(form).toMatchObject({ channel: 'sms', line: line.lineId, version: 1, doubleOptIn: false, url: `${inject('publicBaseUrl')}/forms/${form.formId}` });
    expect(form.embedCode).toBe(
      `<iframe src="${form.url}" title="Sign-up form" width="100%" height="480" style="border:0;width:100%;max-width:520px" loading="lazy"></iframe>`,
    );
    expect((await api<{ forms: { formId: string }[] }>('GET', '/v1/forms', { key: apiKey })).body.forms.map((f) => f.formId)).toEqual([form.formId]);
    const replaced = await api<{ version: number; buttonText: string }>('PUT', `/v1/forms/${form.formId}`, {
      key: apiKey,
      json: { channel: 'sms', line: line.lineId, description: 'Daily deals', confirmationMessage: 'Yes, text me.', buttonText: 'Join' },
    });
    expect(replaced.body).toMatchObject({ version: 2, buttonText: 'Join' });
    expect((await api('GET', `/v1/forms/${form.formId}`, { key: apiKey })).body).toMatchObject({ version: 2, description: 'Daily deals' });
    expect((await api('DELETE', `/v1/forms/${form.formId}`, { key: apiKey })).status).toBe(204);
    expect((await api('GET', `/v1/forms/${form.formId}`, { key: apiKey })).status).toBe(404);
    const page = await api('GET', formPath(form.formId));
    expect(page.status).toBe(404);
    expect(page.text).toContain('This form does not exist or was removed.');
  });

  it('rejects forms that cannot work, with a clear 400', async () => {
    const { apiKey } = await createAccount();
    const sms = await createLine(apiKey, { provider: 'aws' });
    for (const [json, message] of [
      [{ channel: 'sms', doubleOptIn: true }, 'doubleOptIn is for email forms only'],
      [{ channel: 'email', doubleOptIn: true }, 'needs line'],
      [{ channel: 'email', line: sms.lineId }, 'is a sms line, not email'],
      [{ channel: 'sms', line: 'line_nope' }, 'No line line_nope'],
      [{ channel: 'sms', buttonText: '' }, 'body.buttonText'],
      [{ channel: 'fax' }, 'body.channel'],
    ] as const) {
      const response = await api<ErrorBody>('POST', '/v1/forms', {
        key: apiKey,
        json: { description: 'd', confirmationMessage: 'c', buttonText: 'b', ...json },
      });
      expect(response.status, JSON.stringify(json)).toBe(400);
      expect(response.body.error.message).toContain(message);
    }
  });

  it('keeps forms inside their account', async () => {
    const a = await createAccount('A');
    const b = await createAccount('B');
    const form = await createForm(a.apiKey, {});
    expect((await api('GET', `/v1/forms/${form.formId}`, { key: b.apiKey })).status).toBe(404);
    expect((await api('DELETE', `/v1/forms/${form.formId}`, { key: b.apiKey })).status).toBe(404);
    expect((await api('PUT', `/v1/forms/${form.formId}`, { key: b.apiKey, json: { channel: 'sms', description: 'x', confirmationMessage: 'y', buttonText: 'z' } })).status).toBe(404);
    expect((await api('GET', formPath(form.formId))).status).toBe(200);
  });
});

describe('web forms: the public page', () => {
  it('serves an accessible page with a per-response nonce CSP and frame-ancestors from the allowed origins', async () => {
    const { apiKey } = await createAccount();
    const form = await createForm(apiKey, {});
    const before = await api('GET', formPath(form.formId));
    // Only optgate's own origin (the console's preview) until the account allows others.
    expect(before.headers.get('content-security-policy')).toMatch(/frame-ancestors 'self'(;|$)/);
    await api('PUT', '/v1/settings', { key: apiKey, json: { allowedOrigins: ['https://shop.example.com', 'http://127.0.0.1:8081'] } });
    const first = await api('GET', formPath(form.formId));
    const second = await api('GET', formPath(form.formId));
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = first.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'none'");
    expect(csp).toContain("form-action 'self'");
    expect(csp).toContain("frame-ancestors 'self' https://shop.example.com http://127.0.0.1:8081");
    const nonce = /style-src 'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeTruthy();
    expect(first.text).toContain(`<style nonce="${nonce}">`);
    expect(second.headers.get('content-security-policy')).not.toBe(csp);
    expect(first.text).toContain('<label for="contact">Mobile phone number</label>');
    expect(first.text).toMatch(/<input type="checkbox" id="consent" name="consent" value="yes" required>/);
    expect(first.text).toContain('<label for="consent" id="consent-text">I agree to receive marketing texts.</label>');
    expect(first.text).not.toMatch(/(src|href)="/);
  });

  it('rejects origins that are not origins', async () => {
    const { apiKey } = await createAccount();
    for (const origin of ['https://shop.example.com/path', '*', 'https://*', 'javascript:alert(1)', 'https://shop.example.com?x=1', "https://a.com 'unsafe-inline'"]) {
      const response = await api<ErrorBody>('PUT', '/v1/settings', { key: apiKey, json: { allowedOrigins: [origin] } });
      expect(response.status, origin).toBe(400);
      expect(response.body.error.message).toContain('allowedOrigins');
    }
    const subdomains = await api('PUT', '/v1/settings', { key: apiKey, json: { allowedOrigins: ['https://*.example.com', 'HTTPS://Shop.Example.com'] } });
    expect(subdomains.body).toMatchObject({ allowedOrigins: ['https://*.example.com', 'https://shop.example.com'] });
  });

  it('records an opt-in with its evidence; a second submission changes nothing', async () => {
    const { accountId, apiKey } = await createAccount();
    const line = await createLine(apiKey, { provider: 'aws' });
    const form = await createForm(apiKey, { line: line.lineId, successMessage: 'Welcome aboard!' });
    const contact = validPhone();
    const fields = { contact: contact.replace('+1202', '+1 (202) '), consent: 'yes', formVersion: '1', website: '' };
    const first = await submitForm(formPath(form.formId), fields);
    expect(first.status).toBe(200);
    expect(first.text).toContain('Welcome aboard!');
    const consent = await consentOf(apiKey, contact);
    expect(consent.lines.find((entry) => entry.lineId === line.lineId)).toMatchObject({
      status: 'opted_in',
      source: 'form',
      evidence: {
        formId: form.formId,
        formVersion: 1,
        consentText: 'I agree to receive marketing texts.',
        description: 'Weekly deals by text',
        ip: '127.0.0.1',
        userAgent: 'optgate-tests/1.0',
        submittedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      },
    });
    const second = await submitForm(formPath(form.formId), fields);
    expect(second.status).toBe(200);
    expect(second.text).toContain('Welcome aboard!');
    expect(await eventsOf(apiKey, contact)).toHaveLength(1);

    const published = await api<{ events: BusEvent[] }>('GET', `/local/events?accountId=${accountId}`);
    expect(published.body.events.filter((event) => event.detail.contact === contact)).toEqual([
      expect.objectContaining({
        source: 'optgate.consent',
        detailType: 'ConsentChanged',
        detail: expect.objectContaining({ accountId, channel: 'sms', scope: line.lineId, previousStatus: 'not_defined', status: 'opted_in', source: 'form' }),
      }),
    ]);
  });

  it('explains what to fix, keeps what was typed, and records nothing for bad submissions', async () => {
    const { apiKey } = await createAccount();
    const form = await createForm(apiKey, {});
    const contact = validPhone();
    const cases: [Record<string, string>, number, string][] = [
      [{ contact: '12', consent: 'yes', formVersion: '1' }, 400, 'Enter a valid mobile number with its country code'],
      // A London landline: a valid number, but not one SMS or WhatsApp reaches.
      [{ contact: '+44 20 7946 0018', consent: 'yes', formVersion: '1' }, 400, 'Enter a valid mobile number with its country code'],
      [{ contact: '', consent: 'yes', formVersion: '1' }, 400, 'Enter your mobile number.'],
      [{ contact, formVersion: '1' }, 400, 'Tick the box to agree'],
      [{ contact, consent: 'yes', formVersion: '7' }, 409, 'This form was updated'],
    ];
    for (const [fields, status, message] of cases) {
      const response = await submitForm(formPath(form.formId), fields);
      expect(response.status, JSON.stringify(fields)).toBe(status);
      expect(response.text).toContain(message);
      expect(response.text).toContain('role="alert"');
      expect(response.text).toContain('aria-invalid="true"');
    }
    expect((await submitForm(formPath(form.formId), { contact: '<b>x</b>', formVersion: '1' })).text).toContain('value="&lt;b&gt;x&lt;/b&gt;"');
    const wrongType = await api('POST', formPath(form.formId), { json: { contact } });
    expect(wrongType.status).toBe(415);
    expect(wrongType.headers.get('content-type')).toContain('text/html');
    const consent = await consentOf(apiKey, contact);
    expect(consent.channels.find((entry) => entry.channel === 'sms')?.status).toBe('not_defined');
  });

  it('pretends success to a bot that fills the honeypot, and records nothing', async () => {
    const { apiKey } = await createAccount();
    const form = await createForm(apiKey, {});
    const contact = validPhone();
    const response = await submitForm(formPath(form.formId), { contact, consent: 'yes', formVersion: '1', website: 'http://spam.example' });
    expect(response.status).toBe(200);
    expect(response.text).toContain('Thank you. You are subscribed.');
    expect(await eventsOf(apiKey, contact)).toEqual([]);
  });

  it('limits submissions per address (DynamoDB counters, shared by every container)', async () => {
    const { apiKey } = await createAccount();
    const form = await createForm(apiKey, {});
    const contact = validPhone();
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 6; attempt += 1) {
      statuses.push((await submitForm(formPath(form.formId), { contact, consent: 'yes', formVersion: '1' })).status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    const limited = await submitForm(formPath(form.formId), { contact, consent: 'yes', formVersion: '1' });
    expect(limited.text).toContain('Too many attempts for this address');
  });

  it('limits submissions per IP address', async () => {
    const { apiKey } = await createAccount();
    const form = await createForm(apiKey, {});
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 21; attempt += 1) {
      statuses.push((await submitForm(formPath(form.formId), { contact: 'nonsense', consent: 'yes', formVersion: '1' })).status);
    }
    expect(statuses.slice(0, 20).every((status) => status === 400)).toBe(true);
    expect(statuses[20]).toBe(429);
  });
});

describe('web forms: email double opt-in', () => {
  it('sends a sealed link; consent starts only when the person confirms, with both steps as evidence', async () => {
    const { accountId, apiKey } = await createAccount();
    const line = await createLine(apiKey, { channel: 'email', provider: 'ses', address: `news${Date.now()}.example.com` });
    const form = await createForm(apiKey, { channel: 'email', line: line.lineId, doubleOptIn: true, description: 'Our newsletter', confirmationMessage: 'Email me the newsletter.' });
    const contact = `reader.${Date.now()}@example.org`;
    const submitted = await submitForm(formPath(form.formId), { contact: contact.toUpperCase(), consent: 'yes', formVersion: '1' });
    expect(submitted.status).toBe(200);
    expect(submitted.text).toContain('Follow the link in it to confirm');
    expect((await consentOf(apiKey, contact)).lines[0]?.status).toBe('not_defined');

    const mails = (await api<{ messages: SentEmail[] }>('GET', `/local/sent-email?to=${encodeURIComponent(contact)}`)).body.messages;
    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatchObject({ from: `no-reply@${line.address}`, subject: 'Please confirm your subscription' });
    const link = /https?:\/\/\S+\/confirm\/[A-Za-z0-9_-]+/.exec(mails[0]?.text ?? '')?.[0] ?? '';
    const path = new URL(link).pathname;
    expect(link).not.toContain(encodeURIComponent(contact));
    expect(link).not.toContain(contact);

    // Following the link (as a mail scanner would) shows a button and changes nothing.
    const shown = await api('GET', path);
    expect(shown.status).toBe(200);
    expect(shown.text).toContain('Confirm subscription');
    expect((await consentOf(apiKey, contact)).lines[0]?.status).toBe('not_defined');

    const tampered = path.slice(0, -3) + (path.endsWith('AAA') ? 'BBB' : 'AAA');
    const refused = await api('POST', tampered, { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('This confirmation link is not valid.');

    const confirmed = await api('POST', path, { headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'mail-client/2' }, body: '' });
    expect(confirmed.status).toBe(200);
    expect(confirmed.text).toContain('Your subscription is confirmed');
    const record = (await consentOf(apiKey, contact)).lines.find((entry) => entry.lineId === line.lineId);
    expect(record).toMatchObject({
      status: 'opted_in',
      evidence: {
        formId: form.formId,
        formVersion: 1,
        doubleOptIn: true,
        consentText: 'Email me the newsletter.',
        requestIp: '127.0.0.1',
        requestUserAgent: 'optgate-tests/1.0',
        userAgent: 'mail-client/2',
        requestedAt: expect.any(String),
        confirmedAt: expect.any(String),
      },
    });
    // Confirming twice is harmless.
    expect((await api('POST', path, { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' })).status).toBe(200);
    expect(await eventsOf(apiKey, contact)).toHaveLength(1);
    // A link for one form does not work on another form's URL.
    const other = await createForm(apiKey, { channel: 'email', line: line.lineId, doubleOptIn: true });
    expect((await api('GET', path.replace(form.formId, other.formId))).status).toBe(400);
    const events = (await api<{ events: BusEvent[] }>('GET', `/local/events?accountId=${accountId}`)).body.events;
    expect(events.map((event) => event.detail.contact)).toEqual([contact]);
  });

  it('refuses a link once the form changed', async () => {
    const { apiKey } = await createAccount();
    const line = await createLine(apiKey, { channel: 'email', provider: 'ses', address: `promo${Date.now()}@example.com` });
    const form = await createForm(apiKey, { channel: 'email', line: line.lineId, doubleOptIn: true });
    const contact = `changed.${Date.now()}@example.org`;
    await submitForm(formPath(form.formId), { contact, consent: 'yes', formVersion: '1' });
    const mail = (await api<{ messages: SentEmail[] }>('GET', `/local/sent-email?to=${encodeURIComponent(contact)}`)).body.messages[0];
    expect(mail?.from).toBe(line.address);
    const path = new URL(/https?:\/\/\S+\/confirm\/[A-Za-z0-9_-]+/.exec(mail?.text ?? '')?.[0] ?? 'http://x').pathname;
    await api('PUT', `/v1/forms/${form.formId}`, {
      key: apiKey,
      json: { channel: 'email', line: line.lineId, doubleOptIn: true, description: 'New terms', confirmationMessage: 'New text', buttonText: 'Go' },
    });
    const response = await api('POST', path, { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
    expect(response.status).toBe(400);
    expect(response.text).toContain('This form changed after you signed up');
  });
});

describe('web forms: made-up links', () => {
  it('answers a made-up confirmation link with the "not valid" page and writes nothing (no link key is made for it)', async () => {
    const { apiKey, accountId } = await createAccount();
    const form = await createForm(apiKey, {});
    const path = `${formPath(form.formId)}/confirm/${'A'.repeat(60)}`;
    for (const method of ['GET', 'POST']) {
      const response = await api(method, path, { headers: { 'content-type': 'application/x-www-form-urlencoded' }, ...(method === 'POST' ? { body: '' } : {}) });
      expect(response.status).toBe(400);
      expect(response.text).toContain('This confirmation link is not valid.');
    }
    const db = localTable();
    expect(await getItem(db, keys.formTokenKey(accountId))).toBeUndefined();
    db.destroy();
  });

  it('answers 404 to form ids of any length or shape, never a 5xx', async () => {
    for (const formId of ['x'.repeat(3000), 'form_', `form_${'0'.repeat(26)}x`, '..']) {
      expect((await api('GET', `/forms/${encodeURIComponent(formId)}`)).status).toBe(404);
    }
  });
});
