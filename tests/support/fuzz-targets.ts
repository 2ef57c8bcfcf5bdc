import * as z from '../../shared/validation/zod.ts';
import { ROUTE_DOCS, type RouteAuth } from '../../shared/openapi/route-docs.ts';
import { routeTable, type RouteKey } from '../../shared/manifest.ts';

/** One manifest route as the fuzzer sees it: how it is called and what its body and query are. */
export interface FuzzTarget {
  routeKey: RouteKey;
  method: string;
  template: string;
  params: string[];
  auth: RouteAuth;
  /** The body's media type and, when the route documents one, the schema its handler validates with. */
  body?: { mediaType: string; schema?: z.ZodMiniType; example: unknown };
  /** Names of the documented query parameters. */
  query: string[];
}

/** Routes that take a body not described by a schema (CSV): their media type. */
const UNDOCUMENTED_BODIES: Partial<Record<RouteKey, string>> = { 'POST /v1/imports': 'text/csv' };

type JsonSchema = Record<string, unknown>;

/**
 * A plausible value for a JSON Schema (the one zod generates for the route): required properties,
 * first enum values, minimal strings and numbers. Not necessarily valid: a starting point that the
 * mutations then break.
 */
export function exampleOf(schema: JsonSchema | undefined, root: JsonSchema = schema ?? {}, depth = 0): unknown {
  if (!schema || depth > 6) return null;
  if (typeof schema.$ref === 'string') {
    const name = schema.$ref.split('/').pop() ?? '';
    return exampleOf(((root.$defs ?? {}) as Record<string, JsonSchema>)[name], root, depth + 1);
  }
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
    const options = schema[key];
    if (Array.isArray(options) && options.length > 0) return exampleOf(options[0] as JsonSchema, root, depth + 1);
  }
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'object': {
      const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
      const required = new Set((schema.required ?? []) as string[]);
      return Object.fromEntries(Object.entries(properties).filter(([name]) => required.has(name)).map(([name, inner]) => [name, exampleOf(inner, root, depth + 1)]));
    }
    case 'array':
      return Number(schema.minItems ?? 0) > 0 ? [exampleOf(schema.items as JsonSchema, root, depth + 1)] : [];
    case 'string':
      if (schema.format === 'date-time') return new Date(Date.now() - 60_000).toISOString();
      if (schema.format === 'email') return 'fuzz@example.org';
      if (schema.format === 'uri') return 'https://www.example.com';
      return 'x'.repeat(Math.max(1, Number(schema.minLength ?? 1)));
    case 'integer':
    case 'number':
      return Number(schema.minimum ?? 1);
    case 'boolean':
      return true;
    case 'null':
      return null;
    default:
      return null;
  }
}

/**
 * Every HTTP route of the manifest, with what the OpenAPI route docs say about it (auth, body
 * schema and media type, query). A route added to the manifest is fuzzed without touching the fuzzer.
 */
export function fuzzTargets(): FuzzTarget[] {
  return routeTable().map(({ routeKey, isPublic }) => {
    const [method = 'GET', template = '/'] = routeKey.split(' ');
    const doc = ROUTE_DOCS[routeKey];
    const params = [...template.matchAll(/\{(\w+)\}/g)].map((match) => match[1] as string);
    const auth: RouteAuth = doc?.auth ?? (isPublic ? 'public' : 'account');
    let body: FuzzTarget['body'];
    if (doc?.body) {
      const jsonSchema = z.toJSONSchema(doc.body.schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
      body = { mediaType: doc.body.mediaType, schema: doc.body.schema, example: exampleOf(jsonSchema) };
    } else if (UNDOCUMENTED_BODIES[routeKey]) {
      body = { mediaType: UNDOCUMENTED_BODIES[routeKey] as string, example: 'contact,channel,status,occurredAt\n' };
    } else if (method === 'POST' || method === 'PUT') {
      body = { mediaType: 'application/json', example: {} };
    }
    return { routeKey, method, template, params, auth, body, query: Object.keys(doc?.query?.shape ?? {}) };
  });
}
