import { createHash } from 'node:crypto';

/**
 * DynamoDB's billing arithmetic on wire-format items ({ S: … }, { N: … }): item sizes, read and
 * write units, and which index entries a write creates, changes or removes. Pure: the capacity
 * proxy feeds it what passed between the code and DynamoDB Local.
 *
 * Rules (DynamoDB Developer Guide, "Item sizes and formats", "Read/write capacity mode", "Global
 * secondary indexes: writes"):
 * - an item's size is the sum of its attribute names and values (strings UTF-8, numbers about one
 *   byte per two significant digits plus one, lists and maps 3 bytes plus 1 per element);
 * - a write costs 1 unit per KB of the larger of the old and new item, at least 1; a transactional
 *   write costs twice that;
 * - a read by key costs 1 unit per 4 KB strongly consistent, half eventually consistent; a Query
 *   costs the summed size of the items it reads, rounded up to 4 KB; a transactional read twice;
 * - an index receives a write when a table write adds, removes or changes its entry: a new entry 1,
 *   a removed one 1, a changed key 2 (delete the old entry, put the new), a changed projected
 *   attribute under the same key 1 (ALL projection only); each costs 1 unit per KB of the entry.
 */

export type WireValue = Record<string, unknown>;
export type WireItem = Record<string, WireValue>;

export interface IndexSpec {
  name: string;
  partitionKey: string;
  sortKey: string;
  projection: 'ALL' | 'KEYS_ONLY';
}

export const TABLE_KEY_ATTRIBUTES = ['pk', 'sk'] as const;

function utf8(value: string): number {
  return Buffer.byteLength(value, 'utf8');
}

function numberSize(text: string): number {
  const digits = text.replace(/^-/, '').replace(/[eE].*$/, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(Math.max(1, digits.length) / 2) + 1;
}

/** The size of one attribute value in bytes (without its name). */
export function valueSize(value: WireValue): number {
  if (typeof value.S === 'string') return utf8(value.S);
  if (typeof value.N === 'string') return numberSize(value.N);
  if (typeof value.B === 'string') return Buffer.from(value.B, 'base64').length;
  if (value.B instanceof Uint8Array) return value.B.length;
  if ('BOOL' in value || 'NULL' in value) return 1;
  if (Array.isArray(value.SS)) return (value.SS as string[]).reduce((sum, entry) => sum + utf8(entry), 0);
  if (Array.isArray(value.NS)) return (value.NS as string[]).reduce((sum, entry) => sum + numberSize(entry), 0);
  if (Array.isArray(value.BS)) return (value.BS as string[]).reduce((sum, entry) => sum + Buffer.from(entry, 'base64').length, 0);
  if (Array.isArray(value.L)) return 3 + (value.L as WireValue[]).reduce((sum, entry) => sum + valueSize(entry) + 1, 0);
  if (value.M && typeof value.M === 'object') {
    return 3 + Object.entries(value.M as WireItem).reduce((sum, [name, entry]) => sum + utf8(name) + valueSize(entry) + 1, 0);
  }
  return 0;
}

/** An item's size in bytes: attribute names plus values. */
export function itemSize(item: WireItem | undefined): number {
  if (!item) return 0;
  return Object.entries(item).reduce((sum, [name, value]) => sum + utf8(name) + valueSize(value), 0);
}

export function writeUnits(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / 1024));
}

export function readUnits(bytes: number, consistent: boolean): number {
  const units = Math.max(1, Math.ceil(bytes / 4096));
  return consistent ? units : units / 2;
}

export function stringAttribute(item: WireItem | undefined, name: string): string | undefined {
  const value = item?.[name]?.S;
  return typeof value === 'string' ? value : undefined;
}

/**
 * What the capacity proxy remembers of an item to price the next write to it: its size, its key
 * and index-key attributes, and a digest of the whole item (an ALL-projection index entry changes
 * with any attribute). Keeping summaries instead of items keeps the proxy's memory small.
 */
export interface ItemSummary {
  size: number;
  keys: Record<string, string>;
  digest: string;
}

export function summarize(item: WireItem | undefined, indexes: readonly IndexSpec[]): ItemSummary | undefined {
  if (!item) return undefined;
  const keys: Record<string, string> = {};
  for (const name of [...TABLE_KEY_ATTRIBUTES, ...indexes.flatMap((index) => [index.partitionKey, index.sortKey])]) {
    const value = stringAttribute(item, name);
    if (value !== undefined) keys[name] = value;
  }
  return { size: itemSize(item), keys, digest: createHash('sha1').update(canonical(item)).digest('base64') };
}

/** The size of an item's entry in an index, or undefined when the item is not in it (sparse). */
export function indexEntrySize(item: ItemSummary | undefined, index: IndexSpec): number | undefined {
  if (!item || item.keys[index.partitionKey] === undefined || item.keys[index.sortKey] === undefined) return undefined;
  if (index.projection === 'ALL') return item.size;
  return [...TABLE_KEY_ATTRIBUTES, index.partitionKey, index.sortKey].reduce((sum, name) => sum + utf8(name) + utf8(item.keys[name] ?? ''), 0);
}

/** Canonical JSON (sorted object keys): two wire items compare equal whatever their key order. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

export interface IndexWrite {
  index: string;
  /** The index partition written. */
  partition: string;
  units: number;
  kind: 'put' | 'delete' | 'update';
}

/** The index writes a table write causes, from the item before and after it. */
export function indexWrites(before: ItemSummary | undefined, after: ItemSummary | undefined, indexes: readonly IndexSpec[]): IndexWrite[] {
  const writes: IndexWrite[] = [];
  for (const index of indexes) {
    const oldSize = indexEntrySize(before, index);
    const newSize = indexEntrySize(after, index);
    const oldPartition = before?.keys[index.partitionKey] ?? '';
    const newPartition = after?.keys[index.partitionKey] ?? '';
    if (oldSize === undefined && newSize === undefined) continue;
    if (newSize === undefined) {
      writes.push({ index: index.name, partition: oldPartition, units: writeUnits(oldSize ?? 0), kind: 'delete' });
      continue;
    }
    if (oldSize === undefined) {
      writes.push({ index: index.name, partition: newPartition, units: writeUnits(newSize), kind: 'put' });
      continue;
    }
    const keyChanged = oldPartition !== newPartition || before?.keys[index.sortKey] !== after?.keys[index.sortKey];
    if (keyChanged) {
      writes.push({ index: index.name, partition: oldPartition, units: writeUnits(oldSize), kind: 'delete' });
      writes.push({ index: index.name, partition: newPartition, units: writeUnits(newSize), kind: 'put' });
    } else if (index.projection === 'ALL' && before?.digest !== after?.digest) {
      writes.push({ index: index.name, partition: newPartition, units: writeUnits(Math.max(oldSize, newSize)), kind: 'update' });
    }
  }
  return writes;
}
