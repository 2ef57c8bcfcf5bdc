import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { mapConcurrent } from '../../shared/concurrency/map-concurrent.ts';
import { api, createAccount, createLine, uniquePhone } from '../support/api-client.ts';
import { postAwsSms, twoWaySms } from '../support/aws-sms.ts';
import { consentOf, eventsOf } from '../support/consent.ts';
import { printFigures } from '../support/reliability.ts';
import { delivery, metaJson, phoneNumberId, postWhatsApp, textMessage } from '../support/whatsapp.ts';

/**
 * Messages arrive out of order: providers retry, SNS does not keep order, an operator back-fills
 * consent through the API. For 1,000 contacts, fast-check draws a random sequence of opt-outs and
 * opt-ins (keywords by AWS two-way SMS or WhatsApp, which carry the time the person acted, and API
 * writes with `occurredAt`; on the line or channel-wide), all of them are delivered shuffled
 * together, and each contact must end in the state of its latest event by event time: the line
 * record, the channel record and the effective status, with every event audited.
 */
const CONTACTS = 1000;
const CONCURRENCY = 16;
const APP_SECRET = 'reordering-meta-app-secret-0001';

type Status = 'opted_in' | 'opted_out';
interface ConsentEvent {
  via: 'keyword' | 'api';
  status: Status;
  scope: 'line' | 'channel';
  /** Seconds after the start of the window: distinct within a sequence (WhatsApp times are whole seconds). */
  second: number;
}
interface Sequence {
  channel: 'sms' | 'whatsapp';
  events: ConsentEvent[];
}

/** A keyword can opt out of the line (STOP) or the whole channel (STOPALL, SMS), or opt in on the line (START). */
const eventArbitrary = (channel: Sequence['channel']): fc.Arbitrary<Omit<ConsentEvent, 'second'>> =>
  fc.oneof(
    fc.record({ via: fc.constant('keyword' as const), status: fc.constantFrom<Status>('opted_in', 'opted_out'), scope: fc.constant('line' as const) }),
    ...(channel === 'sms' ? [fc.constant({ via: 'keyword' as const, status: 'opted_out' as const, scope: 'channel' as const })] : []),
    fc.record({ via: fc.constant('api' as const), status: fc.constantFrom<Status>('opted_in', 'opted_out'), scope: fc.constantFrom<'line' | 'channel'>('line', 'channel') }),
  );

const sequenceArbitrary: fc.Arbitrary<Sequence> = fc.constantFrom<Sequence['channel']>('sms', 'whatsapp').chain((channel) =>
  fc.array(eventArbitrary(channel), { minLength: 1, maxLength: 5 }).chain((events) =>
    fc.uniqueArray(fc.integer({ min: 0, max: 86_399 }), { minLength: events.length, maxLength: events.length }).map((seconds) => ({
      channel,
      events: events.map((event, index) => ({ ...event, second: seconds[index] as number })),
    })),
  ),
);

const latest = (events: readonly ConsentEvent[]) => [...events].sort((a, b) => b.second - a.second)[0];

describe('reordering: 1,000 random opt-out / opt-in sequences delivered shuffled', () => {
  let key: string;
  let smsLine: { lineId: string; address: string };
  let waLine: { lineId: string };
  let waPhoneNumberId: string;
  const seed = Number(process.env.OPTGATE_RELIABILITY_SEED ?? Date.now() % 1_000_000);
  // Two days ago, so every time is in the past (the API refuses future times).
  const windowStart = Math.floor((Date.now() - 2 * 86_400_000) / 1000) * 1000;
  const at = (second: number) => new Date(windowStart + second * 1000);

  beforeAll(async () => {
    ({ apiKey: key } = await createAccount('Reordering'));
    smsLine = await createLine(key, { provider: 'aws' });
    waPhoneNumberId = phoneNumberId();
    waLine = await createLine(key, { channel: 'whatsapp', provider: 'meta', address: uniquePhone(), providerId: waPhoneNumberId, credentials: { appSecret: APP_SECRET, verifyToken: 'reorder-verify-01', accessToken: 'reorder-access-01' } });
  });

  it('leaves every contact in the state of its latest event by event time', async () => {
    const sequences = fc.sample(sequenceArbitrary, { numRuns: CONTACTS, seed });
    const contacts = sequences.map(() => uniquePhone());
    const deliveries = sequences.flatMap((sequence, index) => sequence.events.map((event) => ({ contact: contacts[index] as string, channel: sequence.channel, event })));
    const order = fc.sample(fc.shuffledSubarray(deliveries, { minLength: deliveries.length, maxLength: deliveries.length }), { numRuns: 1, seed: seed + 1 })[0] ?? [];

    const send = async ({ contact, channel, event }: (typeof deliveries)[number]): Promise<number> => {
      const time = at(event.second);
      if (event.via === 'api') {
        const lineId = channel === 'sms' ? smsLine.lineId : waLine.lineId;
        return (await api('PUT', `/v1/contacts/${encodeURIComponent(contact)}/consent`, {
          key,
          json: { channel, ...(event.scope === 'line' ? { line: lineId } : {}), status: event.status, occurredAt: time.toISOString(), source: 'api' },
        })).status;
      }
      const text = event.status === 'opted_in' ? 'START' : event.scope === 'channel' ? 'STOPALL' : 'STOP';
      if (channel === 'sms') return (await postAwsSms(twoWaySms({ from: contact, to: smsLine.address, body: text }), { timestamp: time.toISOString() })).status;
      return (await postWhatsApp(metaJson(delivery(waPhoneNumberId, { messages: [textMessage(contact, text, { at: time })] })), { appSecret: APP_SECRET })).status;
    };
    const started = performance.now();
    const statuses = await mapConcurrent(order, CONCURRENCY, send);
    const seconds = (performance.now() - started) / 1000;

    const mismatches: string[] = [];
    // How shuffled it really was: per contact, arrivals older than the arrival before them.
    const arrivals = new Map<string, number[]>();
    for (const entry of order) arrivals.set(entry.contact, [...(arrivals.get(entry.contact) ?? []), entry.event.second]);
    let inversions = 0;
    const outOfOrder = new Set<string>();
    for (const [contact, times] of arrivals) {
      for (let i = 1; i < times.length; i += 1) {
        if ((times[i] as number) < (times[i - 1] as number)) {
          inversions += 1;
          outOfOrder.add(contact);
        }
      }
    }
    await mapConcurrent(sequences, CONCURRENCY, async (sequence, index) => {
      const contact = contacts[index] as string;
      const lineId = sequence.channel === 'sms' ? smsLine.lineId : waLine.lineId;
      const [consent, events] = await Promise.all([consentOf(key, contact), eventsOf(key, contact)]);
      const line = consent.lines.find((entry) => entry.lineId === lineId) as (typeof consent.lines)[number] & { effective: { status: string } };
      const channelRecord = consent.channels.find((entry) => entry.channel === sequence.channel);
      const expected = {
        line: latest(sequence.events.filter((event) => event.scope === 'line'))?.status ?? 'not_defined',
        channel: latest(sequence.events.filter((event) => event.scope === 'channel'))?.status ?? 'not_defined',
        effective: latest(sequence.events)?.status,
        audited: sequence.events.length,
      };
      const actual = { line: line.status, channel: channelRecord?.status, effective: line.effective.status, audited: events.length };
      if (JSON.stringify(actual) !== JSON.stringify(expected)) {
        mismatches.push(`${contact} ${sequence.channel} ${JSON.stringify(sequence.events)}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
      }
    });

    printFigures('reordering: 1,000 contacts, random sequences delivered shuffled', {
      'sequences (contacts)': sequences.length,
      'events delivered (keywords by AWS SMS / WhatsApp, API writes)': `${deliveries.length} (${deliveries.filter((d) => d.event.via === 'keyword' && d.channel === 'sms').length} / ${deliveries.filter((d) => d.event.via === 'keyword' && d.channel === 'whatsapp').length}, ${deliveries.filter((d) => d.event.via === 'api').length})`,
      'contacts whose events arrived out of event-time order': outOfOrder.size,
      'arrivals older than the one before (same contact)': inversions,
      'answers other than 2xx': statuses.filter((status) => status >= 300).length,
      'final state ≠ latest by event time (line, channel, effective, audit count)': mismatches.length,
      'seed (OPTGATE_RELIABILITY_SEED)': seed,
      'run time': `${seconds.toFixed(1)} s`,
    });
    expect(statuses.filter((status) => status >= 300)).toEqual([]);
    expect(outOfOrder.size).toBeGreaterThan(CONTACTS / 4);
    expect(mismatches).toEqual([]);
  });
});
