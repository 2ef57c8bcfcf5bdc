import { beforeAll, describe, expect, inject, it } from 'vitest';
import { computeTwilioSignature } from '../../shared/adapters/twilio/twilio-signature.ts';
import { api, createAccount, createLine, uniquePhone } from '../support/api-client.ts';
import { smsEvent } from '../support/aws-sms.ts';
import { eventsOf, lineConsent } from '../support/consent.ts';
import { messageSid, TWILIO_AUTH_TOKEN } from '../support/twilio.ts';

/** A status callback as Twilio posts it for an outbound message, signed over the public URL. */
async function postStatus(params: Record<string, string>, options: { signature?: string; body?: string; contentType?: string } = {}) {
  const url = `${inject('publicBaseUrl')}/webhooks/twilio/status`;
  const signature = options.signature ?? computeTwilioSignature(TWILIO_AUTH_TOKEN, url, params);
  return api('POST', '/webhooks/twilio/status', {
    body: options.body ?? new URLSearchParams(params).toString(),
    headers: { 'content-type': options.contentType ?? 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
  });
}

function statusParams(fields: { from: string; to: string; status: string; errorCode?: string; sid?: string }): Record<string, string> {
  return {
    MessageSid: fields.sid ?? messageSid(),
    SmsSid: fields.sid ?? messageSid(),
    AccountSid: `AC${'0'.repeat(32)}`,
    MessagingServiceSid: `MG${'1'.repeat(32)}`,
    From: fields.from,
    To: fields.to,
    MessageStatus: fields.status,
    SmsStatus: fields.status,
    ApiVersion: '2010-04-01',
    ...(fields.errorCode ? { ErrorCode: fields.errorCode, ErrorMessage: 'Attempt to send to unsubscribed recipient' } : {}),
  };
}

async function deliverSmsEvent(message: string, options: { tamper?: boolean } = {}) {
  const response = await api('POST', `/local/aws-sms-events${options.tamper ? '?tamper=1' : ''}`, { body: message, headers: { 'content-type': 'application/json' } });
  expect(response.status).toBe(202);
}

describe('provider feedback into consent', () => {
  let key: string;
  let twilioLine: { lineId: string; address: string };
  let awsLine: { lineId: string; address: string };

  beforeAll(async () => {
    ({ apiKey: key } = await createAccount('Provider feedback test'));
    twilioLine = await createLine(key, { provider: 'twilio', credentials: { authToken: TWILIO_AUTH_TOKEN } });
    awsLine = await createLine(key, { provider: 'aws' });
  });

  describe('Twilio status callbacks', () => {
    it('records ErrorCode 21610 as an opt-out from the provider on the sending line, once', async () => {
      const contact = uniquePhone();
      const params = statusParams({ from: twilioLine.address, to: contact, status: 'undelivered', errorCode: '21610' });
      const response = await postStatus(params);
      expect(response.status).toBe(200);
      expect(await lineConsent(key, contact, twilioLine.lineId)).toMatchObject({
        status: 'opted_out',
        source: 'provider',
        evidence: expect.objectContaining({ errorCode: '21610', provider: 'twilio-status' }),
      });
      expect((await lineConsent(key, contact, awsLine.lineId))?.status).toBe('not_defined');
      expect((await postStatus(params)).status).toBe(200);
      expect(await eventsOf(key, contact)).toHaveLength(1);
    });

    it('acknowledges other statuses and errors without changing anything', async () => {
      const contact = uniquePhone();
      expect((await postStatus(statusParams({ from: twilioLine.address, to: contact, status: 'delivered' }))).status).toBe(200);
      expect((await postStatus(statusParams({ from: twilioLine.address, to: contact, status: 'undelivered', errorCode: '30003' }))).status).toBe(200);
      expect(await eventsOf(key, contact)).toHaveLength(0);
    });

    it('refuses bad signatures and bad bodies, changing nothing', async () => {
      const contact = uniquePhone();
      const params = statusParams({ from: twilioLine.address, to: contact, status: 'failed', errorCode: '21610' });
      expect((await postStatus(params, { signature: 'bm90LWEtc2lnbmF0dXJl' })).status).toBe(403);
      expect((await postStatus({ ...params, From: uniquePhone() })).status).toBe(404);
      expect((await postStatus(params, { body: `${new URLSearchParams(params).toString()}&x=%zz` })).status).toBe(400);
      expect((await postStatus(params, { contentType: 'application/json', body: JSON.stringify(params) })).status).toBe(415);
      expect((await postStatus(params, { body: `${new URLSearchParams(params).toString()}&pad=${'x'.repeat(70_000)}` })).status).toBe(413);
      const { MessageSid: _sid, ...withoutSid } = params;
      expect((await postStatus(withoutSid)).status).toBe(400);
      expect(await eventsOf(key, contact)).toHaveLength(0);
    });
  });

  describe('AWS End User Messaging SMS events', () => {
    it('records DESTINATION_PHONE_NUMBER_OPTED_OUT as an opt-out from the provider on the sending line, once', async () => {
      const contact = uniquePhone();
      const event = smsEvent({ from: awsLine.address, to: contact, eventType: 'TEXT_BLOCKED', messageStatus: 'DESTINATION_PHONE_NUMBER_OPTED_OUT' });
      await deliverSmsEvent(event);
      expect(await lineConsent(key, contact, awsLine.lineId)).toMatchObject({
        status: 'opted_out',
        source: 'provider',
        evidence: expect.objectContaining({ messageStatus: 'DESTINATION_PHONE_NUMBER_OPTED_OUT', provider: 'aws-sms-event' }),
      });
      await deliverSmsEvent(event);
      expect(await eventsOf(key, contact)).toHaveLength(1);
    });

    it('ignores other events, tampered deliveries, unknown lines and malformed events', async () => {
      const contact = uniquePhone();
      await deliverSmsEvent(smsEvent({ from: awsLine.address, to: contact, eventType: 'TEXT_DELIVERED', messageStatus: 'DELIVERED' }));
      await deliverSmsEvent(smsEvent({ from: awsLine.address, to: contact, eventType: 'TEXT_BLOCKED', messageStatus: 'DESTINATION_PHONE_NUMBER_OPTED_OUT' }), { tamper: true });
      await deliverSmsEvent(smsEvent({ from: uniquePhone(), to: contact, eventType: 'TEXT_BLOCKED', messageStatus: 'DESTINATION_PHONE_NUMBER_OPTED_OUT' }));
      await deliverSmsEvent('{"eventType":"TEXT_BLOCKED"');
      await deliverSmsEvent(JSON.stringify({ eventType: 'TEXT_BLOCKED', messageStatus: 'DESTINATION_PHONE_NUMBER_OPTED_OUT', destinationPhoneNumber: contact }));
      expect(await eventsOf(key, contact)).toHaveLength(0);
    });
  });
});
