import { describe, it, expect } from 'vitest';
import { parseTwilioInbound } from '../../../shared/adapters/twilio/twilio-inbound-message.ts';

const MESSAGE_SID = 'SM3f9c1d2e4b5a60718293a4b5c6d7e8f9';
const ACCOUNT_SID = 'ACc0ffee00c0ffee00c0ffee00c0ffee00';

// The params Twilio posts for an inbound SMS (fake numbers and SIDs).
const smsParams: Readonly<Record<string, string>> = {
  ToCountry: 'US',
  SmsMessageSid: MESSAGE_SID,
  NumMedia: '0',
  SmsSid: MESSAGE_SID,
  SmsStatus: 'received',
  Body: 'Stop.',
  To: '+12125550101',
  NumSegments: '1',
  MessageSid: MESSAGE_SID,
  AccountSid: ACCOUNT_SID,
  From: '+14255550182',
  ApiVersion: '2010-04-01',
};

describe('parseTwilioInbound', () => {
  it('normalises an SMS', () => {
    expect(parseTwilioInbound(smsParams)).toEqual({
      ok: true,
      value: {
        messageSid: MESSAGE_SID,
        accountSid: ACCOUNT_SID,
        channel: 'sms',
        from: '+14255550182',
        to: '+12125550101',
        body: 'Stop.',
      },
    });
  });

  it('normalises a WhatsApp message sent through Twilio', () => {
    const result = parseTwilioInbound({
      ...smsParams,
      MessageSid: 'MM0123456789abcdef0123456789abcdef',
      From: 'whatsapp:+14255550182',
      To: 'whatsapp:+12125550101',
      ProfileName: 'Ada',
      WaId: '14255550182',
      Body: '',
      NumMedia: '1',
      MediaUrl0: 'https://api.twilio.com/2010-04-01/Accounts/AC…/Media/ME…',
    });
    expect(result).toEqual({
      ok: true,
      value: {
        messageSid: 'MM0123456789abcdef0123456789abcdef',
        accountSid: ACCOUNT_SID,
        channel: 'whatsapp',
        from: '+14255550182',
        to: '+12125550101',
        body: '',
      },
    });
  });

  it('falls back to SmsMessageSid', () => {
    const { MessageSid: _dropped, ...params } = smsParams;
    const result = parseTwilioInbound(params);
    expect(result.ok && result.value.messageSid).toBe(MESSAGE_SID);
  });

  it('reports a missing MessageSid', () => {
    const { MessageSid: _a, SmsMessageSid: _b, ...params } = smsParams;
    expect(parseTwilioInbound(params)).toEqual({ ok: false, error: expect.stringContaining('MessageSid is required') });
  });

  it.each(['STOP', 'START', 'HELP'] as const)('passes on OptOutType=%s from Advanced Opt-Out', (optOutType) => {
    const result = parseTwilioInbound({ ...smsParams, OptOutType: optOutType });
    expect(result.ok && result.value.optOutType).toBe(optOutType);
  });

  it('ignores an unknown OptOutType instead of dropping the message', () => {
    const result = parseTwilioInbound({ ...smsParams, OptOutType: 'UNSUBSCRIBE' });
    expect(result.ok).toBe(true);
    expect(result.ok && 'optOutType' in result.value).toBe(false);
  });

  it.each([
    ['a malformed MessageSid', { MessageSid: 'SM123' }, 'MessageSid is not a valid Twilio SID'],
    ['a MessageSid with the wrong prefix', { MessageSid: 'CA3f9c1d2e4b5a60718293a4b5c6d7e8f9' }, 'MessageSid'],
    ['a malformed AccountSid', { AccountSid: 'AC-nope' }, 'AccountSid is not a valid Twilio SID'],
    ['a From without +', { From: '14255550182' }, 'From must be an E.164 number'],
    ['a To that is not a number', { To: 'optgate' }, 'To must be an E.164 number'],
    ['a From with a bad channel prefix', { From: 'messenger:+14255550182' }, 'From must be an E.164 number'],
    ['mixed WhatsApp and SMS addresses', { From: 'whatsapp:+14255550182' }, 'both be whatsapp:'],
    ['a repeated Body', { Body: ['STOP', 'START'] }, 'Body must be a single value'],
    ['a Body over 1600 characters', { Body: 'x'.repeat(1601) }, 'Body is longer than 1600 characters'],
  ])('rejects %s', (_what, change, message) => {
    expect(parseTwilioInbound({ ...smsParams, ...change })).toEqual({ ok: false, error: expect.stringContaining(message) });
  });

  it('reports every missing field without echoing values', () => {
    const result = parseTwilioInbound({ Body: 'my secret text' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toContain('AccountSid is required');
    expect(result.error).toContain('From is required');
    expect(result.error).toContain('To is required');
    expect(result.error).not.toContain('my secret text');
  });

  it('accepts a Body of exactly 1600 characters', () => {
    expect(parseTwilioInbound({ ...smsParams, Body: 'x'.repeat(1600) }).ok).toBe(true);
  });
});
