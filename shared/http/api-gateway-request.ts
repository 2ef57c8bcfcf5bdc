import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type * as z from '../validation/zod.ts';
import {
  MalformedRequestError,
  NotFoundError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '../domain/errors.ts';

/** API Gateway caps payloads at 10 MB; our JSON bodies are small, so anything large is a mistake or abuse. */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

/** The exact bytes the client sent: API Gateway base64-encodes form and binary bodies. */
export function rawBody(event: APIGatewayProxyEventV2, maxBytes = DEFAULT_MAX_BODY_BYTES): Buffer {
  if (event.body === undefined || event.body === null) return Buffer.alloc(0);
  const bytes = event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
  if (bytes.length > maxBytes) throw new PayloadTooLargeError(maxBytes);
  return bytes;
}

/** HTTP API lower-cases header names, but be lenient for hand-written test events. */
export function header(event: APIGatewayProxyEventV2, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}

export function mediaType(event: APIGatewayProxyEventV2): string {
  return (header(event, 'content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** Decodes bytes as UTF-8 and rejects invalid sequences instead of silently replacing them. */
export function decodeUtf8(bytes: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new MalformedRequestError('The body is not valid UTF-8');
  }
}

/** Parses and validates a JSON body; a bad body is a 4xx that says what is wrong. */
export function parseJsonBody<S extends z.ZodMiniType>(event: APIGatewayProxyEventV2, schema: S, maxBytes = DEFAULT_MAX_BODY_BYTES): z.infer<S> {
  if (mediaType(event) !== 'application/json') throw new UnsupportedMediaTypeError('application/json');
  const text = decodeUtf8(rawBody(event, maxBytes));
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new MalformedRequestError('The body is not valid JSON');
  }
  return validate(schema, json, 'body');
}

export function validate<S extends z.ZodMiniType>(schema: S, value: unknown, where: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({
    path: [where, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
  throw new ValidationError(
    `Invalid ${where}: ${issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}`,
    issues,
  );
}

export function pathParameter(event: APIGatewayProxyEventV2, name: string): string {
  const value = event.pathParameters?.[name];
  if (value === undefined || value === '') throw new ValidationError(`Missing path parameter ${name}`);
  // Path parameters arrive percent-encoded (%2B1555… for +1555…).
  try {
    return decodeURIComponent(value);
  } catch {
    throw new ValidationError(`Path parameter ${name} is not valid percent-encoding`);
  }
}

/** The ids optgate issues: the kind, an underscore and a lower-case ULID (line-store, rule-store, form-store). */
const RESOURCE_ID = /^[a-z]+_[0-9a-z]{26}$/;

/**
 * A path parameter naming one of optgate's own resources. A value not shaped like the ids optgate
 * issues names nothing: 404 at once, before it can reach a key (DynamoDB refuses keys over 1 KB).
 */
export function resourceIdParameter(event: APIGatewayProxyEventV2, name: string, kind: 'line' | 'rule' | 'form'): string {
  const value = pathParameter(event, name);
  if (!value.startsWith(`${kind}_`) || !RESOURCE_ID.test(value)) throw new NotFoundError(`No such ${kind}`);
  return value;
}
