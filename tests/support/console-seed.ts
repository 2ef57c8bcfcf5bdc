import { api, createAccount, createLine } from './api-client.ts';
import { createForm, validPhone } from './forms.ts';
import { enqueue, newMessageId, waitForGated } from './outbound.ts';
import { postTwilio, TWILIO_AUTH_TOKEN, twilioParams } from './twilio.ts';

export interface ConsoleSeed {
  apiKey: string;
  lines: { main: SeedLine; promotions: SeedLine; whatsapp: SeedLine; email: SeedLine };
  /** Opted out on Main by a Twilio STOP, opted in on WhatsApp by hand, flagged once, nothing on Promotions. */
  contact: string;
  /** Opted in on Promotions, then sent spring-sale and opted out: a contact to erase. */
  campaignContacts: string[];
  formId: string;
  embedCode: string;
}

interface SeedLine {
  lineId: string;
  address: string;
  channel: string;
}

const DAY_MS = 24 * 3600 * 1000;

async function must(response: Promise<{ status: number; text: string }>, what: string): Promise<void> {
  const { status, text } = await response;
  if (status >= 300) throw new Error(`${what}: ${status} ${text}`);
}

function setConsent(key: string, contact: string, body: Record<string, unknown>) {
  return must(api('PUT', `/v1/contacts/${encodeURIComponent(contact)}/consent`, { key, json: body }), 'set consent');
}

/**
 * An account as an operator would find it after a few weeks: four lines, custom rules, settings,
 * a form, keyword opt-outs through the real Twilio webhook, hand-set consent with notes, two
 * campaigns sent through the real outbound gate with attributed opt-outs, and two weeks of history.
 */
export async function seedConsoleAccount(): Promise<ConsoleSeed> {
  const { apiKey: key } = await createAccount('Acme Outdoors');
  const twilio = { provider: 'twilio', credentials: { authToken: TWILIO_AUTH_TOKEN } };
  const main = await createLine(key, { ...twilio, name: 'Main', address: validPhone() });
  const promotions = await createLine(key, { ...twilio, name: 'Promotions', address: validPhone() });
  const whatsapp = await createLine(key, { ...twilio, channel: 'whatsapp', name: 'WhatsApp care', address: validPhone() });
  const email = await createLine(key, { channel: 'email', provider: 'ses', address: `news@acme-${Date.now()}.example.com`, name: 'Newsletter' });
  await must(
    api('PUT', '/v1/settings', {
      key,
      json: {
        brandName: 'Acme',
        allowedOrigins: ['https://www.acme.example'],
        defaultTimeZone: 'America/New_York',
        // Quiet hours on WhatsApp only (none on SMS, whatever a deployment's defaults): the SMS campaigns
        // below must not be deferred, whatever the time of day.
        channels: { sms: { quietHours: null }, whatsapp: { quietHours: { allowedFrom: '09:00', allowedUntil: '20:00' } } },
      },
    }),
    'settings',
  );
  await must(
    api('POST', '/v1/rules', { key, json: { keyword: 'PAUSE', matchMode: 'first_word', action: 'opt_out', replyText: '{brand}: paused. Reply START to resume.' } }),
    'rule PAUSE',
  );
  await must(api('POST', '/v1/rules', { key, json: { keyword: 'HOURS', action: 'reply', replyText: 'Open 9am-6pm, Mon-Sat.', lineId: main.lineId } }), 'rule HOURS');
  const form = await createForm(key, {
    line: main.lineId,
    description: 'Weekly trail deals by text',
    confirmationMessage: 'I agree to receive marketing texts from Acme. Msg & data rates may apply. Reply STOP to opt out.',
    buttonText: 'Join',
  });

  const contact = validPhone();
  await must(postTwilio(twilioParams({ from: contact, to: main.address, body: 'Stop.' })), 'STOP');
  await setConsent(key, contact, { channel: 'whatsapp', line: whatsapp.lineId, status: 'opted_in', note: 'Signed up at the store counter' });
  await must(postTwilio(twilioParams({ from: contact, to: promotions.address, body: 'please stop texting me' })), 'flagged');

  // Two campaigns through the real gate: 5 + 3 people opted in on Promotions, then 1 and 2 of them opt out.
  const campaignContacts = Array.from({ length: 8 }, () => validPhone());
  for (const person of campaignContacts) await setConsent(key, person, { channel: 'sms', line: promotions.lineId, status: 'opted_in', note: 'Opted in at checkout' });
  const messageIds: string[] = [];
  for (const [index, person] of campaignContacts.entries()) {
    const messageId = newMessageId('console');
    messageIds.push(messageId);
    await enqueue({ messageId, channel: 'sms', from: promotions.address, to: person, category: 'marketing', campaignId: index < 5 ? 'spring-sale' : 'new-arrivals' });
  }
  for (const messageId of messageIds) await waitForGated({ messageId });
  await must(postTwilio(twilioParams({ from: campaignContacts[0] ?? '', to: promotions.address, body: 'STOP' })), 'campaign STOP');
  await must(postTwilio(twilioParams({ from: campaignContacts[5] ?? '', to: promotions.address, body: 'pause please' })), 'campaign PAUSE');
  await must(postTwilio(twilioParams({ from: campaignContacts[6] ?? '', to: promotions.address, body: 'UNSUBSCRIBE' })), 'campaign UNSUBSCRIBE');

  // Two weeks of changes on Main, by hand and by import-like API calls, for the daily chart.
  const now = Date.now();
  for (let day = 13; day >= 1; day -= 1) {
    const changes = 1 + (day % 3);
    for (let index = 0; index < changes; index += 1) {
      const status = (day + index) % 3 === 0 ? 'opted_out' : 'opted_in';
      await setConsent(key, validPhone(), {
        channel: 'sms',
        line: main.lineId,
        status,
        occurredAt: new Date(now - day * DAY_MS).toISOString(),
        note: 'Backfilled from the old CRM',
      });
    }
  }
  return {
    apiKey: key,
    lines: { main, promotions, whatsapp, email },
    contact,
    campaignContacts,
    formId: form.formId,
    embedCode: form.embedCode,
  };
}
