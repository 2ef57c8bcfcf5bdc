/**
 * The write request units DynamoDB bills for one item of a TransactWriteItems, from the item as it
 * was before and is after the transaction (DynamoDB JSON, as GetItem returns it). DynamoDB Local's
 * own ConsumedCapacity for transactions is not usable (it reports 4 units whatever the number of
 * items), so the benchmarks compute it with DynamoDB's published rules:
 * - each item of a write transaction: 2 units per started KB of the larger of its old and new image;
 * - each global secondary index the write touches: 1 unit per started KB of the projected entry
 *   written (an entry added, or rewritten because a projected attribute changed), 1 per entry removed.
 */
export type AttributeValue = Record<string, unknown>;
export type Item = Record<string, AttributeValue>;

export interface IndexShape {
  /** The index's name (breakdowns name the index each unit went to); `gsi{n}` when absent. */
  name?: string;
  partitionKey: string;
  sortKey: string;
  projection: 'ALL' | 'KEYS_ONLY';
}

/** DynamoDB's item size: attribute names plus values (strings and binaries by bytes, numbers by digits). */
export function itemSize(item: Item | undefined): number {
  if (!item) return 0;
  return Object.entries(item).reduce((sum, [name, value]) => sum + Buffer.byteLength(name) + valueSize(value), 0);
}

function valueSize(value: AttributeValue): number {
  const [type, inner] = Object.entries(value)[0] ?? ['NULL', true];
  switch (type) {
    case 'S':
      return Buffer.byteLength(String(inner));
    case 'N':
      return Math.ceil(String(inner).replace(/[^0-9]/g, '').replace(/^0+/, '').length / 2) + 1;
    case 'B':
      return Buffer.from(String(inner), 'base64').length;
    case 'BOOL':
    case 'NULL':
      return 1;
    case 'SS':
      return (inner as string[]).reduce((sum, entry) => sum + Buffer.byteLength(entry), 0);
    case 'NS':
      return (inner as string[]).reduce((sum, entry) => sum + Math.ceil(entry.replace(/[^0-9]/g, '').length / 2) + 1, 0);
    case 'BS':
      return (inner as string[]).reduce((sum, entry) => sum + Buffer.from(entry, 'base64').length, 0);
    case 'L':
      return 3 + (inner as AttributeValue[]).reduce((sum, entry) => sum + 1 + valueSize(entry), 0);
    case 'M':
      return 3 + Object.entries(inner as Item).reduce((sum, [name, entry]) => sum + 1 + Buffer.byteLength(name) + valueSize(entry), 0);
    default:
      return 0;
  }
}

const kilobytes = (bytes: number) => Math.max(1, Math.ceil(bytes / 1024));

function projected(item: Item, index: IndexShape, tableKeys: readonly string[]): Item {
  if (index.projection === 'ALL') return item;
  return Object.fromEntries([...tableKeys, index.partitionKey, index.sortKey].flatMap((name) => (item[name] ? [[name, item[name]]] : []))) as Item;
}

/** Where one item's write units go: the table (2 per started KB of the larger image) and each index it reaches. */
export interface ItemWriteUnits {
  table: number;
  /** Units per index name; indexes the write does not reach are absent. */
  indexes: Record<string, number>;
  /** The larger of the item's old and new size, in bytes. */
  bytes: number;
}

export function transactionItemBreakdown(before: Item | undefined, after: Item | undefined, indexes: readonly IndexShape[], tableKeys: readonly string[]): ItemWriteUnits {
  const bytes = Math.max(itemSize(before), itemSize(after));
  if (!before && !after) return { table: 0, indexes: {}, bytes };
  const units: ItemWriteUnits = { table: 2 * kilobytes(bytes), indexes: {}, bytes };
  const same = (a: AttributeValue | undefined, b: AttributeValue | undefined) => JSON.stringify(a) === JSON.stringify(b);
  indexes.forEach((index, position) => {
    const name = index.name ?? `gsi${position}`;
    let written = 0;
    const inBefore = before?.[index.partitionKey] !== undefined && before[index.sortKey] !== undefined;
    const inAfter = after?.[index.partitionKey] !== undefined && after[index.sortKey] !== undefined;
    const moved = inBefore && inAfter && (!same(before?.[index.partitionKey], after?.[index.partitionKey]) || !same(before?.[index.sortKey], after?.[index.sortKey]));
    if (inBefore && (!inAfter || moved)) written += 1;
    if (inAfter && after && (!inBefore || moved || JSON.stringify(projected(before ?? {}, index, tableKeys)) !== JSON.stringify(projected(after, index, tableKeys)))) {
      written += kilobytes(itemSize(projected(after, index, tableKeys)));
    }
    if (written > 0) units.indexes[name] = written;
  });
  return units;
}

export function transactionItemUnits(before: Item | undefined, after: Item | undefined, indexes: readonly IndexShape[], tableKeys: readonly string[]): number {
  const units = transactionItemBreakdown(before, after, indexes, tableKeys);
  return units.table + Object.values(units.indexes).reduce((sum, value) => sum + value, 0);
}
