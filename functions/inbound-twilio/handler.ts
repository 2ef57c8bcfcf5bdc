import { createEventBridgeClient, EventBridgeConsentEventPublisher } from '../../shared/adapters/eventbridge/consent-event-publisher.ts';
import { createDocumentClient } from '../../shared/adapters/dynamodb/document-client.ts';
import { createStores } from '../../shared/adapters/dynamodb/stores.ts';
import { createSecretBox } from '../../shared/adapters/secrets/service-key-source.ts';
import { parseTwilioInbound } from '../../shared/adapters/twilio/twilio-inbound-message.ts';
import { twimlResult } from '../../shared/adapters/twilio/twiml.ts';
import { verifiedTwilioRequest } from '../../shared/adapters/twilio/verified-twilio-request.ts';
import { currentTime } from '../../shared/clock/current-time.ts';
import { loadServiceConfig } from '../../shared/config/service-config.ts';
import { maskContact } from '../../shared/domain/contact-address.ts';
import { AppError, ValidationError } from '../../shared/domain/errors.ts';
import { httpHandler, type HttpResult } from '../../shared/http/http-handler.ts';
import { logger } from '../../shared/observability/logger.ts';
import { handleInboundMessage } from '../../shared/use-cases/handle-inbound-message.ts';

const config = loadServiceConfig();
// Opens line credentials and per-account keys (sealed in the table); reads the service key on first use.
const secrets = createSecretBox();
const stores = createStores(createDocumentClient(), config.tableName, secrets);
const consentEvents = new EventBridgeConsentEventPublisher(createEventBridgeClient(), config.eventBusName);

/** Twilio reads TwiML, so errors are an empty <Response/> with the status; 5xx makes Twilio retry. */
function renderError(error: unknown): HttpResult {
  return twimlResult(error instanceof AppError ? error.statusCode : 500);
}

export const handler = httpHandler(async (event) => {
  const { params, route } = await verifiedTwilioRequest(event, { lineStore: stores.lineStore, publicBaseUrl: config.publicBaseUrl }, 'To');
  const parsed = parseTwilioInbound(params);
  if (!parsed.ok) throw new ValidationError(parsed.error);
  const message = parsed.value;
  const outcome = await handleInboundMessage(
    { ...stores, consentEvents, now: currentTime },
    {
      provider: 'twilio',
      providerMessageId: message.messageSid,
      channel: message.channel,
      route,
      from: message.from,
      text: message.body,
      occurredAt: new Date(event.requestContext.timeEpoch).toISOString(),
      providerOptOutType: message.optOutType,
      replyMode: 'inline',
    },
  );
  logger.info('Twilio inbound handled', {
    from: maskContact(outcome.contact),
    duplicate: outcome.duplicate,
    rule: outcome.match?.ruleId,
    effect: outcome.consent?.effect,
    flagged: outcome.flaggedForReview,
  });
  return twimlResult(200, outcome.reply);
}, renderError);
