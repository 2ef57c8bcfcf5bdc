import { describe, expect, it } from 'vitest';
import { Pacer } from '../../../shared/concurrency/pacer.ts';

describe('Pacer', () => {
  it('lets the first units through and spaces the rest at the rate, also when callers ask at once', async () => {
    let now = 1_000;
    const waits: number[] = [];
    const pacer = new Pacer(100, () => now, async (ms) => {
      waits.push(ms);
    });
    // 100 units per second: 50 now, 50 after 0.5 s, 100 after 1 s — asked for in parallel.
    const taken = await Promise.all([pacer.take(50), pacer.take(50), pacer.take(100), pacer.take(10)]);
    expect(taken).toEqual([0, 500, 1000, 2000]);
    expect(waits).toEqual([500, 1000, 2000]);
    // Idle time is not saved up: after a long pause the next units start at once, the ones after wait again.
    now += 60_000;
    expect(await pacer.take(100)).toBe(0);
    expect(await pacer.take(1)).toBe(1000);
  });

  it('refuses a rate that is not positive', () => {
    expect(() => new Pacer(0)).toThrow(RangeError);
  });
});
