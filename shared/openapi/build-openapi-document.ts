import { createHash } from 'node:crypto';
import * as z from '../validation/zod.ts';
import { routeTable, type RouteKey } from '../manifest.ts';
import { ROUTE_DOCS, type RouteDoc } from './route-docs.ts';

type JsonSchema = Record<string, unknown>;

export interface OpenApiDocument {
  openapi: string;
  info: Record<string, unknown>;
  servers: { url: string; description?: string }[];
  tags: { name: string }[];
  paths: Record<string, Record<string, unknown>>;
  components: { securitySchemes: Record<string, unknown>; schemas: Record<string, JsonSchema> };
}

/** `{ "error": { "code", "message" } }`, as every admin error is rendered. */
const errorSchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.optional(z.unknown()) }),
});

export class UndocumentedRouteError extends Error {
  constructor(readonly routes: readonly string[]) {
    super(`Routes without an entry in shared/openapi/route-docs.ts: ${routes.join(', ')}`);
    this.name = 'UndocumentedRouteError';
  }
}

/**
 * zod → JSON Schema 2020-12 (the dialect of OpenAPI 3.1 schema objects), as the request must be
 * sent (`io: 'input'`: fields with defaults are optional). Local `$defs` (recursive schemas) move
 * to components.schemas, because inside an OpenAPI document `#/$defs/…` would resolve against the
 * document root.
 */
function toSchema(schema: z.ZodMiniType, components: Record<string, JsonSchema>): JsonSchema {
  const generated = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const { $schema: _dialect, $defs, ...rest } = generated;
  const renamed = new Map<string, string>();
  for (const [name, definition] of Object.entries(($defs ?? {}) as Record<string, JsonSchema>)) {
    const digest = createHash('sha256').update(JSON.stringify(definition)).digest('hex').slice(0, 10);
    renamed.set(name, `Def${digest}`);
  }
  const rewrite = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(rewrite);
    if (value === null || typeof value !== 'object') return value;
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => {
        if (key === '$ref' && typeof inner === 'string' && inner.startsWith('#/$defs/')) {
          return [key, `#/components/schemas/${renamed.get(inner.slice('#/$defs/'.length)) ?? 'Missing'}`];
        }
        return [key, rewrite(inner)];
      }),
    );
  };
  for (const [name, definition] of Object.entries(($defs ?? {}) as Record<string, JsonSchema>)) {
    components[renamed.get(name) ?? name] = rewrite(definition) as JsonSchema;
  }
  return rewrite(rest) as JsonSchema;
}

/** "GET /v1/contacts/{contact}/consent" → "getV1ContactsContactConsent". */
function operationId(routeKey: RouteKey): string {
  const [method = '', path = ''] = routeKey.split(' ');
  const words = path.split(/[^A-Za-z0-9]+/).filter(Boolean);
  return method.toLowerCase() + words.map((word) => word[0]?.toUpperCase() + word.slice(1)).join('');
}

function operation(routeKey: RouteKey, doc: RouteDoc, components: Record<string, JsonSchema>): Record<string, unknown> {
  const [, path = ''] = routeKey.split(' ');
  const pathNames = [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1] ?? '');
  const parameters: Record<string, unknown>[] = pathNames.map((name) => ({
    name,
    in: 'path',
    required: true,
    description: doc.pathParameters?.[name] ?? name,
    schema: { type: 'string' },
  }));
  if (doc.query) {
    const query = toSchema(doc.query, components);
    const required = new Set((query.required ?? []) as string[]);
    for (const [name, schema] of Object.entries((query.properties ?? {}) as Record<string, JsonSchema>)) {
      parameters.push({ name, in: 'query', required: required.has(name), schema });
    }
  }
  const responses: Record<string, unknown> = {};
  for (const [status, response] of Object.entries(doc.responses)) {
    responses[status] = {
      description: response.description,
      ...(response.mediaType ? { content: { [response.mediaType]: response.mediaType === 'application/json' ? { schema: {} } : {} } } : {}),
    };
  }
  if (doc.auth !== 'public' || doc.body) {
    responses['4XX'] = { description: 'The request was refused: the body says why', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
  }
  return {
    operationId: operationId(routeKey),
    summary: doc.summary,
    ...(doc.description ? { description: doc.description } : {}),
    tags: [doc.tag],
    security: doc.auth === 'public' ? [] : [{ apiKey: [] }],
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(doc.body ? { requestBody: { required: true, content: { [doc.body.mediaType]: { schema: toSchema(doc.body.schema, components) } } } } : {}),
    responses,
  };
}

/**
 * The OpenAPI 3.1 document of every route in the manifest, from the zod schemas the handlers
 * validate with. A manifest route without documentation is an error, not a silent omission.
 */
export function buildOpenApiDocument(options: { serverUrl: string; version?: string }): OpenApiDocument {
  const components: Record<string, JsonSchema> = { Error: toSchema(errorSchema, {}) };
  const paths: Record<string, Record<string, unknown>> = {};
  const missing: string[] = [];
  const tags = new Set<string>();
  for (const { routeKey } of routeTable()) {
    const doc = ROUTE_DOCS[routeKey];
    if (!doc) {
      missing.push(routeKey);
      continue;
    }
    const [method = '', path = ''] = routeKey.split(' ');
    tags.add(doc.tag);
    paths[path] = { ...paths[path], [method.toLowerCase()]: operation(routeKey, doc, components) };
  }
  if (missing.length > 0) throw new UndocumentedRouteError(missing);
  return {
    openapi: '3.1.0',
    info: {
      title: 'optgate',
      version: options.version ?? '0.1.0',
      summary: 'Consent (opt-in / opt-out) service for SMS, WhatsApp and email senders',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    servers: [{ url: options.serverUrl }],
    tags: [...tags].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'An account API key, or the operator key for POST /v1/accounts' } },
      schemas: components,
    },
  };
}
