import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand, type DynamoDBDocumentClient, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { TtlCache } from '../../cache/ttl-cache.ts';
import { accountSettingsSchema, defaultAccountSettings, type AccountSettings } from '../../domain/accounts/account-settings.ts';
import type { Channel } from '../../domain/channels.ts';
import type { OutboundDecision, OutboundOutcome } from '../../domain/outbound/decide-outbound.ts';
import type { StatIncrement } from '../../domain/reports/consent-stats.ts';
import { isExpired } from '../../domain/retention/expires-at.ts';
import { batchGetItems, keyId, type BatchGetOptions, type TableKey } from './batch-get-items.ts';
import { summariesComplete } from './consent-summary-store.ts';
import { claimRefOf, claimToken, readReceipts, receiptItem, type ClaimRef, type GateReceipt } from './gate-receipts.ts';
import { statCounterUpdate } from './stats-store.ts';
import { expiryIndexAttributes, keys, marketingSendIndexAttributes } from './table-keys.ts';
import { SEALING_CONTEXT, type SecretBox } from '../../security/secret-box.ts';

/** What the gate needs of a line: whose it is. Credentials are never read here. */
export interface GateLine {
  accountId: string;
  lineId: string;
  channel: Channel;
  address: string;
}

export interface AccountContext {
  settings: AccountSettings;
  /** Every contact and channel of the account with consent data has its consent summary (read those). */
  summaries: boolean;
}

export interface OutboundStoreOptions {
  /** How long settings, routes and erasure keys are reused per container. */
  cacheTtlMs: number;
  /** Opens the sealed erasure keys. */
  secrets: SecretBox;
  batchGet?: Pick<BatchGetOptions, 'maxRounds' | 'baseDelayMs' | 'sleep'>;
  /** Rounds for a transaction cancelled by conflicts or throttling. */
  maxWriteRounds?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** A message's claim on its history item: it decides, claims, sends, and its invocation's receipt records the send. */
export interface MessageClaim {
  id: string;
  accountId: string;
  contact: string;
  messageId: string;
  ref: ClaimRef;
  item: Record<string, unknown>;
}

export type ClaimResult =
  | { status: 'claimed' }
  /** Decided and sent before (a redelivery or a duplicate): nothing to do. */
  | { status: 'done'; outcome: OutboundOutcome }
  /** Another invocation holds a live claim: retry later. */
  | { status: 'busy' }
  | { status: 'failed' };

/** What an invocation records once its messages are on their queues. */
export interface GateCompletion {
  receipt: GateReceipt;
  /** The receipt lives as long as the longest-lived history item it speaks for. */
  expiresAt: number;
  createdAt: string;
  /** Campaign sent counters, in the receipt's transaction: counted exactly when recorded as sent. */
  counters: readonly { accountId: string; increment: StatIncrement; expiresAt: number }[];
}

/** TransactWriteItems' limit per request. */
export const TRANSACT_MAX_ITEMS = 100;
type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];
const ROUTE_ATTRIBUTES = ['accountId', 'lineId', 'channel', 'address'] as const;
const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function routeLookupKey(channel: Channel, address: string): string {
  return `${channel}#${address}`;
}

/**
 * The gate's table access: batched reads (routes, account settings and erasure keys through a
 * per-container TTL cache; consent, suppressions and tombstones always fresh and strongly
 * consistent) and the message-history items that make the gate idempotent.
 */
export class OutboundStore {
  /** Lines by lookup; null: remembered as no line (see resolveLines). */
  private readonly routes: TtlCache<string, GateLine | null>;
  private readonly accounts: TtlCache<string, AccountContext>;
  private readonly erasureKeyCache: TtlCache<string, Buffer>;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly options: OutboundStoreOptions,
  ) {
    this.routes = new TtlCache(options.cacheTtlMs);
    this.accounts = new TtlCache(options.cacheTtlMs);
    this.erasureKeyCache = new TtlCache(options.cacheTtlMs);
  }

  /**
   * Lines by (channel, address). Unknown addresses come back as null and are not cached, so a line
   * created a moment ago is found by the next batch; a deleted line may be served from cache until
   * its entry expires. A lookup marked `rememberMiss` is cached when it finds nothing too (an email
   * address whose domain is the line is looked up for every message of that domain).
   */
  async resolveLines(lookups: readonly { channel: Channel; address: string; rememberMiss?: boolean }[]): Promise<{ lines: Map<string, GateLine | null>; failed: Set<string> }> {
    const lines = new Map<string, GateLine | null>();
    const misses = new Map<string, { key: TableKey; rememberMiss: boolean }>();
    for (const { channel, address, rememberMiss } of lookups) {
      const lookup = routeLookupKey(channel, address);
      const cached = this.routes.get(lookup);
      if (cached !== undefined) lines.set(lookup, cached);
      else misses.set(lookup, { key: keys.route(channel, address), rememberMiss: rememberMiss === true });
    }
    const failed = new Set<string>();
    if (misses.size === 0) return { lines, failed };
    const result = await batchGetItems(this.db, this.tableName, [...misses.values()].map((miss) => miss.key), { ...this.options.batchGet, attributes: ROUTE_ATTRIBUTES });
    for (const [lookup, { key, rememberMiss }] of misses) {
      const id = keyId(key);
      if (result.failed.has(id)) {
        failed.add(lookup);
        continue;
      }
      const item = result.items.get(id);
      if (!item || typeof item.accountId !== 'string' || typeof item.lineId !== 'string') {
        lines.set(lookup, null);
        if (rememberMiss) this.routes.set(lookup, null);
        continue;
      }
      const line: GateLine = { accountId: item.accountId, lineId: item.lineId, channel: item.channel as Channel, address: String(item.address) };
      this.routes.set(lookup, line);
      lines.set(lookup, line);
    }
    return { lines, failed };
  }

  /**
   * Settings (defaults when never saved) of each account, and whether its consent summaries are
   * complete (the account item says so: see CONSENT_SUMMARIES_FLAG), through the per-container cache.
   */
  async accountContexts(accountIds: Iterable<string>): Promise<{ contexts: Map<string, AccountContext>; failed: Set<string> }> {
    const contexts = new Map<string, AccountContext>();
    const failed = new Set<string>();
    const unique = [...new Set(accountIds)];
    const misses = unique.filter((accountId) => {
      const cached = this.accounts.get(accountId);
      if (cached) contexts.set(accountId, cached);
      return !cached;
    });
    if (misses.length === 0) return { contexts, failed };
    const result = await batchGetItems(this.db, this.tableName, misses.flatMap((accountId) => [keys.settings(accountId), keys.account(accountId)]), this.options.batchGet);
    for (const accountId of misses) {
      const settingsId = keyId(keys.settings(accountId));
      const accountItemId = keyId(keys.account(accountId));
      const settings = result.failed.has(settingsId) || result.failed.has(accountItemId) ? undefined : parseSettings(result.items.get(settingsId));
      if (!settings) {
        failed.add(accountId);
        continue;
      }
      const context: AccountContext = { settings, summaries: summariesComplete(result.items.get(accountItemId)) };
      this.accounts.set(accountId, context);
      contexts.set(accountId, context);
    }
    return { contexts, failed };
  }

  /**
   * The erasure keys of these accounts (an account without one has never erased anyone): read only
   * when a tombstone must be looked up, cached once found (a key never changes); an absent key is
   * read again next time, since the account's first erasure may create it at any moment.
   */
  async erasureKeys(accountIds: Iterable<string>): Promise<{ keys: Map<string, Buffer>; failed: Set<string> }> {
    const found = new Map<string, Buffer>();
    const unique = [...new Set(accountIds)];
    const missing = unique.filter((accountId) => {
      const cached = this.erasureKeyCache.get(accountId);
      if (cached) found.set(accountId, cached);
      return !cached;
    });
    const failed = new Set<string>();
    if (missing.length === 0) return { keys: found, failed };
    const result = await batchGetItems(this.db, this.tableName, missing.map((accountId) => keys.erasureKey(accountId)), { ...this.options.batchGet, consistentRead: true });
    for (const accountId of missing) {
      const id = keyId(keys.erasureKey(accountId));
      if (result.failed.has(id)) {
        failed.add(accountId);
        continue;
      }
      const raw = result.items.get(id)?.key;
      if (typeof raw !== 'string' || raw.length === 0) continue;
      let key: Buffer;
      try {
        key = Buffer.from(await this.options.secrets.open(raw, SEALING_CONTEXT.erasureKey(accountId)), 'base64');
      } catch {
        // Fail closed: without the key an erased contact could not be recognised; the messages are retried.
        failed.add(accountId);
        continue;
      }
      this.erasureKeyCache.set(accountId, key);
      found.set(accountId, key);
    }
    return { keys: found, failed };
  }

  /** Consent summaries (or records), suppressions and tombstones: never cached, strongly consistent (a STOP a second ago counts). */
  async readFresh(tableKeys: readonly TableKey[]): Promise<{ items: Map<string, Record<string, unknown>>; failed: Set<string> }> {
    const result = await batchGetItems(this.db, this.tableName, tableKeys, { ...this.options.batchGet, consistentRead: true });
    return { items: result.items, failed: result.failed };
  }

  /**
   * Writes each message's history item as its claim, in transactions of up to 100 items, each
   * conditional: the item is new (or expired) or holds a deferral (decided again when due). When the
   * condition fails the item already holds a claim: its receipt tells a message already sent
   * (`done`) from one whose invocation gave it back or died before sending it (its lease ran out:
   * taken over, conditional on that claim) and from one another invocation is still working on
   * (`busy`, retried later).
   */
  async claim(claims: readonly MessageClaim[], nowMs: number): Promise<Map<string, ClaimResult>> {
    const results = new Map<string, ClaimResult>();
    const contested: { claim: MessageClaim; old: Record<string, unknown> }[] = [];
    const unknown: MessageClaim[] = [];
    await this.transact(
      claims,
      (claim): TransactItem => ({
        Put: {
          TableName: this.tableName,
          Item: claim.item,
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt <= :nowSeconds OR outcome = :deferred',
          ExpressionAttributeValues: { ':nowSeconds': Math.floor(nowMs / 1000), ':deferred': 'deferred' },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
        },
      }),
      (claim, old) => (old ? contested.push({ claim, old: plainAttributes(old) }) : unknown.push(claim)),
      (claim) => results.set(claim.id, { status: 'claimed' }),
    );
    if (unknown.length > 0) {
      // Without the old item in the cancellation reasons, read it.
      const keyOf = (claim: MessageClaim) => keys.outboundMessage(claim.accountId, claim.contact, claim.messageId);
      const read = await this.readFresh(unknown.map(keyOf));
      for (const claim of unknown) {
        const old = read.items.get(keyId(keyOf(claim)));
        if (old) contested.push({ claim, old });
      }
    }

    const receiptIds = contested.flatMap(({ old }) => {
      const ref = claimRefOf(old);
      return ref ? [ref.receiptId] : [];
    });
    const { receipts, failed: unreadReceipts } = await readReceipts(this.db, this.tableName, receiptIds, nowMs, this.options.batchGet);
    const takeovers: (MessageClaim & { previousToken: string })[] = [];
    for (const { claim, old } of contested) {
      const outcome = old.outcome as OutboundOutcome;
      const ref = claimRefOf(old);
      // Items written before receipts existed say `done` themselves.
      if (old.state === 'done') {
        results.set(claim.id, { status: 'done', outcome });
        continue;
      }
      if (ref && unreadReceipts.has(ref.receiptId)) continue;
      const receipt = ref ? receipts.get(ref.receiptId) : undefined;
      if (ref && receipt?.sent.has(ref.claimIndex)) {
        results.set(claim.id, { status: 'done', outcome });
        continue;
      }
      const released = ref !== undefined && receipt?.released.has(ref.claimIndex) === true;
      const leaseOver = typeof old.leaseUntil === 'number' && old.leaseUntil < nowMs;
      if ((released || leaseOver) && typeof old.claimToken === 'string') takeovers.push({ ...claim, previousToken: old.claimToken });
      else results.set(claim.id, { status: 'busy' });
    }
    await this.transact(
      takeovers,
      (claim): TransactItem => ({
        Put: {
          TableName: this.tableName,
          Item: claim.item,
          ConditionExpression: 'claimToken = :previous',
          ExpressionAttributeValues: { ':previous': claim.previousToken },
        },
      }),
      // Someone took it over first: theirs is the claim that counts.
      (claim) => results.set(claim.id, { status: 'busy' }),
      (claim) => results.set(claim.id, { status: 'claimed' }),
    );
    for (const claim of claims) if (!results.has(claim.id)) results.set(claim.id, { status: 'failed' });
    return results;
  }

  /**
   * Records the invocation's receipt (claims sent, claims given back) and the campaign sent counters
   * in one transaction: one write for the whole batch instead of one per message. `recorded` false:
   * the receipt could not be written (the claims then stay until their lease runs out: see the
   * README's idempotency guarantee). `countersLost`: counters that did not fit beside the receipt (a
   * batch of over 99 campaigns and days) or kept conflicting beside it, and then failed in their own
   * transaction.
   */
  async complete(completion: GateCompletion): Promise<{ recorded: boolean; countersLost: number }> {
    const { receipt } = completion;
    const counters = completion.counters.map((counter): TransactItem => ({ Update: statCounterUpdate(this.tableName, counter.accountId, counter.increment, counter.expiresAt) }));
    const receiptPut: TransactItem = { Put: { TableName: this.tableName, Item: receiptItem(receipt, completion.expiresAt, completion.createdAt), ConditionExpression: 'attribute_not_exists(pk)' } };
    const first = await this.writeTransaction([receiptPut, ...counters.slice(0, TRANSACT_MAX_ITEMS - 1)]);
    let rest = counters.slice(TRANSACT_MAX_ITEMS - 1);
    if (first === 'contended' && counters.length > 0) {
      // The counters are shared by every gate invocation of a campaign (a burst: ~100 receipts a
      // second over STATS_SHARDS items): when they keep conflicting, the receipt — what idempotency
      // rests on — goes alone, and the counters after it in their own transactions.
      if ((await this.writeTransaction([receiptPut])) !== 'written') return { recorded: false, countersLost: 0 };
      rest = counters;
    } else if (first !== 'written') {
      return { recorded: false, countersLost: 0 };
    }
    let countersLost = 0;
    for (let start = 0; start < rest.length; start += TRANSACT_MAX_ITEMS) {
      const chunk = rest.slice(start, start + TRANSACT_MAX_ITEMS);
      if ((await this.writeTransaction(chunk)) !== 'written') countersLost += chunk.length;
    }
    return { recorded: true, countersLost };
  }

  /**
   * One transaction, retried with backoff on conflicts and throttling. `contended`: every round was
   * cancelled by a conflict or throttling (no condition failed); `failed`: a condition failed or the
   * request failed outright.
   */
  private async writeTransaction(items: TransactItem[]): Promise<'written' | 'contended' | 'failed'> {
    const maxRounds = this.options.maxWriteRounds ?? 6;
    const sleep = this.options.sleep ?? defaultSleep;
    for (let round = 0; round < maxRounds; round += 1) {
      if (round > 0) await sleep(Math.random() * 25 * 2 ** round);
      try {
        await this.db.send(new TransactWriteCommand({ TransactItems: items }));
        return 'written';
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) return 'failed';
        if ((error.CancellationReasons ?? []).some((reason) => reason.Code === 'ConditionalCheckFailed')) return 'failed';
      }
    }
    return 'contended';
  }

  /**
   * Runs conditional writes in transactions of up to 100. A cancelled transaction is split: items
   * whose condition failed are handed to `onConditionFailed` (with the old item when DynamoDB
   * returned it), the rest are retried with backoff (conflicts, throttling). A request that fails
   * outright leaves its items unreported: the caller treats them as failed.
   */
  private async transact<T extends { id: string }>(
    entries: readonly T[],
    toWrite: (entry: T) => TransactItem,
    onConditionFailed: (entry: T, old: Record<string, unknown> | undefined) => void,
    onWritten: (entry: T) => void,
  ): Promise<void> {
    const chunks: T[][] = [];
    for (let start = 0; start < entries.length; start += TRANSACT_MAX_ITEMS) chunks.push(entries.slice(start, start + TRANSACT_MAX_ITEMS));
    const maxRounds = this.options.maxWriteRounds ?? 6;
    const sleep = this.options.sleep ?? defaultSleep;
    await Promise.all(
      chunks.map(async (chunk) => {
        let pending = chunk;
        for (let round = 0; pending.length > 0 && round < maxRounds; round += 1) {
          if (round > 0) await sleep(Math.random() * 25 * 2 ** round);
          try {
            await this.db.send(new TransactWriteCommand({ TransactItems: pending.map(toWrite) }));
            for (const entry of pending) onWritten(entry);
            return;
          } catch (error) {
            if (!(error instanceof TransactionCanceledException)) return;
            const reasons = error.CancellationReasons ?? [];
            const retry: T[] = [];
            pending.forEach((entry, index) => {
              const reason = reasons[index];
              if (reason?.Code === 'ConditionalCheckFailed') onConditionFailed(entry, reason.Item as Record<string, unknown> | undefined);
              else retry.push(entry);
            });
            pending = retry;
          }
        }
      }),
    );
  }
}

/** The history item of one decision: the message's claim until its receipt records the send. */
export function outboundHistoryItem(input: {
  accountId: string;
  contact: string;
  messageId: string;
  channel: Channel;
  lineId: string;
  from: string;
  category: string;
  campaignId?: string;
  decision: OutboundDecision;
  claim: ClaimRef;
  leaseUntilMs: number;
  decidedAt: string;
  expiresAt: number;
}): Record<string, unknown> {
  const key = keys.outboundMessage(input.accountId, input.contact, input.messageId);
  const marketingSend = input.category === 'marketing' && input.decision.outcome === 'allowed';
  return {
    ...key,
    ...expiryIndexAttributes(input.expiresAt, key.pk, key.sk),
    // Allowed marketing is what an opt-out on this line is attributed to (byMarketingSend index).
    ...(marketingSend ? marketingSendIndexAttributes(input.accountId, input.contact, input.lineId, input.decidedAt) : {}),
    type: 'message',
    direction: 'outbound',
    accountId: input.accountId,
    contact: input.contact,
    messageId: input.messageId,
    channel: input.channel,
    lineId: input.lineId,
    from: input.from,
    category: input.category,
    ...(input.campaignId ? { campaignId: input.campaignId } : {}),
    outcome: input.decision.outcome,
    reason: input.decision.reason,
    decision: input.decision,
    receiptId: input.claim.receiptId,
    claimIndex: input.claim.claimIndex,
    claimToken: claimToken(input.claim),
    leaseUntil: input.leaseUntilMs,
    decidedAt: input.decidedAt,
    expiresAt: input.expiresAt,
  };
}

function parseSettings(item: Record<string, unknown> | undefined): AccountSettings | undefined {
  if (!item) return defaultAccountSettings();
  const parsed = accountSettingsSchema.safeParse(item.settings);
  return parsed.success ? parsed.data : undefined;
}

/**
 * The old item DynamoDB returns with a failed condition is in AttributeValue form ({S: …}, {N: …}):
 * the string and number attributes the claim logic reads, as plain values.
 */
function plainAttributes(item: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(item).map(([name, value]) => {
      if (value && typeof value === 'object' && 'S' in value && typeof value.S === 'string') return [name, value.S];
      if (value && typeof value === 'object' && 'N' in value && typeof value.N === 'string') return [name, Number(value.N)];
      return [name, value];
    }),
  );
}

/** A live item (TTL deletes lazily: an expired item counts as absent). */
export function liveItem(item: Record<string, unknown> | undefined, nowMs: number): Record<string, unknown> | undefined {
  if (!item || isExpired(typeof item.expiresAt === 'number' ? item.expiresAt : undefined, nowMs)) return undefined;
  return item;
}
