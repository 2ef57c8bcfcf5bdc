import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mergeSortedShards, type ShardState } from '../../../shared/domain/reports/merge-sorted-shards.ts';

/** Shards as sorted arrays, read like DynamoDB Query pages (Limit, resume after a key). */
function fakeShards(shards: string[][]) {
  let reads = 0;
  let calls = 0;
  return {
    get reads() {
      return reads;
    },
    get calls() {
      return calls;
    },
    fetch: async (shard: number, after: string | null, limit: number) => {
      calls += 1;
      const all = shards[shard] ?? [];
      const start = after === null ? 0 : all.findIndex((key) => key > after);
      const from = start === -1 ? all.length : start;
      const items = all.slice(from, from + limit);
      reads += items.length;
      const more = from + limit < all.length;
      return { items, next: more ? (items.at(-1) ?? null) : null };
    },
  };
}

async function readAll(shards: string[][], pageSize: number) {
  const source = fakeShards(shards);
  let state: ShardState[] = shards.map(() => ({ position: null, exhausted: false }));
  const pages: string[][] = [];
  for (let guard = 0; guard < 10_000; guard += 1) {
    const result = await mergeSortedShards<string>({ shards: state, limit: pageSize, keyOf: (key) => key, fetch: source.fetch });
    pages.push(result.items);
    state = result.shards;
    if (result.complete) break;
  }
  return { pages, source };
}

describe('mergeSortedShards', () => {
  it('pages through shards in one global order, every key exactly once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uniqueArray(fc.string({ minLength: 1, maxLength: 6 }), { maxLength: 40 }), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 25 }),
        async (raw, pageSize) => {
          // Keys are unique across shards (a contact lives in one shard).
          const shards = raw.map((keys, index) => [...new Set(keys.map((key) => `${key}~${index}`))].sort());
          const { pages } = await readAll(shards, pageSize);
          const merged = pages.flat();
          expect(merged).toEqual(shards.flat().sort());
          for (const page of pages.slice(0, -1)) expect(page.length).toBe(pageSize);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('reads about as many items as it returns, not a full page per shard', async () => {
    const shards = Array.from({ length: 8 }, (_, shard) => Array.from({ length: 500 }, (_, index) => `${String(index * 8 + shard).padStart(6, '0')}`));
    const source = fakeShards(shards);
    const result = await mergeSortedShards<string>({
      shards: shards.map(() => ({ position: null, exhausted: false })),
      limit: 800,
      keyOf: (key) => key,
      fetch: source.fetch,
    });
    expect(result.items).toHaveLength(800);
    expect(source.reads).toBeLessThan(800 * 1.2);
  });
});
