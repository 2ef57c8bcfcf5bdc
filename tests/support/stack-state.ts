import { ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { api } from './api-client.ts';
import { TABLE_NAME } from './table.ts';

/** Everything a request could change: every item of the table, and what went out of the stack. */
export interface StackState {
  /** `pk|sk` → the item as JSON (keys sorted). */
  items: Map<string, string>;
  /** SMS, WhatsApp messages and emails sent, ConsentChanged events published, gated messages, by kind. */
  sent: Record<string, number>;
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value instanceof Set) return [...value].map(canonical).sort();
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)).map(([key, inner]) => [key, canonical(inner)]));
  }
  return value;
}

/** Scans the whole table (strongly consistent) and counts what the stack sent out. */
export async function captureState(db: DynamoDBDocumentClient): Promise<StackState> {
  const items = new Map<string, string>();
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await db.send(new ScanCommand({ TableName: TABLE_NAME, ConsistentRead: true, ExclusiveStartKey: startKey }));
    for (const item of page.Items ?? []) items.set(`${String(item.pk)}|${String(item.sk)}`, JSON.stringify(canonical(item)));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  const count = async (path: string, field: string) => ((await api<Record<string, unknown[]>>('GET', path)).body[field] ?? []).length;
  const sent = {
    sms: await count('/local/sent-sms', 'messages'),
    whatsapp: await count('/local/sent-whatsapp', 'messages'),
    email: await count('/local/sent-email', 'messages'),
    consentEvents: await count('/local/events', 'events'),
    gated: await count('/local/gated', 'messages'),
  };
  return { items, sent };
}

/**
 * What differs between two states, one line per item added, removed or changed and per kind of
 * message sent; `ignore` leaves out items a request may legitimately write (e.g. rate-limit counters).
 */
export function stateChanges(before: StackState, after: StackState, ignore: (key: string) => boolean = () => false): string[] {
  const changes: string[] = [];
  for (const [key, item] of after.items) {
    if (ignore(key)) continue;
    const old = before.items.get(key);
    if (old === undefined) changes.push(`added ${key}: ${item.slice(0, 300)}`);
    else if (old !== item) changes.push(`changed ${key}: ${old.slice(0, 300)} → ${item.slice(0, 300)}`);
  }
  for (const key of before.items.keys()) if (!after.items.has(key) && !ignore(key)) changes.push(`removed ${key}`);
  for (const [kind, count] of Object.entries(after.sent)) {
    if (count !== before.sent[kind]) changes.push(`${kind} sent: ${before.sent[kind] ?? 0} → ${count}`);
  }
  return changes;
}
