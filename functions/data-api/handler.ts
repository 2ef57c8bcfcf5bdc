import { createEventBridgeClient, EventBridgeConsentEventPublisher } from '../../shared/adapters/eventbridge/consent-event-publisher.ts';
import * as z from '../../shared/validation/zod.ts';
import { createDataStores } from '../../shared/adapters/dynamodb/data-stores.ts';
import { createDocumentClient } from '../../shared/adapters/dynamodb/document-client.ts';
import { currentTime } from '../../shared/clock/current-time.ts';
import { loadServiceConfig } from '../../shared/config/service-config.ts';
import { profileInputSchema } from '../../shared/domain/contacts/contact-profile.ts';
import { normalizeContact } from '../../shared/domain/contact-address.ts';
import { NotFoundError, UnsupportedMediaTypeError } from '../../shared/domain/errors.ts';
import { retentionOverrideSchema } from '../../shared/domain/retention/retention-policy.ts';
import { decodeUtf8, mediaType, parseJsonBody, pathParameter, rawBody, validate } from '../../shared/http/api-gateway-request.ts';
import { authenticate, requireAccount } from '../../shared/http/authenticate.ts';
import { httpHandler, type HttpEvent, type HttpResult } from '../../shared/http/http-handler.ts';
import { json, text } from '../../shared/http/responses.ts';
import type { RouteKey } from '../../shared/manifest.ts';
import { getContact, listContacts, putContact, setContactRetention } from '../../shared/use-cases/contact-profiles.ts';
import { eraseContact } from '../../shared/use-cases/erase-contact.ts';
import { exportConsentPage } from '../../shared/use-cases/export-consent.ts';
import { exportContact } from '../../shared/use-cases/export-contact.ts';
import { importConsentCsv } from '../../shared/use-cases/import-consent.ts';
import { createSecretBox } from '../../shared/adapters/secrets/service-key-source.ts';

const config = loadServiceConfig();
// Opens line credentials and per-account keys (sealed in the table); reads the service key on first use.
const secrets = createSecretBox();
const stores = {
  ...createDataStores(createDocumentClient(), config.tableName, secrets),
  consentEvents: new EventBridgeConsentEventPublisher(createEventBridgeClient(), config.eventBusName),
};
const realNowMs = () => Date.now();
const deps = { ...stores, realNowMs, now: currentTime };

/** A chunk of 5,000 rows stays well below this; API Gateway's own limit is 10 MB. */
const MAX_IMPORT_BYTES = 6 * 1024 * 1024;
/** Time kept back from the function timeout to answer with a checkpoint instead of being cut off. */
const RESPONSE_MARGIN_MS = 8_000;

type Account = { accountId: string; keyId: string };
type Route = (event: HttpEvent, account: Account, deadlineMs: number) => Promise<HttpResult>;

const listQuerySchema = z.strictObject({
  prefix: z.optional(z.string().check(z.maxLength(320))),
  cursor: z.optional(z.string().check(z.maxLength(600))),
  limit: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(500)), 50),
});
const exportQuerySchema = z.strictObject({ cursor: z.optional(z.string().check(z.maxLength(2000))) });
const consentExportQuerySchema = z.strictObject({
  prefix: z.optional(z.string().check(z.maxLength(320))),
  cursor: z.optional(z.string().check(z.maxLength(600))),
  limit: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(2000)), 500),
});
const importQuerySchema = z.strictObject({
  batchId: z.optional(z.string().check(z.maxLength(80))),
  firstLine: z.optional(z.coerce.number().check(z.int(), z.gte(2), z.lte(1_000_000_000))),
});

const contactOf = (event: HttpEvent) => normalizeContact(pathParameter(event, 'contact'));

const routes: Partial<Record<RouteKey, Route>> = {
  'GET /v1/contacts': async (event, { accountId }) => {
    const query = validate(listQuerySchema, event.queryStringParameters ?? {}, 'query');
    return json(200, await listContacts(deps, accountId, query, currentTime()));
  },

  'GET /v1/contacts/{contact}': async (event, { accountId }) => json(200, await getContact(deps, accountId, contactOf(event), currentTime())),

  'PUT /v1/contacts/{contact}': async (event, { accountId }) => {
    const input = parseJsonBody(event, profileInputSchema);
    return json(200, await putContact(deps, accountId, contactOf(event), input, currentTime()));
  },

  'DELETE /v1/contacts/{contact}': async (event, { accountId }, deadlineMs) => {
    const receipt = await eraseContact(deps, { accountId, contact: contactOf(event), now: currentTime(), deadlineMs });
    // 202: the erasure continues (the sweep finishes it, or call DELETE again to continue now).
    return json(receipt.status === 'complete' ? 200 : 202, receipt);
  },

  'PUT /v1/contacts/{contact}/retention': async (event, { accountId }, deadlineMs) => {
    const input = parseJsonBody(event, retentionOverrideSchema);
    return json(200, await setContactRetention(deps, accountId, contactOf(event), input, { now: currentTime(), deadlineMs }));
  },

  'GET /v1/contacts/{contact}/export': async (event, { accountId }) => {
    const query = validate(exportQuerySchema, event.queryStringParameters ?? {}, 'query');
    const document = await exportContact(deps, accountId, contactOf(event), { now: currentTime(), ...query });
    return json(200, document, { 'content-disposition': 'attachment; filename="contact-export.json"' });
  },

  'POST /v1/imports': async (event, account, deadlineMs) => {
    const type = mediaType(event);
    if (type !== 'text/csv' && type !== 'application/csv') throw new UnsupportedMediaTypeError('text/csv');
    const query = validate(importQuerySchema, event.queryStringParameters ?? {}, 'query');
    const csv = decodeUtf8(rawBody(event, MAX_IMPORT_BYTES));
    const result = await importConsentCsv(deps, { ...account, csv, ...query, deadlineMs });
    return json(200, result);
  },

  'GET /v1/exports/consent': async (event, { accountId }) => {
    const query = validate(consentExportQuerySchema, event.queryStringParameters ?? {}, 'query');
    const page = await exportConsentPage(deps, accountId, query, currentTime());
    const result = text(200, page.csv, 'text/csv; charset=utf-8');
    return {
      ...result,
      headers: {
        ...result.headers,
        'x-optgate-rows': String(page.rows),
        ...(page.nextCursor ? { 'x-optgate-next-cursor': page.nextCursor } : {}),
      },
    };
  },
};

/**
 * Data control: contact profiles and search, per-contact retention, erasure (right to be
 * forgotten), subject access export, consent import and export.
 */
export const handler = httpHandler(async (event, context) => {
  const deadlineMs = Date.now() + Math.max(1_000, context.getRemainingTimeInMillis() - RESPONSE_MARGIN_MS);
  const caller = await authenticate(event, { accountStore: stores.accountStore, operatorKeySha256: config.operatorKeySha256 });
  const route = routes[event.routeKey as RouteKey];
  if (!route) throw new NotFoundError(`No route ${event.routeKey}`);
  return route(event, requireAccount(caller), deadlineMs);
});
