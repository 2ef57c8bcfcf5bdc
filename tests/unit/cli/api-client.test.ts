import { describe, expect, it } from 'vitest';
import { ApiError, createApiClient } from '../../../shared/cli/api-client.ts';

function fakeFetch(answers: (Response | Error)[]) {
  const calls: { url: string; init: RequestInit | undefined }[] = [];
  const fetch = (async (url: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: String(url), init });
    const next = answers.shift();
    if (!next) throw new Error('no more answers');
    if (next instanceof Error) throw next;
    return next;
  }) as typeof globalThis.fetch;
  return { fetch, calls };
}

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('CLI API client', () => {
  it('sends the bearer key and retries 5xx, 429 and network errors (every CLI request is idempotent)', async () => {
    const { fetch, calls } = fakeFetch([new TypeError('fetch failed'), json(503, {}), json(429, {}), json(200, { ok: true })]);
    const sleeps: number[] = [];
    const client = createApiClient({ baseUrl: 'http://api.test/', apiKey: 'og_key', fetch, sleep: async (ms) => void sleeps.push(ms) });
    const result = await client.json<{ ok: boolean }>('POST', '/v1/imports', { body: 'a,b', contentType: 'text/csv' });
    expect(result).toEqual({ status: 200, body: { ok: true } });
    expect(calls).toHaveLength(4);
    expect(calls[0]?.url).toBe('http://api.test/v1/imports');
    expect(calls[0]?.init?.headers).toEqual({ authorization: 'Bearer og_key', 'content-type': 'text/csv' });
    expect(sleeps).toEqual([250, 500, 1000]);
  });

  it('does not retry a client error and reports the API’s error code and message', async () => {
    const { fetch, calls } = fakeFetch([json(400, { error: { code: 'validation_failed', message: 'The header lacks the column(s) status' } })]);
    const client = createApiClient({ baseUrl: 'http://api.test', apiKey: 'og_key', fetch, sleep: async () => undefined });
    await expect(client.json('POST', '/v1/imports')).rejects.toMatchObject({ status: 400, code: 'validation_failed', message: 'The header lacks the column(s) status' });
    expect(calls).toHaveLength(1);
  });

  it('gives up after the last attempt with a clear network error', async () => {
    const { fetch } = fakeFetch([new TypeError('fetch failed'), new TypeError('fetch failed')]);
    const client = createApiClient({ baseUrl: 'http://api.test', apiKey: 'og_key', fetch, sleep: async () => undefined, maxAttempts: 2 });
    const failure = client.request('GET', '/v1/exports/consent');
    await expect(failure).rejects.toBeInstanceOf(ApiError);
    await expect(failure).rejects.toMatchObject({ code: 'network_error' });
  });

  it('waits as a 429 Retry-After says (the import back-pressure) without using up attempts, up to its wait budget', async () => {
    const throttled = (seconds: string) => new Response(JSON.stringify({ error: { code: 'rate_limited', message: 'slow down' } }), { status: 429, headers: { 'content-type': 'application/json', 'retry-after': seconds } });
    const { fetch, calls } = fakeFetch([throttled('2'), throttled('3'), throttled('1'), json(200, { ok: true })]);
    const sleeps: number[] = [];
    const client = createApiClient({ baseUrl: 'http://api.test', apiKey: 'og_key', fetch, sleep: async (ms) => void sleeps.push(ms), maxAttempts: 1 });
    await expect(client.json('POST', '/v1/imports')).resolves.toEqual({ status: 200, body: { ok: true } });
    expect(calls).toHaveLength(4);
    expect(sleeps).toEqual([2000, 3000, 1000]);

    const again = fakeFetch([throttled('5'), throttled('5')]);
    const budgeted = createApiClient({ baseUrl: 'http://api.test', apiKey: 'og_key', fetch: again.fetch, sleep: async () => undefined, maxAttempts: 1, maxRateLimitWaitMs: 6000 });
    await expect(budgeted.json('POST', '/v1/imports')).rejects.toMatchObject({ status: 429, code: 'rate_limited' });
    expect(again.calls).toHaveLength(2);
  });
});
