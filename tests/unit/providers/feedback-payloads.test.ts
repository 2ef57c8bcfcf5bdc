import { describe, expect, it } from 'vitest';
import { isOptOutEvent, parseSmsEvent } from '../../../shared/adapters/aws-sms/sms-event.ts';
import { twilioStatusCallbackSchema } from '../../../shared/adapters/twilio/twilio-status-callback.ts';
import { MalformedRequestError } from '../../../shared/domain/errors.ts';
import { multipartBoundary, parseMultipartForm } from '../../../shared/http/multipart-form.ts';

describe('AWS End User Messaging SMS events', () => {
  const event = {
    eventType: 'TEXT_BLOCKED',
    eventVersion: '1.0',
    eventTimestamp: 1795511702000,
    isFinal: true,
    originationPhoneNumber: '+12065550152',
    destinationPhoneNumber: '+14255550156',
    messageId: '862a8790-60c0-4430-9b2b-658bdexample',
    messageStatus: 'DESTINATION_PHONE_NUMBER_OPTED_OUT',
  };

  it('recognises the opt-out statuses and nothing else', () => {
    const parse = (fields: Record<string, unknown>) => {
      const result = parseSmsEvent(JSON.stringify({ ...event, ...fields }));
      if (!result.ok) throw new Error(result.error);
      return result.value;
    };
    expect(isOptOutEvent(parse({}))).toBe(true);
    expect(isOptOutEvent(parse({ messageStatus: 'OPTED_OUT' }))).toBe(true);
    expect(isOptOutEvent(parse({ eventType: 'TEXT_SUCCESSFUL', messageStatus: 'SUCCESSFUL' }))).toBe(false);
    expect(isOptOutEvent(parse({ messageStatus: undefined }))).toBe(false);
  });

  it.each(['x', '{}', JSON.stringify({ ...event, destinationPhoneNumber: '4255550156' }), JSON.stringify({ ...event, eventTimestamp: 'now' })])(
    'refuses malformed events: %s',
    (json) => {
      expect(parseSmsEvent(json).ok).toBe(false);
    },
  );
});

describe('Twilio status callbacks', () => {
  const params = {
    MessageSid: 'SM7c2a9e1b3d5f4a6c8e0b2d4f6a8c0e21',
    AccountSid: 'ACc0ffee00c0ffee00c0ffee00c0ffee00',
    MessageStatus: 'undelivered',
    From: 'whatsapp:+12125550101',
    To: 'whatsapp:+14255550182',
    ErrorCode: '21610',
  };

  it('normalises WhatsApp addresses and keeps the error code', () => {
    expect(twilioStatusCallbackSchema.parse(params)).toEqual({
      messageSid: params.MessageSid,
      status: 'undelivered',
      channel: 'whatsapp',
      from: '+12125550101',
      to: '+14255550182',
      errorCode: '21610',
    });
  });

  it.each([{ MessageSid: 'x' }, { To: 'someone' }, { MessageStatus: ['a', 'b'] }, { AccountSid: undefined }])('refuses %j', (change) => {
    expect(twilioStatusCallbackSchema.safeParse({ ...params, ...change }).success).toBe(false);
  });
});

describe('multipart/form-data', () => {
  const body = (parts: string) => Buffer.from(parts, 'utf8');

  it('reads text fields, first value wins', () => {
    const raw = '--b\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--b\r\ncontent-disposition: form-data; name="reason"\r\n\r\ntoo_many\r\n--b\r\nContent-Disposition: form-data; name="reason"\r\n\r\nother\r\n--b--\r\n';
    expect(parseMultipartForm(body(raw), 'multipart/form-data; boundary=b')).toEqual({ 'List-Unsubscribe': 'One-Click', reason: 'too_many' });
  });

  it('accepts a quoted boundary and a preamble', () => {
    const raw = 'preamble\r\n--a b\r\nContent-Disposition: form-data; name="x"\r\n\r\n1\r\n--a b--';
    expect(parseMultipartForm(body(raw), 'multipart/form-data; boundary="a b"')).toEqual({ x: '1' });
  });

  it.each([
    ['no boundary', 'x', 'multipart/form-data'],
    ['a boundary that is too long', 'x', `multipart/form-data; boundary=${'b'.repeat(71)}`],
    ['no closing delimiter', '--b\r\nContent-Disposition: form-data; name="x"\r\n\r\n1', 'multipart/form-data; boundary=b'],
    ['a part without headers end', '--b\r\nContent-Disposition: form-data; name="x"\r\n--b--', 'multipart/form-data; boundary=b'],
    ['a part without a name', '--b\r\nContent-Disposition: form-data\r\n\r\n1\r\n--b--', 'multipart/form-data; boundary=b'],
    ['a file', '--b\r\nContent-Disposition: form-data; name="f"; filename="a.txt"\r\n\r\n1\r\n--b--', 'multipart/form-data; boundary=b'],
  ])('refuses %s', (_what, raw, contentType) => {
    expect(() => parseMultipartForm(body(raw), contentType)).toThrow(MalformedRequestError);
  });

  it('reads the boundary parameter', () => {
    expect(multipartBoundary('multipart/form-data; charset=utf-8; boundary=----abc')).toBe('----abc');
    expect(multipartBoundary('multipart/form-data; boundary="x y"')).toBe('x y');
  });
});
