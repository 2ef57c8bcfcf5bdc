import { describe, it, expect } from 'vitest';
import { MalformedBodyError, parseFormBody } from '../../../shared/adapters/twilio/form-body.ts';

describe('parseFormBody', () => {
  it('decodes a Twilio-style body: + is a space, %2B is a plus', () => {
    expect(parseFormBody('Body=Stop+please&From=%2B14255550182&To=%2B12125550101')).toEqual({
      Body: 'Stop please',
      From: '+14255550182',
      To: '+12125550101',
    });
  });

  it('decodes UTF-8 escapes and emoji', () => {
    expect(parseFormBody('Body=Arr%C3%AAter+%F0%9F%9B%91')).toEqual({ Body: 'Arrêter 🛑' });
  });

  it('turns a repeated key into an array in the order sent', () => {
    expect(parseFormBody('Digits=5678&Sid=CA123&Digits=1234&Digits=1234')).toEqual({
      Digits: ['5678', '1234', '1234'],
      Sid: 'CA123',
    });
  });

  it('returns an empty object for an empty body', () => {
    expect(parseFormBody('')).toEqual({});
  });

  it('keeps empty values and keys without =, skips empty segments', () => {
    expect(parseFormBody('Body=&Flag&&NumMedia=0&')).toEqual({ Body: '', Flag: '', NumMedia: '0' });
  });

  it('splits on the first = only', () => {
    expect(parseFormBody('Body=a=b')).toEqual({ Body: 'a=b' });
  });

  it('does not strip a leading ? (URLSearchParams would)', () => {
    expect(parseFormBody('?a=1')).toEqual({ '?a': '1' });
  });

  it('keeps __proto__ as an ordinary key', () => {
    const parsed = parseFormBody('__proto__=x&a=1');
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(Object.keys(parsed)).toEqual(['__proto__', 'a']);
    expect(Object.getOwnPropertyDescriptor(parsed, '__proto__')?.value).toBe('x');
  });

  it.each([
    ['a truncated escape', 'Body=100%'],
    ['a non-hex escape', 'Body=%zz'],
    ['a one-digit escape', 'Body=%4'],
    ['an escape in a key', 'B%G1dy=x'],
    ['invalid UTF-8', 'Body=%FF'],
    ['a lone surrogate encoded as UTF-8', 'Body=%ED%A0%80'],
  ])('throws MalformedBodyError on %s', (_what, raw) => {
    expect(() => parseFormBody(raw)).toThrow(MalformedBodyError);
  });

  it('says which parameter is malformed without echoing its content', () => {
    expect(() => parseFormBody('From=%2B14255550182&Body=secret%zz')).toThrow(
      /^Malformed form body: parameter 2 has an invalid percent-escape/,
    );
    const error = thrown(() => parseFormBody('Body=secret%zz'));
    expect(error).toBeInstanceOf(MalformedBodyError);
    expect(error).toMatchObject({ name: 'MalformedBodyError' });
    expect(String(error)).not.toContain('secret');
  });
});

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}
