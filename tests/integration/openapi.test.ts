import { describe, expect, inject, it } from 'vitest';
import { routeTable } from '../../shared/manifest.ts';
import { api } from '../support/api-client.ts';
import { openApi31Problems } from '../support/openapi-31-rules.ts';

type Document = { openapi: string; servers: { url: string }[]; paths: Record<string, Record<string, unknown>> };

describe('GET /openapi.json', () => {
  it('serves a valid OpenAPI 3.1 document listing exactly the routes the server serves', async () => {
    const response = await api<Document>('GET', '/openapi.json');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(openApi31Problems(response.body)).toEqual([]);
    expect(response.body.servers).toEqual([{ url: inject('publicBaseUrl') }]);
    const documented = Object.entries(response.body.paths).flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`));
    expect(documented.sort()).toEqual(routeTable().map((route) => route.routeKey).sort());

    // Every documented operation reaches a handler: the server's router never answers "No route".
    for (const routeKey of documented) {
      const [method = 'GET', template = '/'] = routeKey.split(' ');
      const path = template.replace(/\{[^}]+\}/g, 'x');
      const answer = await api<{ error?: { message?: string } }>(method, path, method === 'GET' || method === 'DELETE' ? {} : { body: '', headers: { 'content-type': 'application/json' } });
      expect(answer.status === 404 || answer.status === 405 ? answer.body?.error?.message ?? '' : '', routeKey).not.toMatch(/^No route/);
    }
    expect((await api<{ error: { message: string } }>('GET', '/v1/nothing-here')).body.error.message).toMatch(/^No route/);
  });
});
