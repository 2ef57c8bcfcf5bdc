import { randomUUID } from 'node:crypto';

export interface SentEmail {
  messageId: string;
  from: string;
  to: string[];
  subject: string;
  text?: string;
  html?: string;
  sentAt: string;
}

interface SendEmailInput {
  FromEmailAddress?: unknown;
  Destination?: { ToAddresses?: unknown };
  Content?: { Simple?: { Subject?: { Data?: unknown }; Body?: { Text?: { Data?: unknown }; Html?: { Data?: unknown } } } };
}

/** The SES v2 REST path of SendEmail, after the endpoint's own path. */
export const SES_SEND_EMAIL_PATH = '/v2/email/outbound-emails';

/**
 * Stands in for SES v2 SendEmail (REST JSON) so the real SDK client works unchanged locally; what
 * it "sent" is visible at GET /local/sent-email.
 */
export function createFakeSesApi() {
  const sent: SentEmail[] = [];
  return {
    sent,
    handle(method: string, path: string, body: string): { status: number; body: unknown } {
      if (method !== 'POST' || path !== SES_SEND_EMAIL_PATH) {
        return { status: 404, body: { message: `Not emulated: ${method} ${path}` } };
      }
      let input: SendEmailInput;
      try {
        input = JSON.parse(body) as SendEmailInput;
      } catch {
        return { status: 400, body: { message: 'Body is not JSON' } };
      }
      const to = input.Destination?.ToAddresses;
      const simple = input.Content?.Simple;
      if (typeof input.FromEmailAddress !== 'string' || !Array.isArray(to) || to.length === 0 || typeof simple?.Subject?.Data !== 'string') {
        return { status: 400, body: { message: 'FromEmailAddress, Destination.ToAddresses and Content.Simple.Subject are required' } };
      }
      const messageId = randomUUID();
      sent.push({
        messageId,
        from: input.FromEmailAddress,
        to: to.map(String),
        subject: simple.Subject.Data,
        ...(typeof simple.Body?.Text?.Data === 'string' ? { text: simple.Body.Text.Data } : {}),
        ...(typeof simple.Body?.Html?.Data === 'string' ? { html: simple.Body.Html.Data } : {}),
        sentAt: new Date().toISOString(),
      });
      return { status: 200, body: { MessageId: messageId } };
    },
  };
}
