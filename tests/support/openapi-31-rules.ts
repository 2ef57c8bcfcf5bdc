/**
 * The OpenAPI 3.1 rules that matter for a generated document, checked structurally (no validator
 * package is installed): fixed fields, path templating and parameters, responses, unique
 * operation ids, security references, component names, resolvable $refs, and JSON Schema basics.
 * Returns every problem found (empty: valid).
 */

type Json = unknown;
const isObject = (value: Json): value is Record<string, Json> => typeof value === 'object' && value !== null && !Array.isArray(value);
const extensionOr = (allowed: readonly string[]) => (key: string) => allowed.includes(key) || key.startsWith('x-');

const ROOT_FIELDS = ['openapi', 'info', 'jsonSchemaDialect', 'servers', 'paths', 'webhooks', 'components', 'security', 'tags', 'externalDocs'];
const PATH_ITEM_FIELDS = ['$ref', 'summary', 'description', 'get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace', 'servers', 'parameters'];
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const OPERATION_FIELDS = ['tags', 'summary', 'description', 'externalDocs', 'operationId', 'parameters', 'requestBody', 'responses', 'callbacks', 'deprecated', 'security', 'servers'];
const PARAMETER_FIELDS = ['name', 'in', 'description', 'required', 'deprecated', 'allowEmptyValue', 'style', 'explode', 'allowReserved', 'schema', 'example', 'examples', 'content'];
const MEDIA_TYPE_FIELDS = ['schema', 'example', 'examples', 'encoding'];
const SECURITY_TYPES = ['apiKey', 'http', 'mutualTLS', 'oauth2', 'openIdConnect'];
const JSON_TYPES = ['null', 'boolean', 'object', 'array', 'number', 'string', 'integer'];

function resolvePointer(document: Json, ref: string): Json {
  if (!ref.startsWith('#/')) return undefined;
  let node: Json = document;
  for (const raw of ref.slice(2).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (!isObject(node) || !(key in node)) return undefined;
    node = node[key];
  }
  return node;
}

function checkSchema(schema: Json, where: string, problems: string[]): void {
  if (typeof schema === 'boolean') return;
  if (!isObject(schema)) {
    problems.push(`${where}: a schema must be an object or boolean`);
    return;
  }
  const types = schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type];
  for (const type of types) if (!JSON_TYPES.includes(String(type))) problems.push(`${where}: unknown type ${String(type)}`);
  if (schema.required !== undefined) {
    const required = schema.required;
    if (!Array.isArray(required) || required.some((name) => typeof name !== 'string') || new Set(required).size !== required.length) {
      problems.push(`${where}: required must be an array of unique strings`);
    }
  }
  if (schema.properties !== undefined && !isObject(schema.properties)) problems.push(`${where}: properties must be an object`);
  for (const [name, inner] of Object.entries(isObject(schema.properties) ? schema.properties : {})) checkSchema(inner, `${where}.properties.${name}`, problems);
  for (const key of ['items', 'additionalProperties', 'propertyNames', 'not']) {
    if (schema[key] !== undefined) checkSchema(schema[key], `${where}.${key}`, problems);
  }
  for (const key of ['anyOf', 'oneOf', 'allOf', 'prefixItems']) {
    const list = schema[key];
    if (list === undefined) continue;
    if (!Array.isArray(list) || list.length === 0) problems.push(`${where}.${key}: must be a non-empty array`);
    else list.forEach((inner, index) => checkSchema(inner, `${where}.${key}[${index}]`, problems));
  }
  if (typeof schema.$ref === 'string' && schema.$ref.startsWith('#/$defs/')) problems.push(`${where}: $ref ${schema.$ref} would resolve against the document root`);
}

export function openApi31Problems(document: Json): string[] {
  const problems: string[] = [];
  if (!isObject(document)) return ['the document must be an object'];
  for (const key of Object.keys(document)) if (!extensionOr(ROOT_FIELDS)(key)) problems.push(`unknown root field ${key}`);
  if (typeof document.openapi !== 'string' || !/^3\.1\.\d+$/.test(document.openapi)) problems.push('openapi must be 3.1.x');
  const info = document.info;
  if (!isObject(info) || typeof info.title !== 'string' || typeof info.version !== 'string') problems.push('info.title and info.version are required strings');
  if (isObject(info) && isObject(info.license)) {
    if (typeof info.license.name !== 'string') problems.push('info.license.name is required');
    if (info.license.identifier !== undefined && info.license.url !== undefined) problems.push('info.license: identifier and url are mutually exclusive');
  }
  if (document.paths === undefined && document.components === undefined && document.webhooks === undefined) problems.push('one of paths, components, webhooks is required');
  if (document.servers !== undefined) {
    if (!Array.isArray(document.servers)) problems.push('servers must be an array');
    else document.servers.forEach((server, index) => {
      if (!isObject(server) || typeof server.url !== 'string') problems.push(`servers[${index}].url is required`);
    });
  }

  const components = isObject(document.components) ? document.components : {};
  const securitySchemes = isObject(components.securitySchemes) ? components.securitySchemes : {};
  for (const [name, scheme] of Object.entries(securitySchemes)) {
    if (!isObject(scheme) || !SECURITY_TYPES.includes(String(scheme.type))) problems.push(`securityScheme ${name}: invalid type`);
    else if (scheme.type === 'http' && typeof scheme.scheme !== 'string') problems.push(`securityScheme ${name}: http needs scheme`);
  }
  for (const [section, entries] of Object.entries(components)) {
    if (!isObject(entries)) continue;
    for (const name of Object.keys(entries)) if (!/^[a-zA-Z0-9._-]+$/.test(name)) problems.push(`components.${section}.${name}: invalid name`);
  }
  for (const [name, schema] of Object.entries(isObject(components.schemas) ? components.schemas : {})) checkSchema(schema, `components.schemas.${name}`, problems);

  const checkSecurity = (requirements: Json, where: string) => {
    if (!Array.isArray(requirements)) {
      problems.push(`${where}: security must be an array`);
      return;
    }
    for (const requirement of requirements) {
      if (!isObject(requirement)) problems.push(`${where}: a security requirement must be an object`);
      else for (const name of Object.keys(requirement)) if (!(name in securitySchemes)) problems.push(`${where}: undefined security scheme ${name}`);
    }
  };
  if (document.security !== undefined) checkSecurity(document.security, 'security');

  const operationIds = new Set<string>();
  const templates = new Map<string, string>();
  for (const [path, item] of Object.entries(isObject(document.paths) ? document.paths : {})) {
    if (!path.startsWith('/')) problems.push(`path ${path} must start with /`);
    const template = path.replace(/\{[^}]+\}/g, '{}');
    if (templates.has(template)) problems.push(`paths ${path} and ${templates.get(template) ?? ''} are equivalent templates`);
    templates.set(template, path);
    if (!isObject(item)) {
      problems.push(`${path}: path item must be an object`);
      continue;
    }
    for (const key of Object.keys(item)) if (!extensionOr(PATH_ITEM_FIELDS)(key)) problems.push(`${path}: unknown field ${key}`);
    const templateNames = [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1] ?? '');
    for (const method of METHODS) {
      const operation = item[method];
      if (operation === undefined) continue;
      const where = `${method.toUpperCase()} ${path}`;
      if (!isObject(operation)) {
        problems.push(`${where}: operation must be an object`);
        continue;
      }
      for (const key of Object.keys(operation)) if (!extensionOr(OPERATION_FIELDS)(key)) problems.push(`${where}: unknown field ${key}`);
      if (typeof operation.operationId === 'string') {
        if (operationIds.has(operation.operationId)) problems.push(`${where}: duplicate operationId ${operation.operationId}`);
        operationIds.add(operation.operationId);
      }
      const parameters = Array.isArray(operation.parameters) ? operation.parameters : [];
      const seen = new Set<string>();
      for (const parameter of parameters) {
        if (!isObject(parameter) || typeof parameter.name !== 'string' || !['query', 'header', 'path', 'cookie'].includes(String(parameter.in))) {
          problems.push(`${where}: a parameter needs name and a valid in`);
          continue;
        }
        for (const key of Object.keys(parameter)) if (!extensionOr(PARAMETER_FIELDS)(key)) problems.push(`${where}: parameter ${parameter.name}: unknown field ${key}`);
        const id = `${String(parameter.in)}:${parameter.name}`;
        if (seen.has(id)) problems.push(`${where}: duplicate parameter ${id}`);
        seen.add(id);
        if ((parameter.schema === undefined) === (parameter.content === undefined)) problems.push(`${where}: parameter ${parameter.name} needs exactly one of schema and content`);
        if (parameter.schema !== undefined) checkSchema(parameter.schema, `${where} parameter ${parameter.name}`, problems);
        if (parameter.in === 'path') {
          if (parameter.required !== true) problems.push(`${where}: path parameter ${parameter.name} must be required`);
          if (!templateNames.includes(parameter.name)) problems.push(`${where}: path parameter ${parameter.name} is not in the path`);
        }
      }
      for (const name of templateNames) if (!seen.has(`path:${name}`)) problems.push(`${where}: no parameter for {${name}}`);
      if (operation.requestBody !== undefined) {
        const body = operation.requestBody;
        if (!isObject(body) || !isObject(body.content) || Object.keys(body.content).length === 0) problems.push(`${where}: requestBody.content is required`);
        else for (const [type, media] of Object.entries(body.content)) {
          if (!isObject(media)) problems.push(`${where}: requestBody ${type} must be an object`);
          else {
            for (const key of Object.keys(media)) if (!extensionOr(MEDIA_TYPE_FIELDS)(key)) problems.push(`${where}: requestBody ${type}: unknown field ${key}`);
            if (media.schema !== undefined) checkSchema(media.schema, `${where} requestBody ${type}`, problems);
          }
        }
      }
      if (!isObject(operation.responses) || Object.keys(operation.responses).length === 0) problems.push(`${where}: responses must hold at least one response`);
      for (const [status, response] of Object.entries(isObject(operation.responses) ? operation.responses : {})) {
        if (status !== 'default' && !/^[1-5](\d\d|XX)$/.test(status)) problems.push(`${where}: invalid response key ${status}`);
        if (!isObject(response) || (typeof response.description !== 'string' && response.$ref === undefined)) problems.push(`${where} ${status}: description is required`);
        else for (const [type, media] of Object.entries(isObject(response.content) ? response.content : {})) {
          if (!isObject(media)) problems.push(`${where} ${status}: ${type} must be an object`);
          else for (const key of Object.keys(media)) if (!extensionOr(MEDIA_TYPE_FIELDS)(key)) problems.push(`${where} ${status}: ${type}: unknown field ${key}`);
        }
      }
      if (operation.security !== undefined) checkSecurity(operation.security, where);
    }
  }

  const walk = (node: Json, where: string): void => {
    if (Array.isArray(node)) node.forEach((inner, index) => walk(inner, `${where}[${index}]`));
    else if (isObject(node)) {
      for (const [key, inner] of Object.entries(node)) {
        if (key === '$ref' && typeof inner === 'string' && resolvePointer(document, inner) === undefined) problems.push(`${where}: $ref ${inner} does not resolve`);
        walk(inner, `${where}.${key}`);
      }
    }
  };
  walk(document, '#');
  return problems;
}
