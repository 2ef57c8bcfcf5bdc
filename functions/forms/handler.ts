import { createDocumentClient } from '../../shared/adapters/dynamodb/document-client.ts';
import { FormStore } from '../../shared/adapters/dynamodb/form-store.ts';
import { FormTokenKeyStore } from '../../shared/adapters/dynamodb/form-token-key-store.ts';
import { DynamoRateLimiter } from '../../shared/adapters/dynamodb/rate-limiter.ts';
import { createStores } from '../../shared/adapters/dynamodb/stores.ts';
import { createEventBridgeClient, EventBridgeConsentEventPublisher } from '../../shared/adapters/eventbridge/consent-event-publisher.ts';
import { createSesClient, SesMailSender } from '../../shared/adapters/ses/ses-mail-sender.ts';
import { MalformedBodyError, parseFormBody } from '../../shared/adapters/twilio/form-body.ts';
import { loadServiceConfig } from '../../shared/config/service-config.ts';
import { AppError, MalformedRequestError, NotFoundError, UnsupportedMediaTypeError } from '../../shared/domain/errors.ts';
import { decodeUtf8, mediaType, pathParameter, rawBody, resourceIdParameter } from '../../shared/http/api-gateway-request.ts';
import { httpHandler, type HttpEvent, type HttpResult } from '../../shared/http/http-handler.ts';
import type { RouteKey } from '../../shared/manifest.ts';
import { confirmWebForm, showConfirmation } from '../../shared/use-cases/confirm-web-form.ts';
import { showWebForm, submitWebForm, type FormResponse, type WebFormDeps } from '../../shared/use-cases/submit-web-form.ts';
import { formPageCsp, htmlHeaders, newNonce } from '../../shared/web/content-security-policy.ts';
import { renderConfirmPage, renderFormPage, renderMessagePage } from '../../shared/web/form-page.ts';
import { createSecretBox } from '../../shared/adapters/secrets/service-key-source.ts';

const config = loadServiceConfig();
// Opens line credentials and per-account keys (sealed in the table); reads the service key on first use.
const secrets = createSecretBox();
const db = createDocumentClient();
const deps: WebFormDeps = {
  ...createStores(db, config.tableName, secrets),
  formStore: new FormStore(db, config.tableName),
  rateLimiter: new DynamoRateLimiter(db, config.tableName),
  formTokenKeys: new FormTokenKeyStore(db, config.tableName, secrets),
  mailSender: new SesMailSender(createSesClient()),
  consentEvents: new EventBridgeConsentEventPublisher(createEventBridgeClient(), config.eventBusName),
  publicBaseUrl: config.publicBaseUrl,
  now: () => new Date(),
};

/** Form posts are small: a contact, a checkbox, a version and the honeypot. */
const MAX_FORM_BODY_BYTES = 8 * 1024;

function render({ allowedOrigins, outcome }: FormResponse): HttpResult {
  const nonce = newNonce();
  const body =
    outcome.kind === 'form'
      ? renderFormPage(outcome.form, nonce, { contact: outcome.contact, error: outcome.error })
      : outcome.kind === 'confirm'
        ? renderConfirmPage(outcome.form, nonce)
        : renderMessagePage(outcome.title, outcome.message, nonce, outcome.tone);
  return { statusCode: outcome.status, headers: htmlHeaders(formPageCsp(nonce, allowedOrigins)), body };
}

/**
 * Errors before the account is known (unknown form, malformed body) get a plain page. It holds
 * nothing of any account, so any page may frame it: the visitor then sees the message in place.
 */
function renderError(error: unknown): HttpResult {
  const nonce = newNonce();
  const clientError = error instanceof AppError && error.statusCode < 500;
  const message = clientError ? error.message : 'Something went wrong. Please try again later.';
  const status = error instanceof AppError ? error.statusCode : 500;
  return { statusCode: status, headers: htmlHeaders(formPageCsp(nonce, '*')), body: renderMessagePage('Sign-up form', message, nonce, 'error') };
}

function formFields(event: HttpEvent): Record<string, string | string[]> {
  if (mediaType(event) !== 'application/x-www-form-urlencoded') throw new UnsupportedMediaTypeError('application/x-www-form-urlencoded');
  try {
    return parseFormBody(decodeUtf8(rawBody(event, MAX_FORM_BODY_BYTES)));
  } catch (error) {
    if (error instanceof MalformedBodyError) throw new MalformedRequestError('The form could not be read. Please reload the page and try again.');
    throw error;
  }
}

const visitor = (event: HttpEvent) => ({ ip: event.requestContext.http.sourceIp, userAgent: event.requestContext.http.userAgent ?? '' });

const routes: Partial<Record<RouteKey, (event: HttpEvent) => Promise<FormResponse>>> = {
  'GET /forms/{formId}': (event) => showWebForm(deps, resourceIdParameter(event, 'formId', 'form')),
  'POST /forms/{formId}': (event) =>
    submitWebForm(deps, { formId: resourceIdParameter(event, 'formId', 'form'), fields: formFields(event), visitor: visitor(event), now: deps.now() }),
  'GET /forms/{formId}/confirm/{token}': (event) =>
    showConfirmation(deps, { formId: resourceIdParameter(event, 'formId', 'form'), token: pathParameter(event, 'token'), now: deps.now() }),
  'POST /forms/{formId}/confirm/{token}': (event) =>
    confirmWebForm(deps, { formId: resourceIdParameter(event, 'formId', 'form'), token: pathParameter(event, 'token'), visitor: visitor(event), now: deps.now() }),
};

/** The public form pages: HTML with a strict CSP, framable only by the account's allowed origins. */
export const handler = httpHandler(async (event) => {
  const route = routes[event.routeKey as RouteKey];
  if (!route) throw new NotFoundError(`No route ${event.routeKey}`);
  return render(await route(event));
}, renderError);
