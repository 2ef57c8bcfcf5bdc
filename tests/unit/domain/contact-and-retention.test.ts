import { describe, expect, it } from 'vitest';
import { maskContact, normalizeContact } from '../../../shared/domain/contact-address.ts';
import { ValidationError } from '../../../shared/domain/errors.ts';
import { expiresAtFor, isExpired } from '../../../shared/domain/retention/expires-at.ts';
import { normalizeLineAddress } from '../../../shared/domain/accounts/line.ts';

describe('normalizeContact', () => {
  it.each([
    ['+1 (202) 555-0143', '+12025550143'],
    ['+12025550143', '+12025550143'],
    ['whatsapp:+447700900123', '+447700900123'],
    ['447700900123', '+447700900123'],
    [' +33 6 12 34 56 78 ', '+33612345678'],
  ])('phone %s → %s', (raw, expected) => {
    expect(normalizeContact(raw)).toBe(expected);
  });

  it('lower-cases email addresses', () => {
    expect(normalizeContact('Jane.Doe@Example.COM')).toBe('jane.doe@example.com');
    expect(normalizeContact('  Jane@Example.org ', 'email')).toBe('jane@example.org');
  });

  it.each(['', 'not-a-number', '+1', '12', 'jane@', '@example.com', 'a b@example.com'])('rejects %j', (raw) => {
    expect(() => normalizeContact(raw)).toThrow(ValidationError);
  });

  it('masks addresses for logs', () => {
    expect(maskContact('+12025550143')).toBe('+12***43');
    expect(maskContact('jane.doe@example.com')).toBe('j***@example.com');
    expect(maskContact('+12025550143')).not.toContain('555');
  });

  it('normalises line addresses per channel', () => {
    expect(normalizeLineAddress('sms', '+1 202 555 0100')).toBe('+12025550100');
    expect(normalizeLineAddress('email', 'News@Example.com')).toBe('news@example.com');
    expect(normalizeLineAddress('email', 'Example.com')).toBe('example.com');
    expect(() => normalizeLineAddress('email', 'not a domain')).toThrow(ValidationError);
  });
});

describe('retention expiry', () => {
  it('adds calendar months and returns epoch seconds', () => {
    expect(expiresAtFor('2026-01-15T10:00:00.000Z', 13)).toBe(Date.parse('2027-02-15T10:00:00.000Z') / 1000);
  });

  it('clamps to the end of a shorter month', () => {
    expect(expiresAtFor('2026-01-31T00:00:00.000Z', 1)).toBe(Date.parse('2026-02-28T00:00:00.000Z') / 1000);
    expect(expiresAtFor('2027-01-31T00:00:00.000Z', 13)).toBe(Date.parse('2028-02-29T00:00:00.000Z') / 1000);
  });

  it('treats an item as expired from its expiry second on', () => {
    const expiresAt = expiresAtFor('2026-01-01T00:00:00.000Z', 1);
    expect(isExpired(expiresAt, expiresAt * 1000 - 1)).toBe(false);
    expect(isExpired(expiresAt, expiresAt * 1000)).toBe(true);
    expect(isExpired(undefined, Date.now())).toBe(false);
  });
});
