import { createEventBridgeClient, EventBridgeConsentEventPublisher } from '../../shared/adapters/eventbridge/consent-event-publisher.ts';
import { createDocumentClient } from '../../shared/adapters/dynamodb/document-client.ts';
import type { LineRoute } from '../../shared/adapters/dynamodb/line-router.ts';
import { createStores } from '../../shared/adapters/dynamodb/stores.ts';
import { createFetchHttpClient } from '../../shared/adapters/http/http-client.ts';
import { WhatsAppCloudApi, WhatsAppSendError } from '../../shared/adapters/whatsapp/whatsapp-cloud-api.ts';
import { verifyWhatsAppSignature } from '../../shared/adapters/whatsapp/whatsapp-signature.ts';
import { phoneNumberIdsOf, whatsAppUpdatesOf } from '../../shared/adapters/whatsapp/whatsapp-webhook.ts';
import { loadWhatsAppConfig } from '../../shared/config/provider-config.ts';
import { loadServiceConfig } from '../../shared/config/service-config.ts';
import { maskContact } from '../../shared/domain/contact-address.ts';
import {
  ForbiddenError,
  InvalidSignatureError,
  MalformedRequestError,
  NotFoundError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '../../shared/domain/errors.ts';
import { decodeUtf8, header, mediaType, rawBody } from '../../shared/http/api-gateway-request.ts';
import { httpHandler, type HttpEvent, type HttpResult } from '../../shared/http/http-handler.ts';
import { text } from '../../shared/http/responses.ts';
import { logger } from '../../shared/observability/logger.ts';
import { handleWhatsAppUpdates } from '../../shared/use-cases/handle-whatsapp-updates.ts';
import { createSecretBox } from '../../shared/adapters/secrets/service-key-source.ts';

const config = loadServiceConfig();
// Opens line credentials and per-account keys (sealed in the table); reads the service key on first use.
const secrets = createSecretBox();
const whatsAppConfig = loadWhatsAppConfig();
const stores = {
  ...createStores(createDocumentClient(), config.tableName, secrets),
  consentEvents: new EventBridgeConsentEventPublisher(createEventBridgeClient(), config.eventBusName),
};
// A short timeout: Meta wants its webhook answered within seconds, and a reply that misses is resent.
const cloudApi = new WhatsAppCloudApi(createFetchHttpClient({ timeoutMs: 3_000 }), whatsAppConfig.graphApiBaseUrl);

/** Meta batches updates; a delivery far larger than this is not Meta's. */
const MAX_BODY_BYTES = 256 * 1024;
/** A delivery names the phone numbers of one app: a handful, never hundreds. */
const MAX_PHONE_NUMBER_IDS = 25;
/** Meta's challenge is a number; anything else is not echoed back. */
const CHALLENGE = /^[A-Za-z0-9_-]{1,128}$/;

/** `GET /webhooks/whatsapp`: Meta's subscription handshake, answered for any line registered with that verify token. */
async function verificationHandshake(event: HttpEvent): Promise<HttpResult> {
  const query = event.queryStringParameters ?? {};
  const challenge = query['hub.challenge'];
  const verifyToken = query['hub.verify_token'];
  if (query['hub.mode'] !== 'subscribe' || !verifyToken || verifyToken.length > 4096) {
    throw new ForbiddenError('hub.mode must be subscribe, with the verify token of a registered WhatsApp line');
  }
  if (!challenge || !CHALLENGE.test(challenge)) throw new ValidationError('hub.challenge is missing or not a plain token');
  if (!(await stores.lineStore.isWhatsAppVerifyToken(verifyToken))) {
    throw new ForbiddenError('No WhatsApp line is registered with this verify token');
  }
  return text(200, challenge);
}

/**
 * `POST /webhooks/whatsapp`. Meta signs with the APP secret, and which app (hence which secret) is
 * only known from the phone numbers the body names. So the body is parsed for one thing only, the
 * `phone_number_id`s, to find the candidate lines; the signature is then checked over the raw bytes
 * with each candidate line's app secret, and only the changes of lines whose secret verified are
 * acted on. A delivery signed with app A can never change lines of app B, and nothing in the body is
 * used before its signature verified.
 */
async function notification(event: HttpEvent): Promise<HttpResult> {
  const body = rawBody(event, MAX_BODY_BYTES);
  const signature = header(event, 'x-hub-signature-256');
  if (!signature) throw new InvalidSignatureError('X-Hub-Signature-256 is required');
  if (mediaType(event) !== 'application/json') throw new UnsupportedMediaTypeError('application/json');
  let json: unknown;
  try {
    json = JSON.parse(decodeUtf8(body));
  } catch (error) {
    if (error instanceof MalformedRequestError) throw error;
    throw new MalformedRequestError('The body is not valid JSON');
  }
  const ids = phoneNumberIdsOf(json);
  if (!ids.ok) throw new ValidationError(ids.error);
  if (ids.value.length > MAX_PHONE_NUMBER_IDS) throw new ValidationError(`A delivery may name at most ${MAX_PHONE_NUMBER_IDS} phone numbers`);

  const candidates = (await Promise.all(ids.value.map(async (id) => [id, await stores.lineStore.findRoute('whatsapp', id)] as const))).filter(
    (entry): entry is readonly [string, LineRoute] => entry[1]?.provider === 'meta',
  );
  if (candidates.length === 0) throw new NotFoundError('No WhatsApp Cloud API line is registered for this phone_number_id');

  const verdictBySecret = new Map<string, boolean>();
  const routes = new Map<string, LineRoute>();
  for (const [id, route] of candidates) {
    const appSecret = route.credentials.appSecret ?? '';
    let verified = verdictBySecret.get(appSecret);
    if (verified === undefined) {
      verified = verifyWhatsAppSignature({ appSecret, rawBody: body, signature });
      verdictBySecret.set(appSecret, verified);
    }
    if (verified) routes.set(id, route);
  }
  if (routes.size === 0) {
    logger.warn('WhatsApp signature rejected', { phoneNumberIds: candidates.length });
    throw new InvalidSignatureError();
  }

  const summary = await handleWhatsAppUpdates(
    {
      ...stores,
      now: () => new Date(),
      sendReply: async ({ route, phoneNumberId, to, body: replyText }) => {
        try {
          await cloudApi.sendText({ phoneNumberId, accessToken: route.credentials.accessToken ?? '', to, body: replyText });
          return 'sent';
        } catch (error) {
          // A 4xx (bad token, recipient that cannot receive it) will fail the same way on every
          // redelivery: log it for the operator and acknowledge, rather than have Meta retry for days.
          if (error instanceof WhatsAppSendError && error.status !== undefined && error.status < 500 && error.status !== 408 && error.status !== 429) {
            logger.error('WhatsApp reply refused by the Cloud API', { status: error.status, line: maskContact(route.address) });
            return 'rejected';
          }
          throw error;
        }
      },
    },
    { routes, updates: whatsAppUpdatesOf(json, new Set(routes.keys())) },
  );
  logger.info('WhatsApp delivery handled', { ...summary });
  return text(200, 'EVENT_RECEIVED');
}

export const handler = httpHandler(async (event) =>
  event.requestContext.http.method === 'GET' ? verificationHandshake(event) : notification(event),
);
