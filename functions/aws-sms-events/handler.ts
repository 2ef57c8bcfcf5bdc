import { createEventBridgeClient, EventBridgeConsentEventPublisher } from '../../shared/adapters/eventbridge/consent-event-publisher.ts';
import { isOptOutEvent, parseSmsEvent } from '../../shared/adapters/aws-sms/sms-event.ts';
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
import { recordProviderConsent } from '../../shared/use-cases/record-provider-consent.ts';
import { createSecretBox } from '../../shared/adapters/secrets/service-key-source.ts';

const config = loadServiceConfig();
// Opens line credentials and per-account keys (sealed in the table); reads the service key on first use.
const secrets = createSecretBox();
const stores = {
  ...createStores(createDocumentClient(), config.tableName, secrets),
  consentEvents: new EventBridgeConsentEventPublisher(createEventBridgeClient(), config.eventBusName),
};
const verifier = createSnsVerifier(loadSnsConfig());

/**
 * AWS End User Messaging SMS events (configuration set → SNS event destination). An event saying the
 * destination is on the opt-out list means AWS already blocks that number: record the opt-out on
 * the line it was sent from (source `provider`), once per messageId. Every other event is ignored.
 */
export const handler = async (event: unknown): Promise<void> => {
  const { notifications, rejected } = await verifySnsRecords(event, verifier);
  for (const rejection of rejected) logger.warn('Rejected an SNS message that did not verify', { ...rejection });
  for (const message of notifications) {
    const parsed = parseSmsEvent(message.Message);
    if (!parsed.ok) {
      logger.warn('Ignoring a malformed SMS event', { snsMessageId: message.MessageId, error: parsed.error });
      continue;
    }
    const sms = parsed.value;
    if (!isOptOutEvent(sms)) continue;
    try {
      const route = await stores.lineStore.findRoute('sms', normalizeLineAddress('sms', sms.originationPhoneNumber));
      if (!route || route.provider !== 'aws') {
        logger.warn('Ignoring an SMS event for an unregistered line', { line: maskContact(sms.originationPhoneNumber) });
        continue;
      }
      const outcome = await recordProviderConsent(
        { ...stores, now: () => new Date() },
        {
          route,
          channel: 'sms',
          contact: sms.destinationPhoneNumber,
          status: 'opted_out',
          occurredAt: new Date(sms.eventTimestamp).toISOString(),
          provider: 'aws-sms-event',
          providerEventId: sms.messageId,
          evidence: {
            eventType: sms.eventType,
            messageStatus: sms.messageStatus ?? null,
            ...(sms.messageStatusDescription ? { messageStatusDescription: sms.messageStatusDescription } : {}),
            messageId: sms.messageId,
          },
        },
      );
      logger.info('AWS SMS opt-out recorded', { contact: maskContact(outcome.contact), duplicate: outcome.duplicate });
    } catch (error) {
      if (error instanceof AppError && error.statusCode < 500) {
        logger.warn('Ignoring an invalid SMS event', { code: error.code, message: error.message });
        continue;
      }
      throw error;
    }
  }
};
