import { createEventBridgeClient, EventBridgeConsentEventPublisher } from '../../shared/adapters/eventbridge/consent-event-publisher.ts';
import { createDocumentClient } from '../../shared/adapters/dynamodb/document-client.ts';
import { createStores } from '../../shared/adapters/dynamodb/stores.ts';
import { MalformedBodyError, parseFormBody } from '../../shared/adapters/twilio/form-body.ts';
import { parseTwilioInbound } from '../../shared/adapters/twilio/twilio-inbound-message.ts';
import { verifyTwilioSignature } from '../../shared/adapters/twilio/twilio-signature.ts';
import { renderTwiml, TWIML_CONTENT_TYPE } from '../../shared/adapters/twilio/twiml.ts';
import { loadServiceConfig } from '../../shared/config/service-config.ts';
import { normalizeLineAddress } from '../../shared/domain/accounts/line.ts';
import { maskContact } from '../../shared/domain/contact-address.ts';
import {
  AppError,
  InvalidSignatureError,
  MalformedRequestError,
  NotFoundError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '../../shared/domain/errors.ts';
import { decodeUtf8, header, mediaType, rawBody } from '../../shared/http/api-gateway-request.ts';
import { httpHandler, type HttpEvent, type HttpResult } from '../../shared/http/http-handler.ts';
import { logger } from '../../shared/observability/logger.ts';
import { handleInboundMessage } from '../../shared/use-cases/handle-inbound-message.ts';
import { createSecretBox } from '../../shared/adapters/secrets/service-key-source.ts';

const config = loadServiceConfig();
// Opens line credentials and per-account keys (sealed in the table); reads the service key on first use.
const secrets = createSecretBox();
const stores = createStores(createDocumentClient(), config.tableName, secrets);
const consentEvents = new EventBridgeConsentEventPublisher(createEventBridgeClient(), config.eventBusName);

function twiml(statusCode: number, message?: string): HttpResult {
  return { statusCode, headers: { 'content-type': TWIML_CONTENT_TYPE }, body: renderTwiml(message) };
}

/** Twilio reads TwiML, so errors are an empty <Response/> with the status; 5xx makes Twilio retry. */
function renderError(error: unknown): HttpResult {
  return twiml(error instanceof AppError ? error.statusCode : 500);
}

/** The URL Twilio signed: the public one it was configured with, not the internal one we were reached on. */
function signedUrl(event: HttpEvent): string {
  return `${config.publicBaseUrl}${event.rawPath}${event.rawQueryString ? `?${event.rawQueryString}` : ''}`;
}

export const handler = httpHandler(async (event) => {
  if (mediaType(event) !== 'application/x-www-form-urlencoded') {
    throw new UnsupportedMediaTypeError('application/x-www-form-urlencoded');
  }
  let params: Record<string, string | string[]>;
  try {
    params = parseFormBody(decodeUtf8(rawBody(event)));
  } catch (error) {
    if (error instanceof MalformedBodyError) throw new MalformedRequestError(error.message);
    throw error;
  }
  // The auth token that signs the request belongs to the line, so find the line before verifying.
  const to = typeof params.To === 'string' ? params.To : undefined;
  if (!to) throw new ValidationError('To is required');
  const channel = /^whatsapp:/i.test(to) ? 'whatsapp' : 'sms';
  const route = await stores.lineStore.findRoute(channel, normalizeLineAddress(channel, to.replace(/^whatsapp:/i, '')));
  if (!route || route.provider !== 'twilio') throw new NotFoundError('No Twilio line is registered for this number');
  const authToken = route.credentials.authToken;
  if (!authToken || !verifyTwilioSignature({ authToken, url: signedUrl(event), params, signature: header(event, 'x-twilio-signature') })) {
    logger.warn('Twilio signature rejected', { line: maskContact(route.address) });
    throw new InvalidSignatureError();
  }
  const parsed = parseTwilioInbound(params);
  if (!parsed.ok) throw new ValidationError(parsed.error);
  const message = parsed.value;
  const outcome = await handleInboundMessage(
    { ...stores, consentEvents, now: () => new Date() },
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
  return twiml(200, outcome.reply);
}, renderError);
