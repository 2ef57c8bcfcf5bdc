import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { contactIndexAttributes, contactIndexPartition, expiryBucket, expiryPrefix, keys } from '../../shared/adapters/dynamodb/table-keys.ts';
import { api, createAccount, createLine, uniquePhone } from '../support/api-client.ts';
import { localTable, partitionItems, TABLE_NAME } from '../support/table.ts';

/**
 * Shard counts grew with the capacity model (SCALING.md): byExpiry 8 → 256, byContact 4 → 16,
 * stats 8 → 64, on a new hash. Items written before keep their old index keys until rewritten; the
 * old shards are a subset of the new ones, so every reader (which queries every shard) still finds
 * them. These tests write items exactly where the old layout put them and read them back through
 * the service.
 */
const db = localTable();
const path = (contact: string, rest = '') => `/v1/contacts/${encodeURIComponent(contact)}${rest}`;

/** The old layout's hash (31-multiplier, as table-keys.ts had it) — the shards old items sit in. */
function oldHash(value: string): number {
  let hash = 0;
  for (const char of value) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return hash;
}

describe('items of the old shard layout', () => {
  it('are listed by the byContact reader', async () => {
    const { accountId, apiKey } = await createAccount();
    const line = await createLine(apiKey, { provider: 'aws' });
    const base = uniquePhone().slice(0, 9);
    // Contacts whose old shard differs from the new one, written through the API, then moved back where the old layout had them.
    const contacts = Array.from({ length: 40 }, (_, index) => `${base}${String(index).padStart(3, '0')}`)
      .filter((contact) => contactIndexAttributes(accountId, contact).gsi3pk !== contactIndexPartition(accountId, oldHash(contact) % 4))
      .slice(0, 6);
    expect(contacts.length).toBe(6);
    for (const contact of contacts) {
      const response = await api('PUT', path(contact, '/consent'), { key: apiKey, json: { channel: 'sms', status: 'opted_in', line: line.lineId } });
      expect(response.status, response.text).toBe(200);
      await db.send(
        new UpdateCommand({
          TableName: TABLE_NAME,
          Key: keys.profile(accountId, contact),
          UpdateExpression: 'SET gsi3pk = :old',
          ExpressionAttributeValues: { ':old': contactIndexPartition(accountId, oldHash(contact) % 4) },
        }),
      );
    }
    const listed = await api<{ contacts: { contact: string }[] }>('GET', `/v1/contacts?prefix=${encodeURIComponent(base)}&limit=100`, { key: apiKey });
    expect(listed.status, listed.text).toBe(200);
    expect(listed.body.contacts.map((entry) => entry.contact)).toEqual([...contacts].sort());
  });

  it('are deleted by the sweep when they expire', async () => {
    const { accountId } = await createAccount();
    const contact = uniquePhone();
    const nowSeconds = Math.floor(Date.now() / 1000);
    // Today's bucket (every run queries it): a minute ago, or the day's first second.
    const expiresAt = Math.max(nowSeconds - (nowSeconds % 86_400), nowSeconds - 60);
    const day = new Date(expiresAt * 1000).toISOString().slice(0, 10);
    const key = keys.event(accountId, contact, '01JOLDLAYOUT0000000000000');
    await db.send(
      new PutCommand({
        TableName: TABLE_NAME,
        Item: { ...key, type: 'event', expiresAt, gsi2pk: expiryBucket(day, oldHash(`${key.pk}|${key.sk}`) % 8), gsi2sk: `${expiryPrefix(expiresAt)}#${key.pk}#${key.sk}` },
      }),
    );
    const swept = await api<{ sweep: { status: string } }>('POST', '/local/sweep');
    expect(swept.status, swept.text).toBe(200);
    expect(await partitionItems(db, accountId, contact)).toEqual([]);
  });

  it('are summed by the opt-out report (counters in the old stats shards)', async () => {
    const { accountId, apiKey } = await createAccount();
    const day = new Date().toISOString().slice(0, 10);
    // 0 and 7: shards of the old 8 (and of the new 64) that the report must read.
    for (const shard of [0, 7]) {
      await db.send(
        new PutCommand({
          TableName: TABLE_NAME,
          Item: { ...keys.stats(accountId, 'day', shard, day, 'all'), type: 'stats', dimension: 'day', day, value: 'all', optOuts: 2, expiresAt: Math.floor(Date.now() / 1000) + 86_400 },
        }),
      );
    }
    const report = await api<{ totals: { optOuts: number }; groups: { key: string; optOuts: number }[] }>('GET', `/v1/reports/opt-outs?from=${day}&to=${day}&groupBy=day`, { key: apiKey });
    expect(report.status, report.text).toBe(200);
    expect(report.body.totals.optOuts).toBe(4);
    expect(report.body.groups).toEqual([expect.objectContaining({ key: day, optOuts: 4 })]);
  });
});
