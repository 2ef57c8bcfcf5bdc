/**
 * A k-way merge over shards that are each sorted by a string key, read page by page. A line's
 * consent records are spread over several index partitions (shards) so that no single partition
 * is hot; a report page must still come out in one global order and resume exactly where it
 * stopped. Each shard is read lazily: a shard is only fetched again when its buffer is empty, so
 * a page of N rows reads about N items, not N per shard.
 */

export interface ShardFetch<T> {
  items: T[];
  /** Key to continue after (the last key read), or null when the shard has nothing more. */
  next: string | null;
}

export interface ShardState {
  /** Last key handed out from this shard (the resume point), or null for its start. */
  position: string | null;
  /** True once every item of the shard has been handed out. */
  exhausted: boolean;
}

export interface MergeResult<T> {
  items: T[];
  shards: ShardState[];
  /** Every shard is exhausted. */
  complete: boolean;
}

const MIN_FETCH = 5;
const MAX_FETCH = 1000;

export async function mergeSortedShards<T>(options: {
  shards: readonly ShardState[];
  limit: number;
  keyOf: (item: T) => string;
  fetch: (shard: number, after: string | null, limit: number) => Promise<ShardFetch<T>>;
}): Promise<MergeResult<T>> {
  const { limit, keyOf } = options;
  const state = options.shards.map((shard) => ({
    buffer: [] as T[],
    fetchAfter: shard.position,
    position: shard.position,
    done: shard.exhausted,
  }));
  const out: T[] = [];
  while (out.length < limit) {
    const chunk = Math.min(MAX_FETCH, Math.max(MIN_FETCH, Math.ceil((limit - out.length) / state.length) + 1));
    // Every shard that could still hold a smaller key must have its next item buffered before choosing.
    await Promise.all(
      state.map(async (shard, index) => {
        while (shard.buffer.length === 0 && !shard.done) {
          const page = await options.fetch(index, shard.fetchAfter, chunk);
          shard.buffer.push(...page.items);
          shard.fetchAfter = page.next;
          shard.done = page.next === null;
        }
      }),
    );
    let best = -1;
    for (let index = 0; index < state.length; index += 1) {
      const head = state[index]?.buffer[0];
      if (head === undefined) continue;
      const bestHead = best === -1 ? undefined : state[best]?.buffer[0];
      if (bestHead === undefined || keyOf(head) < keyOf(bestHead)) best = index;
    }
    if (best === -1) break;
    const shard = state[best];
    const item = shard?.buffer.shift();
    if (!shard || item === undefined) break;
    out.push(item);
    shard.position = keyOf(item);
  }
  const shards = state.map((shard) => ({ position: shard.position, exhausted: shard.done && shard.buffer.length === 0 }));
  return { items: out, shards, complete: shards.every((shard) => shard.exhausted) };
}
