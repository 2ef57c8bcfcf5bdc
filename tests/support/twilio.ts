import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { computeTwilioSignature } from '../../shared/adapters/twilio/twilio-signature.ts';
import { api } from './api-client.ts';

export const TWILIO_AUTH_TOKEN = 'test-twilio-auth-token-000000001';

export function messageSid(): string {
  return `SM${randomBytes(16).toString('hex')}`;
}

export function twilioParams(fields: { from: string; to: string; body: string; sid?: string } & Record<string, string>): Record<string, string> {
  const { from, to, body, sid, ...rest } = fields;
  return {
    MessageSid: sid ?? messageSid(),
    SmsMessageSid: sid ?? messageSid(),
    AccountSid: `AC${'0'.repeat(32)}`,
    From: from,
    To: to,
    Body: body,
    NumMedia: '0',
    ApiVersion: '2010-04-01',
    ...rest,
  };
}

/** Posts a form exactly as Twilio does, signed over the public URL (PUBLIC_BASE_URL) and the params. */
export async function postTwilio(params: Record<string, string>, options: { authToken?: string; signature?: string; headers?: Record<string, string> } = {}) {
  const url = `${inject('publicBaseUrl')}/webhooks/twilio`;
  const signature = options.signature ?? computeTwilioSignature(options.authToken ?? TWILIO_AUTH_TOKEN, url, params);
  return api('POST', '/webhooks/twilio', {
    body: new URLSearchParams(params).toString(),
    headers: { ...options.headers, 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
  });
}
