import { randomBytes, randomUUID } from 'node:crypto';
import { GetQueueAttributesCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import fc from 'fast-check';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { mapConcurrent } from '../../shared/concurrency/map-concurrent.ts';
import type { FaultKind } from '../support/aws-proxy.ts';
import { api, createAccount, createLine, deliverUntilAccepted, uniquePhone, type ApiResponse } from '../support/api-client.ts';
import { postAwsSms, sentSms, twoWaySms } from '../support/aws-sms.ts';
import { parseGated, sqsClient, type Gated } from '../support/outbound.ts';
import { injectFaults, printFigures, resetCounters, stackStats, stopFaults } from '../support/reliability.ts';
import { sesReceived, uniqueDomain } from '../support/ses.ts';
import { postTwilio, TWILIO_AUTH_TOKEN, twilioParams } from '../support/twilio.ts';
import { delivery, metaJson, phoneNumberId, postWhatsApp, sentWhatsApp, textMessage } from '../support/whatsapp.ts';

/**
 * DynamoDB and SQS having a bad few minutes. While 10,000 outbound messages pass the gate and 1,000
 * inbound webhooks arrive, 20 % of the functions' DynamoDB and SQS calls fail (throttling, 5xx,
 * timeouts; for DynamoDB also writes applied whose answer is lost), through proxies in front of the
 * emulators (tests/support/aws-proxy.ts). SQS sends get no lost answers: a standard queue cannot tell
 * a resent message from a new one, so such a fault duplicates a dispatch by construction (the
 * README's idempotency guarantee: workers drop repeats by decision.messageId).
 *
 * Checked afterwards, without faults:
 * - gate: every message on dispatch or suppressed exactly once (0 lost, 0 twice, 0 on the DLQ), and
 *   each decision the one the consent check API gave for it before the faults (0 sent unchecked);
 * - webhooks: answered 2xx or 5xx only (a 4xx would make the provider drop a valid message), and
 *   redelivered on 5xx as the provider would; then nothing half-written (below).
 *
 * Half-written: a message whose writes disagree. Its consent state, audit event and idempotency
 * marker are written in one transaction, so for each message: exactly one audit event naming its
 * provider message id, exactly one marker for it pointing at that event, and the contact's state
 * on the line pointing at that event too; and a reply the marker calls `sent` (or a reply due by an
 * async provider) was sent at least once.
 */
const MESSAGES = 10_000;
const PRODUCER_DUPLICATES = 300;
const WEBHOOKS = 1_000;
const GATE_CONTACTS = { sms: 250, email: 100, whatsapp: 50 };
const RATE = 0.2;
const DYNAMODB_FAULTS: FaultKind[] = ['throttle', 'server-error', 'timeout', 'lost-response'];
const SQS_FAULTS: FaultKind[] = ['throttle', 'server-error', 'timeout'];
const APP_SECRET = 'faults-meta-app-secret-000000001';
const MAX_ATTEMPTS = 12;

type Channel = 'sms' | 'email' | 'whatsapp';
type Provider = 'twilio' | 'aws' | 'whatsapp' | 'ses';
interface Envelope {
  messageId: string;
  channel: Channel;
  from: string;
  to: string;
  category: 'marketing' | 'transactional';
}
interface Webhook {
  provider: Provider;
  contact: string;
  messageId: string;
  send: () => Promise<ApiResponse>;
}
interface Decision {
  outcome: string;
  reason: string;
}

describe('faults: 20 % of DynamoDB and SQS calls fail while 10,000 messages are gated and 1,000 webhooks arrive', () => {
  const seed = Number(process.env.OPTGATE_RELIABILITY_SEED ?? Date.now() % 1_000_000);
  const runTag = `faults${randomBytes(4).toString('hex')}`;
  let key: string;
  let lines: Record<Channel | 'twilio', { lineId: string; address: string }>;
  let waPhoneNumberId: string;
  const envelopes: Envelope[] = [];
  const expected = new Map<string, Decision>();
  const webhooks: Webhook[] = [];

  beforeAll(async () => {
    ({ apiKey: key } = await createAccount('Faults'));
    waPhoneNumberId = phoneNumberId();
    lines = {
      sms: await createLine(key, { provider: 'aws' }),
      email: await createLine(key, { channel: 'email', provider: 'ses', address: `news@${uniqueDomain()}` }),
      whatsapp: await createLine(key, { channel: 'whatsapp', provider: 'meta', address: uniquePhone(), providerId: waPhoneNumberId, credentials: { appSecret: APP_SECRET, verifyToken: 'faults-verify-1', accessToken: 'faults-access-1' } }),
      twilio: await createLine(key, { provider: 'twilio', credentials: { authToken: TWILIO_AUTH_TOKEN } }),
    };

    // Gate contacts with a mix of consent, set through the API before the faults.
    const states = ['line_in', 'line_out', 'channel_in', 'channel_out', 'none'] as const;
    const draws = fc.sample(fc.constantFrom(...states), { numRuns: GATE_CONTACTS.sms + GATE_CONTACTS.email + GATE_CONTACTS.whatsapp, seed });
    const contacts: { channel: Channel; address: string }[] = (Object.entries(GATE_CONTACTS) as [Channel, number][]).flatMap(([channel, count]) =>
      Array.from({ length: count }, () => ({ channel, address: channel === 'email' ? `gate-${randomBytes(6).toString('hex')}@example.org` : uniquePhone() })),
    );
    await mapConcurrent(contacts, 8, async (contact, index) => {
      const state = draws[index] ?? 'none';
      if (state === 'none') return;
      const response = await api('PUT', `/v1/contacts/${encodeURIComponent(contact.address)}/consent`, {
        key,
        json: { channel: contact.channel, ...(state.startsWith('line') ? { line: lines[contact.channel].lineId } : {}), status: state.endsWith('_in') ? 'opted_in' : 'opted_out', occurredAt: new Date(Date.now() - 3_600_000).toISOString() },
      });
      expect(response.status).toBe(200);
    });

    // The oracle: what the consent check API decides for each contact and category, before any fault.
    const pairs = contacts.flatMap((contact) => (['marketing', 'transactional'] as const).map((category) => ({ contact, category })));
    for (let start = 0; start < pairs.length; start += 100) {
      const chunk = pairs.slice(start, start + 100);
      const response = await api<{ decisions: Decision[] }>('POST', '/v1/consent/check', {
        key,
        json: { items: chunk.map(({ contact, category }) => ({ channel: contact.channel, from: lines[contact.channel].address, to: contact.address, category })) },
      });
      expect(response.status).toBe(200);
      chunk.forEach(({ contact, category }, index) => expected.set(`${contact.address}|${category}`, response.body.decisions[index] as Decision));
    }
    const picks = fc.sample(fc.tuple(fc.nat({ max: contacts.length - 1 }), fc.constantFrom<'marketing' | 'transactional'>('marketing', 'marketing', 'marketing', 'transactional')), { numRuns: MESSAGES, seed: seed + 1 });
    picks.forEach(([index, category], position) => {
      const contact = contacts[index] as (typeof contacts)[number];
      envelopes.push({ messageId: `${runTag}-${position}`, channel: contact.channel, from: lines[contact.channel].address, to: contact.address, category });
    });

    // Webhooks: new contacts, one opt-out each, 250 per provider.
    for (let index = 0; index < WEBHOOKS; index += 1) {
      const provider = (['twilio', 'aws', 'whatsapp', 'ses'] as const)[index % 4] as Provider;
      if (provider === 'twilio') {
        const contact = uniquePhone();
        const params = twilioParams({ from: contact, to: lines.twilio.address, body: 'STOP' });
        webhooks.push({ provider, contact, messageId: params.MessageSid as string, send: () => postTwilio(params) });
      } else if (provider === 'aws') {
        const contact = uniquePhone();
        const id = randomUUID();
        const message = twoWaySms({ from: contact, to: lines.sms.address, body: 'STOP', id });
        webhooks.push({ provider, contact, messageId: id, send: () => postAwsSms(message) });
      } else if (provider === 'whatsapp') {
        const contact = uniquePhone();
        const message = textMessage(contact, 'STOP');
        const body = metaJson(delivery(waPhoneNumberId, { messages: [message] }));
        webhooks.push({ provider, contact, messageId: message.id, send: () => postWhatsApp(body, { appSecret: APP_SECRET }) });
      } else {
        const contact = `faults-${randomBytes(6).toString('hex')}@example.org`;
        const notification = sesReceived({ from: contact, to: lines.email.address, subject: 'unsubscribe' });
        webhooks.push({ provider, contact, messageId: notification.mail.messageId, send: () => api('POST', '/local/ses', { body: JSON.stringify(notification), headers: { 'content-type': 'application/json' } }) });
      }
    }
  });

  it('loses nothing, sends nothing unchecked or twice, and half-writes nothing', async () => {
    await resetCounters();
    await injectFaults({ dynamodb: { rate: RATE, kinds: DYNAMODB_FAULTS, seed }, sqs: { rate: RATE, kinds: SQS_FAULTS, seed: seed + 2 } });
    const started = performance.now();

    // The sender enqueues (its own SQS calls are not the stack's: no faults), some messages twice.
    const bodies = [...envelopes, ...envelopes.slice(0, PRODUCER_DUPLICATES)].map((envelope) => JSON.stringify(envelope));
    const chunks = Array.from({ length: Math.ceil(bodies.length / 10) }, (_, index) => bodies.slice(index * 10, index * 10 + 10));
    const enqueueing = mapConcurrent(chunks, 16, (chunk) =>
      sqsClient().send(new SendMessageBatchCommand({ QueueUrl: inject('outboundQueueUrl'), Entries: chunk.map((body, index) => ({ Id: `m${index}`, MessageBody: body })) })),
    );

    // The providers deliver, and deliver again after a 5xx or a broken connection.
    const answers = new Map<Webhook, number[]>();
    const finalTexts = new Map<Webhook, string>();
    const delivering = mapConcurrent(webhooks, 8, async (webhook) => {
      // Backing off from 0.5 s to 8 s, a minute and more in all: past the 20 s a dead holder keeps a reply.
      const { statuses, last } = await deliverUntilAccepted(webhook.send, { attempts: MAX_ATTEMPTS, firstDelayMs: 500 });
      answers.set(webhook, statuses);
      if (last && last.status < 300) finalTexts.set(webhook, last.text);
    });
    await Promise.all([enqueueing, delivering]);

    // Until the outbound queue is empty and nothing is in flight, three looks in a row.
    const queueUrl = inject('outboundQueueUrl');
    let quiet = 0;
    const deadline = Date.now() + 12 * 60_000;
    while (quiet < 3) {
      const { Attributes = {} } = await sqsClient().send(
        new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'] }),
      );
      const pending = Number(Attributes.ApproximateNumberOfMessages ?? 0) + Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0) + Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0);
      quiet = pending === 0 ? quiet + 1 : 0;
      if (Date.now() > deadline) throw new Error(`the outbound queue still holds ${pending} messages after 12 minutes`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    const stats = await stackStats();
    await stopFaults();
    const seconds = (performance.now() - started) / 1000;
    // The test recorder drains dispatch / suppressed every 200 ms.
    await new Promise((resolve) => setTimeout(resolve, 2000));

    // Gate: what reached dispatch, suppressed and the DLQ.
    const { body: recorded } = await api<{ messages: Gated[] }>('GET', `/local/gated?contains=${runTag}`);
    const outputs = new Map<string, Gated[]>();
    for (const message of recorded.messages) {
      const messageId = message.queue === 'outboundDlq' ? `dlq:${message.body.slice(0, 80)}` : parseGated(message).decision.messageId;
      outputs.set(messageId, [...(outputs.get(messageId) ?? []), message]);
    }
    const lost = envelopes.filter((envelope) => !outputs.has(envelope.messageId));
    const twice = envelopes.filter((envelope) => (outputs.get(envelope.messageId)?.length ?? 0) > 1);
    const unchecked: string[] = [];
    const wronglyBlocked: string[] = [];
    for (const envelope of envelopes) {
      const [output] = outputs.get(envelope.messageId) ?? [];
      if (!output) continue;
      const decision = parseGated(output).decision;
      const oracle = expected.get(`${envelope.to}|${envelope.category}`);
      if (output.queue === 'dispatch' && (oracle?.outcome !== 'allowed' || decision.reason !== oracle.reason)) unchecked.push(`${envelope.messageId}: ${decision.reason} vs ${JSON.stringify(oracle)}`);
      if (output.queue === 'suppressed' && (oracle?.outcome !== 'blocked' || decision.reason !== oracle.reason)) wronglyBlocked.push(`${envelope.messageId}: ${decision.reason} vs ${JSON.stringify(oracle)}`);
    }
    const onDlq = recorded.messages.filter((message) => message.queue === 'outboundDlq').length;
    const dispatched = [...outputs.values()].flat().filter((message) => message.queue === 'dispatch').length;
    const suppressed = [...outputs.values()].flat().filter((message) => message.queue === 'suppressed').length;

    // Webhooks: answers, then what is stored for each message, and the replies.
    const allStatuses = [...answers.values()].flat();
    const unanswered = webhooks.filter((webhook) => !(answers.get(webhook) ?? []).some((status) => status >= 200 && status < 300));
    // Only this file's lines: earlier files of the run replied to random numbers that may recur here.
    const sms = (await sentSms()).filter((reply) => reply.originationIdentity === lines.sms.address);
    const whatsApp = await sentWhatsApp({ phoneNumberId: waPhoneNumberId });
    const halfWritten: string[] = [];
    const replies = { lost: new Map<Provider, number>(), twice: new Map<Provider, number>() };
    const bump = (map: Map<Provider, number>, provider: Provider) => map.set(provider, (map.get(provider) ?? 0) + 1);
    await mapConcurrent(webhooks, 8, async (webhook) => {
      const response = await api<{ events: Record<string, unknown>[]; inboundMessages: Record<string, unknown>[]; consent: Record<string, unknown>[] }>(
        'GET',
        `/v1/contacts/${encodeURIComponent(webhook.contact)}/export`,
        { key },
      );
      const problem = (what: string) => halfWritten.push(`${webhook.provider} ${webhook.messageId}: ${what}`);
      if (response.status !== 200) return problem(`export answered ${response.status}`);
      const events = response.body.events.filter((event) => (event.evidence as Record<string, unknown> | undefined)?.providerMessageId === webhook.messageId);
      const markers = response.body.inboundMessages.filter((marker) => marker.providerMessageId === webhook.messageId);
      const state = response.body.consent.find((record) => record.status === 'opted_out');
      if (events.length !== 1) return problem(`${events.length} audit events`);
      if (markers.length !== 1) return problem(`${markers.length} markers`);
      const eventId = events[0]?.eventId;
      if (markers[0]?.eventId !== eventId) return problem('marker does not point at the audit event');
      if (state?.eventId !== eventId) return problem(`state ${JSON.stringify(state)} is not the audit event's`);
      const replyState = markers[0]?.replyState;
      if (webhook.provider !== 'ses' && replyState !== 'sent') return problem(`reply ${String(replyState)}`);
      const sent =
        webhook.provider === 'twilio'
          ? ((finalTexts.get(webhook) ?? '').includes('<Message>') ? 1 : 0)
          : webhook.provider === 'aws'
            ? sms.filter((reply) => reply.destinationPhoneNumber === webhook.contact).length
            : webhook.provider === 'whatsapp'
              ? whatsApp.filter((reply) => reply.to === webhook.contact.slice(1)).length
              : 1;
      if (sent === 0) bump(replies.lost, webhook.provider);
      if (sent > 1) bump(replies.twice, webhook.provider);
      return undefined;
    });

    const faults = (service: string) => {
      const proxy = stats.proxies[service];
      const byKind = new Map<string, number>();
      for (const [name, count] of Object.entries(proxy?.faults ?? {})) {
        const kind = name.split(' ')[1] ?? name;
        byKind.set(kind, (byKind.get(kind) ?? 0) + count);
      }
      return `${proxy?.faultTotal ?? 0} of ${proxy?.total ?? 0} calls (${(((proxy?.faultTotal ?? 0) / Math.max(1, proxy?.total ?? 1)) * 100).toFixed(1)} %): ${[...byKind].map(([kind, count]) => `${kind} ${count}`).join(', ')}`;
    };
    const gate = stats.eventSources.find((source) => source.name === 'outbound-gate');
    printFigures('faults: 20 % of DynamoDB and SQS calls failing', {
      'DynamoDB faults injected': faults('dynamodb'),
      'SQS faults injected': faults('sqs'),
      'outbound messages (+ enqueued twice by the sender)': `${envelopes.length} (+${PRODUCER_DUPLICATES})`,
      'gate batches; message deliveries left for retry': `${gate?.batches ?? 0}; ${gate?.failedMessages ?? 0}`,
      'dispatched / suppressed / DLQ': `${dispatched} / ${suppressed} / ${onDlq}`,
      'lost (target 0)': lost.length,
      'dispatched or suppressed twice (target 0)': twice.length,
      'dispatched unchecked: against the check API (target 0)': unchecked.length,
      'suppressed though allowed (target 0)': wronglyBlocked.length,
      'webhooks: deliveries (first attempts + redeliveries)': `${allStatuses.length} (${webhooks.length} + ${allStatuses.length - webhooks.length})`,
      'webhook answers 2xx / 4xx / 5xx / broken': `${allStatuses.filter((s) => s >= 200 && s < 300).length} / ${allStatuses.filter((s) => s >= 400 && s < 500).length} / ${allStatuses.filter((s) => s >= 500).length} / ${allStatuses.filter((s) => s === 0).length}`,
      'webhooks never acknowledged (target 0)': unanswered.length,
      'half-written messages (target 0)': halfWritten.length,
      'replies lost / sent twice (Twilio, AWS SMS, WhatsApp)': (['twilio', 'aws', 'whatsapp'] as const).map((p) => `${replies.lost.get(p) ?? 0} / ${replies.twice.get(p) ?? 0}`).join(', '),
      'handler errors logged by the stack': stats.log.unhandledErrors,
      'seed (OPTGATE_RELIABILITY_SEED)': seed,
      'run time under faults': `${seconds.toFixed(0)} s`,
    });
    for (const line of [...lost.slice(0, 5).map((e) => `LOST ${e.messageId}`), ...twice.slice(0, 5).map((e) => `TWICE ${e.messageId}`), ...unchecked.slice(0, 5), ...wronglyBlocked.slice(0, 5), ...halfWritten.slice(0, 10)]) console.log(line);

    expect(lost).toEqual([]);
    expect(twice).toEqual([]);
    expect(onDlq).toBe(0);
    expect(unchecked).toEqual([]);
    expect(wronglyBlocked).toEqual([]);
    expect(allStatuses.filter((status) => status >= 400 && status < 500)).toEqual([]);
    expect(unanswered.map((webhook) => `${webhook.provider} ${webhook.messageId}: ${(answers.get(webhook) ?? []).join(',')}`)).toEqual([]);
    expect(halfWritten).toEqual([]);
    // The faults really happened, on both services, at about the planned rate.
    expect(stats.proxies.dynamodb?.faultTotal ?? 0).toBeGreaterThan(1000);
    expect(stats.proxies.sqs?.faultTotal ?? 0).toBeGreaterThan(50);
  });
});
