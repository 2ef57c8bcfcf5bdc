import { beforeAll, describe, expect, inject, it } from 'vitest';
import { routeTable } from '../../shared/manifest.ts';
import { api, createAccount, createLine } from '../support/api-client.ts';

function concretePath(routeKey: string): { method: string; path: string } {
  const [method = 'GET', template = '/'] = routeKey.split(' ');
  return {
    method,
    path: template
      .replace('{contact}', encodeURIComponent('+12025550143'))
      .replace('{lineId}', 'line_01doesnotexist')
      .replace('{ruleId}', 'rule_01doesnotexist'),
  };
}

/** Routes whose body is not JSON, with the media type they take and the most they accept. */
const NON_JSON_BODIES: Partial<Record<string, { contentType: string; maxBytes: number }>> = {
  'POST /v1/imports': { contentType: 'text/csv', maxBytes: 6 * 1024 * 1024 },
};

const BAD_BODIES: { name: string; body: string | Buffer; contentType: string; expected: number[] }[] = [
  { name: 'invalid JSON', body: '{"name": ', contentType: 'application/json', expected: [400] },
  { name: 'JSON of the wrong type', body: '[1,2,3]', contentType: 'application/json', expected: [400] },
  { name: 'wrong content type', body: 'name=x', contentType: 'text/plain', expected: [415] },
  { name: 'invalid UTF-8', body: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), contentType: 'application/json', expected: [400] },
  { name: 'deeply nested JSON', body: `${'['.repeat(5000)}${']'.repeat(5000)}`, contentType: 'application/json', expected: [400] },
  { name: 'a huge number', body: '{"retention":{"dataMonths":1e400}}', contentType: 'application/json', expected: [400] },
  { name: 'an oversized body', body: `{"name":"${'x'.repeat(100_000)}"}`, contentType: 'application/json', expected: [413] },
];

/** What a bad request must leave as it was: lines, rules, settings, contacts and consent. */
async function accountState(key: string): Promise<string[]> {
  const paths = ['/v1/lines', '/v1/rules', '/v1/settings', '/v1/contacts', '/v1/exports/consent'];
  return Promise.all(paths.map(async (path) => (await api('GET', path, { key })).text));
}

/** Every admin route with a body, fed bad bodies: a 4xx with a JSON error, never a 5xx, nothing changed. */
describe('malformed input on admin routes', () => {
  let key: string;
  beforeAll(async () => {
    ({ apiKey: key } = await createAccount('Malformed'));
    await createLine(key, { provider: 'aws' });
  });

  const bodyRoutes = routeTable().filter((route) => route.routeKey.startsWith('POST /v1') || route.routeKey.startsWith('PUT /v1'));

  for (const route of bodyRoutes) {
    const nonJson = NON_JSON_BODIES[route.routeKey];
    for (const jsonCase of BAD_BODIES) {
      // A CSV route gets the same bytes as CSV (all unusable: 400), and an oversized body past its own limit.
      const bad = !nonJson || jsonCase.contentType !== 'application/json'
        ? jsonCase
        : jsonCase.expected.includes(413)
          ? { ...jsonCase, contentType: nonJson.contentType, body: `contact,channel,status,occurredAt\n${'x'.repeat(nonJson.maxBytes)}` }
          : { ...jsonCase, contentType: nonJson.contentType };
      it(`${route.routeKey}: ${bad.name} → ${bad.expected.join('/')}`, async () => {
        const { method, path } = concretePath(route.routeKey);
        const before = await accountState(key);
        const response = await api<{ error: { code: string; message: string } }>(method, path, {
          key: route.routeKey === 'POST /v1/accounts' ? inject('adminApiKey') : key,
          body: bad.body,
          headers: { 'content-type': bad.contentType },
        });
        expect(bad.expected).toContain(response.status);
        expect(response.body.error.code).toEqual(expect.any(String));
        expect(response.body.error.message).toEqual(expect.any(String));
        expect(await accountState(key)).toEqual(before);
      });
    }
  }

  it('answers unknown routes and methods with a JSON 404/405', async () => {
    const unknown = await api<{ error: { code: string } }>('GET', '/v1/nothing-here', { key });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('not_found');
    const wrongMethod = await api<{ error: { code: string } }>('PATCH', '/v1/settings', { key });
    expect(wrongMethod.status).toBe(405);
  });

  it('answers 404 to ids of any length or shape (never a 5xx from a key DynamoDB cannot hold)', async () => {
    const ids = ['x'.repeat(3000), `line_${'é'.repeat(600)}`, 'rule_01', 'form_01doesnotexist'];
    for (const id of ids) {
      const encoded = encodeURIComponent(id);
      const statuses = [
        (await api('DELETE', `/v1/lines/${encoded}`, { key })).status,
        (await api('PUT', `/v1/rules/${encoded}`, { key, json: { keyword: 'FOO', action: 'opt_out' } })).status,
        (await api('DELETE', `/v1/rules/${encoded}`, { key })).status,
        (await api('GET', `/v1/forms/${encoded}`, { key })).status,
        (await api('DELETE', `/v1/forms/${encoded}`, { key })).status,
      ];
      expect(statuses).toEqual([404, 404, 404, 404, 404]);
    }
  });

  it('rejects bad path parameters and query strings with 400', async () => {
    expect((await api('GET', '/v1/contacts/%E0%A4%A/consent', { key })).status).toBe(400);
    expect((await api('GET', `/v1/contacts/${encodeURIComponent('+12025550143')}/events?limit=100000`, { key })).status).toBe(400);
    expect((await api('GET', `/v1/contacts/${encodeURIComponent('+12025550143')}/events?limit=abc`, { key })).status).toBe(400);
  });
});
