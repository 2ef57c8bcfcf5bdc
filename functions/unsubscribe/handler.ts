import { createEventBridgeClient, EventBridgeConsentEventPublisher } from '../../shared/adapters/eventbridge/consent-event-publisher.ts';
import * as z from '../../shared/validation/zod.ts';
import { createDocumentClient } from '../../shared/adapters/dynamodb/document-client.ts';
import { createStores } from '../../shared/adapters/dynamodb/stores.ts';
import { MalformedBodyError, parseFormBody } from '../../shared/adapters/twilio/form-body.ts';
import { loadServiceConfig } from '../../shared/config/service-config.ts';
import { maskContact } from '../../shared/domain/contact-address.ts';
import { TOKEN_PATTERN } from '../../shared/domain/email/unsubscribe-token.ts';
import { AppError, MalformedRequestError, NotFoundError, UnsupportedMediaTypeError } from '../../shared/domain/errors.ts';
import { decodeUtf8, header, mediaType, pathParameter, rawBody, validate } from '../../shared/http/api-gateway-request.ts';
import { httpHandler, type HttpEvent, type HttpResult } from '../../shared/http/http-handler.ts';
import { parseMultipartForm } from '../../shared/http/multipart-form.ts';
import { errorResponse, text } from '../../shared/http/responses.ts';
import { logger } from '../../shared/observability/logger.ts';
import { resolveUnsubscribeToken, UNSUBSCRIBE_REASONS, unsubscribeByToken, type UnsubscribeReason } from '../../shared/use-cases/unsubscribe-by-token.ts';
import { confirmationPage, errorPage, unsubscribedPage } from './unsubscribe-page.ts';
import { createSecretBox } from '../../shared/adapters/secrets/service-key-source.ts';

const config = loadServiceConfig();
// Opens line credentials and per-account keys (sealed in the table); reads the service key on first use.
const secrets = createSecretBox();
const stores = {
  ...createStores(createDocumentClient(), config.tableName, secrets),
  consentEvents: new EventBridgeConsentEventPublisher(createEventBridgeClient(), config.eventBusName),
};
const now = () => new Date();

/** A one-click POST is a few dozen bytes; the page adds a reason and a short comment. */
const MAX_BODY_BYTES = 16 * 1024;

const formSchema = z.looseObject({
  'List-Unsubscribe': z.literal('One-Click', { error: 'List-Unsubscribe=One-Click is required (RFC 8058)' }),
  reason: z.union([
    z.optional(z.enum(Object.keys(UNSUBSCRIBE_REASONS) as [UnsubscribeReason, ...UnsubscribeReason[]])),
    z.pipe(z.literal(''), z.transform(() => undefined)),
  ]),
  comment: z.optional(
    z.pipe(
      z.string().check(z.maxLength(500)),
      z.transform((value) => value.trim() || undefined),
    ),
  ),
});

function token(event: HttpEvent): string {
  const value = pathParameter(event, 'token');
  if (!TOKEN_PATTERN.test(value)) throw new NotFoundError('This unsubscribe link is not valid');
  return value;
}

function readForm(event: HttpEvent): z.infer<typeof formSchema> {
  const body = rawBody(event, MAX_BODY_BYTES);
  const type = mediaType(event);
  let fields: Record<string, string | string[]>;
  if (type === 'application/x-www-form-urlencoded') {
    try {
      fields = parseFormBody(decodeUtf8(body));
    } catch (error) {
      if (error instanceof MalformedBodyError) throw new MalformedRequestError(error.message);
      throw error;
    }
  } else if (type === 'multipart/form-data') {
    fields = parseMultipartForm(body, header(event, 'content-type') ?? '');
  } else {
    throw new UnsupportedMediaTypeError('application/x-www-form-urlencoded or multipart/form-data');
  }
  return validate(formSchema, fields, 'form');
}

const wantsHtml = (event: HttpEvent) => /text\/html/i.test(header(event, 'accept') ?? '');

/** `GET /unsubscribe/{token}`: the confirmation page. Link scanners fetch it too, so it never unsubscribes. */
async function showConfirmation(event: HttpEvent): Promise<HttpResult> {
  const target = await resolveUnsubscribeToken(stores, token(event));
  return confirmationPage({ maskedContact: maskContact(target.claims.contact), ...(target.lineAddress ? { from: target.lineAddress } : {}) });
}

/**
 * `POST /unsubscribe/{token}`: RFC 8058 one-click (a mailbox provider posts
 * `List-Unsubscribe=One-Click`, no cookie, and expects a 2xx without redirect) or the confirmation
 * page's button (which adds an optional reason). Both opt the contact out of email on the line.
 */
async function unsubscribe(event: HttpEvent): Promise<HttpResult> {
  const value = token(event);
  const form = readForm(event);
  const fromPage = form.reason !== undefined || form.comment !== undefined || wantsHtml(event);
  const result = await unsubscribeByToken(
    { ...stores, now },
    {
      token: value,
      method: fromPage ? 'confirmation_page' : 'one_click',
      ...(form.reason ? { reason: form.reason } : {}),
      ...(form.comment ? { comment: form.comment } : {}),
      ip: event.requestContext.http.sourceIp,
      userAgent: event.requestContext.http.userAgent,
    },
  );
  logger.info('Email unsubscribe', { contact: maskContact(result.target.claims.contact), already: result.alreadyUnsubscribed });
  const view = { maskedContact: maskContact(result.target.claims.contact), ...(result.target.lineAddress ? { from: result.target.lineAddress } : {}) };
  return wantsHtml(event) ? unsubscribedPage(view) : text(200, 'Unsubscribed');
}

export const handler = httpHandler(async (event) => {
  try {
    return event.requestContext.http.method === 'GET' ? await showConfirmation(event) : await unsubscribe(event);
  } catch (error) {
    // People see these pages in a browser; mailbox providers get the usual JSON error.
    if (error instanceof AppError && error.statusCode < 500 && (event.requestContext.http.method === 'GET' || wantsHtml(event))) {
      return errorPage(error.statusCode, error.message);
    }
    if (error instanceof AppError && error.statusCode < 500) return errorResponse(error);
    throw error;
  }
});
