import { randomBytes } from 'node:crypto';

export interface SentWhatsApp {
  messageId: string;
  phoneNumberId: string;
  to: string;
  body: string;
  sentAt: string;
}

const MESSAGES_PATH = /^\/v[\d.]+\/(\d{1,32})\/messages$/;

/**
 * Stands in for the WhatsApp Cloud API's send-message endpoint
 * (`POST /{version}/{phone-number-id}/messages`, Bearer token, JSON text message) so the function's
 * real HTTP client works unchanged locally; what it "sent" is listed at GET /local/sent-whatsapp.
 * `failNext(n)` makes the next n sends answer 503, as an outage would; a token starting with
 * `expired` is refused with 401, as Meta refuses an expired one.
 */
export function createFakeWhatsAppCloudApi() {
  const sent: SentWhatsApp[] = [];
  let failures = 0;
  return {
    sent,
    failNext(count: number) {
      failures = count;
    },
    handle(path: string, authorization: string | undefined, body: string): { status: number; body: unknown } {
      const match = MESSAGES_PATH.exec(path);
      if (!match?.[1]) return { status: 404, body: { error: { message: `Unknown path ${path}`, code: 100 } } };
      // Like Meta, refuses a missing or expired token (locally: any token starting with "expired").
      if (!/^Bearer \S+$/.test(authorization ?? '') || /^Bearer expired/.test(authorization ?? '')) {
        return { status: 401, body: { error: { message: 'Invalid OAuth access token', code: 190 } } };
      }
      if (failures > 0) {
        failures -= 1;
        return { status: 503, body: { error: { message: 'Service temporarily unavailable', code: 2 } } };
      }
      let input: { messaging_product?: unknown; to?: unknown; type?: unknown; text?: { body?: unknown } };
      try {
        input = JSON.parse(body) as typeof input;
      } catch {
        return { status: 400, body: { error: { message: 'Body is not JSON', code: 100 } } };
      }
      if (input.messaging_product !== 'whatsapp' || typeof input.to !== 'string' || input.type !== 'text' || typeof input.text?.body !== 'string') {
        return { status: 400, body: { error: { message: 'messaging_product, to, type=text and text.body are required', code: 100 } } };
      }
      const messageId = `wamid.${randomBytes(24).toString('base64url')}`;
      sent.push({ messageId, phoneNumberId: match[1], to: input.to, body: input.text.body, sentAt: new Date().toISOString() });
      return { status: 200, body: { messaging_product: 'whatsapp', contacts: [{ input: input.to, wa_id: input.to }], messages: [{ id: messageId }] } };
    },
  };
}
