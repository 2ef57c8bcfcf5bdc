import { randomInt } from 'node:crypto';
import { inject } from 'vitest';

export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

/** A thin fetch wrapper for the local stack; parses JSON when the server says it is JSON. */
export async function api<T = Record<string, unknown>>(
  method: string,
  path: string,
  options: { key?: string; json?: unknown; body?: string | Buffer; headers?: Record<string, string> } = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.key) headers.authorization = `Bearer ${options.key}`;
  let body: string | Buffer | undefined = options.body;
  if (options.json !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = JSON.stringify(options.json);
  }
  const response = await fetch(`${inject('baseUrl')}${path}`, { method, headers, body });
  const text = await response.text();
  const isJson = (response.headers.get('content-type') ?? '').includes('json');
  return { status: response.status, headers: response.headers, text, body: (isJson && text ? JSON.parse(text) : undefined) as T };
}

export async function createAccount(name = 'Test account'): Promise<{ accountId: string; apiKey: string }> {
  const response = await api<{ accountId: string; apiKey: string }>('POST', '/v1/accounts', {
    key: inject('adminApiKey'),
    json: { name },
  });
  if (response.status !== 201) throw new Error(`createAccount failed: ${response.status} ${response.text}`);
  return response.body;
}

const issuedNumbers = new Set<string>();
/** A random possible US number, unique within the file; files share the stack, so they must not collide. */
export function uniquePhone(): string {
  for (;;) {
    const number = `+1202${String(randomInt(0, 10_000_000)).padStart(7, '0')}`;
    if (!issuedNumbers.has(number)) {
      issuedNumbers.add(number);
      return number;
    }
  }
}

export async function createLine(
  key: string,
  line: { channel?: string; address?: string; provider?: string; providerId?: string; credentials?: Record<string, string>; name?: string },
): Promise<{ lineId: string; address: string; channel: string }> {
  const response = await api<{ lineId: string; address: string; channel: string }>('POST', '/v1/lines', {
    key,
    json: { channel: 'sms', provider: 'twilio', address: uniquePhone(), ...line },
  });
  if (response.status !== 201) throw new Error(`createLine failed: ${response.status} ${response.text}`);
  return response.body;
}

/**
 * Delivers as a provider does: again after a 5xx or a broken connection (Twilio with retries on,
 * Meta, SNS → Lambda), waiting longer each time; answers every status seen, the last one final.
 */
export async function deliverUntilAccepted(send: () => Promise<ApiResponse>, options: { attempts?: number; firstDelayMs?: number; maxDelayMs?: number } = {}): Promise<{ statuses: number[]; last?: ApiResponse }> {
  const attempts = options.attempts ?? 10;
  const statuses: number[] = [];
  let last: ApiResponse | undefined;
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    last = await send().catch(() => undefined);
    statuses.push(last?.status ?? 0);
    if (last && last.status < 500) break;
    const delay = Math.min(options.maxDelayMs ?? 8_000, (options.firstDelayMs ?? 250) * 2 ** (attempt - 1));
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
  return { statuses, last };
}
