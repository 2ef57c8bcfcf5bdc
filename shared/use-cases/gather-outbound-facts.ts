import type { AccountContext, GateLine, OutboundStore } from '../adapters/dynamodb/outbound-store.ts';
import { liveItem, routeLookupKey } from '../adapters/dynamodb/outbound-store.ts';
import { keyId, type TableKey } from '../adapters/dynamodb/batch-get-items.ts';
import { parseSummaryItem } from '../adapters/dynamodb/consent-summary-store.ts';
import { keys } from '../adapters/dynamodb/table-keys.ts';
import { CHANNEL_SCOPE, type Channel } from '../domain/channels.ts';
import type { EmailSuppressionReason, GateConsentRecord } from '../domain/outbound/decide-outbound.ts';
import { outboundFactsFromSummary, type StoredOutboundFacts } from '../domain/outbound/summary-facts.ts';
import { contactErasureHash } from '../domain/retention/erasure-hash.ts';

export interface FactsRequest {
  channel: Channel;
  /** The line address, normalised (normalizeLineAddress). */
  from: string;
  /** The recipient, normalised (normalizeContact). */
  contact: string;
  /** False when only the line and account are needed (a message waiting for its sendAfter). */
  needsConsent: boolean;
  /**
   * Whether the erasure tombstone can change the decision, given what else was read. Tombstones
   * only ever block marketing that would otherwise go out, so they are read in a second round for
   * those messages only (and only where the consent summary does not say). Default: always read.
   */
  tombstoneMatters?: (stored: StoredFacts, account: AccountContext) => boolean;
}

export type StoredFacts = StoredOutboundFacts;

export type FactsResult =
  | { kind: 'unknown_line' }
  /** Something needed could not be read: the caller must not decide (fail closed). */
  | { kind: 'failed' }
  | { kind: 'ready'; line: GateLine; account: AccountContext; stored?: StoredFacts };

/** An email line is an address or a whole domain: the address is looked up first, then its domain. */
export function lineCandidates(channel: Channel, from: string): string[] {
  if (channel !== 'email') return [from];
  const at = from.lastIndexOf('@');
  return at > 0 ? [from, from.slice(at + 1)] : [from];
}

/**
 * Where consent is read from: `summary` (one item per contact and channel, in accounts whose
 * summaries are complete) or `records` (the line record, the channel record and the email
 * suppression, each its own item: accounts with older data not yet migrated).
 */
export type ConsentSource = 'summary' | 'records';

/**
 * Everything the outbound decision needs for many messages in three batched reads at most: lines
 * (cached), account settings and erasure keys (cached), then consent (always fresh), each item
 * read once however many messages share it. From summaries that is one key per message; the
 * erasure tombstone is read in a second round only where no summary exists and the tombstone could
 * change the decision (with records, wherever it could change it).
 * `accountId` restricts the lines to one account (the check API): another account's line is unknown.
 * `source` overrides where consent is read from (tests compare the two).
 */
export async function gatherOutboundFacts(
  store: OutboundStore,
  requests: readonly FactsRequest[],
  nowMs: number,
  options: { accountId?: string; source?: ConsentSource } = {},
): Promise<FactsResult[]> {
  // An email address shadowed by its domain is remembered as no line for the cache period: messages
  // sent from the addresses of a domain line would otherwise read that missing route on every batch.
  const lookups = requests.flatMap((request) => {
    const candidates = lineCandidates(request.channel, request.from);
    return candidates.map((address, index) => ({ channel: request.channel, address, rememberMiss: index < candidates.length - 1 }));
  });
  const { lines, failed: failedLookups } = await store.resolveLines(lookups);

  const results: (FactsResult | { kind: 'line'; line: GateLine })[] = requests.map((request) => {
    for (const address of lineCandidates(request.channel, request.from)) {
      const lookup = routeLookupKey(request.channel, address);
      if (failedLookups.has(lookup)) return { kind: 'failed' };
      const line = lines.get(lookup);
      if (line && line.channel === request.channel && (options.accountId === undefined || line.accountId === options.accountId)) {
        return { kind: 'line', line };
      }
    }
    return { kind: 'unknown_line' };
  });

  const accountIds = new Set(results.flatMap((result) => (result.kind === 'line' ? [result.line.accountId] : [])));
  const { contexts, failed: failedAccounts } = accountIds.size > 0 ? await store.accountContexts(accountIds) : { contexts: new Map<string, AccountContext>(), failed: new Set<string>() };
  const sourceOf = (account: AccountContext): ConsentSource => options.source ?? (account.summaries ? 'summary' : 'records');

  const hashes = new Map<string, string>();
  const tombstoneKey = (erasureKey: Buffer, accountId: string, contact: string): TableKey => {
    const cacheKey = `${accountId}\u0000${contact}`;
    let hash = hashes.get(cacheKey);
    if (!hash) {
      hash = contactErasureHash(erasureKey, contact);
      hashes.set(cacheKey, hash);
    }
    return keys.tombstone(accountId, hash);
  };
  const keysFor = (request: FactsRequest, line: GateLine, source: ConsentSource): TableKey[] =>
    source === 'summary'
      ? [keys.consentSummary(line.accountId, request.contact, request.channel)]
      : [
          keys.consent(line.accountId, request.contact, request.channel, line.lineId),
          keys.consent(line.accountId, request.contact, request.channel, CHANNEL_SCOPE),
          ...(request.channel === 'email' ? [keys.suppression(line.accountId, request.contact, 'email')] : []),
        ];

  const wanted: TableKey[] = [];
  const planned = requests.map((request, index) => {
    const result = results[index];
    if (result?.kind !== 'line') return undefined;
    const account = contexts.get(result.line.accountId);
    if (!account || failedAccounts.has(result.line.accountId)) {
      results[index] = { kind: 'failed' };
      return undefined;
    }
    if (!request.needsConsent) {
      results[index] = { kind: 'ready', line: result.line, account };
      return undefined;
    }
    const source = sourceOf(account);
    const plan = keysFor(request, result.line, source);
    wanted.push(...plan);
    return { request, line: result.line, account, plan, source };
  });

  const empty = { items: new Map<string, Record<string, unknown>>(), failed: new Set<string>() };
  const fresh = wanted.length > 0 ? await store.readFresh(wanted) : empty;
  /** Per request: what was read, and whether the erasure is known from it (a summary says). */
  const storedFacts = planned.map((entry, index): { stored: StoredFacts; erasureKnown: boolean } | undefined => {
    if (!entry) return undefined;
    if (entry.plan.some((key) => fresh.failed.has(keyId(key)))) {
      results[index] = { kind: 'failed' };
      return undefined;
    }
    if (entry.source === 'summary') {
      const summary = parseSummaryItem(fresh.items.get(keyId(entry.plan[0] as TableKey)));
      if (!summary) return { stored: {}, erasureKnown: false };
      const { tombstone, ...stored } = outboundFactsFromSummary(summary.summary, { channel: entry.request.channel, lineId: entry.line.lineId, nowMs });
      // The erasure counts (and shows in the basis) only where it can change the decision, as when read from its tombstone.
      const matters = tombstone !== undefined && (!entry.request.tombstoneMatters || entry.request.tombstoneMatters(stored, entry.account));
      return { stored: matters ? { ...stored, tombstone } : stored, erasureKnown: true };
    }
    const item = (key: TableKey | undefined) => (key ? liveItem(fresh.items.get(keyId(key)), nowMs) : undefined);
    const [lineKey, channelKey, suppressionKey] = entry.plan;
    const stored: StoredFacts = {};
    const lineRecord = toRecord(item(lineKey));
    const channelRecord = toRecord(item(channelKey));
    const suppression = toSuppression(item(suppressionKey));
    if (lineRecord) stored.lineRecord = lineRecord;
    if (channelRecord) stored.channelRecord = channelRecord;
    if (suppression) stored.suppression = suppression;
    return { stored, erasureKnown: false };
  });

  // Second round: tombstones the first round did not settle, for the messages whose decision they
  // can still change (the accounts' erasure keys first, when not cached: no key, no tombstone).
  const unsettled = planned.flatMap((entry, index) => {
    const read = storedFacts[index];
    if (!entry || !read || read.erasureKnown) return [];
    if (entry.request.tombstoneMatters && !entry.request.tombstoneMatters(read.stored, entry.account)) return [];
    return [{ index, entry }];
  });
  const erasure = unsettled.length > 0 ? await store.erasureKeys(unsettled.map(({ entry }) => entry.line.accountId)) : { keys: new Map<string, Buffer>(), failed: new Set<string>() };
  const late = unsettled.flatMap(({ index, entry }) => {
    if (erasure.failed.has(entry.line.accountId)) {
      storedFacts[index] = undefined;
      return [];
    }
    const erasureKey = erasure.keys.get(entry.line.accountId);
    return erasureKey ? [{ index, key: tombstoneKey(erasureKey, entry.line.accountId, entry.request.contact) }] : [];
  });
  const tombstones = late.length > 0 ? await store.readFresh(late.map((entry) => entry.key)) : empty;
  for (const { index, key } of late) {
    const read = storedFacts[index];
    if (!read) continue;
    if (tombstones.failed.has(keyId(key))) storedFacts[index] = undefined;
    else setTombstone(read.stored, liveItem(tombstones.items.get(keyId(key)), nowMs));
  }

  planned.forEach((entry, index) => {
    if (!entry) return;
    const read = storedFacts[index];
    results[index] = read ? { kind: 'ready', line: entry.line, account: entry.account, stored: read.stored } : { kind: 'failed' };
  });
  return results.map((result) => (result.kind === 'line' ? { kind: 'failed' } : result));
}

function setTombstone(stored: StoredFacts, tombstone: Record<string, unknown> | undefined): void {
  if (tombstone) stored.tombstone = { erasedAt: typeof tombstone.erasedAt === 'string' ? tombstone.erasedAt : new Date(0).toISOString() };
}

function toRecord(item: Record<string, unknown> | undefined): GateConsentRecord | undefined {
  if (!item || (item.status !== 'opted_in' && item.status !== 'opted_out') || typeof item.occurredAt !== 'string') return undefined;
  return {
    scope: String(item.scope),
    status: item.status,
    occurredAt: item.occurredAt,
    eventId: String(item.eventId ?? ''),
    ...(item.category === 'marketing' ? { category: 'marketing' as const } : {}),
  };
}

function toSuppression(item: Record<string, unknown> | undefined): { reason: EmailSuppressionReason; occurredAt: string } | undefined {
  if (!item) return undefined;
  // Any other stored reason is treated as the stricter of the two: it still blocks.
  const reason: EmailSuppressionReason = item.reason === 'complaint' ? 'complaint' : 'hard_bounce';
  return { reason, occurredAt: typeof item.occurredAt === 'string' ? item.occurredAt : '' };
}
