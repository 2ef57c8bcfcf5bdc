import { PinpointSMSVoiceV2Client } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import type { SNSEvent } from 'aws-lambda';
import { extractSnsMessages } from '../../shared/adapters/aws-sms/sns-event.ts';
import { AwsSmsReplySender } from '../../shared/adapters/aws-sms/sms-reply-sender.ts';
import { parseTwoWaySmsMessage } from '../../shared/adapters/aws-sms/two-way-sms-message.ts';
import { createEventBridgeClient, EventBridgeConsentEventPublisher } from '../../shared/adapters/eventbridge/consent-event-publisher.ts';
import { createDocumentClient } from '../../shared/adapters/dynamodb/document-client.ts';
import { createStores } from '../../shared/adapters/dynamodb/stores.ts';
import { loadServiceConfig } from '../../shared/config/service-config.ts';
import { normalizeLineAddress } from '../../shared/domain/accounts/line.ts';
import { maskContact } from '../../shared/domain/contact-address.ts';
import { AppError } from '../../shared/domain/errors.ts';
import { logger } from '../../shared/observability/logger.ts';
import { handleInboundMessage } from '../../shared/use-cases/handle-inbound-message.ts';
import { createSecretBox } from '../../shared/adapters/secrets/service-key-source.ts';

const config = loadServiceConfig();
// Opens line credentials and per-account keys (sealed in the table); reads the service key on first use.
const secrets = createSecretBox();
const stores = createStores(createDocumentClient(), config.tableName, secrets);
const consentEvents = new EventBridgeConsentEventPublisher(createEventBridgeClient(), config.eventBusName);
const replySender = new AwsSmsReplySender(
  new PinpointSMSVoiceV2Client({ maxAttempts: 3, requestHandler: { connectionTimeout: 1_000, requestTimeout: 5_000 } }),
);

/**
 * AWS End User Messaging two-way SMS, delivered by SNS. Malformed or unroutable messages are logged
 * and dropped (a retry cannot fix them); storage or send failures throw, so Lambda retries the
 * event, and the idempotency marker makes the retry change nothing while still sending a reply that
 * did not go out the first time.
 */
export const handler = async (event: SNSEvent): Promise<void> => {
  for (const notification of extractSnsMessages(event)) {
    const parsed = parseTwoWaySmsMessage(notification.message);
    if (!parsed.ok) {
      logger.warn('Ignoring malformed two-way SMS notification', { snsMessageId: notification.snsMessageId, error: parsed.error });
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
          occurredAt: new Date(notification.timestamp).toISOString(),
          replyMode: 'async',
        },
      );
      if (outcome.reply) {
        await replySender.send({ from: route.address, to: outcome.contact, body: outcome.reply });
        await stores.consentStore.markReplySent(route.accountId, outcome.contact, 'aws', sms.inboundMessageId);
      }
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
