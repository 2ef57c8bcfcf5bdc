import type { DataStores } from '../adapters/dynamodb/data-stores.ts';
import type { ProfileItem } from '../adapters/dynamodb/profile-store.ts';
import type { ProfileInput } from '../domain/contacts/contact-profile.ts';
import { NotFoundError, ValidationError } from '../domain/errors.ts';
import {
  effectiveRetention,
  expiresAtAfter,
  toRetentionOverride,
  type EffectiveRetention,
  type RetentionOverride,
  type RetentionOverrideInput,
} from '../domain/retention/retention-policy.ts';
import { reapplyContactItems } from './reapply-retention.ts';

export type ProfileDeps = Pick<DataStores, 'accountStore' | 'profileStore' | 'jobStore' | 'consentStore' | 'db' | 'tableName'> & { realNowMs: () => number };

export interface ContactView {
  contact: string;
  name?: string;
  externalId?: string;
  attributes: ProfileItem['attributes'];
  createdAt: string;
  updatedAt?: string;
  lastActivityAt: string;
  /** When the profile expires unless the contact is active again (ISO). */
  expiresAt?: string;
  retention: { override: RetentionOverride | null; effective: EffectiveRetention };
}

export function toContactView(profile: ProfileItem, effective: EffectiveRetention): ContactView {
  return {
    contact: profile.contact,
    ...(profile.name ? { name: profile.name } : {}),
    ...(profile.externalId ? { externalId: profile.externalId } : {}),
    attributes: profile.attributes,
    createdAt: profile.createdAt,
    ...(profile.updatedAt ? { updatedAt: profile.updatedAt } : {}),
    lastActivityAt: profile.lastActivityAt,
    ...(profile.expiresAt !== undefined ? { expiresAt: new Date(profile.expiresAt * 1000).toISOString() } : {}),
    retention: { override: profile.retention ?? null, effective },
  };
}

export async function getContact(deps: ProfileDeps, accountId: string, contact: string, now: Date): Promise<ContactView> {
  const [settings, profile] = await Promise.all([
    deps.accountStore.getSettings(accountId),
    deps.profileStore.get(accountId, contact, now.getTime()),
  ]);
  if (!profile) throw new NotFoundError('No profile for this contact');
  return toContactView(profile, effectiveRetention(settings.retention, profile.retention));
}

/** Creates or replaces the profile's name, externalId and attributes; a profile change is activity. */
export async function putContact(deps: ProfileDeps, accountId: string, contact: string, input: ProfileInput, now: Date): Promise<ContactView> {
  const [settings, existing] = await Promise.all([
    deps.accountStore.getSettings(accountId),
    deps.profileStore.get(accountId, contact, now.getTime()),
  ]);
  const retention = effectiveRetention(settings.retention, existing?.retention);
  await deps.profileStore.putFields(accountId, contact, input, { now, expiresAt: expiresAtAfter(now.toISOString(), retention.data) });
  return getContact(deps, accountId, contact, now);
}

const CURSOR_PATTERN = /^[A-Za-z0-9_-]{1,600}$/;

/** Contacts of the account in address order, optionally by address prefix; `cursor` continues a listing. */
export async function listContacts(
  deps: ProfileDeps,
  accountId: string,
  query: { prefix?: string; cursor?: string; limit: number },
  now: Date,
): Promise<{ contacts: ContactView[]; nextCursor?: string }> {
  let after: string | undefined;
  if (query.cursor !== undefined) {
    after = CURSOR_PATTERN.test(query.cursor) ? Buffer.from(query.cursor, 'base64url').toString('utf8') : '';
    if (!after || after.length > 320) throw new ValidationError('cursor is not a value this API returned');
  }
  const prefix = query.prefix?.trim().toLowerCase();
  const [settings, page] = await Promise.all([
    deps.accountStore.getSettings(accountId),
    deps.profileStore.listPage(accountId, {
      ...(prefix ? { prefix } : {}),
      ...(after ? { after } : {}),
      limit: query.limit,
      nowMs: now.getTime(),
    }),
  ]);
  return {
    contacts: page.profiles.map((profile) => toContactView(profile, effectiveRetention(settings.retention, profile.retention))),
    ...(page.nextAfter ? { nextCursor: Buffer.from(page.nextAfter, 'utf8').toString('base64url') } : {}),
  };
}

/**
 * Sets the contact's retention override and re-applies it to the contact's existing items: inline
 * as far as the request's time allows, then by the sweep (an open job) for the rest. Later writes
 * for the contact read the override from the profile.
 */
export async function setContactRetention(
  deps: ProfileDeps,
  accountId: string,
  contact: string,
  input: RetentionOverrideInput,
  options: { now: Date; deadlineMs: number },
): Promise<{ contact: string; retention: { override: RetentionOverride | null; effective: EffectiveRetention }; reapply: { status: 'complete' | 'in_progress'; updated: number } }> {
  const { now } = options;
  const override = toRetentionOverride(input);
  const settings = await deps.accountStore.getSettings(accountId);
  const effective = effectiveRetention(settings.retention, override);
  await deps.profileStore.setRetention(accountId, contact, override, {
    now,
    expiresAtIfNew: expiresAtAfter(now.toISOString(), effective.data),
  });
  const job = await deps.jobStore.openRetentionJob(accountId, contact, now);
  const progress = await reapplyContactItems(deps, {
    accountId,
    contact,
    retention: effective,
    nowSeconds: Math.floor(now.getTime() / 1000),
    deadlineMs: options.deadlineMs,
  });
  // Unfinished: the open job stays for the sweep, which redoes the contact from its start
  // (items already updated keep their expiry and are skipped).
  if (progress.done) await deps.jobStore.completeRetentionJob(job);
  return {
    contact,
    retention: { override: Object.keys(override).length > 0 ? override : null, effective },
    reapply: { status: progress.done ? 'complete' : 'in_progress', updated: progress.updated },
  };
}
