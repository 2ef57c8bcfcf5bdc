import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { api, createAccount, createLine, uniquePhone } from '../support/api-client.ts';
import { postAwsSms, twoWaySms } from '../support/aws-sms.ts';
import { enqueue, newMessageId, parseGated, waitForGated } from '../support/outbound.ts';
import { printFigures } from '../support/reliability.ts';
import { sesReceived, uniqueDomain } from '../support/ses.ts';
import { postTwilio, TWILIO_AUTH_TOKEN, twilioParams } from '../support/twilio.ts';
import { delivery, metaJson, phoneNumberId, postWhatsApp, textMessage } from '../support/whatsapp.ts';

/**
 * A person who opted out must not get the next message, however soon it is sent. For contacts who
 * had opted in (a message before the STOP is dispatched, proving it), a STOP arrives by each way
 * one can (Twilio, AWS two-way SMS, WhatsApp, an SES reply, an RFC 8058 one-click); 100 ms after
 * the provider got its answer, the sender puts a marketing message for that person on the outbound
 * queue: the gate must block it as opted out.
 */
const PER_ROUTE = 15;
const DELAY_MS = 100;
const APP_SECRET = 'latency-meta-app-secret-00001';

type Route = 'Twilio SMS' | 'AWS two-way SMS' | 'WhatsApp' | 'SES reply' | 'one-click unsubscribe';

describe('opt-out latency: STOP, then a send 100 ms later', () => {
  let key: string;
  const lines: Record<string, { lineId: string; address: string }> = {};
  let waPhoneNumberId: string;

  beforeAll(async () => {
    ({ apiKey: key } = await createAccount('Opt-out latency'));
    lines.twilio = await createLine(key, { provider: 'twilio', credentials: { authToken: TWILIO_AUTH_TOKEN } });
    lines.aws = await createLine(key, { provider: 'aws' });
    waPhoneNumberId = phoneNumberId();
    lines.whatsapp = await createLine(key, { channel: 'whatsapp', provider: 'meta', address: uniquePhone(), providerId: waPhoneNumberId, credentials: { appSecret: APP_SECRET, verifyToken: 'latency-verify-01', accessToken: 'latency-access-01' } });
    lines.email = await createLine(key, { channel: 'email', provider: 'ses', address: `news@${uniqueDomain()}` });
  });

  /** The STOP by one route; resolves when the provider has its answer (the webhook's, or SNS's delivery). */
  async function stop(route: Route, contact: string): Promise<number> {
    switch (route) {
      case 'Twilio SMS':
        return (await postTwilio(twilioParams({ from: contact, to: lines.twilio?.address ?? '', body: 'STOP' }))).status;
      case 'AWS two-way SMS':
        return (await postAwsSms(twoWaySms({ from: contact, to: lines.aws?.address ?? '', body: 'STOP' }))).status;
      case 'WhatsApp':
        return (await postWhatsApp(metaJson(delivery(waPhoneNumberId, { messages: [textMessage(contact, 'STOP')] })), { appSecret: APP_SECRET })).status;
      case 'SES reply':
        return (await api('POST', '/local/ses', { body: JSON.stringify(sesReceived({ from: contact, to: lines.email?.address ?? '', subject: 'Unsubscribe' })), headers: { 'content-type': 'application/json' } })).status;
      case 'one-click unsubscribe': {
        const link = await api<{ url: string }>('POST', '/v1/unsubscribe-links', { key, json: { line: lines.email?.lineId, contact } });
        return (await api('POST', new URL(link.body.url).pathname, { body: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } })).status;
      }
    }
  }

  const lineOf = (route: Route) => (route === 'Twilio SMS' ? lines.twilio : route === 'AWS two-way SMS' ? lines.aws : route === 'WhatsApp' ? lines.whatsapp : lines.email);
  const channelOf = (route: Route) => (route === 'WhatsApp' ? 'whatsapp' : route === 'SES reply' || route === 'one-click unsubscribe' ? 'email' : 'sms');

  it('blocks every send made 100 ms after the STOP was answered', async () => {
    const routes: Route[] = ['Twilio SMS', 'AWS two-way SMS', 'WhatsApp', 'SES reply', 'one-click unsubscribe'];
    const cases = routes.flatMap((route) =>
      Array.from({ length: PER_ROUTE }, () => ({ route, contact: channelOf(route) === 'email' ? `latency-${randomBytes(6).toString('hex')}@example.org` : uniquePhone() })),
    );
    const envelope = (route: Route, contact: string, messageId: string) => ({
      messageId,
      channel: channelOf(route),
      from: lineOf(route)?.address ?? '',
      to: contact,
      category: 'marketing',
      campaignId: 'latency',
    });

    const results = await Promise.all(
      cases.map(async ({ route, contact }) => {
        // Opted in an hour ago, and a message now goes out: the contact is reachable until the STOP.
        const optIn = await api('PUT', `/v1/contacts/${encodeURIComponent(contact)}/consent`, {
          key,
          json: { channel: channelOf(route), line: lineOf(route)?.lineId, status: 'opted_in', occurredAt: new Date(Date.now() - 3_600_000).toISOString() },
        });
        expect(optIn.status).toBe(200);
        const beforeId = newMessageId('before');
        await enqueue(envelope(route, contact, beforeId));
        const [before] = await waitForGated({ messageId: beforeId }, 1, 60_000);

        const stopStatus = await stop(route, contact);
        const answeredAt = performance.now();
        // Timers may fire a fraction of a millisecond early: wait until 100 ms have really passed.
        while (performance.now() - answeredAt < DELAY_MS) await new Promise((resolve) => setTimeout(resolve, DELAY_MS - (performance.now() - answeredAt) + 1));
        const sentAfterMs = performance.now() - answeredAt;
        const afterId = newMessageId('after');
        await enqueue(envelope(route, contact, afterId));
        const [after] = await waitForGated({ messageId: afterId }, 1, 60_000);
        const decision = after ? parseGated(after).decision : undefined;
        return { route, stopStatus, before: before?.queue, after: after?.queue, reason: decision?.reason, sentAfterMs };
      }),
    );

    const blocked = results.filter((result) => result.after === 'suppressed' && result.reason === 'opted_out');
    printFigures('opt-out latency: a marketing send 100 ms after the STOP was answered', {
      ...Object.fromEntries(
        routes.map((route) => {
          const mine = results.filter((result) => result.route === route);
          return [route, `${mine.filter((r) => r.after === 'suppressed' && r.reason === 'opted_out').length} / ${mine.length} blocked (sent before the STOP: ${mine.filter((r) => r.before === 'dispatch').length} dispatched)`];
        }),
      ),
      'blocked (target 100 %)': `${blocked.length} / ${results.length}`,
      'send made after the STOP was answered': `${Math.min(...results.map((r) => r.sentAfterMs)).toFixed(0)}–${Math.max(...results.map((r) => r.sentAfterMs)).toFixed(0)} ms`,
    });
    expect(results.map((result) => result.stopStatus).every((status) => status >= 200 && status < 300)).toBe(true);
    expect(results.filter((result) => result.before !== 'dispatch')).toEqual([]);
    expect(results.filter((result) => result.after !== 'suppressed' || result.reason !== 'opted_out')).toEqual([]);
  });
});
