import { randomUUID } from 'node:crypto';
import { api } from './api-client.ts';

export interface SentSms {
  destinationPhoneNumber: string;
  originationIdentity: string;
  messageBody: string;
}

/** The AWS End User Messaging two-way SMS JSON, as SNS carries it in Records[].Sns.Message. */
export function twoWaySms(fields: { from: string; to: string; body: string; id?: string }): string {
  return JSON.stringify({
    originationNumber: fields.from,
    destinationNumber: fields.to,
    messageKeyword: 'KEYWORD_000000000000',
    messageBody: fields.body,
    inboundMessageId: fields.id ?? randomUUID(),
    previousPublishedMessageId: randomUUID(),
  });
}

/** An AWS End User Messaging SMS event as a configuration set's SNS event destination publishes it. */
export function smsEvent(fields: { from: string; to: string; eventType: string; messageStatus: string; messageId?: string }): string {
  return JSON.stringify({
    eventType: fields.eventType,
    eventVersion: '1.0',
    eventTimestamp: Date.now() - 5_000,
    isFinal: true,
    originationPhoneNumber: fields.from,
    destinationPhoneNumber: fields.to,
    isoCountryCode: 'US',
    messageId: fields.messageId ?? randomUUID(),
    messageRequestTimestamp: Date.now() - 6_000,
    messageEncoding: 'GSM',
    messageType: 'PROMOTIONAL',
    messageStatus: fields.messageStatus,
    messageStatusDescription: 'The destination phone number has opted out of receiving messages',
    totalMessageParts: 1,
    totalMessagePrice: 0,
    totalCarrierFee: 0,
  });
}

/**
 * Delivers a two-way SMS as SNS would (POST /local/aws-sms): `timestamp` is the SNS Timestamp (when
 * the person sent it), `forge` a forgery of local-stack's sns-delivery.ts. Answers the helper's response.
 */
export function postAwsSms(message: string, options: { timestamp?: string; forge?: string } = {}) {
  const params = new URLSearchParams({ ...(options.timestamp ? { timestamp: options.timestamp } : {}), ...(options.forge ? { forge: options.forge } : {}) }).toString();
  return api('POST', `/local/aws-sms${params ? `?${params}` : ''}`, { body: message, headers: { 'content-type': 'application/json' } });
}

/** What the fake SendTextMessage API sent, optionally to one number. */
export async function sentSms(to?: string): Promise<SentSms[]> {
  const { body } = await api<{ messages: SentSms[] }>('GET', '/local/sent-sms');
  return to === undefined ? body.messages : body.messages.filter((message) => message.destinationPhoneNumber === to);
}
