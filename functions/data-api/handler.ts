import * as z from '../../shared/validation/zod.ts';
import { AccountStore } from '../../shared/adapters/dynamodb/account-store.ts';
import { ConsentStore } from '../../shared/adapters/dynamodb/consent-store.ts';
import { createDocumentClient } from '../../shared/adapters/dynamodb/document-client.ts';
import { ErasureStore } from '../../shared/adapters/dynamodb/erasure-store.ts';
import { JobStore } from '../../shared/adapters/dynamodb/job-store.ts';
import { ProfileStore } from '../../shared/adapters/dynamodb/profile-store.ts';
import { createSecretBox } from '../../shared/adapters/secrets/service-key-source.ts';
import { currentTime } from '../../shared/clock/current-time.ts';
import { loadServiceConfig } from '../../shared/config/service-config.ts';
import { profileInputSchema } from '../../shared/domain/contacts/contact-profile.ts';
import { normalizeContact } from '../../shared/domain/contact-address.ts';
import { retentionOverrideSchema } from '../../shared/domain/retention/retention-policy.ts';
import { accountApiHandler } from '../../shared/http/account-api.ts';
import { parseJsonBody, pathParameter, validate } from '../../shared/http/api-gateway-request.ts';
import type { HttpEvent } from '../../shared/http/http-handler.ts';
import { json } from '../../shared/http/responses.ts';
import { getContact, listContacts, putContact, setContactRetention } from '../../shared/use-cases/contact-profiles.ts';
import { eraseContact } from '../../shared/use-cases/erase-contact.ts';
import { exportContact } from '../../shared/use-cases/export-contact.ts';

/**
 * Data control, one contact at a time: profiles and search, per-contact retention, erasure (right
 * to be forgotten), subject access export. The bulk CSV import and export are the bulk-api's.
 */
const config = loadServiceConfig();
// Opens the per-account erasure keys and consent records' sealed values; reads the service key on first use.
const secrets = createSecretBox();
const db = createDocumentClient();
const deps = {
  db,
  tableName: config.tableName,
  accountStore: new AccountStore(db, config.tableName),
  consentStore: new ConsentStore(db, config.tableName, secrets),
  profileStore: new ProfileStore(db, config.tableName),
  erasureStore: new ErasureStore(db, config.tableName, secrets),
  jobStore: new JobStore(db, config.tableName),
  realNowMs: () => Date.now(),
};

const listQuerySchema = z.strictObject({
  prefix: z.optional(z.string().check(z.maxLength(320))),
  cursor: z.optional(z.string().check(z.maxLength(600))),
  limit: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(500)), 50),
});
const exportQuerySchema = z.strictObject({ cursor: z.optional(z.string().check(z.maxLength(2000))) });

const contactOf = (event: HttpEvent) => normalizeContact(pathParameter(event, 'contact'));

export const handler = accountApiHandler(
  { accountStore: deps.accountStore, operatorKeySha256: config.operatorKeySha256 },
  {
    account: {
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
    },
  },
);
