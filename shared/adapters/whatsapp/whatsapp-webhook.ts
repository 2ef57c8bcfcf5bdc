import * as z from '../../validation/zod.ts';

/**
 * The WhatsApp Cloud API webhook (`object: whatsapp_business_account`): entries of changes, each
 * change one `field` (`messages`, `user_preferences`, …) with a `value` that names the business
 * phone number (`metadata.phone_number_id`). One delivery can carry several entries, changes,
 * messages and statuses, duplicates included.
 */

/** WhatsApp error 131050: the person stopped marketing messages from this business (Meta will not deliver them). */
export const WHATSAPP_MARKETING_OPT_OUT_ERROR = 131050;

/** Bounds the work one delivery can cause; Meta batches far fewer updates than this. */
export const MAX_UPDATES_PER_DELIVERY = 500;

export type WhatsAppUpdate =
  | {
      kind: 'message';
      phoneNumberId: string;
      wamid: string;
      /** The sender's wa_id (digits of their number). */
      from: string;
      occurredAt: string;
      messageType: 'text' | 'button' | 'button_reply' | 'list_reply';
      /** What the person wrote or the title of what they tapped. */
      text: string;
      /** A quick-reply payload or an interactive reply id, tried when the text matches no keyword. */
      payload?: string;
    }
  | {
      kind: 'marketing_preference';
      phoneNumberId: string;
      waId: string;
      value: 'stop' | 'resume';
      occurredAt: string;
      detail?: string;
    }
  | {
      kind: 'marketing_opt_out_error';
      phoneNumberId: string;
      /** The outbound message Meta refused to deliver. */
      wamid: string;
      recipientId: string;
      occurredAt: string;
      errorCode: number;
      errorTitle?: string;
    }
  | { kind: 'ignored'; phoneNumberId?: string; what: string };

const nonEmpty = z.string().check(z.trim(), z.minLength(1));
const phoneNumberIdSchema = z.string().check(z.regex(/^\d{1,32}$/));

const changeSchema = z.looseObject({
  field: z.string(),
  value: z.looseObject({ metadata: z.looseObject({ phone_number_id: phoneNumberIdSchema }) }),
});

const webhookSchema = z.looseObject({
  object: z.literal('whatsapp_business_account'),
  entry: z
    .array(z.looseObject({ changes: z.array(z.unknown()).check(z.maxLength(MAX_UPDATES_PER_DELIVERY)) }))
    .check(z.minLength(1), z.maxLength(MAX_UPDATES_PER_DELIVERY)),
});

/** Meta's epoch seconds; a number past the last date JavaScript can hold is not a time (the update is malformed). */
const epochSeconds = z.pipe(
  z.union([z.string().check(z.regex(/^\d{1,12}$/)), z.number().check(z.int(), z.nonnegative())]),
  z.transform((value, context) => {
    const date = new Date(Number(value) * 1000);
    if (Number.isNaN(date.getTime())) {
      context.issues.push({ code: 'custom', input: value, message: 'timestamp is not a time' });
      return z.NEVER;
    }
    return date.toISOString();
  }),
);

const messageSchema = z.looseObject({
  from: nonEmpty.check(z.maxLength(64)),
  id: nonEmpty.check(z.maxLength(256)),
  timestamp: epochSeconds,
  type: z.string(),
  text: z.optional(z.looseObject({ body: z.string().check(z.maxLength(4096)) })),
  button: z.optional(z.looseObject({ text: z.string().check(z.maxLength(1024)), payload: z.optional(z.string().check(z.maxLength(1024))) })),
  interactive: z.optional(
    z.looseObject({
      type: z.string(),
      button_reply: z.optional(z.looseObject({ id: z.string().check(z.maxLength(256)), title: z.string().check(z.maxLength(1024)) })),
      list_reply: z.optional(z.looseObject({ id: z.string().check(z.maxLength(256)), title: z.string().check(z.maxLength(1024)) })),
    }),
  ),
});

const statusSchema = z.looseObject({
  id: nonEmpty.check(z.maxLength(256)),
  status: z.string(),
  timestamp: epochSeconds,
  recipient_id: nonEmpty.check(z.maxLength(64)),
  recipient_type: z.optional(z.string()),
  errors: z.optional(z.array(z.looseObject({ code: z.number(), title: z.optional(z.string()) }))),
});

const preferenceSchema = z.looseObject({
  wa_id: z.optional(nonEmpty.check(z.maxLength(64))),
  category: z.string(),
  value: z.string(),
  timestamp: epochSeconds,
  detail: z.optional(z.string().check(z.maxLength(1024))),
});

const contactsSchema = z.optional(z.array(z.looseObject({ wa_id: z.optional(z.string()) })));

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string };

/**
 * Only what routing needs, from a body whose signature is not checked yet: the distinct
 * `phone_number_id`s it names. Nothing else is read or acted on before the signature verified.
 */
export function phoneNumberIdsOf(json: unknown): ParseResult<string[]> {
  const parsed = webhookSchema.safeParse(json);
  if (!parsed.success) return { ok: false, error: 'Not a WhatsApp Business Account webhook (object, entry[].changes[])' };
  const ids = new Set<string>();
  for (const entry of parsed.data.entry) {
    for (const change of entry.changes) {
      const result = changeSchema.safeParse(change);
      if (result.success) ids.add(result.data.value.metadata.phone_number_id);
    }
  }
  return { ok: true, value: [...ids] };
}

/** Every update of a verified delivery, in order, for the given phone numbers only; anything unknown is `ignored`. */
export function whatsAppUpdatesOf(json: unknown, phoneNumberIds: ReadonlySet<string>): WhatsAppUpdate[] {
  const parsed = webhookSchema.safeParse(json);
  if (!parsed.success) return [];
  const updates: WhatsAppUpdate[] = [];
  for (const entry of parsed.data.entry) {
    for (const rawChange of entry.changes) {
      const change = changeSchema.safeParse(rawChange);
      if (!change.success) {
        updates.push({ kind: 'ignored', what: 'change without metadata.phone_number_id' });
        continue;
      }
      const { field, value } = change.data;
      const phoneNumberId = value.metadata.phone_number_id;
      if (!phoneNumberIds.has(phoneNumberId)) continue;
      if (field === 'messages') updates.push(...messageUpdates(phoneNumberId, value));
      else if (field === 'user_preferences') updates.push(...preferenceUpdates(phoneNumberId, value));
      else updates.push({ kind: 'ignored', phoneNumberId, what: `field ${field}` });
      if (updates.length >= MAX_UPDATES_PER_DELIVERY) return updates.slice(0, MAX_UPDATES_PER_DELIVERY);
    }
  }
  return updates;
}

function arrayOf(value: Record<string, unknown>, key: string): unknown[] {
  const list = value[key];
  return Array.isArray(list) ? list.slice(0, MAX_UPDATES_PER_DELIVERY) : [];
}

function messageUpdates(phoneNumberId: string, value: Record<string, unknown>): WhatsAppUpdate[] {
  const updates: WhatsAppUpdate[] = [];
  for (const raw of arrayOf(value, 'messages')) {
    const result = messageSchema.safeParse(raw);
    if (!result.success) {
      updates.push({ kind: 'ignored', phoneNumberId, what: 'malformed message' });
      continue;
    }
    const message = result.data;
    const base = { kind: 'message' as const, phoneNumberId, wamid: message.id, from: message.from, occurredAt: message.timestamp };
    if (message.type === 'text' && message.text) {
      updates.push({ ...base, messageType: 'text', text: message.text.body });
    } else if (message.type === 'button' && message.button) {
      updates.push({ ...base, messageType: 'button', text: message.button.text, ...optionalPayload(message.button.payload) });
    } else if (message.type === 'interactive' && message.interactive?.type === 'button_reply' && message.interactive.button_reply) {
      const reply = message.interactive.button_reply;
      updates.push({ ...base, messageType: 'button_reply', text: reply.title, ...optionalPayload(reply.id) });
    } else if (message.type === 'interactive' && message.interactive?.type === 'list_reply' && message.interactive.list_reply) {
      const reply = message.interactive.list_reply;
      updates.push({ ...base, messageType: 'list_reply', text: reply.title, ...optionalPayload(reply.id) });
    } else {
      // Media, reactions, locations, system notices…: nothing a keyword rule reads.
      updates.push({ kind: 'ignored', phoneNumberId, what: `message type ${message.type}` });
    }
  }
  for (const raw of arrayOf(value, 'statuses')) {
    const result = statusSchema.safeParse(raw);
    if (!result.success) {
      updates.push({ kind: 'ignored', phoneNumberId, what: 'malformed status' });
      continue;
    }
    const status = result.data;
    const error = status.errors?.find((candidate) => candidate.code === WHATSAPP_MARKETING_OPT_OUT_ERROR);
    if (status.status === 'failed' && error && (status.recipient_type ?? 'individual') === 'individual') {
      updates.push({
        kind: 'marketing_opt_out_error',
        phoneNumberId,
        wamid: status.id,
        recipientId: status.recipient_id,
        occurredAt: status.timestamp,
        errorCode: error.code,
        ...(error.title ? { errorTitle: error.title } : {}),
      });
    } else {
      updates.push({ kind: 'ignored', phoneNumberId, what: `status ${status.status}` });
    }
  }
  return updates;
}

function preferenceUpdates(phoneNumberId: string, value: Record<string, unknown>): WhatsAppUpdate[] {
  const contacts = contactsSchema.safeParse(value.contacts);
  const contactWaId = contacts.success ? contacts.data?.[0]?.wa_id : undefined;
  const updates: WhatsAppUpdate[] = [];
  for (const raw of arrayOf(value, 'user_preferences')) {
    const result = preferenceSchema.safeParse(raw);
    if (!result.success) {
      updates.push({ kind: 'ignored', phoneNumberId, what: 'malformed user preference' });
      continue;
    }
    const preference = result.data;
    const waId = preference.wa_id ?? contactWaId;
    if (preference.category !== 'marketing_messages' || (preference.value !== 'stop' && preference.value !== 'resume') || !waId) {
      updates.push({ kind: 'ignored', phoneNumberId, what: `user preference ${preference.category}/${preference.value}` });
      continue;
    }
    updates.push({
      kind: 'marketing_preference',
      phoneNumberId,
      waId,
      value: preference.value,
      occurredAt: preference.timestamp,
      ...(preference.detail ? { detail: preference.detail } : {}),
    });
  }
  return updates;
}

function optionalPayload(payload: string | undefined): { payload?: string } {
  return payload !== undefined && payload.trim() !== '' ? { payload } : {};
}
