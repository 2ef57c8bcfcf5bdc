import { describe, expect, inject, it } from 'vitest';
import { api, createAccount, createLine, uniquePhone } from '../support/api-client.ts';
import { postTwilio, TWILIO_AUTH_TOKEN, twilioParams } from '../support/twilio.ts';

type ErrorBody = { error: { code: string; message: string } };

describe('health', () => {
  it('answers ok once DynamoDB and SQS answer', async () => {
    const response = await api('GET', '/health');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ok' });
  });
});

describe('accounts and API keys', () => {
  it('lets only the operator key create accounts, and shows the new key once', async () => {
    const created = await api<{ accountId: string; apiKey: string }>('POST', '/v1/accounts', {
      key: inject('adminApiKey'),
      json: { name: 'Acme' },
    });
    expect(created.status).toBe(201);
    expect(created.body.accountId).toMatch(/^acc_/);
    expect(created.body.apiKey).toMatch(/^og_[A-Za-z0-9_-]{40,}$/);

    const byAccountKey = await api<ErrorBody>('POST', '/v1/accounts', { key: created.body.apiKey, json: { name: 'Sneaky' } });
    expect(byAccountKey.status).toBe(403);
    expect((await api<ErrorBody>('POST', '/v1/accounts', { json: { name: 'Anon' } })).status).toBe(401);
    expect((await api<ErrorBody>('GET', '/v1/settings', { key: 'og_not-a-real-key-at-all' })).status).toBe(401);
  });

  it('refuses account routes to the operator key (it belongs to no account)', async () => {
    const response = await api<ErrorBody>('GET', '/v1/lines', { key: inject('adminApiKey') });
    expect(response.status).toBe(403);
    expect(response.body.error.code).toBe('forbidden');
  });
});

describe('lines', () => {
  it('registers a line, never returns its credentials, and lists and deletes it', async () => {
    const { apiKey } = await createAccount();
    const address = uniquePhone();
    const created = await api<Record<string, unknown>>('POST', '/v1/lines', {
      key: apiKey,
      json: { channel: 'sms', provider: 'twilio', address: address.replace('+1', '+1 (').replace(/(\(\d{3})/, '$1) '), credentials: { authToken: TWILIO_AUTH_TOKEN } },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ channel: 'sms', address, provider: 'twilio', hasCredentials: true });
    expect(created.text).not.toContain(TWILIO_AUTH_TOKEN);

    const listed = await api<{ lines: Record<string, unknown>[] }>('GET', '/v1/lines', { key: apiKey });
    expect(listed.body.lines).toHaveLength(1);
    expect(listed.text).not.toContain(TWILIO_AUTH_TOKEN);

    expect((await api('DELETE', `/v1/lines/${String(created.body.lineId)}`, { key: apiKey })).status).toBe(204);
    expect((await api<{ lines: unknown[] }>('GET', '/v1/lines', { key: apiKey })).body.lines).toHaveLength(0);
    expect((await api('DELETE', `/v1/lines/${String(created.body.lineId)}`, { key: apiKey })).status).toBe(404);
  });

  it('rejects a provider that cannot carry the channel, and Twilio lines without an auth token', async () => {
    const { apiKey } = await createAccount();
    const wrongProvider = await api<ErrorBody>('POST', '/v1/lines', { key: apiKey, json: { channel: 'email', provider: 'twilio', address: 'news@example.com' } });
    expect(wrongProvider.status).toBe(400);
    const noToken = await api<ErrorBody>('POST', '/v1/lines', { key: apiKey, json: { channel: 'sms', provider: 'twilio', address: uniquePhone() } });
    expect(noToken.status).toBe(400);
    expect(noToken.body.error.message).toContain('authToken');
  });

  it('gives a number to one account only', async () => {
    const a = await createAccount('A');
    const b = await createAccount('B');
    const line = await createLine(a.apiKey, { provider: 'aws' });
    const taken = await api<ErrorBody>('POST', '/v1/lines', { key: b.apiKey, json: { channel: 'sms', provider: 'aws', address: line.address } });
    expect(taken.status).toBe(409);
  });
});

describe('settings', () => {
  it('starts from the seed defaults and merges a partial update', async () => {
    const { apiKey } = await createAccount();
    const initial = await api<Record<string, unknown>>('GET', '/v1/settings', { key: apiKey });
    expect(initial.body).toMatchObject({
      channels: {
        sms: { defaultStatus: 'opted_out', optOutBlocks: 'all' },
        whatsapp: { defaultStatus: 'opted_out', optOutBlocks: 'marketing' },
        email: { defaultStatus: 'opted_out', optOutBlocks: 'marketing' },
      },
      retention: { dataMonths: 13, messageHistoryMonths: 13 },
    });
    const updated = await api('PUT', '/v1/settings', { key: apiKey, json: { channels: { email: { defaultStatus: 'opted_in' } }, retention: { dataMonths: 24 } } });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({
      channels: { email: { defaultStatus: 'opted_in', optOutBlocks: 'marketing' }, sms: { defaultStatus: 'opted_out' } },
      retention: { dataMonths: 24, messageHistoryMonths: 13 },
    });
    const bad = await api<ErrorBody>('PUT', '/v1/settings', { key: apiKey, json: { retention: { dataMonths: 0 } } });
    expect(bad.status).toBe(400);
    expect((await api('GET', '/v1/settings', { key: apiKey })).body).toMatchObject({ retention: { dataMonths: 24 } });
  });
});

describe('keyword rules', () => {
  it('applies a custom line rule ahead of the built-in keyword', async () => {
    const { apiKey } = await createAccount();
    const line = await createLine(apiKey, { provider: 'twilio', credentials: { authToken: TWILIO_AUTH_TOKEN } });
    const rule = await api<{ ruleId: string; origin: string }>('POST', '/v1/rules', {
      key: apiKey,
      json: { keyword: 'PAUSE', matchMode: 'exact', action: 'opt_out', lineId: line.lineId, replyText: 'Paused. Reply START to resume.' },
    });
    expect(rule.status).toBe(201);
    expect(rule.body.origin).toBe('line');

    const contact = uniquePhone();
    const reply = await postTwilio(twilioParams({ from: contact, to: line.address, body: 'pause' }));
    expect(reply.text).toContain('<Message>Paused. Reply START to resume.</Message>');
    const consent = await api<{ lines: { status: string }[] }>('GET', `/v1/contacts/${encodeURIComponent(contact)}/consent`, { key: apiKey });
    expect(consent.body.lines[0]?.status).toBe('opted_out');

    const listed = await api<{ rules: { ruleId: string }[]; builtinRules: unknown[] }>('GET', '/v1/rules', { key: apiKey });
    expect(listed.body.rules.map((entry) => entry.ruleId)).toEqual([rule.body.ruleId]);
    expect(listed.body.builtinRules.length).toBeGreaterThan(20);

    const edited = await api('PUT', `/v1/rules/${rule.body.ruleId}`, {
      key: apiKey,
      json: { keyword: 'PAUSE', action: 'reply', replyText: 'We will pause soon.', lineId: line.lineId },
    });
    expect(edited.status).toBe(200);
    expect((await api('DELETE', `/v1/rules/${rule.body.ruleId}`, { key: apiKey })).status).toBe(204);
    expect((await api('DELETE', `/v1/rules/${rule.body.ruleId}`, { key: apiKey })).status).toBe(404);
  });

  it('rejects invalid rules: a reply without text, an empty keyword, a line of nobody', async () => {
    const { apiKey } = await createAccount();
    for (const json of [
      { keyword: 'INFO2', action: 'reply' },
      { keyword: '  !!  ', action: 'opt_out' },
      { keyword: 'GONE', action: 'opt_out', lineId: 'line_missing' },
      { keyword: 'X', action: 'explode' },
    ]) {
      const response = await api<ErrorBody>('POST', '/v1/rules', { key: apiKey, json });
      expect(response.status, JSON.stringify(json)).toBe(400);
      expect(response.body.error.code).toBe('validation_failed');
    }
  });
});

describe('contact consent by API', () => {
  it('sets consent by hand, reports not_defined elsewhere, and keeps the API key as evidence', async () => {
    const { apiKey } = await createAccount();
    const sms = await createLine(apiKey, { provider: 'aws' });
    const other = await createLine(apiKey, { provider: 'aws' });
    const contact = uniquePhone();
    const path = `/v1/contacts/${encodeURIComponent(contact)}/consent`;

    const set = await api<{ effect: string; event: { evidence: Record<string, unknown> } }>('PUT', path, {
      key: apiKey,
      json: { channel: 'sms', line: sms.lineId, status: 'opted_in', note: 'Asked at the counter' },
    });
    expect(set.status).toBe(200);
    expect(set.body.effect).toBe('changed');
    expect(set.body.event.evidence).toMatchObject({ apiKeyId: expect.stringMatching(/^key_/), note: 'Asked at the counter' });

    const view = await api<{ lines: { lineId: string; status: string; effective: { status: string; explicit: boolean } }[] }>('GET', path, { key: apiKey });
    const byLine = Object.fromEntries(view.body.lines.map((entry) => [entry.lineId, entry]));
    expect(byLine[sms.lineId]).toMatchObject({ status: 'opted_in', effective: { status: 'opted_in', explicit: true } });
    expect(byLine[other.lineId]).toMatchObject({ status: 'not_defined', effective: { status: 'opted_out', explicit: false } });

    // A channel-wide opt-out that is newer wins on every line.
    await api('PUT', path, { key: apiKey, json: { channel: 'sms', status: 'opted_out' } });
    const after = await api<{ lines: { lineId: string; effective: { status: string } }[] }>('GET', path, { key: apiKey });
    expect(after.body.lines.map((entry) => entry.effective.status)).toEqual(['opted_out', 'opted_out']);
  });

  it('names the line by id or by its address; another account\'s address is no line of this one', async () => {
    const { apiKey } = await createAccount();
    const line = await createLine(apiKey, { provider: 'aws' });
    const contact = uniquePhone();
    const path = `/v1/contacts/${encodeURIComponent(contact)}/consent`;
    const national = `+${line.address.slice(1, 2)} (${line.address.slice(2, 5)}) ${line.address.slice(5, 8)}-${line.address.slice(8)}`;
    const set = await api<{ event: { scope: string } }>('PUT', path, { key: apiKey, json: { channel: 'sms', line: national, status: 'opted_in' } });
    expect(set.status).toBe(200);
    expect(set.body.event.scope).toBe(line.lineId);
    const view = await api<{ lines: { lineId: string; status: string }[] }>('GET', path, { key: apiKey });
    expect(view.body.lines).toEqual([expect.objectContaining({ lineId: line.lineId, status: 'opted_in' })]);

    const other = await createAccount('Other');
    const refused = await api<ErrorBody>('PUT', path, { key: other.apiKey, json: { channel: 'sms', line: line.address, status: 'opted_out' } });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toBe(`No sms line ${line.address} in this account`);
    expect((await api<ErrorBody>('PUT', path, { key: apiKey, json: { channel: 'whatsapp', line: line.address, status: 'opted_out' } })).status).toBe(400);
    expect((await api<{ lines: { status: string }[] }>('GET', path, { key: apiKey })).body.lines.map((entry) => entry.status)).toEqual(['opted_in']);
  });

  it('takes free-form evidence a DynamoDB item can hold, and refuses the rest with a 400 (never a 5xx)', async () => {
    const { apiKey } = await createAccount();
    const path = `/v1/contacts/${encodeURIComponent(uniquePhone())}/consent`;
    const put = (evidence: string) => api('PUT', path, { key: apiKey, body: `{"channel":"sms","status":"opted_in","evidence":${evidence}}`, headers: { 'content-type': 'application/json' } });
    const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
    const refused = [`{"n":{"":1}}`, '{"n":123456789012345678901234567890}', '{"n":1e-200}', '{"n":1e400}', `{"n":${nested(8)}}`, `{"n":${nested(3000)}}`, `{"n":${'['.repeat(3000)}1${']'.repeat(3000)}}`];
    for (const evidence of refused) expect((await put(evidence)).status, evidence.slice(0, 60)).toBe(400);
    const accepted = await put(`{"n":-9007199254740991,"f":0.25,"tiny":1e-100,"deep":${nested(7)},"list":[1,"two",null,true]}`);
    expect(accepted.status).toBe(200);
    // Profile attributes are stored the same way.
    const profile = (attribute: string) => api('PUT', path.replace(/\/consent$/, ''), { key: apiKey, body: `{"name":"Jane","attributes":{"n":${attribute}}}`, headers: { 'content-type': 'application/json' } });
    expect([(await profile('9007199254740992')).status, (await profile('1e-200')).status, (await profile('42')).status]).toEqual([400, 400, 200]);
  });

  it('keeps a newer state when an older change arrives late, and audits it', async () => {
    const { apiKey } = await createAccount();
    const line = await createLine(apiKey, { provider: 'aws' });
    const contact = uniquePhone();
    const path = `/v1/contacts/${encodeURIComponent(contact)}/consent`;
    const now = Date.now();
    await api('PUT', path, { key: apiKey, json: { channel: 'sms', line: line.lineId, status: 'opted_in', occurredAt: new Date(now - 1000).toISOString() } });
    const late = await api<{ effect: string }>('PUT', path, {
      key: apiKey,
      json: { channel: 'sms', line: line.lineId, status: 'opted_out', occurredAt: new Date(now - 5000).toISOString() },
    });
    expect(late.body.effect).toBe('superseded');
    const view = await api<{ lines: { status: string }[] }>('GET', path, { key: apiKey });
    expect(view.body.lines[0]?.status).toBe('opted_in');
  });

  it('pages the audit trail newest first', async () => {
    const { apiKey } = await createAccount();
    const line = await createLine(apiKey, { provider: 'aws' });
    const contact = uniquePhone();
    const path = `/v1/contacts/${encodeURIComponent(contact)}`;
    for (const status of ['opted_in', 'opted_out', 'opted_in', 'opted_out', 'opted_in']) {
      await api('PUT', `${path}/consent`, { key: apiKey, json: { channel: 'sms', line: line.lineId, status } });
    }
    const first = await api<{ events: { status: string }[]; nextCursor?: string }>('GET', `${path}/events?limit=2`, { key: apiKey });
    expect(first.body.events.map((event) => event.status)).toEqual(['opted_in', 'opted_out']);
    expect(first.body.nextCursor).toBeDefined();
    const second = await api<{ events: { status: string }[] }>('GET', `${path}/events?limit=2&cursor=${first.body.nextCursor}`, { key: apiKey });
    expect(second.body.events.map((event) => event.status)).toEqual(['opted_in', 'opted_out']);
    const bad = await api<ErrorBody>('GET', `${path}/events?cursor=../../etc`, { key: apiKey });
    expect(bad.status).toBe(400);
  });

  it('normalises contacts: national formatting and email case map to one key', async () => {
    const { apiKey } = await createAccount();
    await api('PUT', '/v1/contacts/Jane.Doe%40Example.COM/consent', { key: apiKey, json: { channel: 'email', status: 'opted_in' } });
    const view = await api<{ contact: string; channels: { channel: string; status: string }[] }>('GET', '/v1/contacts/jane.doe%40example.com/consent', { key: apiKey });
    expect(view.body.contact).toBe('jane.doe@example.com');
    expect(view.body.channels.find((entry) => entry.channel === 'email')?.status).toBe('opted_in');
    const bad = await api<ErrorBody>('GET', '/v1/contacts/not-a-number/consent', { key: apiKey });
    expect(bad.status).toBe(400);
  });
});
