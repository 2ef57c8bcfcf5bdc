/** Why a call to the admin API failed, in terms the console can act on and explain. */
export type ApiFailureKind =
  /** 401: the key is missing, malformed or unknown. */
  | 'unauthorized'
  /** 403: the key is valid but may not do this (the operator key on an account route). */
  | 'forbidden'
  /** Another 4xx: the request was refused; the message says why. */
  | 'refused'
  /** 5xx: the API failed. */
  | 'server'
  /** No answer at all (offline, server down, connection reset). */
  | 'network'
  /** An answer that is not what the documented API sends (HTML from a proxy, cut-off JSON). */
  | 'unexpected';

export interface ApiIssue {
  path: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly kind: ApiFailureKind,
    message: string,
    readonly status?: number,
    readonly code?: string,
    readonly issues: readonly ApiIssue[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

function issuesOf(details: unknown): ApiIssue[] {
  if (!Array.isArray(details)) return [];
  return details.flatMap((detail: unknown) => {
    if (typeof detail !== 'object' || detail === null) return [];
    const { path, message } = detail as { path?: unknown; message?: unknown };
    return typeof path === 'string' && typeof message === 'string' ? [{ path, message }] : [];
  });
}

/** The ApiError for a non-2xx answer, from its status, media type and body text. */
export function apiErrorFromResponse(status: number, contentType: string, bodyText: string): ApiError {
  const kind: ApiFailureKind = status === 401 ? 'unauthorized' : status === 403 ? 'forbidden' : status >= 500 ? 'server' : 'refused';
  if (contentType.includes('json')) {
    try {
      const body = JSON.parse(bodyText) as { error?: { code?: unknown; message?: unknown; details?: unknown } };
      const { code, message, details } = body.error ?? {};
      if (typeof code === 'string' && typeof message === 'string') return new ApiError(kind, message, status, code, issuesOf(details));
    } catch {
      // Falls through: a JSON media type with a body that is not JSON.
    }
  }
  return new ApiError(kind, 'no explanation came with the answer.', status);
}

/** Ends a message with a full stop unless it already ends a sentence. */
function sentence(text: string): string {
  const trimmed = text.trim();
  return /[.!?…]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

/** One sentence (or two) for the operator: what happened and what to do about it. */
export function describeApiError(error: unknown): string {
  if (!(error instanceof ApiError)) {
    return `The console hit an unexpected problem: ${sentence(error instanceof Error ? error.message : String(error))} Reload the page.`;
  }
  const code = error.code ? ` ${error.code}` : '';
  const message = sentence(error.message);
  switch (error.kind) {
    case 'unauthorized':
      return `The API key was not accepted (HTTP 401${code}): ${message} Sign in again with a valid account key.`;
    case 'forbidden':
      return `This key may not do that (HTTP 403${code}): ${message}`;
    case 'refused':
      return `The API refused the request (HTTP ${error.status ?? '4xx'}${code}): ${message}`;
    case 'server':
      return `The API failed (HTTP ${error.status ?? '5xx'}${code}): ${message} Try again in a moment.`;
    case 'network':
      return `The optgate API could not be reached: ${message} Check that optgate is running, then try again.`;
    case 'unexpected':
      return `The API sent an answer the console cannot read: ${message}`;
  }
}
