import { describe, expect, it } from 'vitest';
import { api, createAccount, createLine, uniquePhone } from '../support/api-client.ts';

type Contact = {
  contact: string;
  name?: string;
  externalId?: string;
  attributes: Record<string, unknown>;
  createdAt: string;
  lastActivityAt: string;
  expiresAt: string;
  retention: { override: unknown; effective: unknown };
};
type ContactList = { contacts: Contact[]; nextCursor?: string };
type ErrorBody = { error: { code: string; message: string } };

const path = (contact: string, suffix = '') => `/v1/contacts/${encodeURIComponent(contact)}${suffix}`;

describe('contact profiles', () => {
  it('creates a profile when a contact first appears, and edits name, external id and attributes', async () => {
    const { apiKey } = await createAccount();
    const contact = uniquePhone();
    expect((await api('GET', path(contact), { key: apiKey })).status).toBe(404);
    await api('PUT', path(contact, '/consent'), { key: apiKey, json: { channel: 'sms', status: 'opted_in' } });
    const appeared = await api<Contact>('GET', path(contact), { key: apiKey });
    expect(appeared.status).toBe(200);
    expect(appeared.body).toMatchObject({ contact, attributes: {}, retention: { override: null, effective: { data: { months: 13 } } } });

    const edited = await api<Contact>('PUT', path(contact), {
      key: apiKey,
      json: { name: 'Ada Lovelace', externalId: 'crm-42', attributes: { tier: 'gold', visits: 3, vip: true } },
    });
    expect(edited.status, edited.text).toBe(200);
    expect(edited.body).toMatchObject({ name: 'Ada Lovelace', externalId: 'crm-42', attributes: { tier: 'gold', visits: 3, vip: true } });
    expect(edited.body.createdAt).toBe(appeared.body.createdAt);

    // PUT replaces: what is left out is cleared; the consent is untouched.
    const replaced = await api<Contact>('PUT', path(contact), { key: apiKey, json: { name: 'Ada' } });
    expect(replaced.body.name).toBe('Ada');
    expect(replaced.body.externalId).toBeUndefined();
    expect(replaced.body.attributes).toEqual({});
    const consent = await api<{ channels: { channel: string; status: string }[] }>('GET', path(contact, '/consent'), { key: apiKey });
    expect(consent.body.channels.find((entry) => entry.channel === 'sms')?.status).toBe('opted_in');

    // A profile may be created by hand for a contact never seen before (e-mail addresses are lower-cased).
    const byHand = await api<Contact>('PUT', path('New.Person@Example.com'), { key: apiKey, json: { attributes: { source: 'fair' } } });
    expect(byHand.status).toBe(200);
    expect(byHand.body.contact).toBe('new.person@example.com');
  });

  it('rejects invalid profiles with 400 and leaves the profile as it was', async () => {
    const { apiKey } = await createAccount();
    const contact = uniquePhone();
    await api('PUT', path(contact), { key: apiKey, json: { name: 'Kept' } });
    for (const json of [
      { name: '' },
      { attributes: { 'bad key!': 1 } },
      { attributes: Object.fromEntries(Array.from({ length: 51 }, (_, index) => [`a${index}`, index])) },
      { attributes: { nested: { no: true } } },
      { unknown: 1 },
    ]) {
      const response = await api<ErrorBody>('PUT', path(contact), { key: apiKey, json });
      expect(response.status, JSON.stringify(json).slice(0, 80)).toBe(400);
    }
    expect((await api<Contact>('GET', path(contact), { key: apiKey })).body.name).toBe('Kept');
    expect((await api('PUT', path(contact), { key: apiKey, body: 'name=x', headers: { 'content-type': 'text/plain' } })).status).toBe(415);
  });

  it('lists contacts by address prefix, in order, page by page, across index shards', async () => {
    const { apiKey } = await createAccount();
    const line = await createLine(apiKey, { provider: 'aws' });
    const base = uniquePhone().slice(0, 9); // +1202 and 4 more digits
    const contacts = Array.from({ length: 23 }, (_, index) => `${base}${String(index * 7).padStart(3, '0')}`);
    const others = [uniquePhone(), 'someone@example.org'];
    for (const contact of [...contacts, ...others]) {
      const response = await api('PUT', path(contact, '/consent'), {
        key: apiKey,
        json: { channel: contact.includes('@') ? 'email' : 'sms', status: 'opted_out', ...(contact.includes('@') ? {} : { line: line.lineId }) },
      });
      expect(response.status, response.text).toBe(200);
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const query = new URLSearchParams({ prefix: base, limit: '5', ...(cursor ? { cursor } : {}) });
      const page = await api<ContactList>('GET', `/v1/contacts?${query.toString()}`, { key: apiKey });
      expect(page.status, page.text).toBe(200);
      expect(page.body.contacts.length).toBeLessThanOrEqual(5);
      seen.push(...page.body.contacts.map((entry) => entry.contact));
      cursor = page.body.nextCursor;
      pages += 1;
    } while (cursor && pages < 20);
    expect(seen).toEqual([...contacts].sort());
    expect(pages).toBeGreaterThanOrEqual(5);

    const all = await api<ContactList>('GET', '/v1/contacts?limit=100', { key: apiKey });
    expect(all.body.contacts.map((entry) => entry.contact)).toEqual([...contacts, ...others].sort());
    const email = await api<ContactList>('GET', '/v1/contacts?prefix=SOMEONE@', { key: apiKey });
    expect(email.body.contacts.map((entry) => entry.contact)).toEqual(['someone@example.org']);

    const other = await createAccount();
    expect((await api<ContactList>('GET', '/v1/contacts', { key: other.apiKey })).body.contacts).toEqual([]);
    expect((await api<ErrorBody>('GET', '/v1/contacts?cursor=%%%', { key: apiKey })).status).toBe(400);
    expect((await api<ErrorBody>('GET', '/v1/contacts?limit=0', { key: apiKey })).status).toBe(400);
  });
});

describe('subject access export', () => {
  it('returns profile, consent with evidence, audit trail and inbound messages as one JSON document', async () => {
    const { accountId, apiKey } = await createAccount();
    const line = await createLine(apiKey, { provider: 'aws' });
    const contact = uniquePhone();
    await api('PUT', path(contact, '/consent'), {
      key: apiKey,
      json: { channel: 'sms', line: line.lineId, status: 'opted_in', evidence: { form: 'signup', ip: '198.51.100.7' } },
    });
    await api('PUT', path(contact), { key: apiKey, json: { name: 'Grace', attributes: { plan: 'pro' } } });
    await api('PUT', path(contact, '/retention'), { key: apiKey, json: { messageHistory: { months: 6 } } });
    const sms = await api<{ delivered: boolean }>('POST', '/local/aws-sms', {
      json: {
        originationNumber: contact,
        destinationNumber: line.address,
        messageKeyword: 'KEYWORD_000000000000',
        messageBody: 'STOP',
        inboundMessageId: `in-${Date.now()}`,
      },
    });
    expect(sms.status).toBe(202);

    const response = await api<Record<string, unknown>>('GET', path(contact, '/export'), { key: apiKey });
    expect(response.status, response.text).toBe(200);
    const document = response.body as {
      contact: string;
      accountId: string;
      profile: Contact;
      retention: unknown;
      consent: Record<string, unknown>[];
      events: Record<string, unknown>[];
      inboundMessages: Record<string, unknown>[];
      messages: unknown[];
      nextCursor?: string;
    };
    expect(document.contact).toBe(contact);
    expect(document.accountId).toBe(accountId);
    expect(document.profile).toMatchObject({ name: 'Grace', attributes: { plan: 'pro' } });
    expect(document.retention).toEqual({
      override: { messageHistory: { months: 6 } },
      effective: { data: { months: 13 }, messageHistory: { months: 6 } },
    });
    expect(document.consent).toEqual([
      expect.objectContaining({ channel: 'sms', scope: line.lineId, lineId: line.lineId, status: 'opted_out', source: 'keyword' }),
    ]);
    expect(document.events.map((event) => [event.status, event.source])).toEqual([
      ['opted_in', 'api'],
      ['opted_out', 'keyword'],
    ]);
    expect(document.events[0]?.evidence).toMatchObject({ form: 'signup', ip: '198.51.100.7' });
    expect(document.inboundMessages).toEqual([expect.objectContaining({ provider: 'aws', replyState: expect.any(String) })]);
    // The reply lease coordinates deliveries; it is not data about the person.
    expect(Object.keys(document.inboundMessages[0] ?? {})).toEqual(expect.arrayContaining(['provider', 'providerMessageId', 'receivedAt', 'reply', 'replyState']));
    expect(document.inboundMessages[0]).not.toHaveProperty('replyLeaseUntil');
    expect(document.inboundMessages[0]).not.toHaveProperty('replyHolder');
    expect(document.messages).toEqual([]);
    expect(document.nextCursor).toBeUndefined();
    // No storage internals leak into the document.
    expect(response.text).not.toMatch(/"(pk|sk|gsi\dpk|gsi\dsk)"/);
    expect(typeof document.consent[0]?.expiresAt).toBe('string');
  });

  it('answers 404 for a contact nobody holds anything about, and only within the caller’s account', async () => {
    const a = await createAccount();
    const b = await createAccount();
    const contact = uniquePhone();
    await api('PUT', path(contact, '/consent'), { key: a.apiKey, json: { channel: 'sms', status: 'opted_out' } });
    expect((await api('GET', path(contact, '/export'), { key: a.apiKey })).status).toBe(200);
    expect((await api('GET', path(contact, '/export'), { key: b.apiKey })).status).toBe(404);
    expect((await api('GET', path(uniquePhone(), '/export'), { key: a.apiKey })).status).toBe(404);
  });
});
