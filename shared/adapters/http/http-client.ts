/**
 * The outbound HTTP calls optgate makes to provider APIs (WhatsApp Cloud API, SNS signing
 * certificates) go through this interface, so tests point them at fake servers on 127.0.0.1 and no
 * test ever reaches the internet.
 */
export interface HttpRequest {
  method: 'GET' | 'POST';
  url: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface HttpResponse {
  status: number;
  body: string;
}

export interface HttpClient {
  send(request: HttpRequest): Promise<HttpResponse>;
}

/** Raised when the provider could not be reached or did not answer in time. */
export class HttpClientError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A fetch-based client with a per-request timeout and a response size cap. */
export function createFetchHttpClient(options: { timeoutMs: number; maxResponseBytes?: number }): HttpClient {
  const maxBytes = options.maxResponseBytes ?? 1024 * 1024;
  return {
    async send(request) {
      let response: Response;
      try {
        response = await fetch(request.url, {
          method: request.method,
          headers: request.headers,
          body: request.body,
          redirect: 'error',
          signal: AbortSignal.timeout(options.timeoutMs),
        });
      } catch (error) {
        throw new HttpClientError(`${request.method} ${new URL(request.url).host} failed: ${(error as Error).message}`, { cause: error });
      }
      const bytes = Buffer.from(await response.arrayBuffer());
      if (bytes.length > maxBytes) throw new HttpClientError(`${new URL(request.url).host} answered more than ${maxBytes} bytes`);
      return { status: response.status, body: bytes.toString('utf8') };
    },
  };
}
