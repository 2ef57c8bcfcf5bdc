import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { AppError, TooManyRequestsError } from '../domain/errors.ts';

const SECURITY_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode,
    headers: { 'content-type': 'application/json; charset=utf-8', ...SECURITY_HEADERS, ...headers },
    body: JSON.stringify(body),
  };
}

export function text(statusCode: number, body: string, contentType = 'text/plain; charset=utf-8'): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { 'content-type': contentType, ...SECURITY_HEADERS }, body };
}

export function noContent(): APIGatewayProxyStructuredResultV2 {
  return { statusCode: 204, headers: { ...SECURITY_HEADERS } };
}

/** `{ "error": { "code", "message" } }`; a 5xx never says more than that something failed. */
export function errorResponse(error: unknown): APIGatewayProxyStructuredResultV2 {
  if (error instanceof AppError && error.statusCode < 500) {
    return json(
      error.statusCode,
      { error: { code: error.code, message: error.message, ...(error.details !== undefined ? { details: error.details } : {}) } },
      error instanceof TooManyRequestsError ? { 'retry-after': String(error.retryAfterSeconds) } : {},
    );
  }
  const statusCode = error instanceof AppError ? error.statusCode : 500;
  return json(statusCode, { error: { code: 'internal_error', message: 'Something went wrong; retry later' } });
}
