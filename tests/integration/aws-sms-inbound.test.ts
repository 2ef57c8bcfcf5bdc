import { beforeAll, describe, expect, it } from 'vitest';
import { api, createAccount, createLine, deliverUntilAccepted, uniquePhone } from '../support/api-client.ts';
import { postAwsSms, sentSms as repliesTo, twoWaySms } from '../support/aws-sms.ts';

async function deliver(message: string, timestamp?: string, forge?: string) {
  const response = await postAwsSms(message, { timestamp, forge });
  expect(response.status).toBe(202);
}

describe('AWS End User Messaging two-way SMS (SNS)', () => {
  let key: string;
  let line: { lineId: string; address: string };

  beforeAll(async () => {
    ({ apiKey: key } = await createAccount('AWS SMS test'));
    line = await createLine(key, { provider: 'aws' });
  });

  const lineStatus = async (contact: string) => {
    const { body } = await api<{ lines: { lineId: string; status: string }[] }>(
      'GET',
      `/v1/contacts/${encodeURIComponent(contact)}/consent`,
      { key },
    );
    return body.lines.find((entry) => entry.lineId === line.lineId)?.status;
  };
  const eventsOf = async (contact: string) =>
    (await api<{ events: { status: string; effect: string; occurredAt: string }[] }>('GET', `/v1/contacts/${encodeURIComponent(contact)}/events`, { key })).body.events;

  it('opts out on STOP and replies once through SendTextMessage from the line', async () => {
    const contact = uniquePhone();
    const message = twoWaySms({ from: contact, to: line.address, body: 'STOP' });
    await deliver(message);

    expect(await lineStatus(contact)).toBe('opted_out');
    const replies = await repliesTo(contact);
    expect(replies).toHaveLength(1);
    expect(replies[0]?.originationIdentity).toBe(line.address);
    expect(replies[0]?.messageBody.toLowerCase()).toContain('unsubscribed');

    // SNS redelivers the same inboundMessageId: nothing changes and no second reply goes out.
    await deliver(message);
    expect(await eventsOf(contact)).toHaveLength(1);
    expect(await repliesTo(contact)).toHaveLength(1);
  });

  it('replies once when SNS delivers copies of a message while the first is still sending its reply', async () => {
    // A copy that finds the reply held by another delivery fails, so that Lambda retries; the retry finds it sent.
    const contacts = Array.from({ length: 8 }, () => uniquePhone());
    await Promise.all(
      contacts.map(async (contact) => {
        const message = twoWaySms({ from: contact, to: line.address, body: 'STOP' });
        const answers = await Promise.all(Array.from({ length: 4 }, () => deliverUntilAccepted(() => postAwsSms(message))));
        expect(answers.map((answer) => answer.last?.status)).toEqual([202, 202, 202, 202]);
      }),
    );
    const replies = await Promise.all(contacts.map(async (contact) => (await repliesTo(contact)).length));
    expect(replies).toEqual(contacts.map(() => 1));
  });

  it('opts back in on START, and an older STOP delivered late is audited but does not win', async () => {
    const contact = uniquePhone();
    const t0 = new Date(Date.now() - 60_000);
    await deliver(twoWaySms({ from: contact, to: line.address, body: 'START' }), new Date(t0.getTime() + 20_000).toISOString());
    expect(await lineStatus(contact)).toBe('opted_in');

    await deliver(twoWaySms({ from: contact, to: line.address, body: 'STOP' }), t0.toISOString());
    expect(await lineStatus(contact)).toBe('opted_in');
    const events = await eventsOf(contact);
    expect(events.map((event) => [event.status, event.effect])).toEqual([
      ['opted_out', 'superseded'],
      ['opted_in', 'changed'],
    ]);
    // The stale STOP must not tell a subscribed person that they are out.
    expect((await repliesTo(contact)).map((reply) => reply.messageBody.toLowerCase()).filter((body) => body.includes('unsubscribed'))).toHaveLength(0);
  });

  it('understands other languages: ARRÊT opts out with a French reply', async () => {
    const contact = uniquePhone();
    await deliver(twoWaySms({ from: contact, to: line.address, body: 'Arrêt' }));
    expect(await lineStatus(contact)).toBe('opted_out');
    const [reply] = await repliesTo(contact);
    expect(reply?.messageBody).toMatch(/désabonné|desabonne|désinscrit|STOP|ARRET/i);
  });

  it('drops malformed notifications and messages to unknown lines without storing anything', async () => {
    const contact = uniquePhone();
    await deliver('not json at all');
    await deliver(JSON.stringify({ originationNumber: contact }));
    await deliver(twoWaySms({ from: contact, to: uniquePhone(), body: 'STOP' }));
    expect(await eventsOf(contact)).toHaveLength(0);
    expect(await repliesTo(contact)).toHaveLength(0);
  });

  it('verifies the SNS signature first: a forged or altered delivery stores nothing and sends no reply', async () => {
    const contact = uniquePhone();
    // Pretty-printed, so that a relay re-serialising it changes its bytes.
    const message = JSON.stringify(JSON.parse(twoWaySms({ from: contact, to: line.address, body: 'STOP' })), null, 2);
    for (const forge of ['altered-message', 'forged-signature', 'stale-key', 'reserialised', 'wrong-cert-url', 'foreign-topic']) {
      await deliver(message, undefined, forge);
    }
    expect(await eventsOf(contact)).toHaveLength(0);
    expect(await lineStatus(contact)).toBe('not_defined');
    expect(await repliesTo(contact)).toHaveLength(0);
    // The same message, signed by SNS, is acted on.
    await deliver(message);
    expect(await lineStatus(contact)).toBe('opted_out');
  });
});
