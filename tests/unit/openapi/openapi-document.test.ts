import { describe, expect, it } from 'vitest';
import * as z from '../../../shared/validation/zod.ts';
import { webFormInputSchema } from '../../../shared/domain/forms/web-form.ts';
import { routeTable } from '../../../shared/manifest.ts';
import { buildOpenApiDocument } from '../../../shared/openapi/build-openapi-document.ts';
import { ROUTE_DOCS } from '../../../shared/openapi/route-docs.ts';
import { setConsentSchema } from '../../../shared/use-cases/set-contact-consent.ts';
import { snapshotQuerySchema } from '../../../shared/use-cases/get-consent-snapshot.ts';
import { openApi31Problems } from '../../support/openapi-31-rules.ts';

const document = buildOpenApiDocument({ serverUrl: 'https://consent.example.com' });
type Operation = { requestBody?: { content: Record<string, { schema: unknown }> }; parameters?: { name: string; in: string; required: boolean; schema: unknown }[]; security: unknown[] };
const operationOf = (method: string, path: string) => document.paths[path]?.[method] as Operation | undefined;
const inputSchema = (schema: z.ZodMiniType) => {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
};

describe('OpenAPI document', () => {
  it('is valid OpenAPI 3.1', () => {
    expect(openApi31Problems(document)).toEqual([]);
    expect(document.openapi).toBe('3.1.0');
  });

  it('lists every route of the manifest, and nothing else', () => {
    const documented = Object.entries(document.paths).flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`));
    expect(documented.sort()).toEqual(routeTable().map((route) => route.routeKey).sort());
    expect(Object.keys(ROUTE_DOCS).sort()).toEqual(routeTable().map((route) => route.routeKey).sort());
  });

  it('describes request bodies and queries with the very schemas the handlers validate with', () => {
    expect(operationOf('post', '/v1/forms')?.requestBody?.content['application/json']?.schema).toEqual(inputSchema(webFormInputSchema));
    const queries = operationOf('get', '/v1/reports/snapshot')?.parameters ?? [];
    const expected = inputSchema(snapshotQuerySchema) as { properties: Record<string, unknown>; required: string[] };
    expect(queries.map((parameter) => parameter.name)).toEqual(Object.keys(expected.properties));
    expect(queries.find((parameter) => parameter.name === 'line')).toMatchObject({ in: 'query', required: true, schema: expected.properties.line });
    // Recursive schemas (evidence values) live in components, referenced from the body.
    const consentBody = JSON.stringify(operationOf('put', '/v1/contacts/{contact}/consent')?.requestBody);
    expect(consentBody).toMatch(/#\/components\/schemas\/Def[0-9a-f]{10}/);
    expect(consentBody).not.toContain('$defs');
    expect(JSON.stringify(inputSchema(setConsentSchema))).toContain('$defs');
  });

  it('marks public routes as needing no key and the rest as bearer-authorised', () => {
    expect(operationOf('get', '/forms/{formId}')?.security).toEqual([]);
    expect(operationOf('post', '/webhooks/twilio')?.security).toEqual([]);
    expect(operationOf('get', '/v1/lines')?.security).toEqual([{ apiKey: [] }]);
    expect(operationOf('get', '/v1/contacts/{contact}/events')?.parameters?.[0]).toMatchObject({ name: 'contact', in: 'path', required: true });
  });
});

describe('the OpenAPI 3.1 rules used above', () => {
  const clone = () => JSON.parse(JSON.stringify(document)) as Record<string, Record<string, Record<string, unknown>>>;

  it('catch a wrong version, a missing path parameter, a dangling $ref and a bad response key', () => {
    const wrongVersion = clone();
    (wrongVersion as Record<string, unknown>).openapi = '3.0.3';
    expect(openApi31Problems(wrongVersion)).toContain('openapi must be 3.1.x');

    const noParameter = clone();
    const events = noParameter.paths?.['/v1/contacts/{contact}/events']?.get as { parameters: unknown[] };
    events.parameters = events.parameters.slice(1);
    expect(openApi31Problems(noParameter)).toContain('GET /v1/contacts/{contact}/events: no parameter for {contact}');

    const dangling = clone();
    (dangling.components?.schemas as Record<string, unknown>).Error = { $ref: '#/components/schemas/Nope' };
    expect(openApi31Problems(dangling).some((problem) => problem.includes('does not resolve'))).toBe(true);

    const badStatus = clone();
    ((badStatus.paths?.['/health']?.get as { responses: Record<string, unknown> }).responses)['2OO'] = { description: 'typo' };
    expect(openApi31Problems(badStatus)).toContain('GET /health: invalid response key 2OO');
  });
});
