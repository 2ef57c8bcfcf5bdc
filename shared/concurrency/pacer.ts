/**
 * Keeps work under a rate: `take(n)` waits until n more units fit in `ratePerSecond` since the
 * first. The clock and the sleep are injectable so tests check the waits without waiting.
 */
export class Pacer {
  private availableAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly ratePerSecond: number,
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ) {
    if (!(ratePerSecond > 0)) throw new RangeError('ratePerSecond must be > 0');
  }

  /** Waits (if needed) so that these `units` start no earlier than the rate allows; returns the ms waited. */
  async take(units: number): Promise<number> {
    const now = this.now();
    const start = Math.max(now, this.availableAt);
    this.availableAt = start + (units * 1000) / this.ratePerSecond;
    const wait = start - now;
    if (wait > 0) await this.sleep(wait);
    return Math.max(0, wait);
  }
}
