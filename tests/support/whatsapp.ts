import { randomBytes, randomInt } from 'node:crypto';
import { computeWhatsAppSignature } from '../../shared/adapters/whatsapp/whatsapp-signature.ts';
import { api } from './api-client.ts';

/** JSON as Meta serialises it: every non-ASCII UTF-16 code unit as a lower-case \uXXXX escape. */
export function metaJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u0080-\uffff]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function wamid(): string {
  return `wamid.${randomBytes(24).toString('base64url')}`;
}

/** A random, unique-enough WhatsApp phone_number_id (Meta's are 15 digits). */
export function phoneNumberId(): string {
  return `1${String(randomInt(0, 1e9)).padStart(9, '0')}${String(randomInt(0, 1e5)).padStart(5, '0')}`;
}

export const epochSeconds = (date = new Date()) => String(Math.floor(date.getTime() / 1000));

export function textMessage(from: string, body: string, options: { id?: string; at?: Date } = {}) {
  return { from: from.replace(/^\+/, ''), id: options.id ?? wamid(), timestamp: epochSeconds(options.at), type: 'text', text: { body } };
}

/** One delivery: a `messages` change (or another field) for the given phone number id. */
export function delivery(phoneNumber: string, value: Record<string, unknown>, field = 'messages') {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '102290129340398',
        changes: [{ field, value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '15550783881', phone_number_id: phoneNumber }, ...value } }],
      },
    ],
  };
}

/** Posts the exact bytes, signed with the app secret as Meta does (or with the signature given). */
export async function postWhatsApp(body: string | Buffer, options: { appSecret?: string; signature?: string | null; contentType?: string } = {}) {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  const headers: Record<string, string> = { 'content-type': options.contentType ?? 'application/json' };
  const signature = options.signature === undefined ? computeWhatsAppSignature(options.appSecret ?? '', bytes) : options.signature;
  if (signature !== null) headers['x-hub-signature-256'] = signature;
  return api('POST', '/webhooks/whatsapp', { body: bytes, headers });
}

export interface SentWhatsApp {
  phoneNumberId: string;
  to: string;
  body: string;
}

export async function sentWhatsApp(filter: { to?: string; phoneNumberId?: string } = {}): Promise<SentWhatsApp[]> {
  const { body } = await api<{ messages: SentWhatsApp[] }>('GET', '/local/sent-whatsapp');
  return body.messages.filter(
    (message) => (filter.to === undefined || message.to === filter.to.replace(/^\+/, '')) && (filter.phoneNumberId === undefined || message.phoneNumberId === filter.phoneNumberId),
  );
}
