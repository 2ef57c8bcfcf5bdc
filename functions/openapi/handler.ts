import { loadServiceConfig } from '../../shared/config/service-config.ts';
import { httpHandler } from '../../shared/http/http-handler.ts';
import { json } from '../../shared/http/responses.ts';
import { buildOpenApiDocument } from '../../shared/openapi/build-openapi-document.ts';

const config = loadServiceConfig();
// Built once per container: it depends only on the code and the public URL.
const document = buildOpenApiDocument({ serverUrl: config.publicBaseUrl });

/** GET /openapi.json: the OpenAPI 3.1 description of every route. */
export const handler = httpHandler(async () => json(200, document, { 'cache-control': 'public, max-age=300' }));
