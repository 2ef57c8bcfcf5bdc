import { randomUUID } from 'node:crypto';

export interface SentSms {
  messageId: string;
  originationIdentity: string;
  destinationPhoneNumber: string;
  messageBody: string;
  messageType?: string;
  sentAt: string;
}

/**
 * Stands in for AWS End User Messaging's SendTextMessage (JSON protocol, X-Amz-Target) so the real
 * SDK client in the handler works unchanged on the local stack; what it "sent" is visible at
 * GET /local/sent-sms.
 */
export function createFakeAwsSmsApi() {
  const sent: SentSms[] = [];
  return {
    sent,
    handle(target: string | undefined, body: string): { status: number; body: unknown } {
      if (target !== 'PinpointSMSVoiceV2.SendTextMessage') {
        return { status: 400, body: { __type: 'UnknownOperationException', message: `Not emulated: ${target ?? '(none)'}` } };
      }
      let input: Record<string, unknown>;
      try {
        input = JSON.parse(body) as Record<string, unknown>;
      } catch {
        return { status: 400, body: { __type: 'SerializationException', message: 'Body is not JSON' } };
      }
      if (typeof input.DestinationPhoneNumber !== 'string' || typeof input.MessageBody !== 'string') {
        return { status: 400, body: { __type: 'ValidationException', message: 'DestinationPhoneNumber and MessageBody are required' } };
      }
      const messageId = randomUUID();
      sent.push({
        messageId,
        originationIdentity: String(input.OriginationIdentity ?? ''),
        destinationPhoneNumber: input.DestinationPhoneNumber,
        messageBody: input.MessageBody,
        ...(typeof input.MessageType === 'string' ? { messageType: input.MessageType } : {}),
        sentAt: new Date().toISOString(),
      });
      return { status: 200, body: { MessageId: messageId } };
    },
  };
}
