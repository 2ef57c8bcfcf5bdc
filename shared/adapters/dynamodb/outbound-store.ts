import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand, type DynamoDBDocumentClient, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { TtlCache } from '../../cache/ttl-cache.ts';
import { accountSettingsSchema, defaultAccountSettings, type AccountSettings } from '../../domain/accounts/account-settings.ts';
import type { Channel } from '../../domain/channels.ts';
import type { OutboundDecision, OutboundOutcome } from '../../domain/outbound/decide-outbound.ts';
import { isExpired } from '../../domain/retention/expires-at.ts';
import { batchGetItems, keyId, type BatchGetOptions, type TableKey } from './batch-get-items.ts';
import { expiryIndexAttributes, keys } from './table-keys.ts';
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
  /** The account's erasure key, when it has erased anyone (tombstones are keyed with it). */
  erasureKey?: Buffer;
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

/** A message's claim on its history item: it decides, sends, then completes. */
export interface MessageClaim {
  id: string;
  accountId: string;
  contact: string;
  messageId: string;
  token: string;
  item: Record<string, unknown>;
}

export type ClaimResult =
  | { status: 'claimed' }
  /** Decided and sent before (a redelivery): nothing to do. */
  | { status: 'done'; outcome: OutboundOutcome }
  /** Another invocation holds a live claim: retry later. */
  | { status: 'busy' }
  | { status: 'failed' };

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
  private readonly routes: TtlCache<string, GateLine>;
  private readonly settings: TtlCache<string, AccountSettings>;
  private readonly erasureKeys: TtlCache<string, Buffer>;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly options: OutboundStoreOptions,
  ) {
    this.routes = new TtlCache(options.cacheTtlMs);
    this.settings = new TtlCache(options.cacheTtlMs);
    this.erasureKeys = new TtlCache(options.cacheTtlMs);
  }

  /**
   * Lines by (channel, address). Unknown addresses come back as null and are not cached, so a line
   * created a moment ago is found by the next batch; a deleted line may be served from cache until
   * its entry expires.
   */
  async resolveLines(lookups: readonly { channel: Channel; address: string }[]): Promise<{ lines: Map<string, GateLine | null>; failed: Set<string> }> {
    const lines = new Map<string, GateLine | null>();
    const misses = new Map<string, TableKey>();
    for (const { channel, address } of lookups) {
      const lookup = routeLookupKey(channel, address);
      const cached = this.routes.get(lookup);
      if (cached) lines.set(lookup, cached);
      else misses.set(lookup, keys.route(channel, address));
    }
    const failed = new Set<string>();
    if (misses.size === 0) return { lines, failed };
    const result = await batchGetItems(this.db, this.tableName, [...misses.values()], { ...this.options.batchGet, attributes: ROUTE_ATTRIBUTES });
    for (const [lookup, key] of misses) {
      const id = keyId(key);
      if (result.failed.has(id)) {
        failed.add(lookup);
        continue;
      }
      const item = result.items.get(id);
      if (!item || typeof item.accountId !== 'string' || typeof item.lineId !== 'string') {
        lines.set(lookup, null);
        continue;
      }
      const line: GateLine = { accountId: item.accountId, lineId: item.lineId, channel: item.channel as Channel, address: String(item.address) };
      this.routes.set(lookup, line);
      lines.set(lookup, line);
    }
    return { lines, failed };
  }

  /** Settings (defaults when never saved) and the erasure key of each account. An absent key is not cached. */
  async accountContexts(accountIds: Iterable<string>): Promise<{ contexts: Map<string, AccountContext>; failed: Set<string> }> {
    const contexts = new Map<string, AccountContext>();
    const failed = new Set<string>();
    const wanted: TableKey[] = [];
    const unique = [...new Set(accountIds)];
    for (const accountId of unique) {
      if (!this.settings.has(accountId)) wanted.push(keys.settings(accountId));
      if (!this.erasureKeys.has(accountId)) wanted.push(keys.erasureKey(accountId));
    }
    const result = wanted.length > 0 ? await batchGetItems(this.db, this.tableName, wanted, this.options.batchGet) : undefined;
    for (const accountId of unique) {
      let settings = this.settings.get(accountId);
      let erasureKey = this.erasureKeys.get(accountId);
      if (result) {
        const settingsId = keyId(keys.settings(accountId));
        const erasureId = keyId(keys.erasureKey(accountId));
        if (result.failed.has(settingsId) || result.failed.has(erasureId)) {
          failed.add(accountId);
          continue;
        }
        if (!settings) {
          const parsed = parseSettings(result.items.get(settingsId));
          if (!parsed) {
            failed.add(accountId);
            continue;
          }
          settings = parsed;
          this.settings.set(accountId, settings);
        }
        if (!erasureKey) {
          const raw = result.items.get(erasureId)?.key;
          if (typeof raw === 'string' && raw.length > 0) {
            try {
              erasureKey = Buffer.from(await this.options.secrets.open(raw, SEALING_CONTEXT.erasureKey(accountId)), 'base64');
            } catch {
              // Fail closed: without the key an erased contact could not be recognised; the messages are retried.
              failed.add(accountId);
              continue;
            }
            this.erasureKeys.set(accountId, erasureKey);
          }
        }
      }
      if (!settings) {
        failed.add(accountId);
        continue;
      }
      contexts.set(accountId, { settings, ...(erasureKey ? { erasureKey } : {}) });
    }
    return { contexts, failed };
  }

  /** Consent records, suppressions and tombstones: never cached, strongly consistent (a STOP a second ago counts). */
  async readFresh(tableKeys: readonly TableKey[]): Promise<{ items: Map<string, Record<string, unknown>>; failed: Set<string> }> {
    const result = await batchGetItems(this.db, this.tableName, tableKeys, { ...this.options.batchGet, consistentRead: true });
    return { items: result.items, failed: result.failed };
  }

  /**
   * Writes each message's history item in the `claimed` state, in transactions of up to 100 items,
   * each conditional: the item is new (or expired), or holds a deferral, or a claim whose lease ran
   * out (its invocation died). A condition failure tells a redelivery (`done`) from a message
   * another invocation is working on (`busy`).
   */
  async claim(claims: readonly MessageClaim[], nowMs: number): Promise<Map<string, ClaimResult>> {
    const results = new Map<string, ClaimResult>();
    const toWrite = (claim: MessageClaim): TransactItem => ({
      Put: {
        TableName: this.tableName,
        Item: claim.item,
        ConditionExpression:
          'attribute_not_exists(pk) OR expiresAt <= :nowSeconds OR (#state = :done AND outcome = :deferred) OR (#state = :claimed AND leaseUntil < :nowMs)',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: {
          ':nowSeconds': Math.floor(nowMs / 1000),
          ':nowMs': nowMs,
          ':done': 'done',
          ':claimed': 'claimed',
          ':deferred': 'deferred',
        },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
      },
    });
    const settle = (claim: MessageClaim, old: Record<string, unknown> | undefined) => {
      const state = attributeString(old, 'state');
      const outcome = attributeString(old, 'outcome') as OutboundOutcome | undefined;
      results.set(claim.id, state === 'done' && outcome ? { status: 'done', outcome } : { status: 'busy' });
    };
    const unknown: MessageClaim[] = [];
    await this.transact(
      claims,
      toWrite,
      (claim, old) => (old ? settle(claim, old) : unknown.push(claim)),
      (claim) => results.set(claim.id, { status: 'claimed' }),
    );
    if (unknown.length > 0) {
      // Without the old item in the cancellation reasons, read it to tell `done` from `busy`.
      const keyOf = (claim: MessageClaim) => keys.outboundMessage(claim.accountId, claim.contact, claim.messageId);
      const read = await this.readFresh(unknown.map(keyOf));
      for (const claim of unknown) {
        if (!read.failed.has(keyId(keyOf(claim)))) settle(claim, read.items.get(keyId(keyOf(claim))));
      }
    }
    for (const claim of claims) if (!results.has(claim.id)) results.set(claim.id, { status: 'failed' });
    return results;
  }

  /** Marks claimed items `done` once their message is on its queue. Returns the ids it could not mark. */
  async complete(claims: readonly MessageClaim[], nowMs: number): Promise<Set<string>> {
    const marked = new Set<string>();
    await this.transact(
      claims,
      (claim): TransactItem => ({
        Update: {
          TableName: this.tableName,
          Key: keys.outboundMessage(claim.accountId, claim.contact, claim.messageId),
          UpdateExpression: 'SET #state = :done, completedAt = :now REMOVE leaseUntil',
          ConditionExpression: 'claimToken = :token',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':done': 'done', ':now': new Date(nowMs).toISOString(), ':token': claim.token },
        },
      }),
      // Someone else took the claim over (our lease ran out): theirs is the record that counts.
      (claim) => marked.add(claim.id),
      (claim) => marked.add(claim.id),
    );
    return new Set(claims.filter((claim) => !marked.has(claim.id)).map((claim) => claim.id));
  }

  /** Gives claims back (their message could not be sent), so the retry need not wait for the lease. Best effort. */
  async release(claims: readonly MessageClaim[]): Promise<void> {
    await this.transact(
      claims,
      (claim): TransactItem => ({
        Update: {
          TableName: this.tableName,
          Key: keys.outboundMessage(claim.accountId, claim.contact, claim.messageId),
          UpdateExpression: 'SET leaseUntil = :zero',
          ConditionExpression: 'claimToken = :token AND #state = :claimed',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':zero': 0, ':token': claim.token, ':claimed': 'claimed' },
        },
      }),
      () => undefined,
      () => undefined,
    );
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

/** The history item of one decision (the claim writes it; complete marks it done). */
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
  token: string;
  leaseUntilMs: number;
  decidedAt: string;
  expiresAt: number;
}): Record<string, unknown> {
  const key = keys.outboundMessage(input.accountId, input.contact, input.messageId);
  return {
    ...key,
    ...expiryIndexAttributes(input.expiresAt, key.pk, key.sk),
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
    state: 'claimed',
    claimToken: input.token,
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

/** Reads a string attribute from an item that may be in plain or AttributeValue (`{S: …}`) form. */
function attributeString(item: Record<string, unknown> | undefined, name: string): string | undefined {
  const value = item?.[name];
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && 'S' in value && typeof value.S === 'string') return value.S;
  return undefined;
}

/** A live item (TTL deletes lazily: an expired item counts as absent). */
export function liveItem(item: Record<string, unknown> | undefined, nowMs: number): Record<string, unknown> | undefined {
  if (!item || isExpired(typeof item.expiresAt === 'number' ? item.expiresAt : undefined, nowMs)) return undefined;
  return item;
}
