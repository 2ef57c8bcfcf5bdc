import type { LineRoute, LineRouter } from '../dynamodb/line-router.ts';
import { normalizeLineAddress } from '../../domain/accounts/line.ts';
import { maskContact } from '../../domain/contact-address.ts';
import { InvalidSignatureError, MalformedRequestError, NotFoundError, UnsupportedMediaTypeError, ValidationError } from '../../domain/errors.ts';
import { decodeUtf8, header, mediaType, rawBody } from '../../http/api-gateway-request.ts';
import type { HttpEvent } from '../../http/http-handler.ts';
import { logger } from '../../observability/logger.ts';
import { MalformedBodyError, parseFormBody, type FormParams } from './form-body.ts';
import { verifyTwilioSignature } from './twilio-signature.ts';

export interface VerifiedTwilioRequest {
  params: FormParams;
  /** The Twilio line whose auth token signed the request. */
  route: LineRoute;
}

/**
 * Reads a Twilio webhook and proves it came from Twilio: the form body, the line it names (the auth
 * token that signs the request belongs to that line: `To` for inbound messages, `From` for status
 * callbacks), then X-Twilio-Signature over the public URL Twilio was configured with — not the
 * internal one the request arrived on — and the parameters. Throws 415, 400, 404 or 403.
 */
export async function verifiedTwilioRequest(
  event: HttpEvent,
  deps: { lineStore: Pick<LineRouter, 'findRoute'>; publicBaseUrl: string },
  lineParam: 'To' | 'From',
): Promise<VerifiedTwilioRequest> {
  if (mediaType(event) !== 'application/x-www-form-urlencoded') throw new UnsupportedMediaTypeError('application/x-www-form-urlencoded');
  let params: FormParams;
  try {
    params = parseFormBody(decodeUtf8(rawBody(event)));
  } catch (error) {
    if (error instanceof MalformedBodyError) throw new MalformedRequestError(error.message);
    throw error;
  }
  const address = params[lineParam];
  if (typeof address !== 'string' || address === '') throw new ValidationError(`${lineParam} is required`);
  const channel = /^whatsapp:/i.test(address) ? 'whatsapp' : 'sms';
  const route = await deps.lineStore.findRoute(channel, normalizeLineAddress(channel, address.replace(/^whatsapp:/i, '')));
  if (!route || route.provider !== 'twilio') throw new NotFoundError('No Twilio line is registered for this number');
  const authToken = route.credentials.authToken;
  const url = `${deps.publicBaseUrl}${event.rawPath}${event.rawQueryString ? `?${event.rawQueryString}` : ''}`;
  if (!authToken || !verifyTwilioSignature({ authToken, url, params, signature: header(event, 'x-twilio-signature') })) {
    logger.warn('Twilio signature rejected', { path: event.rawPath, line: maskContact(route.address) });
    throw new InvalidSignatureError();
  }
  return { params, route };
}
