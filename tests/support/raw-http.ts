import { Agent, request } from 'node:http';

export interface RawRequest {
  method: string;
  /** Path and query exactly as they go on the request line (not re-encoded). */
  path: string;
  /** Header lines as given: repeated names, any content type or none. */
  headers: readonly (readonly [string, string])[];
  body?: Buffer;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

const agent = new Agent({ keepAlive: true, maxSockets: 32 });

/**
 * Sends exactly the bytes given, which fetch would not (it fixes content types, refuses odd
 * headers and re-encodes paths). `status` 0 means the connection failed: for a fuzzer, a crash.
 */
export function rawRequest(baseUrl: string, input: RawRequest): Promise<RawResponse> {
  const url = new URL(baseUrl);
  return new Promise((resolve) => {
    // A raw header list gets no Host from Node: HTTP/1.1 requires one.
    const headers: [string, string][] = [['host', url.host], ...input.headers.map(([name, value]): [string, string] => [name, value])];
    if (input.body !== undefined) headers.push(['content-length', String(input.body.length)]);
    const outgoing = request(
      { host: url.hostname, port: url.port, method: input.method, path: input.path, headers: headers.flat(), agent, timeout: 60_000 },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
        response.on('error', () => resolve({ status: 0, headers: {}, body: Buffer.alloc(0) }));
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new Error('timed out')));
    outgoing.on('error', (error) => resolve({ status: 0, headers: {}, body: Buffer.from(error.message) }));
    outgoing.end(input.body);
  });
}
