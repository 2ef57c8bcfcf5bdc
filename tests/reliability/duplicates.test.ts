import { randomBytes, randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { mapConcurrent } from '../../shared/concurrency/map-concurrent.ts';
import { api, createAccount, createLine, deliverUntilAccepted, uniquePhone, type ApiResponse } from '../support/api-client.ts';
import { postAwsSms, sentSms, twoWaySms } from '../support/aws-sms.ts';
import { eventsOf } from '../support/consent.ts';
import { printFigures } from '../support/reliability.ts';
import { sesReceived, uniqueDomain } from '../support/ses.ts';
import { postTwilio, TWILIO_AUTH_TOKEN, twilioParams } from '../support/twilio.ts';
import { delivery, metaJson, phoneNumberId, postWhatsApp, sentWhatsApp, textMessage } from '../support/whatsapp.ts';

/**
 * Providers redeliver: Twilio and Meta retry on timeouts, SNS delivers at least once. 1,000 inbound
 * messages across the four providers, each delivered three times (a third of them with the three
 * copies at the same moment, the rest spread through the run), must leave exactly one audit event,
 * one ConsentChanged event and at most one reply per message.
 */
const MESSAGES = 1000;
const COPIES = 3;
const CONCURRENCY = 12;
const PROVIDERS = ['twilio', 'aws', 'whatsapp', 'ses'] as const;
type Provider = (typeof PROVIDERS)[number];
const KEYWORDS = ['STOP', 'START', 'Arrêt', 'UNSUBSCRIBE', 'stop.'];
const APP_SECRET = 'duplicates-meta-app-secret-0001';

interface Message {
  provider: Provider;
  contact: string;
  keyword: string;
  /** Sends one copy; answers the HTTP status and, for Twilio, the TwiML. */
  deliver: () => Promise<ApiResponse>;
}

describe('duplicates: 1,000 inbound messages delivered 3 times each', () => {
  let key: string;
  let accountId: string;
  // Replies are counted from this test's lines only: earlier files of the run replied to random numbers too.
  let awsLineAddress: string;
  let waPhoneNumberId: string;
  const messages: Message[] = [];
  const seed = Number(process.env.OPTGATE_RELIABILITY_SEED ?? Date.now() % 1_000_000);

  beforeAll(async () => {
    ({ apiKey: key, accountId } = await createAccount('Duplicates'));
    const twilioLine = await createLine(key, { provider: 'twilio', credentials: { authToken: TWILIO_AUTH_TOKEN } });
    const awsLine = await createLine(key, { provider: 'aws' });
    awsLineAddress = awsLine.address;
    waPhoneNumberId = phoneNumberId();
    await createLine(key, { channel: 'whatsapp', provider: 'meta', address: uniquePhone(), providerId: waPhoneNumberId, credentials: { appSecret: APP_SECRET, verifyToken: 'dup-verify-token-01', accessToken: 'dup-access-token-01' } });
    const emailLine = `news@${uniqueDomain()}`;
    await createLine(key, { channel: 'email', provider: 'ses', address: emailLine });

    for (let index = 0; index < MESSAGES; index += 1) {
      const provider = PROVIDERS[index % PROVIDERS.length] as Provider;
      const keyword = provider === 'ses' ? 'unsubscribe' : (KEYWORDS[index % KEYWORDS.length] as string);
      if (provider === 'twilio') {
        const contact = uniquePhone();
        const params = twilioParams({ from: contact, to: twilioLine.address, body: keyword });
        messages.push({ provider, contact, keyword, deliver: () => postTwilio(params) });
      } else if (provider === 'aws') {
        const contact = uniquePhone();
        const message = twoWaySms({ from: contact, to: awsLine.address, body: keyword, id: randomUUID() });
        messages.push({ provider, contact, keyword, deliver: () => postAwsSms(message) });
      } else if (provider === 'whatsapp') {
        const contact = uniquePhone();
        const body = metaJson(delivery(waPhoneNumberId, { contacts: [{ profile: { name: 'Test' }, wa_id: contact.slice(1) }], messages: [textMessage(contact, keyword)] }));
        messages.push({ provider, contact, keyword, deliver: () => postWhatsApp(body, { appSecret: APP_SECRET }) });
      } else {
        const contact = `dup-${randomBytes(8).toString('hex')}@example.org`;
        const body = JSON.stringify(sesReceived({ from: contact, to: emailLine, subject: keyword }));
        messages.push({ provider, contact, keyword, deliver: () => api('POST', '/local/ses', { body, headers: { 'content-type': 'application/json' } }) });
      }
    }
  });

  it('records each message once and replies to it at most once', async () => {
    // A third of the messages arrive as a burst of three concurrent copies; the other copies are
    // single deliveries shuffled through the whole run.
    type Job = { message: number; copies: number };
    const jobs: Job[] = messages.flatMap((_, index): Job[] => (index % 3 === 0 ? [{ message: index, copies: COPIES }] : Array.from({ length: COPIES }, () => ({ message: index, copies: 1 }))));
    const order = fc.sample(fc.shuffledSubarray(jobs.map((_, index) => index), { minLength: jobs.length, maxLength: jobs.length }), { numRuns: 1, seed })[0] ?? [];
    const answers = new Map<number, { status: number; text: string }[]>();
    let redeliveries = 0;
    const started = performance.now();
    await mapConcurrent(order, CONCURRENCY, async (jobIndex) => {
      const job = jobs[jobIndex] as Job;
      const message = messages[job.message] as Message;
      // A copy arriving while another holds the message's reply is answered 5xx and comes back, as providers do.
      const results = await Promise.all(Array.from({ length: job.copies }, () => deliverUntilAccepted(message.deliver, { firstDelayMs: 100 })));
      redeliveries += results.reduce((sum, result) => sum + result.statuses.length - 1, 0);
      answers.set(job.message, [...(answers.get(job.message) ?? []), ...results.map(({ last }) => ({ status: last?.status ?? 0, text: last?.text ?? '' }))]);
    });
    const seconds = (performance.now() - started) / 1000;

    const all = [...answers.values()].flat();
    const eventCounts = await mapConcurrent(messages, CONCURRENCY, async (message) => (await eventsOf(key, message.contact)).length);
    const { body: published } = await api<{ events: { detail: { contact: string } }[] }>('GET', `/local/events?accountId=${accountId}`);
    const contacts = new Set(messages.map((message) => message.contact));
    const consentChanged = published.events.filter((event) => contacts.has(event.detail.contact)).length;

    const sms = (await sentSms()).filter((reply) => reply.originationIdentity === awsLineAddress);
    const whatsApp = await sentWhatsApp({ phoneNumberId: waPhoneNumberId });
    // Email contacts are random addresses no other file uses: any mail to them counts, whoever sent it.
    const { body: sentEmail } = await api<{ messages: { to: string[] }[] }>('GET', '/local/sent-email');
    const emails = sentEmail.messages;
    const repliesPer = new Map<string, number>();
    const countReply = (contact: string) => repliesPer.set(contact, (repliesPer.get(contact) ?? 0) + 1);
    messages.forEach((message, index) => {
      if (message.provider === 'twilio') for (const answer of answers.get(index) ?? []) if (answer.text.includes('<Message>')) countReply(message.contact);
    });
    for (const reply of sms) if (contacts.has(reply.destinationPhoneNumber)) countReply(reply.destinationPhoneNumber);
    for (const reply of whatsApp) if (contacts.has(`+${reply.to}`)) countReply(`+${reply.to}`);
    for (const mail of emails) for (const to of mail.to) if (contacts.has(to)) countReply(to);
    const replies = [...repliesPer.values()].reduce((sum, count) => sum + count, 0);
    const byProvider = (provider: Provider) => messages.filter((message) => message.provider === provider).reduce((sum, message) => sum + (repliesPer.get(message.contact) ?? 0), 0);

    printFigures('duplicates: 1,000 messages × 3 deliveries (Twilio, AWS SMS, WhatsApp, SES: 250 each)', {
      'deliveries': all.length,
      'of which in concurrent bursts of 3': messages.filter((_, index) => index % 3 === 0).length * COPIES,
      'answered 2xx': all.filter((answer) => answer.status < 300).length,
      'finally answered 4xx / 5xx': `${all.filter((answer) => answer.status >= 400 && answer.status < 500).length} / ${all.filter((answer) => answer.status >= 500).length}`,
      'redeliveries after a 5xx (a copy arrived while its reply was being sent)': redeliveries,
      'audit events (target exactly 1,000)': eventCounts.reduce((sum, count) => sum + count, 0),
      'messages with ≠ 1 audit event': eventCounts.filter((count) => count !== 1).length,
      'ConsentChanged events published': consentChanged,
      'replies (target ≤ 1,000)': replies,
      'replies by provider (Twilio / AWS SMS / WhatsApp / SES)': PROVIDERS.map(byProvider).join(' / '),
      'messages with more than one reply': [...repliesPer.values()].filter((count) => count > 1).length,
      'seed (OPTGATE_RELIABILITY_SEED)': seed,
      'run time': `${seconds.toFixed(1)} s`,
    });

    expect(all).toHaveLength(MESSAGES * COPIES);
    expect(all.filter((answer) => answer.status >= 300)).toEqual([]);
    expect(eventCounts.reduce((sum, count) => sum + count, 0)).toBe(MESSAGES);
    expect(eventCounts.filter((count) => count !== 1)).toEqual([]);
    expect(consentChanged).toBe(MESSAGES);
    expect(replies).toBeLessThanOrEqual(MESSAGES);
    expect([...repliesPer].filter(([, count]) => count > 1)).toEqual([]);
    // Every SMS and WhatsApp keyword here has a reply: exactly one went out for each (SES replies to nobody).
    expect(PROVIDERS.map(byProvider)).toEqual([MESSAGES / 4, MESSAGES / 4, MESSAGES / 4, 0]);
  });

});
