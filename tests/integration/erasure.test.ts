import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { createDataStores } from '../../shared/adapters/dynamodb/data-stores.ts';
import { JobStore } from '../../shared/adapters/dynamodb/job-store.ts';
import { expiryAttributes, keys } from '../../shared/adapters/dynamodb/table-keys.ts';
import { expiresAtFor } from '../../shared/domain/retention/expires-at.ts';
import { contactErasureHash } from '../../shared/domain/retention/erasure-hash.ts';
import { eraseContact } from '../../shared/use-cases/erase-contact.ts';
import { api, createAccount, uniquePhone } from '../support/api-client.ts';
import { getItem, localTable, partitionItems, seedItems, TABLE_NAME } from '../support/table.ts';
import { SEALING_CONTEXT } from '../../shared/security/secret-box.ts';
import { localSecretBox } from '../support/secret-box.ts';

type Receipt = {
  receiptId: string;
  status: string;
  erasedAt: string;
  completedAt?: string;
  deleted: Record<string, number>;
  totalDeleted: number;
  contactHash: string;
  alreadyErased: boolean;
};
type ImportResult = { applied: Record<string, number>; duplicates: number; rejected: { line: number; code: string }[] };

const db = localTable();
const path = (contact: string, suffix = '') => `/v1/contacts/${encodeURIComponent(contact)}${suffix}`;

/** History items of one contact: audit events and message history, as the other writers store them. */
function history(accountId: string, contact: string, count: number): Record<string, unknown>[] {
  const at = new Date().toISOString();
  return Array.from({ length: count }, (_, index) => {
    const key =
      index % 2 === 0
        ? keys.event(accountId, contact, `01JZ${String(index).padStart(22, '0')}`)
        : keys.message(accountId, contact, `m${String(index).padStart(8, '0')}`);
    return { ...key, type: index % 2 === 0 ? 'event' : 'message', accountId, note: 'seeded', ...expiryAttributes(key, expiresAtFor(at, 13), at) };
  });
}

async function eraseUntilDone(apiKey: string, contact: string): Promise<{ receipt: Receipt; calls: number }> {
  for (let calls = 1; calls <= 20; calls += 1) {
    const response = await api<Receipt>('DELETE', path(contact), { key: apiKey });
    expect([200, 202], response.text).toContain(response.status);
    if (response.status === 200) return { receipt: response.body, calls };
  }
  throw new Error('erasure did not complete in 20 calls');
}

async function importCsv(apiKey: string, csv: string) {
  return api<ImportResult>('POST', '/v1/imports', { key: apiKey, body: csv, headers: { 'content-type': 'text/csv' } });
}

describe('erasure (right to be forgotten)', () => {
  it('erases an opted-out contact with 20,000 history items, keeps only a keyed tombstone, and is idempotent', async () => {
    const { accountId, apiKey } = await createAccount();
    const contact = uniquePhone();
    const other = uniquePhone();
    for (const who of [contact, other]) {
      const optOut = await api('PUT', path(who, '/consent'), { key: apiKey, json: { channel: 'sms', status: 'opted_out' } });
      expect(optOut.status).toBe(200);
    }
    await seedItems(db, history(accountId, contact, 20_000));
    const before = await partitionItems(db, accountId, contact);
    // The opt-out, its audit event, the profile and the consent summary, and the seeded history.
    expect(before.length).toBe(20_004);

    const { receipt } = await eraseUntilDone(apiKey, contact);
    expect(receipt).toMatchObject({ status: 'complete', alreadyErased: false, totalDeleted: 20_004 });
    expect(receipt.deleted).toEqual({ consent: 1, event: 10_001, message: 10_000, profile: 1, summary: 1 });
    expect(receipt.receiptId).toMatch(/^er_/);
    expect(JSON.stringify(receipt)).not.toContain(contact);

    // Every item is gone; the other contact is untouched.
    expect(await partitionItems(db, accountId, contact)).toEqual([]);
    expect((await partitionItems(db, accountId, other)).length).toBe(4);

    // The tombstone: keyed by HMAC-SHA256(account erasure key, contact), with erasedAt and receiptId, without the address.
    // The key is stored sealed under the service key (it would turn tombstones back into numbers).
    const keyItem = await getItem(db, keys.erasureKey(accountId));
    expect(String(keyItem?.key)).toMatch(/^sb1\./);
    const erasureKey = Buffer.from(await localSecretBox().open(String(keyItem?.key), SEALING_CONTEXT.erasureKey(accountId)), 'base64');
    const hmac = contactErasureHash(erasureKey, contact);
    expect(hmac).toBe(receipt.contactHash);
    expect(erasureKey).toHaveLength(32);
    const tombstone = await getItem(db, keys.tombstone(accountId, hmac));
    expect(tombstone).toMatchObject({ erasedAt: receipt.erasedAt, receiptId: receipt.receiptId, status: 'complete' });
    expect(JSON.stringify(tombstone)).not.toContain(contact);

    // Nothing is served any more.
    expect((await api('GET', path(contact, '/export'), { key: apiKey })).status).toBe(404);
    expect((await api('GET', path(contact), { key: apiKey })).status).toBe(404);
    const consent = await api<{ channels: { channel: string; status: string }[] }>('GET', path(contact, '/consent'), { key: apiKey });
    expect(consent.body.channels.find((entry) => entry.channel === 'sms')?.status).toBe('not_defined');

    // Erasing again changes nothing and answers the same receipt.
    const again = await api<Receipt>('DELETE', path(contact), { key: apiKey });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ receiptId: receipt.receiptId, erasedAt: receipt.erasedAt, alreadyErased: true });

    // An import cannot quietly bring the person back: only an opt-in given after the erasure is taken.
    const beforeErasure = new Date(Date.parse(receipt.erasedAt) - 60_000).toISOString();
    const afterErasure = new Date(Date.parse(receipt.erasedAt) + 1_000).toISOString();
    const imported = await importCsv(
      apiKey,
      [
        'contact,channel,status,occurredAt',
        `${contact},sms,opted_out,${afterErasure}`,
        `${contact},sms,opted_in,${beforeErasure}`,
        `${other},sms,opted_in,${afterErasure}`,
      ].join('\n'),
    );
    expect(imported.status, imported.text).toBe(200);
    expect(imported.body.rejected).toEqual([
      expect.objectContaining({ line: 2, code: 'contact_erased' }),
      expect.objectContaining({ line: 3, code: 'contact_erased' }),
    ]);
    expect(imported.body.applied.changed).toBe(1);
    expect(await partitionItems(db, accountId, contact)).toEqual([]);

    // A fresh opt-in (after the erasure) is recorded; the tombstone stays, older than that opt-in,
    // which is what lets the gate allow marketing again.
    const optIn = await api('PUT', path(contact, '/consent'), { key: apiKey, json: { channel: 'sms', status: 'opted_in' } });
    expect(optIn.status).toBe(200);
    const fresh = await api<{ channels: { channel: string; status: string; occurredAt: string }[] }>('GET', path(contact, '/consent'), {
      key: apiKey,
    });
    const sms = fresh.body.channels.find((entry) => entry.channel === 'sms');
    expect(sms?.status).toBe('opted_in');
    expect(Date.parse(sms?.occurredAt ?? '')).toBeGreaterThan(Date.parse(receipt.erasedAt));
    expect(await getItem(db, keys.tombstone(accountId, hmac))).toMatchObject({ receiptId: receipt.receiptId });
    const reImport = await importCsv(apiKey, `contact,channel,status,occurredAt\n${contact},sms,opted_in,${afterErasure}\n`);
    expect(reImport.body.rejected).toEqual([]);

    // The person came back; erasing again is a new run with a new receipt.
    const second = await eraseUntilDone(apiKey, contact);
    expect(second.receipt.receiptId).not.toBe(receipt.receiptId);
    expect(second.receipt.totalDeleted).toBeGreaterThanOrEqual(3);
    expect(await partitionItems(db, accountId, contact)).toEqual([]);
  }, 180_000);

  it('resumes an erasure cut short by its deadline or a crash, counting every item exactly once', async () => {
    const { accountId } = await createAccount();
    const stores = createDataStores(db, TABLE_NAME, localSecretBox());
    const contact = uniquePhone();
    await seedItems(db, history(accountId, contact, 5_000));

    // 1. Cut short by its deadline after the first page.
    let ticks = 0;
    const first = await eraseContact(
      { ...stores, realNowMs: () => (ticks += 1) },
      { accountId, contact, now: new Date(), deadlineMs: 6 },
    );
    expect(first.status).toBe('in_progress');
    const left = (await partitionItems(db, accountId, contact)).length;
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThan(5_000);

    // 2. Crash between saving a page's counts and deleting it (BatchWriteItem fails).
    let failed = false;
    const crashing = Object.create(db) as DynamoDBDocumentClient;
    crashing.send = ((command: unknown) => {
      if (command instanceof BatchWriteCommand && !failed) {
        failed = true;
        return Promise.reject(new Error('connection reset'));
      }
      return db.send(command as Parameters<DynamoDBDocumentClient['send']>[0]);
    }) as DynamoDBDocumentClient['send'];
    await expect(
      eraseContact({ ...stores, db: crashing, realNowMs: () => Date.now() }, { accountId, contact, now: new Date(), deadlineMs: Date.now() + 60_000 }),
    ).rejects.toThrow('connection reset');
    // Batches already in flight may have gone through; the failed one did not.
    const afterCrash = (await partitionItems(db, accountId, contact)).length;
    expect(afterCrash).toBeGreaterThanOrEqual(25);
    expect(afterCrash).toBeLessThanOrEqual(left);
    const tombstone = await stores.erasureStore.getTombstone(accountId, first.contactHash);
    expect(tombstone?.status).toBe('in_progress');
    // The crashed page was counted before its delete: the resumed run must not count it again.
    expect(tombstone?.countedThroughSk).toBeDefined();

    // 3. The sweep picks up the open erasure once the crashed worker's lease has lapsed.
    const jobs = await stores.jobStore.listOpen();
    expect(jobs.some((job) => job.kind === 'erasure')).toBe(true);
    expect(JSON.stringify(jobs.filter((job) => job.kind === 'erasure'))).not.toContain(contact);
    const receipt = await eraseContact(
      { ...stores, realNowMs: () => Date.now() + 61_000 },
      { accountId, contact, now: new Date(), deadlineMs: Date.now() + 120_000 },
    );
    expect(receipt.status).toBe('complete');
    expect(receipt.totalDeleted).toBe(5_000);
    expect(receipt.deleted).toEqual({ event: 2_500, message: 2_500 });
    expect(receipt.receiptId).toBe(first.receiptId);
    expect(await partitionItems(db, accountId, contact)).toEqual([]);
    expect((await stores.jobStore.listOpen()).some((job) => job.jobId === JobStore.erasureJobId(accountId, receipt.contactHash))).toBe(false);
  }, 120_000);

  it('lets the scheduled sweep finish an erasure that stopped at its deadline', async () => {
    const { accountId, apiKey } = await createAccount();
    const stores = createDataStores(db, TABLE_NAME, localSecretBox());
    const contact = uniquePhone();
    await seedItems(db, history(accountId, contact, 2_500));
    let ticks = 0;
    const first = await eraseContact({ ...stores, realNowMs: () => (ticks += 1) }, { accountId, contact, now: new Date(), deadlineMs: 6 });
    expect(first.status).toBe('in_progress');

    const swept = await api<{ jobs: { kind: string; done: boolean }[] }>('POST', '/local/sweep');
    expect(swept.status).toBe(200);
    expect(swept.body.jobs).toContainEqual(expect.objectContaining({ kind: 'erasure', done: true }));
    expect(await partitionItems(db, accountId, contact)).toEqual([]);
    const done = await api<Receipt>('DELETE', path(contact), { key: apiKey });
    expect(done.body).toMatchObject({ receiptId: first.receiptId, status: 'complete', totalDeleted: 2_500, alreadyErased: true });
  }, 120_000);

  it('answers 400 for an address that is not one, and touches no other account', async () => {
    const a = await createAccount('A');
    const b = await createAccount('B');
    const contact = uniquePhone();
    await api('PUT', path(contact, '/consent'), { key: a.apiKey, json: { channel: 'sms', status: 'opted_out' } });
    expect((await api('DELETE', path('not-a-number'), { key: a.apiKey })).status).toBe(400);
    const byB = await api<Receipt>('DELETE', path(contact), { key: b.apiKey });
    expect(byB.status).toBe(200);
    expect(byB.body.totalDeleted).toBe(0);
    expect((await partitionItems(db, a.accountId, contact)).length).toBe(4);
    expect((await api('GET', path(contact, '/export'), { key: a.apiKey })).status).toBe(200);
  });
});
