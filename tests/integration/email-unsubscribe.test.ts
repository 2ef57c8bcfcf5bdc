import { beforeAll, describe, expect, it } from 'vitest';
import { api, createAccount, createLine } from '../support/api-client.ts';
import { eventsOf, lineConsent } from '../support/consent.ts';
import { uniqueDomain } from '../support/ses.ts';

interface UnsubscribeLink {
  url: string;
  mailto: string;
  headers: { 'List-Unsubscribe': string; 'List-Unsubscribe-Post': string };
}

let counter = 0;
const uniqueEmail = () => `reader.${Date.now()}.${(counter += 1)}@example.org`;

describe('email one-click unsubscribe (RFC 8058)', () => {
  let key: string;
  let line: { lineId: string; address: string };

  beforeAll(async () => {
    ({ apiKey: key } = await createAccount('Email unsubscribe test'));
    line = await createLine(key, { channel: 'email', provider: 'ses', address: `news@${uniqueDomain()}` });
  });

  async function link(contact: string, campaignId?: string): Promise<UnsubscribeLink> {
    const response = await api<UnsubscribeLink>('POST', '/v1/unsubscribe-links', { key, json: { line: line.lineId, contact, ...(campaignId ? { campaignId } : {}) } });
    expect(response.status).toBe(200);
    return response.body;
  }
  const pathOf = (url: string) => new URL(url).pathname;
  const oneClick = (url: string, body = 'List-Unsubscribe=One-Click', contentType = 'application/x-www-form-urlencoded') =>
    api('POST', pathOf(url), { body, headers: { 'content-type': contentType } });

  describe('the builder', () => {
    it('returns both headers with an opaque https link and the mailto fallback', async () => {
      const contact = uniqueEmail();
      const built = await link(contact, 'spring-sale');
      expect(built.headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
      expect(built.headers['List-Unsubscribe']).toBe(`<${built.url}>, <${built.mailto}>`);
      expect(built.mailto).toBe(`mailto:${line.address}?subject=unsubscribe`);
      expect(built.url).toMatch(/\/unsubscribe\/[A-Za-z0-9_-]+$/);
      const token = built.url.split('/').pop() ?? '';
      const decoded = Buffer.from(token, 'base64url').toString('latin1');
      for (const readable of [contact, contact.split('@')[0] ?? '', 'example.org', 'spring-sale', line.lineId]) {
        expect(token).not.toContain(readable);
        expect(decoded).not.toContain(readable);
      }
    });

    it('refuses a line that is not an email line of the account, and a contact that is not an address', async () => {
      const sms = await createLine(key, { provider: 'aws' });
      expect((await api('POST', '/v1/unsubscribe-links', { key, json: { line: sms.lineId, contact: uniqueEmail() } })).status).toBe(400);
      expect((await api('POST', '/v1/unsubscribe-links', { key, json: { line: 'line_01nothere', contact: uniqueEmail() } })).status).toBe(400);
      expect((await api('POST', '/v1/unsubscribe-links', { key, json: { line: line.lineId, contact: 'not-an-address' } })).status).toBe(400);
      const { apiKey: otherKey } = await createAccount('Another account');
      expect((await api('POST', '/v1/unsubscribe-links', { key: otherKey, json: { line: line.lineId, contact: uniqueEmail() } })).status).toBe(400);
      expect((await api('POST', '/v1/unsubscribe-links', { key: otherKey, json: { line: line.address, contact: uniqueEmail() } })).status).toBe(400);
    });

    it('takes the line by its address too, and makes the same kind of link', async () => {
      const byAddress = await api<UnsubscribeLink>('POST', '/v1/unsubscribe-links', { key, json: { line: line.address.toUpperCase(), contact: uniqueEmail() } });
      expect(byAddress.status).toBe(200);
      expect(byAddress.body.mailto).toBe(`mailto:${line.address}?subject=unsubscribe`);
      expect(byAddress.body.headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    });
  });

  describe('one-click POST', () => {
    it('opts the contact out of email on that line: 200, no redirect, no cookie', async () => {
      const contact = uniqueEmail();
      const built = await link(contact, 'newsletter-42');
      const response = await oneClick(built.url);
      expect(response.status).toBe(200);
      expect(response.headers.get('location')).toBeNull();
      expect(response.headers.get('set-cookie')).toBeNull();
      expect(await lineConsent(key, contact, line.lineId)).toMatchObject({
        status: 'opted_out',
        source: 'unsubscribe_link',
        evidence: expect.objectContaining({ method: 'one_click', campaignId: 'newsletter-42' }),
      });

      // Mailbox providers may repeat the POST: nothing changes.
      expect((await oneClick(built.url)).status).toBe(200);
      expect(await eventsOf(key, contact)).toHaveLength(1);
    });

    it('accepts multipart/form-data too', async () => {
      const contact = uniqueEmail();
      const built = await link(contact);
      const boundary = '----optgate1234';
      const body = `--${boundary}\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--${boundary}--\r\n`;
      expect((await oneClick(built.url, body, `multipart/form-data; boundary=${boundary}`)).status).toBe(200);
      expect((await lineConsent(key, contact, line.lineId))?.status).toBe('opted_out');
    });

    it('honours a click after the contact opted in again', async () => {
      const contact = uniqueEmail();
      const built = await link(contact);
      expect((await oneClick(built.url)).status).toBe(200);
      const optIn = await api('PUT', `/v1/contacts/${encodeURIComponent(contact)}/consent`, { key, json: { channel: 'email', line: line.lineId, status: 'opted_in' } });
      expect(optIn.status).toBe(200);
      expect((await oneClick(built.url)).status).toBe(200);
      expect((await lineConsent(key, contact, line.lineId))?.status).toBe('opted_out');
      expect(await eventsOf(key, contact)).toHaveLength(3);
    });

    it('keeps links signed with an older key working after a rotation', async () => {
      const contact = uniqueEmail();
      const before = await link(contact);
      const rotated = await api<{ keyId: string }>('POST', '/v1/unsubscribe-keys', { key });
      expect(rotated.status).toBe(201);
      expect(rotated.body).not.toHaveProperty('secret');
      const after = await link(uniqueEmail());
      expect(after.url).not.toBe(before.url);
      expect((await oneClick(before.url)).status).toBe(200);
      expect((await lineConsent(key, contact, line.lineId))?.status).toBe('opted_out');
    });
  });

  describe('the confirmation page', () => {
    it('GET shows a form that posts back, and never unsubscribes', async () => {
      const contact = uniqueEmail();
      const built = await link(contact);
      for (let attempt = 0; attempt < 3; attempt += 1) {
        const page = await api('GET', pathOf(built.url), { headers: { accept: 'text/html' } });
        expect(page.status).toBe(200);
        expect(page.headers.get('content-type')).toMatch(/^text\/html/);
        expect(page.headers.get('set-cookie')).toBeNull();
        expect(page.headers.get('referrer-policy')).toBe('no-referrer');
        expect(page.text).toContain('<form method="post">');
        expect(page.text).toContain('name="List-Unsubscribe" value="One-Click"');
        expect(page.text).not.toContain(contact);
      }
      expect((await lineConsent(key, contact, line.lineId))?.status).toBe('not_defined');
      expect(await eventsOf(key, contact)).toHaveLength(0);
    });

    it('stores the optional reason and comment as evidence and answers a page', async () => {
      const contact = uniqueEmail();
      const built = await link(contact);
      const response = await api('POST', pathOf(built.url), {
        body: new URLSearchParams({ 'List-Unsubscribe': 'One-Click', reason: 'too_many', comment: 'Weekly would be fine' }).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      });
      expect(response.status).toBe(200);
      expect(response.text).toContain('You are unsubscribed');
      expect(await lineConsent(key, contact, line.lineId)).toMatchObject({
        status: 'opted_out',
        evidence: expect.objectContaining({ method: 'confirmation_page', reason: 'too_many', comment: 'Weekly would be fine' }),
      });
    });
  });

  describe('bad requests change nothing', () => {
    let contact: string;
    let built: UnsubscribeLink;
    beforeAll(async () => {
      contact = uniqueEmail();
      built = await link(contact);
    });

    const tampered = (url: string) => {
      const token = url.split('/').pop() ?? '';
      const index = Math.floor(token.length / 2);
      const swapped = token[index] === 'A' ? 'B' : 'A';
      return `/unsubscribe/${token.slice(0, index)}${swapped}${token.slice(index + 1)}`;
    };

    it.each([
      { what: 'no List-Unsubscribe field', body: 'foo=bar', type: 'application/x-www-form-urlencoded', status: 400 },
      { what: 'another List-Unsubscribe value', body: 'List-Unsubscribe=Yes', type: 'application/x-www-form-urlencoded', status: 400 },
      { what: 'an unknown reason', body: 'List-Unsubscribe=One-Click&reason=spam', type: 'application/x-www-form-urlencoded', status: 400 },
      { what: 'a malformed form', body: 'List-Unsubscribe=%zz', type: 'application/x-www-form-urlencoded', status: 400 },
      { what: 'multipart without its closing boundary', body: '--b\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click', type: 'multipart/form-data; boundary=b', status: 400 },
      { what: 'multipart without a boundary', body: 'x', type: 'multipart/form-data', status: 400 },
      { what: 'JSON', body: '{"List-Unsubscribe":"One-Click"}', type: 'application/json', status: 415 },
      { what: 'an oversized body', body: `List-Unsubscribe=One-Click&comment=${'x'.repeat(20_000)}`, type: 'application/x-www-form-urlencoded', status: 413 },
    ])('$what → $status', async ({ body, type, status }) => {
      const response = await oneClick(built.url, body, type);
      expect(response.status).toBe(status);
      expect(await eventsOf(key, contact)).toHaveLength(0);
    });

    it('answers 404 to a tampered, truncated or made-up token, on GET and POST', async () => {
      for (const path of [tampered(built.url), pathOf(built.url).slice(0, -4), '/unsubscribe/not-a-token', `/unsubscribe/${'A'.repeat(60)}`]) {
        expect((await api('POST', path, { body: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } })).status).toBe(404);
        expect((await api('GET', path)).status).toBe(404);
      }
      expect(await eventsOf(key, contact)).toHaveLength(0);
    });
  });
});
