import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isExpired } from '../../domain/retention/expires-at.ts';
import { batchGetItems, keyId, type BatchGetOptions } from './batch-get-items.ts';
import { expiryIndexAttributes, keys } from './table-keys.ts';

/**
 * A gate invocation's receipt: which of its claims reached their queue (`sent`) and which it gave
 * back unsent (`released`), by claim number. One item per invocation instead of one `done` write per
 * message; it holds no account, contact or message id, only the invocation's random id and numbers.
 */
export interface GateReceipt {
  receiptId: string;
  sent: ReadonlySet<number>;
  released: ReadonlySet<number>;
}

/** Where a claim is recorded: its invocation's receipt id and its number in that receipt. */
export interface ClaimRef {
  receiptId: string;
  claimIndex: number;
}

export function claimToken(ref: ClaimRef): string {
  return `${ref.receiptId}:${ref.claimIndex}`;
}

/** The receipt item; it lives as long as the longest-lived history item that points to it. */
export function receiptItem(receipt: GateReceipt, expiresAt: number, createdAt: string): Record<string, unknown> {
  const key = keys.gateReceipt(receipt.receiptId);
  return {
    ...key,
    type: 'gateReceipt',
    receiptId: receipt.receiptId,
    // DynamoDB has no empty sets: an absent attribute is an empty one.
    ...(receipt.sent.size > 0 ? { sent: new Set(receipt.sent) } : {}),
    ...(receipt.released.size > 0 ? { released: new Set(receipt.released) } : {}),
    createdAt,
    expiresAt,
    ...expiryIndexAttributes(expiresAt, key.pk, key.sk),
  };
}

/** The claim a history item holds, if it is one (older items record `state: 'done'` instead). */
export function claimRefOf(item: Record<string, unknown> | undefined): ClaimRef | undefined {
  if (typeof item?.receiptId !== 'string' || typeof item.claimIndex !== 'number') return undefined;
  return { receiptId: item.receiptId, claimIndex: item.claimIndex };
}

/** Receipts by id, strongly consistent (an expired receipt counts as absent). Unread ids are in `failed`. */
export async function readReceipts(
  db: DynamoDBDocumentClient,
  tableName: string,
  receiptIds: Iterable<string>,
  nowMs: number,
  options: Pick<BatchGetOptions, 'maxRounds' | 'baseDelayMs' | 'sleep'> = {},
): Promise<{ receipts: Map<string, GateReceipt>; failed: Set<string> }> {
  const ids = [...new Set(receiptIds)];
  const receipts = new Map<string, GateReceipt>();
  const failed = new Set<string>();
  if (ids.length === 0) return { receipts, failed };
  const result = await batchGetItems(db, tableName, ids.map((id) => keys.gateReceipt(id)), { ...options, consistentRead: true });
  for (const id of ids) {
    const itemKey = keyId(keys.gateReceipt(id));
    if (result.failed.has(itemKey)) {
      failed.add(id);
      continue;
    }
    const item = result.items.get(itemKey);
    if (!item || isExpired(typeof item.expiresAt === 'number' ? item.expiresAt : undefined, nowMs)) continue;
    receipts.set(id, { receiptId: id, sent: numberSet(item.sent), released: numberSet(item.released) });
  }
  return { receipts, failed };
}

/** Whether a history item's message reached its queue: a `done` item (older layout) or a claim its receipt lists as sent. */
export function wasSent(item: Record<string, unknown>, receipts: ReadonlyMap<string, GateReceipt>): boolean {
  if (item.state === 'done') return true;
  const ref = claimRefOf(item);
  return ref !== undefined && receipts.get(ref.receiptId)?.sent.has(ref.claimIndex) === true;
}

function numberSet(value: unknown): Set<number> {
  if (value instanceof Set) return new Set([...value].map(Number));
  if (Array.isArray(value)) return new Set(value.map(Number));
  return new Set();
}
