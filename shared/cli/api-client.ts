/** An optgate API answer the CLI could not use (the body's `{error:{code,message}}` when there is one). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface ApiClientOptions {
  baseUrl: string;
  apiKey: string;
  /** Attempts for a request that failed with 429, 5xx or a network error (all CLI requests are safe to repeat). */
  maxAttempts?: number;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  /**
   * Longest total wait on 429 answers that name a Retry-After (the server's back-pressure, e.g. an
   * import over the account's rows per second): those waits do not use up attempts. Default 1 hour.
   */
  maxRateLimitWaitMs?: number;
}

const RETRYABLE = new Set([429, 500, 502, 503, 504]);

/** The CLI's HTTP client: bearer key, JSON errors turned into ApiError, retries with backoff. */
export function createApiClient(options: ApiClientOptions) {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const doFetch = options.fetch ?? fetch;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const maxAttempts = options.maxAttempts ?? 5;
  const maxRateLimitWaitMs = options.maxRateLimitWaitMs ?? 3_600_000;
  let rateLimitWaitedMs = 0;

  async function request(method: string, path: string, init: { body?: string | Uint8Array; contentType?: string } = {}): Promise<Response> {
    for (let attempt = 1; ; attempt += 1) {
      let response: Response | undefined;
      let failure: unknown;
      try {
        response = await doFetch(`${baseUrl}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${options.apiKey}`,
            ...(init.contentType ? { 'content-type': init.contentType } : {}),
          },
          ...(init.body !== undefined ? { body: init.body } : {}),
        });
      } catch (error) {
        failure = error;
      }
      if (response && response.status < 400) return response;
      const retryAfterMs = response?.status === 429 ? retryAfter(response.headers.get('retry-after')) : undefined;
      if (retryAfterMs !== undefined && rateLimitWaitedMs + retryAfterMs <= maxRateLimitWaitMs) {
        // Back-pressure, not a failure: wait as told, without using up an attempt.
        await response?.body?.cancel();
        rateLimitWaitedMs += retryAfterMs;
        attempt -= 1;
        await sleep(retryAfterMs);
        continue;
      }
      const retryable = response === undefined || RETRYABLE.has(response.status);
      if (!retryable || attempt >= maxAttempts) {
        if (!response) throw new ApiError(0, 'network_error', `Cannot reach ${baseUrl}: ${(failure as Error).message}`);
        throw await toApiError(response);
      }
      await response?.body?.cancel();
      await sleep(Math.min(10_000, 250 * 2 ** (attempt - 1)));
    }
  }

  return {
    request,
    async json<T>(method: string, path: string, init: { body?: string | Uint8Array; contentType?: string } = {}): Promise<{ status: number; body: T }> {
      const response = await request(method, path, init);
      return { status: response.status, body: (await response.json()) as T };
    },
  };
}

export type ApiClient = ReturnType<typeof createApiClient>;

/** Retry-After in seconds (the form optgate sends), as ms; undefined when absent or not a number. */
function retryAfter(header: string | null): number | undefined {
  if (header === null || !/^\d+$/.test(header.trim())) return undefined;
  return Math.max(1, Number(header.trim())) * 1000;
}

async function toApiError(response: Response): Promise<ApiError> {
  const text = await response.text();
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string } };
    if (body.error?.message) return new ApiError(response.status, body.error.code ?? 'error', body.error.message);
  } catch {
    // Not JSON: fall through.
  }
  return new ApiError(response.status, 'http_error', `HTTP ${response.status}: ${text.slice(0, 200)}`);
}
