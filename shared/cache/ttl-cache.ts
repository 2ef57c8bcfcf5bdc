/**
 * A per-container cache with a short time to live, for data read on every message that changes
 * rarely (account settings, line routes, erasure keys). Entries expire `ttlMs` after they were set;
 * the oldest entries are evicted first once `maxEntries` is reached, so memory stays bounded however
 * many accounts a container serves. The clock is injectable for tests.
 */
export class TtlCache<K, V> {
  private readonly entries = new Map<K, { value: V; expiresAt: number }>();

  constructor(
    readonly ttlMs: number,
    private readonly maxEntries = 10_000,
    private readonly clock: () => number = Date.now,
  ) {
    if (!(ttlMs >= 0)) throw new RangeError('ttlMs must be ≥ 0');
    if (!(maxEntries >= 1)) throw new RangeError('maxEntries must be ≥ 1');
  }

  /** The live value, or undefined when absent or expired (an expired entry is dropped). */
  get(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.clock()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  has(key: K): boolean {
    return this.get(key) !== undefined;
  }

  set(key: K, value: V): void {
    if (this.ttlMs === 0) return;
    // Re-inserting moves the key to the end, so eviction order follows the last write.
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { value, expiresAt: this.clock() + this.ttlMs });
  }

  delete(key: K): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
