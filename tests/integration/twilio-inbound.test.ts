import { beforeAll, describe, expect, it } from 'vitest';
import { api, createAccount, createLine, uniquePhone } from '../support/api-client.ts';
import { keys } from '../../shared/adapters/dynamodb/table-keys.ts';
import { postTwilio, TWILIO_AUTH_TOKEN, twilioParams } from '../support/twilio.ts';
import { getItem, localTable, partitionItems } from '../support/table.ts';

interface ConsentView {
  lines: { lineId: string; status: string; evidence?: Record<string, unknown>; effective: { status: string; explicit: boolean } }[];
}
interface EventsPage {
  events: { type: string; status?: string; effect?: string; source: string; evidence: Record<string, unknown> }[];
}

const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>';

describe('Twilio inbound SMS webhook', () => {
  let key: string;
  let accountId: string;
  let line: { lineId: string; address: string };

  beforeAll(async () => {
    ({ apiKey: key, accountId } = await createAccount('Twilio test'));
    line = await createLine(key, { provider: 'twilio', credentials: { authToken: TWILIO_AUTH_TOKEN }, name: 'Main' });
    await api('PUT', '/v1/settings', { key, json: { brandName: 'Acme' } });
  });

  const consentOf = async (contact: string) =>
    (await api<ConsentView>('GET', `/v1/contacts/${encodeURIComponent(contact)}/consent`, { key })).body;
  const eventsOf = async (contact: string) =>
    (await api<EventsPage>('GET', `/v1/contacts/${encodeURIComponent(contact)}/events`, { key })).body.events;

  it('opts out on "Stop.", answers a TwiML confirmation, and keeps the audit event with its evidence', async () => {
    const contact = uniquePhone();
    const params = twilioParams({ from: contact, to: line.address, body: 'Stop.' });
    const response = await postTwilio(params);

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/xml');
    expect(response.text).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?><Response><Message>Acme: [^<]+<\/Message><\/Response>$/);
    expect(response.text.toLowerCase()).toContain('unsubscribed');

    const view = await consentOf(contact);
    const onLine = view.lines.find((entry) => entry.lineId === line.lineId);
    expect(onLine?.status).toBe('opted_out');
    expect(onLine?.effective).toMatchObject({ status: 'opted_out', explicit: true });

    const events = await eventsOf(contact);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'consent',
      status: 'opted_out',
      effect: 'changed',
      source: 'keyword',
      evidence: { provider: 'twilio', providerMessageId: params.MessageSid, text: 'Stop.', ruleId: expect.stringMatching(/^builtin:/) },
    });
  });

  it('changes nothing and answers an empty <Response/> when Twilio delivers the same message again', async () => {
    const contact = uniquePhone();
    const params = twilioParams({ from: contact, to: line.address, body: 'STOP' });
    expect((await postTwilio(params)).text).toContain('<Message>');

    const again = await postTwilio(params);
    expect(again.status).toBe(200);
    expect(again.text).toBe(EMPTY_TWIML);
    expect(await eventsOf(contact)).toHaveLength(1);
  });

  it('renews the contact profile once a day, not with every message, and keeps it outliving every item', async () => {
    const db = localTable();
    const contact = uniquePhone();
    const profileOf = () => getItem(db, keys.profile(accountId, contact));
    const start = Date.now();
    const at = (ms: number) => ({ 'x-optgate-now': new Date(start + ms).toISOString() });
    expect((await postTwilio(twilioParams({ from: contact, to: line.address, body: 'Hello there' }), { headers: at(0) })).status).toBe(200);
    const first = await profileOf();
    expect(first?.lastActivityAt).toBe(new Date(start).toISOString());

    // Later the same day: chatter leaves the profile as it was.
    expect((await postTwilio(twilioParams({ from: contact, to: line.address, body: 'See you then' }), { headers: at(3600_000) })).status).toBe(200);
    expect(await profileOf()).toEqual(first);
    expect((await postTwilio(twilioParams({ from: contact, to: line.address, body: 'STOP' }), { headers: at(7200_000) })).text).toContain('<Message>');
    // The STOP's record was not listed yet: that write renewed the profile; the next message leaves it.
    const afterStop = await profileOf();
    expect(afterStop?.consentKeys).toEqual(new Set([`sms#${line.lineId}`]));
    expect((await postTwilio(twilioParams({ from: contact, to: line.address, body: 'ok' }), { headers: at(10_800_000) })).status).toBe(200);
    expect(await profileOf()).toEqual(afterStop);
    for (const item of await partitionItems(db, accountId, contact)) {
      expect(item.expiresAt as number, String(item.sk)).toBeLessThanOrEqual(afterStop?.expiresAt as number);
    }

    // A day and a minute after the last renewal (the STOP's), the next message renews it.
    expect((await postTwilio(twilioParams({ from: contact, to: line.address, body: 'Thanks' }), { headers: at(93_660_000) })).status).toBe(200);
    const renewed = await profileOf();
    expect(renewed?.lastActivityAt).toBe(new Date(start + 93_660_000).toISOString());
    expect(renewed?.expiresAt as number).toBeGreaterThan(afterStop?.expiresAt as number);
    expect(renewed?.createdAt).toBe(first?.createdAt);
    for (const item of await partitionItems(db, accountId, contact)) {
      expect(item.expiresAt as number, String(item.sk)).toBeLessThanOrEqual(renewed?.expiresAt as number);
    }
  });

  it('rejects a forged signature with 403 and stores nothing', async () => {
    const contact = uniquePhone();
    const params = twilioParams({ from: contact, to: line.address, body: 'STOP' });
    const forged = await postTwilio(params, { authToken: 'not-the-line-token-000000000000' });
    expect(forged.status).toBe(403);
    const missing = await postTwilio(params, { signature: '' });
    expect(missing.status).toBe(403);

    expect((await consentOf(contact)).lines.find((entry) => entry.lineId === line.lineId)?.status).toBe('not_defined');
    expect(await eventsOf(contact)).toHaveLength(0);
    // The genuine delivery still works afterwards: the forged attempts left no idempotency marker.
    expect((await postTwilio(params)).text).toContain('<Message>');
  });

  it('opts back in on START', async () => {
    const contact = uniquePhone();
    await postTwilio(twilioParams({ from: contact, to: line.address, body: 'stop' }));
    const start = await postTwilio(twilioParams({ from: contact, to: line.address, body: 'START' }));
    expect(start.text).toContain('<Message>');
    const onLine = (await consentOf(contact)).lines.find((entry) => entry.lineId === line.lineId);
    expect(onLine?.status).toBe('opted_in');
    expect((await eventsOf(contact)).map((event) => event.status)).toEqual(['opted_in', 'opted_out']);
  });

  it('records the opt-out but sends no reply of its own when Twilio Advanced Opt-Out already replied', async () => {
    const contact = uniquePhone();
    const response = await postTwilio(twilioParams({ from: contact, to: line.address, body: 'STOP', OptOutType: 'STOP' }));
    expect(response.text).toBe(EMPTY_TWIML);
    expect((await consentOf(contact)).lines.find((entry) => entry.lineId === line.lineId)?.status).toBe('opted_out');
  });

  it('does not treat ordinary messages containing a keyword as an opt-out', async () => {
    const contact = uniquePhone();
    for (const body of ['Endless thanks!', "Don't stop", "I'll send it this weekend"]) {
      const response = await postTwilio(twilioParams({ from: contact, to: line.address, body }));
      expect(response.text).toBe(EMPTY_TWIML);
    }
    expect((await consentOf(contact)).lines.find((entry) => entry.lineId === line.lineId)?.status).toBe('not_defined');
  });

  it('flags a plain-language revocation for review without changing consent', async () => {
    const contact = uniquePhone();
    await postTwilio(twilioParams({ from: contact, to: line.address, body: 'please stop texting me' }));
    expect((await consentOf(contact)).lines.find((entry) => entry.lineId === line.lineId)?.status).toBe('not_defined');
    const events = await eventsOf(contact);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'flagged_for_review', evidence: { text: 'please stop texting me' } });
  });

  it('answers HELP with the help text and changes no consent', async () => {
    const contact = uniquePhone();
    const response = await postTwilio(twilioParams({ from: contact, to: line.address, body: 'help' }));
    expect(response.text).toMatch(/<Message>Acme: .*STOP.*<\/Message>/);
    expect(await eventsOf(contact)).toHaveLength(0);
  });

  it('handles a short-code line, which Twilio posts without a plus', async () => {
    const shortCode = String(100_000 + Math.floor(Math.random() * 899_999));
    const shortLine = await createLine(key, { address: shortCode, provider: 'twilio', credentials: { authToken: TWILIO_AUTH_TOKEN } });
    expect(shortLine.address).toBe(shortCode);
    const contact = uniquePhone();
    const response = await postTwilio(twilioParams({ from: contact, to: shortCode, body: 'STOP' }));
    expect(response.text).toContain('<Message>');
    expect((await consentOf(contact)).lines.find((entry) => entry.lineId === shortLine.lineId)?.status).toBe('opted_out');
  });

  describe('bad input', () => {
    it('answers 415 with TwiML for a body that is not a form', async () => {
      const response = await api('POST', '/webhooks/twilio', { json: { From: uniquePhone() } });
      expect(response.status).toBe(415);
      expect(response.text).toBe(EMPTY_TWIML);
    });

    it('answers 400 for a form without To, or with broken percent-encoding', async () => {
      const noTo = await api('POST', '/webhooks/twilio', {
        body: 'From=%2B12025550100&Body=STOP',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(noTo.status).toBe(400);
      const broken = await api('POST', '/webhooks/twilio', {
        body: `To=${encodeURIComponent(line.address)}&Body=%E0%A4%A`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(broken.status).toBe(400);
    });

    it('answers 404 for a number that is not a registered line', async () => {
      const response = await postTwilio(twilioParams({ from: uniquePhone(), to: uniquePhone(), body: 'STOP' }));
      expect(response.status).toBe(404);
      expect(response.text).toBe(EMPTY_TWIML);
    });

    it('answers 400 and stores nothing for a signed form without a MessageSid', async () => {
      const contact = uniquePhone();
      const params = twilioParams({ from: contact, to: line.address, body: 'STOP' });
      delete params.MessageSid;
      delete params.SmsMessageSid;
      const response = await postTwilio(params);
      expect(response.status).toBe(400);
      expect(await eventsOf(contact)).toHaveLength(0);
    });
  });
});
