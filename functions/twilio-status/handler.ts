import { createEventBridgeClient, EventBridgeConsentEventPublisher } from '../../shared/adapters/eventbridge/consent-event-publisher.ts';
import { createDocumentClient } from '../../shared/adapters/dynamodb/document-client.ts';
import { createStores } from '../../shared/adapters/dynamodb/stores.ts';
import { createSecretBox } from '../../shared/adapters/secrets/service-key-source.ts';
import { TWILIO_UNSUBSCRIBED_RECIPIENT, twilioStatusCallbackSchema } from '../../shared/adapters/twilio/twilio-status-callback.ts';
import { twimlResult } from '../../shared/adapters/twilio/twiml.ts';
import { verifiedTwilioRequest } from '../../shared/adapters/twilio/verified-twilio-request.ts';
import { loadServiceConfig } from '../../shared/config/service-config.ts';
import { maskContact } from '../../shared/domain/contact-address.ts';
import { AppError } from '../../shared/domain/errors.ts';
import { validate } from '../../shared/http/api-gateway-request.ts';
import { httpHandler } from '../../shared/http/http-handler.ts';
import { logger } from '../../shared/observability/logger.ts';
import { recordProviderConsent } from '../../shared/use-cases/record-provider-consent.ts';

const config = loadServiceConfig();
// Opens line credentials and per-account keys (sealed in the table); reads the service key on first use.
const secrets = createSecretBox();
const stores = {
  ...createStores(createDocumentClient(), config.tableName, secrets),
  consentEvents: new EventBridgeConsentEventPublisher(createEventBridgeClient(), config.eventBusName),
};

/**
 * `POST /webhooks/twilio/status`: Twilio message status callbacks. ErrorCode 21610 means Twilio
 * refused the message because the number replied STOP (Twilio's own opt-out list): record that
 * opt-out on the sending line (source `provider`), once per MessageSid. Signed like every Twilio
 * webhook, with the auth token of the line in `From`; other statuses are acknowledged and ignored.
 */
export const handler = httpHandler(
  async (event) => {
    const { params, route } = await verifiedTwilioRequest(event, { lineStore: stores.lineStore, publicBaseUrl: config.publicBaseUrl }, 'From');
    const callback = validate(twilioStatusCallbackSchema, params, 'form');
    if (callback.errorCode !== TWILIO_UNSUBSCRIBED_RECIPIENT) return twimlResult(200);
    const outcome = await recordProviderConsent(
      { ...stores, now: () => new Date() },
      {
        route,
        channel: callback.channel,
        contact: callback.to,
        status: 'opted_out',
        occurredAt: new Date(event.requestContext.timeEpoch).toISOString(),
        provider: 'twilio-status',
        providerEventId: callback.messageSid,
        evidence: {
          errorCode: callback.errorCode,
          messageStatus: callback.status,
          messageSid: callback.messageSid,
          ...(callback.errorMessage ? { errorMessage: callback.errorMessage } : {}),
        },
      },
    );
    logger.info('Twilio 21610 opt-out recorded', { contact: maskContact(outcome.contact), duplicate: outcome.duplicate });
    return twimlResult(200);
  },
  (error) => twimlResult(error instanceof AppError ? error.statusCode : 500),
);
