import { describe, expect, it } from 'vitest';
import { itemSize, transactionItemUnits, type IndexShape } from '../../support/dynamodb-write-units.ts';

const KEYS = ['pk', 'sk'];
const INDEXES: IndexShape[] = [
  { partitionKey: 'gsi2pk', sortKey: 'gsi2sk', projection: 'KEYS_ONLY' },
  { partitionKey: 'gsi3pk', sortKey: 'gsi3sk', projection: 'ALL' },
];
const s = (value: string) => ({ S: value });

describe('write units of a transaction item (the cost model of the benchmarks)', () => {
  it('sizes items as DynamoDB does: names and values, numbers by their digits', () => {
    expect(itemSize({ pk: s('abc'), n: { N: '12345' } })).toBe(2 + 3 + 1 + 4);
    expect(itemSize({ m: { M: { a: s('x') } }, l: { L: [{ BOOL: true }] } })).toBe(1 + (3 + 1 + 1 + 1) + 1 + (3 + 1 + 1));
  });

  it('bills 2 units per started KB of the larger image, plus the index entries written', () => {
    expect(transactionItemUnits(undefined, { pk: s('a'), sk: s('b') }, INDEXES, KEYS)).toBe(2);
    expect(transactionItemUnits(undefined, { pk: s('a'), sk: s('b'), d: s('x'.repeat(1500)) }, INDEXES, KEYS)).toBe(4);
    // A new item with a KEYS_ONLY entry and an ALL entry: both written.
    expect(transactionItemUnits(undefined, { pk: s('a'), sk: s('b'), gsi2pk: s('E'), gsi2sk: s('1'), gsi3pk: s('C'), gsi3sk: s('c') }, INDEXES, KEYS)).toBe(4);
  });

  it('rewrites an ALL entry when a projected attribute changes, not a KEYS_ONLY one; removes entries whose keys go', () => {
    const before = { pk: s('a'), sk: s('b'), gsi2pk: s('E'), gsi2sk: s('1'), gsi3pk: s('C'), gsi3sk: s('c'), name: s('x') };
    expect(transactionItemUnits(before, { ...before, name: s('y') }, INDEXES, KEYS)).toBe(2 + 1);
    expect(transactionItemUnits(before, before, INDEXES, KEYS)).toBe(2);
    expect(transactionItemUnits(before, undefined, INDEXES, KEYS)).toBe(2 + 1 + 1);
    expect(transactionItemUnits(before, { ...before, gsi2sk: s('2') }, INDEXES, KEYS)).toBe(2 + 1 + 1 + 1);
  });
});
