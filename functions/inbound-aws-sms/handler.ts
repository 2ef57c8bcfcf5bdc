import { PinpointSMSVoiceV2Client } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import type { SNSEvent } from 'aws-lambda';
import { AwsSmsReplySender } from '../../shared/adapters/aws-sms/sms-reply-sender.ts';
import { parseTwoWaySmsMessage } from '../../shared/adapters/aws-sms/two-way-sms-message.ts';
import { createEventBridgeClient, EventBridgeConsentEventPublisher } from '../../shared/adapters/eventbridge/consent-event-publisher.ts';
import { createDocumentClient } from '../../shared/adapters/dynamodb/document-client.ts';
import { createStores } from '../../shared/adapters/dynamodb/stores.ts';
import { createSnsVerifier } from '../../shared/adapters/sns/sns-certificate-source.ts';
import { verifySnsRecords } from '../../shared/adapters/sns/sns-lambda-event.ts';
import { loadSnsConfig } from '../../shared/config/provider-config.ts';
import { loadServiceConfig } from '../../shared/config/service-config.ts';
import { normalizeLineAddress } from '../../shared/domain/accounts/line.ts';
import { maskContact } from '../../shared/domain/contact-address.ts';
import { AppError } from '../../shared/domain/errors.ts';
import { logger } from '../../shared/observability/logger.ts';
import { handleInboundMessage, ReplyInFlightError, sendAsyncReply } from '../../shared/use-cases/handle-inbound-message.ts';
import { createSecretBox } from '../../shared/adapters/secrets/service-key-source.ts';

const config = loadServiceConfig();
// Opens line credentials and per-account keys (sealed in the table); reads the service key on first use.
const secrets = createSecretBox();
const stores = createStores(createDocumentClient(), config.tableName, secrets);
const consentEvents = new EventBridgeConsentEventPublisher(createEventBridgeClient(), config.eventBusName);
const verifier = createSnsVerifier(loadSnsConfig());
const replySender = new AwsSmsReplySender(
  new PinpointSMSVoiceV2Client({ maxAttempts: 3, requestHandler: { connectionTimeout: 1_000, requestTimeout: 5_000 } }),
);

/**
 * AWS End User Messaging two-way SMS, delivered by SNS. Each record's SNS signature is verified
 * first (as for every SNS-triggered function: only what SNS signed for an allowed topic is read).
 * Unverifiable, malformed or unroutable messages are logged and dropped (a retry cannot fix them);
 * storage or send failures throw, so Lambda retries the event, and the idempotency marker makes the
 * retry change nothing while still sending a reply that did not go out the first time.
 */
export const handler = async (event: SNSEvent): Promise<void> => {
  const { notifications, rejected } = await verifySnsRecords(event, verifier);
  for (const rejection of rejected) logger.warn('Rejected an SNS message that did not verify', { ...rejection });
  for (const notification of notifications) {
    const parsed = parseTwoWaySmsMessage(notification.Message);
    const receivedAt = Date.parse(notification.Timestamp);
    if (!parsed.ok || Number.isNaN(receivedAt)) {
      logger.warn('Ignoring malformed two-way SMS notification', { snsMessageId: notification.MessageId, error: parsed.ok ? 'Timestamp is not a date' : parsed.error });
      continue;
    }
    const sms = parsed.value;
    const route = await stores.lineStore.findRoute('sms', normalizeLineAddress('sms', sms.destinationNumber));
    if (!route || route.provider !== 'aws') {
      logger.warn('Ignoring two-way SMS to an unregistered line', { line: maskContact(sms.destinationNumber) });
      continue;
    }
    try {
      const outcome = await handleInboundMessage(
        { ...stores, consentEvents, now: () => new Date() },
        {
          provider: 'aws',
          providerMessageId: sms.inboundMessageId,
          channel: 'sms',
          route,
          from: sms.originationNumber,
          text: sms.messageBody,
          occurredAt: new Date(receivedAt).toISOString(),
          replyMode: 'async',
        },
      );
      if (outcome.reply && outcome.heldReply) {
        const reply = outcome.reply;
        await sendAsyncReply(stores.consentStore, outcome.heldReply, async () => {
          await replySender.send({ from: route.address, to: outcome.contact, body: reply });
          return 'sent';
        });
      }
      // Another delivery holds this message's reply: fail, so that Lambda retries and finds it sent or takes it over.
      if (outcome.replyInFlight) throw new ReplyInFlightError();
      logger.info('AWS two-way SMS handled', {
        from: maskContact(outcome.contact),
        duplicate: outcome.duplicate,
        rule: outcome.match?.ruleId,
        effect: outcome.consent?.effect,
        replied: outcome.reply !== undefined,
      });
    } catch (error) {
      // A bad sender number can never succeed: drop it instead of retrying.
      if (error instanceof AppError && error.statusCode < 500) {
        logger.warn('Ignoring invalid two-way SMS', { code: error.code, message: error.message });
        continue;
      }
      throw error;
    }
  }
};
