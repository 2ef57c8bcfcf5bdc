import { createEventBridgeClient, EventBridgeConsentEventPublisher } from '../../shared/adapters/eventbridge/consent-event-publisher.ts';
import { createDocumentClient } from '../../shared/adapters/dynamodb/document-client.ts';
import { createStores } from '../../shared/adapters/dynamodb/stores.ts';
import { MalformedBodyError, parseFormBody } from '../../shared/adapters/twilio/form-body.ts';
import { TWILIO_UNSUBSCRIBED_RECIPIENT, twilioStatusCallbackSchema } from '../../shared/adapters/twilio/twilio-status-callback.ts';
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
import { decodeUtf8, header, mediaType, rawBody, validate } from '../../shared/http/api-gateway-request.ts';
import { httpHandler, type HttpEvent, type HttpResult } from '../../shared/http/http-handler.ts';
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

function empty(statusCode: number): HttpResult {
  return { statusCode, headers: { 'content-type': TWIML_CONTENT_TYPE }, body: renderTwiml() };
}

function signedUrl(event: HttpEvent): string {
  return `${config.publicBaseUrl}${event.rawPath}${event.rawQueryString ? `?${event.rawQueryString}` : ''}`;
}

/**
 * `POST /webhooks/twilio/status`: Twilio message status callbacks. ErrorCode 21610 means Twilio
 * refused the message because the number replied STOP (Twilio's own opt-out list): record that
 * opt-out on the sending line (source `provider`), once per MessageSid. Signed like every Twilio
 * webhook, with the auth token of the line in `From`; other statuses are acknowledged and ignored.
 */
export const handler = httpHandler(
  async (event) => {
    if (mediaType(event) !== 'application/x-www-form-urlencoded') throw new UnsupportedMediaTypeError('application/x-www-form-urlencoded');
    let params: Record<string, string | string[]>;
    try {
      params = parseFormBody(decodeUtf8(rawBody(event)));
    } catch (error) {
      if (error instanceof MalformedBodyError) throw new MalformedRequestError(error.message);
      throw error;
    }
    const from = typeof params.From === 'string' ? params.From : undefined;
    if (!from) throw new ValidationError('From is required');
    const channel = /^whatsapp:/i.test(from) ? 'whatsapp' : 'sms';
    const route = await stores.lineStore.findRoute(channel, normalizeLineAddress(channel, from.replace(/^whatsapp:/i, '')));
    if (!route || route.provider !== 'twilio') throw new NotFoundError('No Twilio line is registered for this number');
    const authToken = route.credentials.authToken;
    if (!authToken || !verifyTwilioSignature({ authToken, url: signedUrl(event), params, signature: header(event, 'x-twilio-signature') })) {
      logger.warn('Twilio status callback signature rejected', { line: maskContact(route.address) });
      throw new InvalidSignatureError();
    }
    const callback = validate(twilioStatusCallbackSchema, params, 'form');
    if (callback.errorCode !== TWILIO_UNSUBSCRIBED_RECIPIENT) return empty(200);
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
    return empty(200);
  },
  (error) => empty(error instanceof AppError ? error.statusCode : 500),
);
