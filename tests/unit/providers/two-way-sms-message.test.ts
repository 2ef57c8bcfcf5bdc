import { describe, it, expect } from 'vitest';
import { parseTwoWaySmsMessage } from '../../../shared/adapters/aws-sms/two-way-sms-message.ts';

// The documented two-way SMS shape, with our own fake numbers and ids.
const message = {
  originationNumber: '+14255550182',
  destinationNumber: '+12125550101',
  messageKeyword: 'JOIN',
  messageBody: 'Stop',
  inboundMessageId: '0b3e2f7a-41c8-5d2e-9a61-3f0c8d7b5e14',
  previousPublishedMessageId: 'pk8a1f0e2d3c4b5a69788796a5b4c3d2e1',
};

const parse = (value: unknown) => parseTwoWaySmsMessage(JSON.stringify(value));

describe('parseTwoWaySmsMessage', () => {
  it('parses the documented shape', () => {
    expect(parse(message)).toEqual({ ok: true, value: message });
  });

  it('accepts a message without the optional keyword and previous message id', () => {
    const { messageKeyword: _k, previousPublishedMessageId: _p, ...required } = message;
    expect(parse(required)).toEqual({ ok: true, value: required });
  });

  it('accepts an empty body', () => {
    expect(parse({ ...message, messageBody: '' }).ok).toBe(true);
  });

  it('drops fields it does not know', () => {
    const result = parse({ ...message, carrierName: 'Example Mobile' });
    expect(result).toEqual({ ok: true, value: message });
  });

  it.each([
    ['truncated JSON', '{"originationNumber":"+1425'],
    ['an empty string', ''],
    ['plain text', 'STOP'],
  ])('returns an error for %s instead of throwing', (_what, json) => {
    expect(parseTwoWaySmsMessage(json)).toEqual({ ok: false, error: 'Invalid two-way SMS message: not valid JSON' });
  });

  it.each([
    ['null', null],
    ['an array', [message]],
    ['a string', 'STOP'],
  ])('rejects JSON that is %s', (_what, value) => {
    expect(parse(value).ok).toBe(false);
  });

  it.each(['originationNumber', 'destinationNumber', 'messageBody', 'inboundMessageId'] as const)(
    'reports a missing %s',
    (field) => {
      const { [field]: _removed, ...rest } = message;
      expect(parse(rest)).toEqual({ ok: false, error: expect.stringContaining(`${field} is required`) });
    },
  );

  it.each([
    ['no plus', '14255550182'],
    ['spaces', '+1 425 555 0182'],
    ['a leading zero country code', '+04255550182'],
    ['too short', '+12345'],
    ['too long', '+1234567890123456'],
    ['a short code', '12345'],
  ])('rejects an originationNumber with %s', (_what, originationNumber) => {
    expect(parse({ ...message, originationNumber })).toEqual({
      ok: false,
      error: expect.stringContaining('originationNumber must be an E.164 number'),
    });
  });

  it('rejects a non-E.164 destinationNumber', () => {
    expect(parse({ ...message, destinationNumber: '2125550101' }).ok).toBe(false);
  });

  it('rejects an empty inboundMessageId (it is the idempotency key)', () => {
    expect(parse({ ...message, inboundMessageId: '' }).ok).toBe(false);
  });

  it('rejects a number where a string belongs', () => {
    expect(parse({ ...message, messageBody: 42 }).ok).toBe(false);
  });
});
