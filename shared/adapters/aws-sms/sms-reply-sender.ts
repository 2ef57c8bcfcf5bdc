import { SendTextMessageCommand, type PinpointSMSVoiceV2Client } from '@aws-sdk/client-pinpoint-sms-voice-v2';

/** Sends keyword replies through AWS End User Messaging SMS (the pinpoint-sms-voice-v2 API). */
export class AwsSmsReplySender {
  constructor(private readonly client: PinpointSMSVoiceV2Client) {}

  async send(reply: { from: string; to: string; body: string }): Promise<string | undefined> {
    const result = await this.client.send(
      new SendTextMessageCommand({
        OriginationIdentity: reply.from,
        DestinationPhoneNumber: reply.to,
        MessageBody: reply.body,
        // Opt-out confirmations and HELP answers are transactional by CTIA's definition.
        MessageType: 'TRANSACTIONAL',
      }),
    );
    return result.MessageId;
  }
}
