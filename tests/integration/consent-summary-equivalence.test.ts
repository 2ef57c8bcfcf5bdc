import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OutboundStore } from '../../shared/adapters/dynamodb/outbound-store.ts';
import type { Channel } from '../../shared/domain/channels.ts';
import { decideOutbound, tombstoneCanMatter, type OutboundFacts } from '../../shared/domain/outbound/decide-outbound.ts';
import { gatherOutboundFacts, type ConsentSource, type FactsRequest } from '../../shared/use-cases/gather-outbound-facts.ts';
import { api, createAccount, createLine, uniquePhone } from '../support/api-client.ts';
import { TABLE_NAME, tableClient } from '../support/outbound.ts';
import { localSecretBox } from '../support/secret-box.ts';
import { deliverSes, sesBounce, sesComplaint } from '../support/ses.ts';

/**
 * The consent summary against the records, through every real write path on the local stack: the
 * consent API (line and channel scopes, late events), CSV imports (packed transactions), SES
 * complaints and hard bounces, erasure, and retention overrides (re-application). After each
 * history the gate reads consent both ways — the summary, and the record items it copies (the
 * path for tables not yet migrated) — now and days later (entries expire with their items), and
 * must decide every message alike.
 */
type Operation =
  | { kind: 'consent'; scope: 0 | 1 | 'channel'; status: 'opted_in' | 'opted_out'; ageMinutes: number }
  | { kind: 'import'; rows: { scope: 0 | 1 | 'channel'; status: 'opted_in' | 'opted_out'; ageMinutes: number }[] }
  | { kind: 'feedback'; reason: 'complaint' | 'hard_bounce' }
  | { kind: 'erase' }
  | { kind: 'retention'; days: number | null };

const change = { scope: fc.constantFrom(0 as const, 1 as const, 'channel' as const), status: fc.constantFrom('opted_in' as const, 'opted_out' as const), ageMinutes: fc.integer({ min: 0, max: 3000 }) };
const operation: fc.Arbitrary<Operation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('consent' as const), ...change }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('import' as const), rows: fc.array(fc.record(change), { minLength: 1, maxLength: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('feedback' as const), reason: fc.constantFrom('complaint' as const, 'hard_bounce' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('erase' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('retention' as const), days: fc.option(fc.integer({ min: 1, max: 3 }), { nil: null }) }) },
);

async function ok(response: Promise<{ status: number; text: string }>): Promise<void> {
  const { status, text } = await response;
  expect([200, 201, 202], text).toContain(status);
}

describe('consent summary ≡ records on the local stack (property)', () => {
  it('every write path keeps the summary deciding exactly as the records', async () => {
    const store = new OutboundStore(tableClient(), TABLE_NAME, { cacheTtlMs: 0, secrets: localSecretBox() });
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<Channel>('sms', 'email'),
        fc.array(operation, { minLength: 1, maxLength: 6 }),
        fc.constantFrom('opted_in' as const, 'opted_out' as const),
        fc.constantFrom('all' as const, 'marketing' as const),
        async (channel, operations, defaultStatus, optOutBlocks) => {
          const { apiKey } = await createAccount('Summary property');
          await ok(api('PUT', '/v1/settings', { key: apiKey, json: { channels: { [channel]: { defaultStatus, optOutBlocks } } } }));
          const domain = `p-${randomBytes(5).toString('hex')}.example.com`;
          const lines =
            channel === 'sms'
              ? [await createLine(apiKey, { provider: 'aws' }), await createLine(apiKey, { provider: 'aws' })]
              : await Promise.all(['a', 'b'].map(async (name) => (await api<{ lineId: string; address: string }>('POST', '/v1/lines', { key: apiKey, json: { channel: 'email', provider: 'ses', address: `${name}@${domain}` } })).body));
          const contact = channel === 'sms' ? uniquePhone() : `p-${randomBytes(5).toString('hex')}@customer.example.org`;
          const path = (suffix = '') => `/v1/contacts/${encodeURIComponent(contact)}${suffix}`;
          const scopeOf = (scope: 0 | 1 | 'channel') => (scope === 'channel' ? undefined : lines[scope]?.lineId);
          const at = (ageMinutes: number) => new Date(Date.now() - ageMinutes * 60_000).toISOString();

          for (const op of operations) {
            if (op.kind === 'consent') {
              const line = scopeOf(op.scope);
              await ok(api('PUT', path('/consent'), { key: apiKey, json: { channel, status: op.status, occurredAt: at(op.ageMinutes), ...(line ? { line } : {}) } }));
            } else if (op.kind === 'import') {
              const csv = ['contact,channel,line,status,occurredAt', ...op.rows.map((row) => `${contact},${channel},${scopeOf(row.scope) ?? ''},${row.status},${at(row.ageMinutes)}`)].join('\n');
              await ok(api('POST', '/v1/imports', { key: apiKey, body: csv, headers: { 'content-type': 'text/csv' } }));
            } else if (op.kind === 'feedback') {
              if (channel !== 'email') continue;
              const sender = `a@${domain}`;
              await deliverSes(op.reason === 'complaint' ? sesComplaint({ sender, recipients: [contact] }) : sesBounce({ sender, recipients: [contact], bounceType: 'Permanent' }));
            } else if (op.kind === 'erase') {
              for (let call = 0; call < 10; call += 1) if ((await api('DELETE', path(), { key: apiKey })).status === 200) break;
            } else {
              await ok(api('PUT', path('/retention'), { key: apiKey, json: { data: op.days === null ? null : { days: op.days } } }));
            }
          }

          for (const laterDays of [0, 2, 4]) {
            const nowMs = Date.now() + laterDays * 86_400_000;
            const requests: (FactsRequest & { facts: Omit<OutboundFacts, 'policy' | 'channel'> })[] = lines.flatMap((line) =>
              (['marketing', 'transactional'] as const).flatMap((category) =>
                [false, true].map((requireOptIn) => ({
                  channel,
                  from: line.address,
                  contact,
                  needsConsent: true,
                  facts: { category, requireOptIn },
                  tombstoneMatters: (stored: Partial<OutboundFacts>, account: { settings: { channels: Record<Channel, OutboundFacts['policy']> } }) =>
                    tombstoneCanMatter({ channel, category, requireOptIn, policy: account.settings.channels[channel], ...stored }),
                })),
              ),
            );
            const decide = async (source: ConsentSource) =>
              (await gatherOutboundFacts(store, requests, nowMs, { source })).map((result, index) => {
                if (result.kind !== 'ready') return result.kind;
                const request = requests[index] as (typeof requests)[number];
                return decideOutbound({ channel, policy: result.account.settings.channels[channel], ...request.facts, ...result.stored });
              });
            expect(await decide('summary'), `${laterDays} days later`).toEqual(await decide('records'));
          }
        },
      ),
      { numRuns: 15 },
    );
  }, 600_000);
});
