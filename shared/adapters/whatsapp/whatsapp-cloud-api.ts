import type { HttpClient } from '../http/http-client.ts';

/** Meta's Graph API with its version; WHATSAPP_GRAPH_API_BASE_URL overrides it (the local stack's fake). */
export const DEFAULT_GRAPH_API_BASE_URL = 'https://graph.facebook.com/v23.0';

export class WhatsAppSendError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * Sends keyword replies through the Cloud API's send-message endpoint
 * (`POST {base}/{phone-number-id}/messages`). A keyword reply answers a message the person just
 * sent, so it falls inside the 24-hour customer service window and may be free-form text.
 */
export class WhatsAppCloudApi {
  constructor(
    private readonly http: HttpClient,
    private readonly baseUrl: string,
  ) {}

  async sendText(input: { phoneNumberId: string; accessToken: string; to: string; body: string }): Promise<string | undefined> {
    const response = await this.http.send({
      method: 'POST',
      url: `${this.baseUrl.replace(/\/+$/, '')}/${encodeURIComponent(input.phoneNumberId)}/messages`,
      headers: { authorization: `Bearer ${input.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        // wa_id form: the digits of the E.164 number.
        to: input.to.replace(/^\+/, ''),
        type: 'text',
        text: { preview_url: false, body: input.body },
      }),
    });
    if (response.status < 200 || response.status >= 300) {
      throw new WhatsAppSendError(`The Cloud API answered ${response.status}`, response.status);
    }
    try {
      const parsed = JSON.parse(response.body) as { messages?: { id?: unknown }[] };
      const id = parsed.messages?.[0]?.id;
      return typeof id === 'string' ? id : undefined;
    } catch {
      return undefined;
    }
  }
}
