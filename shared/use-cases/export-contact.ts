import type { DataStores } from '../adapters/dynamodb/data-stores.ts';
import { queryContactPartition } from '../adapters/dynamodb/contact-partition.ts';
import { NotFoundError, ValidationError } from '../domain/errors.ts';
import { isExpired } from '../domain/retention/expires-at.ts';
import { itemKindOf } from '../domain/retention/item-kind.ts';
import { effectiveRetention, type EffectiveRetention, type RetentionOverride } from '../domain/retention/retention-policy.ts';
import { toContactView, type ContactView } from './contact-profiles.ts';

/**
 * Subject access export (GDPR Art. 15): everything optgate holds about one contact, as one JSON
 * document. Field by field in the README ("Subject access export").
 */
export interface ContactExport {
  contact: string;
  accountId: string;
  exportedAt: string;
  profile: Omit<ContactView, 'retention'> | null;
  retention: { override: RetentionOverride | null; effective: EffectiveRetention };
  consent: ExportedItem[];
  events: ExportedItem[];
  inboundMessages: ExportedItem[];
  messages: ExportedItem[];
  suppressions: ExportedItem[];
  other: ExportedItem[];
  /** Present when the contact holds more than one response can carry: GET again with ?cursor=. */
  nextCursor?: string;
}

type ExportedItem = Record<string, unknown>;

/** Lambda responses are capped at 6 MB; a page stops well before. */
const MAX_PAGE_BYTES = 4 * 1024 * 1024;
// The reply lease (who is sending an inbound message's reply, until when) is coordination between deliveries, not data about the person.
const INTERNAL_MARKER_FIELDS = new Set(['replyLeaseUntil', 'replyHolder']);
const INTERNAL_ATTRIBUTES = new Set(['pk', 'sk', 'type', 'accountId', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', 'gsi3pk', 'gsi3sk', 'gsi4pk', 'gsi4sk', 'activityAt', 'consentKeys', 'writeToken']);

export async function exportContact(
  deps: Pick<DataStores, 'accountStore' | 'profileStore' | 'db' | 'tableName'>,
  accountId: string,
  contact: string,
  options: { now: Date; cursor?: string; maxPageBytes?: number },
): Promise<ContactExport> {
  const nowMs = options.now.getTime();
  let afterSk: string | undefined;
  if (options.cursor !== undefined) {
    afterSk = /^[A-Za-z0-9_-]{1,2000}$/.test(options.cursor) ? Buffer.from(options.cursor, 'base64url').toString('utf8') : '';
    if (!afterSk) throw new ValidationError('cursor is not a value this API returned');
  }
  const [settings, profile] = await Promise.all([deps.accountStore.getSettings(accountId), deps.profileStore.get(accountId, contact, nowMs)]);
  const effective = effectiveRetention(settings.retention, profile?.retention);
  const document: ContactExport = {
    contact,
    accountId,
    exportedAt: options.now.toISOString(),
    profile: null,
    retention: { override: profile?.retention ?? null, effective },
    consent: [],
    events: [],
    inboundMessages: [],
    messages: [],
    suppressions: [],
    other: [],
  };
  if (profile && afterSk === undefined) {
    const { retention: _retention, ...view } = toContactView(profile, effective);
    document.profile = view;
  }
  const maxBytes = options.maxPageBytes ?? MAX_PAGE_BYTES;
  let bytes = 0;
  let found = document.profile !== null;
  for (;;) {
    const page = await queryContactPartition(deps.db, deps.tableName, accountId, contact, { limit: 500, ...(afterSk ? { afterSk } : {}) });
    for (const item of page.items) {
      const sk = String(item.sk);
      const kind = itemKindOf(sk);
      // The summary is the gate's copy of the consent and suppression items exported here: not repeated.
      if (kind === 'profile' || kind === 'summary' || isExpired(item.expiresAt as number | undefined, nowMs)) continue;
      found = true;
      const exported = exportedItem(item);
      bytes += JSON.stringify(exported).length;
      listFor(document, kind).push(exported);
      if (bytes >= maxBytes) {
        document.nextCursor = Buffer.from(sk, 'utf8').toString('base64url');
        return document;
      }
    }
    if (!page.lastSk) break;
    afterSk = page.lastSk;
  }
  if (!found && options.cursor === undefined) throw new NotFoundError('Nothing is held about this contact');
  return document;
}

function listFor(document: ContactExport, kind: ReturnType<typeof itemKindOf>): ExportedItem[] {
  switch (kind) {
    case 'consent':
      return document.consent;
    case 'event':
      return document.events;
    case 'inbound':
      return document.inboundMessages;
    case 'message':
      return document.messages;
    case 'suppression':
      return document.suppressions;
    default:
      return document.other;
  }
}

/** The stored item without storage internals; nested records (event, marker) are flattened; expiry as ISO. */
function exportedItem(item: Record<string, unknown>): ExportedItem {
  const exported: ExportedItem = {};
  for (const [name, value] of Object.entries(item)) {
    if (INTERNAL_ATTRIBUTES.has(name)) continue;
    if ((name === 'event' || name === 'marker') && value && typeof value === 'object' && !Array.isArray(value)) {
      for (const [field, nested] of Object.entries(value)) if (!INTERNAL_MARKER_FIELDS.has(field)) exported[field] = nested;
    } else if (name === 'expiresAt' && typeof value === 'number') {
      exported.expiresAt = new Date(value * 1000).toISOString();
    } else {
      exported[name] = value instanceof Set ? [...(value as Set<unknown>)] : value;
    }
  }
  if (typeof item.scope === 'string' && itemKindOf(String(item.sk)) === 'consent') {
    exported.lineId = item.scope === '*' ? null : item.scope;
  }
  return exported;
}
