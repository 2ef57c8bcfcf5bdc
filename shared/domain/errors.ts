/**
 * Errors that carry their HTTP status and a stable machine-readable code. Handlers render them as
 * `{ "error": { "code", "message" } }`; anything else is a 500 whose details are never shown.
 */
export class AppError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends AppError {
  constructor(message: string, details?: unknown) {
    super(400, 'validation_failed', message, details);
  }
}

export class MalformedRequestError extends AppError {
  constructor(message: string) {
    super(400, 'malformed_request', message);
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = 'A valid API key is required: Authorization: Bearer <key>') {
    super(401, 'unauthorized', message);
  }
}

export class ForbiddenError extends AppError {
  constructor(message: string) {
    super(403, 'forbidden', message);
  }
}

export class NotFoundError extends AppError {
  constructor(message: string) {
    super(404, 'not_found', message);
  }
}

export class ConflictError extends AppError {
  constructor(message: string) {
    super(409, 'conflict', message);
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(limitBytes: number) {
    super(413, 'payload_too_large', `The body is larger than ${limitBytes} bytes`);
  }
}

export class UnsupportedMediaTypeError extends AppError {
  constructor(expected: string) {
    super(415, 'unsupported_media_type', `Content-Type must be ${expected}`);
  }
}

/** A webhook whose signature does not verify: nothing is stored. */
export class InvalidSignatureError extends AppError {
  constructor(message = 'The request signature is missing or invalid') {
    super(403, 'invalid_signature', message);
  }
}

/** A dependency could not answer (consent unreadable): the caller should retry; nothing was decided. */
export class ServiceUnavailableError extends AppError {
  constructor(message: string) {
    super(503, 'service_unavailable', message);
  }
}

/** Over a rate the service keeps (import back-pressure): nothing was done; retry after `retryAfterSeconds`. */
export class TooManyRequestsError extends AppError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(429, 'rate_limited', message);
  }
}
