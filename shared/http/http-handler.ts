import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { AppError, InvalidSignatureError } from '../domain/errors.ts';
import { logger } from '../observability/logger.ts';
import { errorResponse } from './responses.ts';
import { METRIC_NAMES, metrics } from '../observability/metrics.ts';

export type HttpEvent = APIGatewayProxyEventV2;
export type HttpResult = APIGatewayProxyStructuredResultV2;

/**
 * Wraps an HTTP handler with the one error middleware, last in the chain: AppErrors become their
 * status and JSON body, anything else is logged and answered with a bare 500. A handler may pass its
 * own renderer when the caller expects another format (TwiML for Twilio).
 */
export function httpHandler(
  handle: (event: HttpEvent, context: Context) => Promise<HttpResult>,
  renderError: (error: unknown) => HttpResult = errorResponse,
) {
  return middy<HttpEvent, HttpResult>()
    .use({
      onError: (request) => {
        const { error } = request;
        if (error instanceof InvalidSignatureError) {
          metrics().count(METRIC_NAMES.signatureFailures, 1, { source: request.event.routeKey });
        }
        if (error instanceof AppError && error.statusCode < 500) {
          logger.info('Request rejected', { routeKey: request.event.routeKey, status: error.statusCode, code: error.code });
        } else {
          logger.error('Request failed', { routeKey: request.event.routeKey, error: error as Error });
        }
        request.response = renderError(error);
      },
    })
    .handler(handle);
}
