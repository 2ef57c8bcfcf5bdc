import { randomBytes } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../../shared/adapters/dynamodb/table-keys.ts';
import { api, createAccount, createLine, uniquePhone } from '../support/api-client.ts';
import { enqueue, gated, newMessageId, parseGated, TABLE_NAME, tableClient, waitForGated } from '../support/outbound.ts';
import { deliverSes, sesBounce, sesComplaint } from '../support/ses.ts';
import { postTwilio, TWILIO_AUTH_TOKEN, twilioParams } from '../support/twilio.ts';
import { delivery, epochSeconds, metaJson, phoneNumberId, postWhatsApp } from '../support/whatsapp.ts';

interface Envelope {
  messageId: string;
  channel: 'sms' | 'whatsapp' | 'email';
  from: string;
  to: string;
  category: 'marketing' | 'transactional';
  requireOptIn?: boolean;
  campaignId?: string;
  sendAfter?: string;
  recipientTimeZone?: string;
  payload?: unknown;
}

/** Enqueues one envelope as a sender would and returns where the gate put it. */
async function send(envelope: Omit<Envelope, 'messageId'> & { messageId?: string }) {
  const full = { messageId: newMessageId(), ...envelope };
  await enqueue(full);
  const [message] = await waitForGated({ messageId: full.messageId });
  if (!message) throw new Error('unreachable');
  return { queue: message.queue, gated: parseGated(message), raw: message.body, messageId: full.messageId };
}

const uniqueEmailDomain = () => `mail-${randomBytes(4).toString('hex')}.example.com`;

describe('outbound gate on the local stack', () => {
  let key: string;
  let accountId: string;
  let smsLine: { lineId: string; address: string };

  beforeAll(async () => {
    ({ apiKey: key, accountId } = await createAccount('Gate test'));
    smsLine = await createLine(key, { provider: 'twilio', credentials: { authToken: TWILIO_AUTH_TOKEN } });
  });

  const setConsent = (contact: string, body: Record<string, unknown>) =>
    api('PUT', `/v1/contacts/${encodeURIComponent(contact)}/consent`, { key, json: body });

  it('suppresses marketing and transactional SMS to a contact who texted STOP (policy all), with the basis', async () => {
    const contact = uniquePhone();
    expect((await postTwilio(twilioParams({ from: contact, to: smsLine.address, body: 'STOP' }))).status).toBe(200);

    const marketing = await send({ channel: 'sms', from: smsLine.address, to: contact, category: 'marketing', campaignId: 'spring' });
    expect(marketing.queue).toBe('suppressed');
    expect(marketing.gated.decision).toMatchObject({
      outcome: 'blocked',
      reason: 'opted_out',
      rule: 'opt_out_blocks_marketing',
      accountId,
      lineId: smsLine.lineId,
      contact,
      basis: { status: 'opted_out', record: { kind: 'line_record', scope: smsLine.lineId, status: 'opted_out' }, optOutBlocks: 'all' },
    });

    const transactional = await send({ channel: 'sms', from: smsLine.address, to: contact, category: 'transactional' });
    expect(transactional.queue).toBe('suppressed');
    expect(transactional.gated.decision).toMatchObject({ reason: 'opted_out', rule: 'opt_out_blocks_all' });
  });

  it('blocks a send that follows a STOP within a second', async () => {
    const contact = uniquePhone();
    await setConsent(contact, { channel: 'sms', status: 'opted_in' });
    await postTwilio(twilioParams({ from: contact, to: smsLine.address, body: 'STOP' }));
    // No wait: the gate reads consent strongly consistent and never caches it.
    const result = await send({ channel: 'sms', from: smsLine.address, to: contact, category: 'marketing' });
    expect(result.queue).toBe('suppressed');
    expect(result.gated.decision.reason).toBe('opted_out');
  });

  it('dispatches marketing to an opted-in contact with the envelope and its payload untouched, and keeps the history', async () => {
    const contact = uniquePhone();
    await setConsent(contact, { channel: 'sms', line: smsLine.lineId, status: 'opted_in' });
    const payload = { text: 'Spring sale — 20 % off 🎉', n: 1.5, nested: { list: [1, 'two', null] } };
    const result = await send({ channel: 'sms', from: smsLine.address, to: contact, category: 'marketing', campaignId: 'spring-2026', payload });

    expect(result.queue).toBe('dispatch');
    expect(result.gated.decision).toMatchObject({ outcome: 'allowed', reason: 'opted_in', rule: 'marketing_requires_opt_in', basis: { status: 'opted_in', record: { kind: 'line_record' } } });
    expect(result.gated.envelope.payload).toEqual(payload);
    expect(result.raw).toContain(JSON.stringify(payload));

    const Item = await waitForHistory(accountId, contact, result.messageId);
    expect(Item).toMatchObject({ type: 'message', direction: 'outbound', campaignId: 'spring-2026', outcome: 'allowed', reason: 'opted_in', lineId: smsLine.lineId });
    expect(Item.expiresAt).toBeGreaterThan(Date.now() / 1000 + 300 * 24 * 3600);
    expect(String(Item.gsi2pk)).toMatch(/^EXP#\d{4}-\d{2}-\d{2}#\d+$/);
    // The invocation's receipt records the send: no contact, account or message id in it.
    const { Item: receipt } = await tableClient().send(new GetCommand({ TableName: TABLE_NAME, Key: keys.gateReceipt(String(Item.receiptId)) }));
    expect(receipt?.sent).toContain(Item.claimIndex);
    expect(JSON.stringify([...(receipt?.sent ?? [])])).not.toContain(contact);
    expect(Object.keys(receipt ?? {}).sort()).toEqual(['createdAt', 'expiresAt', 'gsi2pk', 'gsi2sk', 'pk', 'receiptId', 'sent', 'sk', 'type']);
  });

  it('suppresses marketing to a contact with no record (default opted out) as not_opted_in', async () => {
    const result = await send({ channel: 'sms', from: smsLine.address, to: uniquePhone(), category: 'marketing' });
    expect(result.queue).toBe('suppressed');
    expect(result.gated.decision).toMatchObject({ reason: 'not_opted_in', basis: { status: 'not_defined', default: { status: 'opted_out' } } });
  });

  it('dispatches a messageId only once, however often it is enqueued', async () => {
    const contact = uniquePhone();
    await setConsent(contact, { channel: 'sms', status: 'opted_in' });
    const messageId = newMessageId('dup');
    const envelope = { messageId, channel: 'sms', from: smsLine.address, to: contact, category: 'marketing' };
    await enqueue(envelope);
    await waitForGated({ messageId });
    await enqueue(envelope);
    await enqueue(envelope);
    // The copies are processed (the outbound queue drains) but none reaches dispatch again.
    const marker = newMessageId('after');
    await enqueue({ ...envelope, messageId: marker });
    await waitForGated({ messageId: marker });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await gated({ messageId })).toHaveLength(1);
  });

  it('suppresses a message to a line no account owns with reason unknown_line', async () => {
    const result = await send({ channel: 'sms', from: uniquePhone(), to: uniquePhone(), category: 'transactional' });
    expect(result.queue).toBe('suppressed');
    expect(result.gated.decision).toMatchObject({ outcome: 'blocked', reason: 'unknown_line' });
    expect(result.gated.decision.accountId).toBeUndefined();
  });

  it('sends a malformed envelope to the DLQ with its validation error, once', async () => {
    const marker = `not-json-${randomBytes(6).toString('hex')}`;
    await enqueue(`{ this is ${marker}`);
    const [notJson] = await waitForGated({ contains: marker });
    expect(notJson?.queue).toBe('outboundDlq');
    expect(JSON.parse(notJson?.body ?? '{}')).toMatchObject({ error: { code: 'invalid_envelope', message: 'The body is not valid JSON' }, body: `{ this is ${marker}` });

    const messageId = newMessageId('bad');
    await enqueue({ messageId, channel: 'fax', from: smsLine.address, to: 'nobody', category: 'marketing', requireOptin: true });
    const [invalid] = await waitForGated({ messageId });
    expect(invalid?.queue).toBe('outboundDlq');
    const dead = JSON.parse(invalid?.body ?? '{}') as { error: { message: string; issues: { path: string }[] } };
    expect(dead.error.issues.map((issue) => issue.path)).toEqual(expect.arrayContaining(['channel']));
    expect(dead.error.message).toContain('requireOptin');

    const badPhone = newMessageId('bad-phone');
    await enqueue({ messageId: badPhone, channel: 'sms', from: smsLine.address, to: '+1 not a number', category: 'marketing' });
    const [phone] = await waitForGated({ messageId: badPhone });
    expect(phone?.queue).toBe('outboundDlq');
    expect(phone?.body).toContain('Not a valid phone number');
  });

  it('requireOptIn ignores the account default: only an explicit opt-in counts', async () => {
    const { apiKey, accountId: optInAccount } = await createAccount('Default opted in');
    const line = await createLine(apiKey, { provider: 'twilio', credentials: { authToken: TWILIO_AUTH_TOKEN } });
    await api('PUT', '/v1/settings', { key: apiKey, json: { channels: { sms: { defaultStatus: 'opted_in' } } } });
    const contact = uniquePhone();

    const byDefault = await send({ channel: 'sms', from: line.address, to: contact, category: 'marketing' });
    expect(byDefault.queue).toBe('dispatch');
    expect(byDefault.gated.decision).toMatchObject({ accountId: optInAccount, basis: { status: 'not_defined', default: { status: 'opted_in' } } });

    const strict = await send({ channel: 'sms', from: line.address, to: contact, category: 'marketing', requireOptIn: true });
    expect(strict.queue).toBe('suppressed');
    expect(strict.gated.decision).toMatchObject({ reason: 'not_opted_in', rule: 'require_opt_in_explicit' });

    await api('PUT', `/v1/contacts/${encodeURIComponent(contact)}/consent`, { key: apiKey, json: { channel: 'sms', status: 'opted_in' } });
    const explicit = await send({ channel: 'sms', from: line.address, to: contact, category: 'marketing', requireOptIn: true });
    expect(explicit.queue).toBe('dispatch');
    expect(explicit.gated.decision.basis.record).toMatchObject({ kind: 'channel_record', status: 'opted_in' });
  });

  describe('email', () => {
    let domain: string;
    let emailLineId: string;
    beforeAll(async () => {
      domain = uniqueEmailDomain();
      const created = await api<{ lineId: string }>('POST', '/v1/lines', { key, json: { channel: 'email', provider: 'ses', address: domain } });
      expect(created.status).toBe(201);
      emailLineId = created.body.lineId;
    });
    const address = () => `person-${randomBytes(4).toString('hex')}@customer.example.org`;

    it('dispatches transactional email to an address that used one-click unsubscribe, but not marketing', async () => {
      const contact = address();
      // What issue 4's one-click POST records: an email opt-out on the sending line.
      expect((await setConsent(contact, { channel: 'email', line: emailLineId, status: 'opted_out', source: 'form', evidence: { oneClick: true } })).status).toBe(200);

      const receipt = await send({ channel: 'email', from: `billing@${domain}`, to: contact.toUpperCase(), category: 'transactional' });
      expect(receipt.queue).toBe('dispatch');
      expect(receipt.gated.decision).toMatchObject({ reason: 'transactional', lineId: emailLineId, contact, basis: { status: 'opted_out', optOutBlocks: 'marketing' } });

      const newsletter = await send({ channel: 'email', from: `news@${domain}`, to: contact, category: 'marketing' });
      expect(newsletter.queue).toBe('suppressed');
      expect(newsletter.gated.decision.reason).toBe('opted_out');
    });

    it.each(['complaint', 'hard_bounce'] as const)('blocks every email to an address with a %s suppression (SES feedback)', async (reason) => {
      const contact = address();
      await setConsent(contact, { channel: 'email', status: 'opted_in' });
      const sender = `news@${domain}`;
      await deliverSes(reason === 'complaint' ? sesComplaint({ sender, recipients: [contact] }) : sesBounce({ sender, recipients: [contact], bounceType: 'Permanent' }));
      await waitFor(async () => (await api<{ suppressions?: unknown[] }>('GET', `/v1/contacts/${encodeURIComponent(contact)}/consent`, { key })).body.suppressions?.length === 1);
      for (const category of ['transactional', 'marketing'] as const) {
        const result = await send({ channel: 'email', from: sender, to: contact, category });
        expect(result.queue).toBe('suppressed');
        expect(result.gated.decision).toMatchObject({ reason, rule: 'email_suppression', basis: { suppression: { reason } } });
      }
    });
  });

  it('blocks marketing to an erased contact until an opt-in newer than the erasure', async () => {
    const contact = uniquePhone();
    await setConsent(contact, { channel: 'sms', status: 'opted_in' });
    const erased = await api<{ erasedAt: string; status: string }>('DELETE', `/v1/contacts/${encodeURIComponent(contact)}`, { key });
    expect(erased.body.status, erased.text).toBe('complete');
    // An opt-in older than the erasure arrives late (e.g. an import of older data).
    await setConsent(contact, { channel: 'sms', status: 'opted_in', occurredAt: new Date(Date.parse(erased.body.erasedAt) - 120_000).toISOString() });

    const blocked = await send({ channel: 'sms', from: smsLine.address, to: contact, category: 'marketing' });
    expect(blocked.queue).toBe('suppressed');
    expect(blocked.gated.decision).toMatchObject({ reason: 'erased', rule: 'erasure_blocks_marketing', basis: { erasure: { erasedAt: erased.body.erasedAt } } });

    await setConsent(contact, { channel: 'sms', status: 'opted_in' });
    const allowed = await send({ channel: 'sms', from: smsLine.address, to: contact, category: 'marketing' });
    expect(allowed.queue).toBe('dispatch');
  });

  it('treats a WhatsApp marketing-only opt-out as blocking marketing only, even under policy all', async () => {
    const { apiKey } = await createAccount('WhatsApp gate');
    const credentials = { appSecret: `secret-${randomBytes(6).toString('hex')}`, verifyToken: 'v', accessToken: 'a' };
    const waNumberId = phoneNumberId();
    const created = await api<{ lineId: string; address: string }>('POST', '/v1/lines', {
      key: apiKey,
      json: { channel: 'whatsapp', provider: 'meta', address: uniquePhone(), providerId: waNumberId, credentials },
    });
    expect(created.status).toBe(201);
    await api('PUT', '/v1/settings', { key: apiKey, json: { channels: { whatsapp: { optOutBlocks: 'all' } } } });
    const contact = uniquePhone();
    // WhatsApp's "Stop promotions" (user_preferences) as Meta delivers it.
    const stop = delivery(
      waNumberId,
      {
        contacts: [{ wa_id: contact.slice(1) }],
        user_preferences: [{ wa_id: contact.slice(1), detail: 'User requested to stop marketing messages', category: 'marketing_messages', value: 'stop', timestamp: Number(epochSeconds()) }],
      },
      'user_preferences',
    );
    expect((await postWhatsApp(metaJson(stop), { appSecret: credentials.appSecret })).status).toBe(200);
    const marketing = await send({ channel: 'whatsapp', from: created.body.address, to: contact.slice(1), category: 'marketing' });
    expect(marketing.queue).toBe('suppressed');
    expect(marketing.gated.decision.basis.record).toMatchObject({ category: 'marketing' });
    const transactional = await send({ channel: 'whatsapp', from: created.body.address, to: contact, category: 'transactional' });
    expect(transactional.queue).toBe('dispatch');
  });

  it('holds a message until its sendAfter and then decides it', async () => {
    const contact = uniquePhone();
    await setConsent(contact, { channel: 'sms', status: 'opted_in' });
    const sendAfter = new Date(Date.now() + 3_000).toISOString();
    const result = await send({ channel: 'sms', from: smsLine.address, to: contact, category: 'marketing', sendAfter });
    expect(result.queue).toBe('dispatch');
    expect(Date.parse(result.gated.decision.decidedAt)).toBeGreaterThanOrEqual(Date.parse(sendAfter) - 1000);
  });

  it('defers marketing outside quiet hours instead of dropping it, and says so in the history', async () => {
    const { apiKey, accountId: quietAccount } = await createAccount('Quiet hours');
    const line = await createLine(apiKey, { provider: 'twilio', credentials: { authToken: TWILIO_AUTH_TOKEN } });
    // A window that is closed right now in UTC: it opens two hours from now and lasts one hour.
    const hhmm = (offsetHours: number) => new Date(Date.now() + offsetHours * 3600_000).toISOString().slice(11, 16);
    const window = { allowedFrom: hhmm(2), allowedUntil: hhmm(3) };
    expect((await api('PUT', '/v1/settings', { key: apiKey, json: { channels: { sms: { quietHours: window } } } })).status).toBe(200);
    const contact = uniquePhone();
    await api('PUT', `/v1/contacts/${encodeURIComponent(contact)}/consent`, { key: apiKey, json: { channel: 'sms', status: 'opted_in' } });

    const messageId = newMessageId('quiet');
    await enqueue({ messageId, channel: 'sms', from: line.address, to: contact, category: 'marketing', recipientTimeZone: 'UTC' });
    const history = await waitForHistory(quietAccount, contact, messageId);
    expect(history).toMatchObject({ outcome: 'deferred', reason: 'quiet_hours', decision: { notBefore: expect.any(String), basis: { quietHours: { ...window, timeZones: ['UTC'] } } } });
    const opensAt = Date.parse(String((history.decision as { notBefore: string }).notBefore));
    expect(opensAt).toBeGreaterThan(Date.now() + 3600_000);
    expect(opensAt).toBeLessThanOrEqual(Date.now() + 2 * 3600_000);
    expect(await gated({ messageId })).toHaveLength(0);

    // Transactional messages are not held by quiet hours.
    const receipt = await send({ channel: 'sms', from: line.address, to: contact, category: 'transactional', recipientTimeZone: 'UTC' });
    expect(receipt.queue).toBe('dispatch');
  });
});

/** The message's history item once its invocation's receipt lists it as put on its queue. */
async function waitForHistory(accountId: string, contact: string, messageId: string): Promise<Record<string, unknown>> {
  let found: Record<string, unknown> | undefined;
  await waitFor(async () => {
    const { Item } = await tableClient().send(new GetCommand({ TableName: TABLE_NAME, Key: keys.outboundMessage(accountId, contact, messageId), ConsistentRead: true }));
    if (typeof Item?.receiptId !== 'string') return false;
    const { Item: receipt } = await tableClient().send(new GetCommand({ TableName: TABLE_NAME, Key: keys.gateReceipt(Item.receiptId), ConsistentRead: true }));
    found = Item;
    return receipt?.sent instanceof Set && receipt.sent.has(Item.claimIndex);
  });
  return found as Record<string, unknown>;
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('Timed out');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
