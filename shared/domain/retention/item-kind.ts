import type { RetentionClass } from './retention-policy.ts';

/** What an item of a contact's partition is, from its sort key; receipts and sweep reports count by kind. */
export const ITEM_KINDS = ['profile', 'consent', 'event', 'inbound', 'message', 'suppression', 'summary', 'other'] as const;
export type ItemKind = (typeof ITEM_KINDS)[number];

const PREFIXES: readonly (readonly [string, ItemKind])[] = [
  ['CONSENT#', 'consent'],
  ['EVENT#', 'event'],
  ['INBOUND#', 'inbound'],
  ['MSG#', 'message'],
  ['SUPPRESSION#', 'suppression'],
  // The consent summary: the outbound gate's one-item copy of a channel's records and suppression.
  ['SUMMARY#', 'summary'],
];

export function itemKindOf(sk: string): ItemKind {
  if (sk === 'PROFILE') return 'profile';
  return PREFIXES.find(([prefix]) => sk.startsWith(prefix))?.[1] ?? 'other';
}

export function retentionClassOf(kind: ItemKind): RetentionClass {
  return kind === 'message' ? 'messageHistory' : 'data';
}

/**
 * Items written once and never rewritten with a later expiry (audit events, idempotency markers,
 * message history entries) can be deleted in bulk without a condition. Items that a new write
 * renews in place (consent state, profile, suppressions, summaries) are deleted only if still expired, so a
 * sweep never removes a fresh STOP that landed between its read and its delete.
 */
export function isWriteOnce(kind: ItemKind): boolean {
  return kind === 'event' || kind === 'inbound' || kind === 'message';
}

export type KindCounts = Partial<Record<ItemKind, number>>;

export function addCounts(a: KindCounts, b: KindCounts): KindCounts {
  const sum: KindCounts = { ...a };
  for (const [kind, count] of Object.entries(b) as [ItemKind, number][]) sum[kind] = (sum[kind] ?? 0) + count;
  return sum;
}

export function countKinds(sortKeys: readonly string[]): KindCounts {
  const counts: KindCounts = {};
  for (const sk of sortKeys) {
    const kind = itemKindOf(sk);
    counts[kind] = (counts[kind] ?? 0) + 1;
  }
  return counts;
}

export function totalCount(counts: KindCounts): number {
  return Object.values(counts).reduce((sum, count) => sum + (count ?? 0), 0);
}
