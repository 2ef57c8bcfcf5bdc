import { describe, expect, it } from 'vitest';
import { expiryAttributes, keys } from '../../shared/adapters/dynamodb/table-keys.ts';
import { expiresAtFor } from '../../shared/domain/retention/expires-at.ts';
import { profileExpiresAt } from '../../shared/domain/retention/profile-touch.ts';
import { api, createAccount, createLine, uniquePhone } from '../support/api-client.ts';
import { getItem, localTable, partitionItems, seedItems } from '../support/table.ts';

type ConsentView = { lines: { lineId: string; status: string }[]; channels: { channel: string; status: string }[] };
type SweepResult = {
  jobs: { kind: string; done: boolean }[];
  sweep: { status: string; itemsRead: number; totalDeleted: number; renewed: number; deleted: Record<string, number> };
};

const db = localTable();
const HOUR = 3600_000;
const DAY = 24 * HOUR;
const path = (contact: string, suffix = '') => `/v1/contacts/${encodeURIComponent(contact)}${suffix}`;

async function sweep(now: Date): Promise<SweepResult> {
  const response = await api<SweepResult>('POST', `/local/sweep?now=${encodeURIComponent(now.toISOString())}`);
  expect(response.status, response.text).toBe(200);
  return response.body;
}

/** Message history items as the outbound gate writes them (MSG#…, message-history retention). */
function messageItems(accountId: string, contact: string, count: number, at: Date): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, index) => {
    const key = keys.message(accountId, contact, `${at.getTime()}-${index}`);
    return {
      ...key,
      type: 'message',
      accountId,
      contact,
      channel: 'sms',
      category: 'marketing',
      decision: 'allowed',
      sentAt: at.toISOString(),
      ...expiryAttributes(key, expiresAtFor(at.toISOString(), 13), at.toISOString()),
    };
  });
}

async function setConsent(apiKey: string, contact: string, status: string, line?: string) {
  const response = await api('PUT', path(contact, '/consent'), { key: apiKey, json: { channel: 'sms', status, ...(line ? { line } : {}) } });
  expect(response.status, response.text).toBe(200);
}

describe('retention: per-contact override, expired reads, scheduled sweep', () => {
  it('sweeps a contact kept for 1 day once the clock passes, leaves others alone, and never serves expired items', async () => {
    const { accountId, apiKey } = await createAccount();
    const line = await createLine(apiKey, { provider: 'aws' });
    const shortLived = uniquePhone();
    const kept = uniquePhone();
    const start = new Date();
    for (const contact of [shortLived, kept]) {
      await setConsent(apiKey, contact, 'opted_in', line.lineId);
      await setConsent(apiKey, contact, 'opted_out');
      await seedItems(db, messageItems(accountId, contact, 5, start));
    }
    const keptBefore = (await partitionItems(db, accountId, kept)).map((item) => `${String(item.sk)}@${String(item.expiresAt)}`).sort();

    const override = await api<{ reapply: { status: string; updated: number }; retention: { effective: unknown } }>(
      'PUT',
      path(shortLived, '/retention'),
      { key: apiKey, json: { data: { days: 1 }, messageHistory: { days: 1 } } },
    );
    expect(override.status, override.text).toBe(200);
    expect(override.body.reapply.status).toBe('complete');
    expect(override.body.retention.effective).toEqual({ data: { days: 1 }, messageHistory: { days: 1 } });
    // consent ×2, events ×2, profile, messages ×5: every item now expires a day after its activity.
    const stored = await partitionItems(db, accountId, shortLived);
    expect(override.body.reapply.updated).toBe(stored.length);
    for (const item of stored) {
      expect(item.expiresAt as number, String(item.sk)).toBeLessThanOrEqual(Math.ceil((Date.now() + DAY) / 1000));
      expect(item.gsi2sk, String(item.sk)).toMatch(new RegExp(`^${String(item.expiresAt).padStart(10, '0')}#`));
    }

    // Still within the day: everything is served.
    const sameDay = { 'x-optgate-now': new Date(start.getTime() + 12 * HOUR).toISOString() };
    const consentSameDay = await api<ConsentView>('GET', path(shortLived, '/consent'), { key: apiKey, headers: sameDay });
    expect(consentSameDay.body.channels.find((entry) => entry.channel === 'sms')?.status).toBe('opted_out');

    // A day later, before any sweep: the items are still stored, but no read returns them.
    const later = { 'x-optgate-now': new Date(start.getTime() + DAY + HOUR).toISOString() };
    expect((await partitionItems(db, accountId, shortLived)).length).toBe(stored.length);
    const consent = await api<ConsentView>('GET', path(shortLived, '/consent'), { key: apiKey, headers: later });
    expect(consent.body.lines[0]?.status).toBe('not_defined');
    expect(consent.body.channels.find((entry) => entry.channel === 'sms')?.status).toBe('not_defined');
    const events = await api<{ events: unknown[] }>('GET', path(shortLived, '/events'), { key: apiKey, headers: later });
    expect(events.body.events).toEqual([]);
    expect((await api('GET', path(shortLived), { key: apiKey, headers: later })).status).toBe(404);
    expect((await api('GET', path(shortLived, '/export'), { key: apiKey, headers: later })).status).toBe(404);
    const listed = await api<{ contacts: { contact: string }[] }>('GET', `/v1/contacts?prefix=${encodeURIComponent(shortLived)}`, {
      key: apiKey,
      headers: later,
    });
    expect(listed.body.contacts).toEqual([]);
    const exported = await api('GET', `/v1/exports/consent?prefix=${encodeURIComponent(shortLived)}`, { key: apiKey, headers: later });
    expect(exported.text.trim().split('\n')).toHaveLength(1);
    // The other contact is served as before.
    const keptConsent = await api<ConsentView>('GET', path(kept, '/consent'), { key: apiKey, headers: later });
    expect(keptConsent.body.lines[0]?.status).toBe('opted_in');

    const result = await sweep(new Date(start.getTime() + 2 * DAY));
    expect(result.sweep.status).toBe('complete');
    expect(result.sweep.itemsRead).toBe(result.sweep.totalDeleted + result.sweep.renewed);
    expect(result.sweep.deleted.message ?? 0).toBeGreaterThanOrEqual(5);
    expect(await partitionItems(db, accountId, shortLived)).toEqual([]);
    const keptAfter = (await partitionItems(db, accountId, kept)).map((item) => `${String(item.sk)}@${String(item.expiresAt)}`).sort();
    expect(keptAfter).toEqual(keptBefore);

    // Running it again deletes nothing more of these contacts.
    await sweep(new Date(start.getTime() + 2 * DAY));
    expect((await partitionItems(db, accountId, kept)).length).toBe(keptBefore.length);
  });

  it('applies a contact override to every later write for that contact', async () => {
    const { accountId, apiKey } = await createAccount();
    const contact = uniquePhone();
    const override = await api('PUT', path(contact, '/retention'), { key: apiKey, json: { data: { days: 2 } } });
    expect(override.status, override.text).toBe(200);
    const before = Math.floor(Date.now() / 1000);
    await setConsent(apiKey, contact, 'opted_out');
    const items = await partitionItems(db, accountId, contact);
    expect(items.map((item) => String(item.sk).split('#')[0]).sort()).toEqual(['CONSENT', 'EVENT', 'PROFILE', 'SUMMARY']);
    for (const item of items) {
      const expiresAt = item.expiresAt as number;
      expect(expiresAt - before, String(item.sk)).toBeGreaterThanOrEqual(2 * 86_400 - 5);
      expect(expiresAt - before, String(item.sk)).toBeLessThanOrEqual(2 * 86_400 + 5);
      expect(item.gsi2pk).toMatch(/^EXP#\d{4}-\d{2}-\d{2}#\d+$/);
    }
    const profile = await api<{ retention: { override: unknown; effective: unknown } }>('GET', path(contact), { key: apiKey });
    expect(profile.body.retention).toEqual({ override: { data: { days: 2 } }, effective: { data: { days: 2 }, messageHistory: { months: 13 } } });

    // Back to the account's setting: null clears the override, and existing items follow.
    const cleared = await api<{ reapply: { updated: number } }>('PUT', path(contact, '/retention'), { key: apiKey, json: { data: null } });
    expect(cleared.status).toBe(200);
    expect(cleared.body.reapply.updated).toBe(items.length);
    const consent = await getItem(db, keys.consent(accountId, contact, 'sms', '*'));
    expect(consent?.expiresAt).toBe(expiresAtFor(String(consent?.activityAt), 13));
  });

  it('re-applies a changed account setting to existing items in the background (sweep job)', async () => {
    const { accountId, apiKey } = await createAccount();
    const contacts = [uniquePhone(), uniquePhone(), uniquePhone()];
    for (const contact of contacts) await setConsent(apiKey, contact, 'opted_out');
    const changed = await api('PUT', '/v1/settings', { key: apiKey, json: { retention: { dataMonths: 1 } } });
    expect(changed.status).toBe(200);
    // Nothing changes until the job runs.
    const consentKey = keys.consent(accountId, contacts[0] ?? '', 'sms', '*');
    const before = await getItem(db, consentKey);
    expect(before?.expiresAt).toBe(expiresAtFor(String(before?.activityAt), 13));

    const result = await sweep(new Date());
    expect(result.jobs.some((job) => job.kind === 'retention' && job.done)).toBe(true);
    for (const contact of contacts) {
      for (const item of await partitionItems(db, accountId, contact)) {
        // The profile's expiry runs from a day past its last touch: it covers what that day writes.
        const expected = item.sk === 'PROFILE' ? profileExpiresAt(String(item.activityAt), { months: 1 }) : expiresAtFor(String(item.activityAt), 1);
        expect(item.expiresAt, String(item.sk)).toBe(expected);
      }
    }

    // Five weeks on, the sweep removes them.
    await sweep(new Date(Date.now() + 35 * DAY));
    for (const contact of contacts) expect(await partitionItems(db, accountId, contact)).toEqual([]);
  });

  it('rejects bad retention input with a 4xx and changes nothing', async () => {
    const { apiKey } = await createAccount();
    const contact = uniquePhone();
    for (const json of [{ data: { days: 0 } }, { data: { weeks: 2 } }, { data: { days: 1, months: 1 } }, { other: 1 }]) {
      const response = await api<{ error: { code: string } }>('PUT', path(contact, '/retention'), { key: apiKey, json });
      expect(response.status, JSON.stringify(json)).toBe(400);
      expect(response.body.error.code).toBe('validation_failed');
    }
    expect((await api('GET', path(contact), { key: apiKey })).status).toBe(404);
    const badClock = await api('POST', '/local/sweep?now=yesterday');
    expect(badClock.status).toBe(400);
  });
});
