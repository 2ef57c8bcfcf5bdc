import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TtlCache } from '../../../shared/cache/ttl-cache.ts';
import { contactErasureHash } from '../../../shared/domain/retention/erasure-hash.ts';

describe('contactErasureHash', () => {
  it('is HMAC-SHA256 in hex (RFC 4231 test case 2)', () => {
    expect(contactErasureHash(Buffer.from('Jefe'), 'what do ya want for nothing?')).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
  });

  it('depends on the account key and the exact normalised contact', () => {
    const key = Buffer.alloc(32, 7);
    const hash = contactErasureHash(key, '+12025550143');
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).toBe(createHmac('sha256', key).update('+12025550143').digest('hex'));
    expect(contactErasureHash(Buffer.alloc(32, 8), '+12025550143')).not.toBe(hash);
    expect(contactErasureHash(key, '+12025550144')).not.toBe(hash);
  });
});

describe('TtlCache', () => {
  it('serves a value until its time to live has passed', () => {
    let now = 1_000;
    const cache = new TtlCache<string, number>(500, 10, () => now);
    cache.set('a', 1);
    now = 1_499;
    expect(cache.get('a')).toBe(1);
    now = 1_500;
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('evicts the least recently written entry when full', () => {
    const cache = new TtlCache<string, number>(10_000, 2);
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('a', 3);
    cache.set('c', 4);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe(3);
    expect(cache.get('c')).toBe(4);
  });

  it('caches nothing with a zero time to live, and rejects nonsense sizes', () => {
    const cache = new TtlCache<string, number>(0);
    cache.set('a', 1);
    expect(cache.has('a')).toBe(false);
    expect(() => new TtlCache(-1)).toThrow(RangeError);
    expect(() => new TtlCache(10, 0)).toThrow(RangeError);
  });
});
