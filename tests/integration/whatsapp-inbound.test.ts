import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { computeWhatsAppSignature } from '../../shared/adapters/whatsapp/whatsapp-signature.ts';
import { api, createAccount, createLine, deliverUntilAccepted, uniquePhone } from '../support/api-client.ts';
import { consentOf, eventsOf, lineConsent } from '../support/consent.ts';
import { delivery, epochSeconds, metaJson, phoneNumberId, postWhatsApp, sentWhatsApp, textMessage, wamid } from '../support/whatsapp.ts';

/** A WhatsApp Cloud API line as a user registers it: phone number, phone_number_id and the Meta app's secrets. */
async function registerWhatsAppLine(key: string, accessToken = `EAAG${randomBytes(24).toString('hex')}`) {
  const credentials = {
    appSecret: randomBytes(16).toString('hex'),
    verifyToken: `verify-${randomBytes(8).toString('hex')}`,
    accessToken,
  };
  const id = phoneNumberId();
  const line = await createLine(key, { channel: 'whatsapp', provider: 'meta', address: uniquePhone(), providerId: id, credentials });
  return { ...line, phoneNumberId: id, ...credentials };
}

describe('WhatsApp Cloud API webhook', () => {
  let key: string;
  let wa: Awaited<ReturnType<typeof registerWhatsAppLine>>;
  let sms: { lineId: string };

  beforeAll(async () => {
    ({ apiKey: key } = await createAccount('WhatsApp test'));
    wa = await registerWhatsAppLine(key);
    sms = await createLine(key, { provider: 'aws' });
  });

  const post = (body: unknown, options: Parameters<typeof postWhatsApp>[1] = {}) =>
    postWhatsApp(typeof body === 'string' ? body : metaJson(body), { appSecret: wa.appSecret, ...options });

  describe('verification handshake', () => {
    const handshake = (query: Record<string, string>) => api('GET', `/webhooks/whatsapp?${new URLSearchParams(query).toString()}`);

    it('echoes hub.challenge as plain text for a registered verify token', async () => {
      const response = await handshake({ 'hub.mode': 'subscribe', 'hub.verify_token': wa.verifyToken, 'hub.challenge': '1158201444' });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(response.text).toBe('1158201444');
    });

    it('answers 403 to an unknown token or another mode, and 400 without a usable challenge', async () => {
      expect((await handshake({ 'hub.mode': 'subscribe', 'hub.verify_token': 'not-registered', 'hub.challenge': '1' })).status).toBe(403);
      expect((await handshake({ 'hub.mode': 'unsubscribe', 'hub.verify_token': wa.verifyToken, 'hub.challenge': '1' })).status).toBe(403);
      expect((await handshake({ 'hub.mode': 'subscribe', 'hub.challenge': '1' })).status).toBe(403);
      expect((await handshake({ 'hub.mode': 'subscribe', 'hub.verify_token': wa.verifyToken })).status).toBe(400);
      const script = await handshake({ 'hub.mode': 'subscribe', 'hub.verify_token': wa.verifyToken, 'hub.challenge': '<script>alert(1)</script>' });
      expect(script.status).toBe(400);
      expect(script.text).not.toContain('<script>');
    });

    it('stops answering once the line is deleted', async () => {
      const other = await registerWhatsAppLine(key);
      const query = { 'hub.mode': 'subscribe', 'hub.verify_token': other.verifyToken, 'hub.challenge': '42' };
      expect((await handshake(query)).status).toBe(200);
      expect((await api('DELETE', `/v1/lines/${other.lineId}`, { key })).status).toBe(204);
      expect((await handshake(query)).status).toBe(403);
    });
  });

  describe('messages', () => {
    it('opts out of WhatsApp on the line on a signed STOP, replies once through the Cloud API, and leaves SMS alone', async () => {
      const contact = uniquePhone();
      const body = metaJson(delivery(wa.phoneNumberId, { contacts: [{ wa_id: contact.slice(1) }], messages: [textMessage(contact, 'STOP')] }));
      const response = await post(body);
      expect(response.status).toBe(200);

      const consent = await consentOf(key, contact);
      expect(consent.lines.find((line) => line.lineId === wa.lineId)).toMatchObject({ status: 'opted_out', source: 'keyword' });
      expect(consent.lines.find((line) => line.lineId === wa.lineId)?.category).toBeUndefined();
      expect(consent.lines.find((line) => line.lineId === sms.lineId)?.status).toBe('not_defined');
      const replies = await sentWhatsApp({ to: contact });
      expect(replies).toHaveLength(1);
      expect(replies[0]?.phoneNumberId).toBe(wa.phoneNumberId);
      expect(replies[0]?.body.toLowerCase()).toContain('unsubscribed');

      // Meta redelivers for days: the same wamid changes nothing and sends nothing.
      expect((await post(body)).status).toBe(200);
      expect(await eventsOf(key, contact)).toHaveLength(1);
      expect(await sentWhatsApp({ to: contact })).toHaveLength(1);
    });

    it('verifies the \\uXXXX-escaped bytes Meta sends and refuses the same body re-serialised as UTF-8', async () => {
      const contact = uniquePhone();
      const value = { messages: [textMessage(contact, 'Arrêt')] };
      const escaped = metaJson(delivery(wa.phoneNumberId, value));
      expect(escaped).toContain('Arr\\u00eat');
      const reserialised = JSON.stringify(delivery(wa.phoneNumberId, value));
      const signatureOfEscaped = computeWhatsAppSignature(wa.appSecret, escaped);

      expect((await postWhatsApp(reserialised, { signature: signatureOfEscaped })).status).toBe(403);
      expect(await eventsOf(key, contact)).toHaveLength(0);

      expect((await postWhatsApp(escaped, { signature: signatureOfEscaped })).status).toBe(200);
      expect((await lineConsent(key, contact, wa.lineId))?.status).toBe('opted_out');
      const [reply] = await sentWhatsApp({ to: contact });
      expect(reply?.body).toMatch(/désabonné/i);
    });

    it('reads template quick-reply buttons and interactive replies, trying the payload when the title matches no rule', async () => {
      const [button, buttonReply, listReply] = [uniquePhone(), uniquePhone(), uniquePhone()];
      const at = epochSeconds();
      const response = await post(
        delivery(wa.phoneNumberId, {
          messages: [
            { from: button.slice(1), id: wamid(), timestamp: at, type: 'button', button: { payload: 'STOP', text: 'No more offers' } },
            { from: buttonReply.slice(1), id: wamid(), timestamp: at, type: 'interactive', interactive: { type: 'button_reply', button_reply: { id: 'opt-in', title: 'START' } } },
            { from: listReply.slice(1), id: wamid(), timestamp: at, type: 'interactive', interactive: { type: 'list_reply', list_reply: { id: 'row-1', title: 'HELP', description: 'Get help' } } },
          ],
        }),
      );
      expect(response.status).toBe(200);
      expect(await lineConsent(key, button, wa.lineId)).toMatchObject({ status: 'opted_out', evidence: expect.objectContaining({ payload: 'STOP' }) });
      expect((await lineConsent(key, buttonReply, wa.lineId))?.status).toBe('opted_in');
      expect((await lineConsent(key, listReply, wa.lineId))?.status).toBe('not_defined');
      expect((await sentWhatsApp({ to: listReply }))[0]?.body).toMatch(/STOP/);
    });

    it('handles every message of every change once, duplicates included', async () => {
      const [first, second] = [uniquePhone(), uniquePhone()];
      const repeated = textMessage(first, 'STOP');
      const body = {
        object: 'whatsapp_business_account',
        entry: [
          { id: '1', changes: [{ field: 'messages', value: { metadata: { phone_number_id: wa.phoneNumberId }, messages: [repeated, repeated] } }] },
          { id: '2', changes: [{ field: 'messages', value: { metadata: { phone_number_id: wa.phoneNumberId }, messages: [textMessage(second, 'stop')] } }] },
        ],
      };
      expect((await post(body)).status).toBe(200);
      expect(await eventsOf(key, first)).toHaveLength(1);
      expect(await sentWhatsApp({ to: first })).toHaveLength(1);
      expect((await lineConsent(key, second, wa.lineId))?.status).toBe('opted_out');
    });

    it('acknowledges statuses, media and other events with 200 and changes nothing', async () => {
      const contact = uniquePhone();
      const at = epochSeconds();
      const statuses = delivery(wa.phoneNumberId, {
        statuses: [{ id: wamid(), status: 'delivered', timestamp: at, recipient_id: contact.slice(1), conversation: { id: 'c', origin: { type: 'service' } } }],
        messages: [{ from: contact.slice(1), id: wamid(), timestamp: at, type: 'image', image: { id: '1', mime_type: 'image/jpeg' } }],
      });
      expect((await post(statuses)).status).toBe(200);
      expect((await post(delivery(wa.phoneNumberId, { account_update: {} }, 'account_update'))).status).toBe(200);
      expect(await eventsOf(key, contact)).toHaveLength(0);
    });

    it('records consent even when the reply fails, answers 500 so Meta redelivers, and then sends the reply once', async () => {
      const contact = uniquePhone();
      const body = metaJson(delivery(wa.phoneNumberId, { messages: [textMessage(contact, 'STOP')] }));
      await api('POST', '/local/sent-whatsapp/fail-next?count=1');
      expect((await post(body)).status).toBe(500);
      expect((await lineConsent(key, contact, wa.lineId))?.status).toBe('opted_out');
      expect(await sentWhatsApp({ to: contact })).toHaveLength(0);

      expect((await post(body)).status).toBe(200);
      expect(await sentWhatsApp({ to: contact })).toHaveLength(1);
      expect((await post(body)).status).toBe(200);
      expect(await sentWhatsApp({ to: contact })).toHaveLength(1);
      expect(await eventsOf(key, contact)).toHaveLength(1);
    });

    it('records a STOP dated far in the future at the time it arrived, so a later START still wins; refuses a timestamp that is no time', async () => {
      const contact = uniquePhone();
      const future = metaJson(delivery(wa.phoneNumberId, { messages: [{ ...textMessage(contact, 'STOP'), timestamp: '99999999999' }] }));
      expect((await post(future)).status).toBe(200);
      const [stop] = await eventsOf(key, contact);
      expect(Date.parse(stop?.occurredAt ?? '')).toBeLessThanOrEqual(Date.now());
      expect(stop?.evidence.reportedOccurredAt).toBe('5138-11-16T09:46:39.000Z');
      expect((await post(delivery(wa.phoneNumberId, { messages: [textMessage(contact, 'START', { at: new Date(Date.now() + 1000) })] }))).status).toBe(200);
      expect((await lineConsent(key, contact, wa.lineId))?.status).toBe('opted_in');

      const other = uniquePhone();
      for (const timestamp of [9_007_199_254_740_991, 8_640_000_000_001]) {
        const body = metaJson(delivery(wa.phoneNumberId, { messages: [{ ...textMessage(other, 'STOP'), timestamp }] }));
        expect((await post(body)).status).toBe(200);
      }
      expect(await eventsOf(key, other)).toEqual([]);
    });

    it('replies once when copies of a message arrive while the first is still sending its reply', async () => {
      // A copy that finds the reply held by another delivery answers 500 so that Meta comes back; Meta does.
      const contacts = Array.from({ length: 8 }, () => uniquePhone());
      await Promise.all(
        contacts.map(async (contact) => {
          const body = metaJson(delivery(wa.phoneNumberId, { messages: [textMessage(contact, 'STOP')] }));
          const answers = await Promise.all(Array.from({ length: 4 }, () => deliverUntilAccepted(() => post(body))));
          expect(answers.map((answer) => answer.last?.status)).toEqual([200, 200, 200, 200]);
        }),
      );
      const replies = await Promise.all(contacts.map(async (contact) => (await sentWhatsApp({ to: contact })).length));
      expect(replies).toEqual(contacts.map(() => 1));
    });
  });

  it('acknowledges a delivery whose reply the Cloud API refuses for good (an expired token), keeping the consent change', async () => {
    const expired = await registerWhatsAppLine(key, 'expired-token-000');
    const contact = uniquePhone();
    const body = metaJson(delivery(expired.phoneNumberId, { messages: [textMessage(contact, 'STOP')] }));
    for (let attempt = 0; attempt < 2; attempt += 1) {
      expect((await postWhatsApp(body, { appSecret: expired.appSecret })).status).toBe(200);
    }
    expect((await lineConsent(key, contact, expired.lineId))?.status).toBe('opted_out');
    expect(await sentWhatsApp({ to: contact })).toHaveLength(0);
    expect(await eventsOf(key, contact)).toHaveLength(1);
  });

  describe('marketing preferences and provider feedback', () => {
    const preference = (contact: string, value: string, at: Date) =>
      delivery(
        wa.phoneNumberId,
        {
          contacts: [{ wa_id: contact.slice(1) }],
          user_preferences: [{ wa_id: contact.slice(1), detail: `User requested to ${value} marketing messages`, category: 'marketing_messages', value, timestamp: Number(epochSeconds(at)) }],
        },
        'user_preferences',
      );

    it('turns a user_preferences stop into a marketing-only opt-out with the event as evidence, and resume back into an opt-in', async () => {
      const contact = uniquePhone();
      const stoppedAt = new Date(Date.now() - 60_000);
      const stop = metaJson(preference(contact, 'stop', stoppedAt));
      expect((await post(stop)).status).toBe(200);
      const line = await lineConsent(key, contact, wa.lineId);
      expect(line).toMatchObject({
        status: 'opted_out',
        category: 'marketing',
        source: 'provider',
        evidence: expect.objectContaining({ event: 'user_preferences', value: 'stop', provider: 'meta-user-preferences' }),
      });
      expect((await lineConsent(key, contact, sms.lineId))?.status).toBe('not_defined');
      expect(await sentWhatsApp({ to: contact })).toHaveLength(0);

      expect((await post(stop)).status).toBe(200);
      expect(await eventsOf(key, contact)).toHaveLength(1);

      expect((await post(preference(contact, 'resume', new Date()))).status).toBe(200);
      expect(await lineConsent(key, contact, wa.lineId)).toMatchObject({ status: 'opted_in', category: 'marketing' });
    });

    it('never narrows a full STOP to marketing only', async () => {
      const contact = uniquePhone();
      const stoppedAt = new Date(Date.now() - 60_000);
      expect((await post(delivery(wa.phoneNumberId, { messages: [textMessage(contact, 'STOP', { at: stoppedAt })] }))).status).toBe(200);
      expect((await post(preference(contact, 'stop', new Date()))).status).toBe(200);
      const line = await lineConsent(key, contact, wa.lineId);
      expect(line?.status).toBe('opted_out');
      expect(line?.category).toBeUndefined();
      expect(await eventsOf(key, contact)).toHaveLength(2);
    });

    it('records error 131050 in a failed status as a marketing opt-out from the provider, once', async () => {
      const contact = uniquePhone();
      const failed = metaJson(
        delivery(wa.phoneNumberId, {
          statuses: [
            {
              id: wamid(),
              status: 'failed',
              timestamp: epochSeconds(),
              recipient_id: contact.slice(1),
              errors: [{ code: 131050, title: 'Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business.' }],
            },
          ],
        }),
      );
      expect((await post(failed)).status).toBe(200);
      expect(await lineConsent(key, contact, wa.lineId)).toMatchObject({
        status: 'opted_out',
        category: 'marketing',
        source: 'provider',
        evidence: expect.objectContaining({ errorCode: 131050 }),
      });
      expect((await post(failed)).status).toBe(200);
      expect(await eventsOf(key, contact)).toHaveLength(1);
    });
  });

  describe('bad deliveries change nothing', () => {
    const contact = uniquePhone();
    const stop = () => metaJson(delivery(wa.phoneNumberId, { messages: [textMessage(contact, 'STOP')] }));

    it.each([
      { what: 'no signature', options: { signature: null }, status: 403 },
      { what: 'a wrong signature', options: { signature: `sha256=${'0'.repeat(64)}` }, status: 403 },
      { what: 'a malformed signature header', options: { signature: 'sha1=abc' }, status: 403 },
      { what: 'another app secret', options: { appSecret: 'another-app-secret' }, status: 403 },
      { what: 'the wrong content type', options: { contentType: 'text/plain' }, status: 415 },
    ])('$what → $status', async ({ options, status }) => {
      expect((await post(stop(), options)).status).toBe(status);
      expect(await eventsOf(key, contact)).toHaveLength(0);
    });

    it.each([
      { what: 'invalid JSON', body: '{"object":"whatsapp_business_account","entry":[', status: 400 },
      { what: 'JSON of another shape', body: '[1,2,3]', status: 400 },
      { what: 'another webhook object', body: '{"object":"page","entry":[{"changes":[]}]}', status: 400 },
      { what: 'invalid UTF-8', body: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), status: 400 },
      { what: 'an oversized body', body: `{"object":"whatsapp_business_account","entry":[],"pad":"${'x'.repeat(300 * 1024)}"}`, status: 413 },
    ])('$what → $status', async ({ body, status }) => {
      const response = await post(body);
      expect(response.status).toBe(status);
      expect((response.body as { error: { code: string } }).error.code).toEqual(expect.any(String));
      expect(await eventsOf(key, contact)).toHaveLength(0);
    });

    it('answers 404 for a phone_number_id no line has', async () => {
      const unknown = metaJson(delivery(phoneNumberId(), { messages: [textMessage(contact, 'STOP')] }));
      expect((await post(unknown)).status).toBe(404);
      expect(await eventsOf(key, contact)).toHaveLength(0);
    });

    it("never lets one app's signature act on another app's line", async () => {
      const { apiKey: otherKey } = await createAccount('Other WhatsApp app');
      const other = await registerWhatsAppLine(otherKey);
      // Signed with this test's app secret but naming the other account's line: refused.
      const body = metaJson(delivery(other.phoneNumberId, { messages: [textMessage(contact, 'STOP')] }));
      expect((await post(body)).status).toBe(403);
      expect(await eventsOf(otherKey, contact)).toHaveLength(0);
    });
  });
});
