import { AccountStore } from '../../shared/adapters/dynamodb/account-store.ts';
import { ConsentStore } from '../../shared/adapters/dynamodb/consent-store.ts';
import { createDocumentClient } from '../../shared/adapters/dynamodb/document-client.ts';
import { LineRouter } from '../../shared/adapters/dynamodb/line-router.ts';
import { StatsStore } from '../../shared/adapters/dynamodb/stats-store.ts';
import { createEventBridgeClient, EventBridgeConsentEventPublisher } from '../../shared/adapters/eventbridge/consent-event-publisher.ts';
import { createSecretBox } from '../../shared/adapters/secrets/service-key-source.ts';
import { currentTime } from '../../shared/clock/current-time.ts';
import { loadServiceConfig } from '../../shared/config/service-config.ts';
import { normalizeContact } from '../../shared/domain/contact-address.ts';
import { accountApiHandler } from '../../shared/http/account-api.ts';
import { eventsQuerySchema } from '../../shared/http/admin-request-schemas.ts';
import { parseJsonBody, pathParameter, validate } from '../../shared/http/api-gateway-request.ts';
import { json } from '../../shared/http/responses.ts';
import { getContactConsent } from '../../shared/use-cases/get-contact-consent.ts';
import { setContactConsent, setConsentSchema } from '../../shared/use-cases/set-contact-consent.ts';

/**
 * A contact's consent: read it, set it (the only admin route that records consent changes, so the
 * only one of them that publishes ConsentChanged) and its audit trail.
 */
const config = loadServiceConfig();
// Opens line credentials and erasure keys (sealed in the table); reads the service key on first use.
const secrets = createSecretBox();
const db = createDocumentClient();
const accountStore = new AccountStore(db, config.tableName);
const lineStore = new LineRouter(db, config.tableName, secrets);
const consentStore = new ConsentStore(db, config.tableName, secrets);
const statsStore = new StatsStore(db, config.tableName);
const consentEvents = new EventBridgeConsentEventPublisher(createEventBridgeClient(), config.eventBusName);
const now = currentTime;

export const handler = accountApiHandler(
  { accountStore, operatorKeySha256: config.operatorKeySha256 },
  {
    account: {
      'GET /v1/contacts/{contact}/consent': async (event, { accountId }) => {
        const contact = normalizeContact(pathParameter(event, 'contact'));
        return json(200, await getContactConsent({ accountStore, lineStore, consentStore }, accountId, contact, now()));
      },

      'PUT /v1/contacts/{contact}/consent': async (event, { accountId, keyId }) => {
        const body = parseJsonBody(event, setConsentSchema);
        const deps = { accountStore, lineStore, consentStore, statsStore, consentEvents, now };
        return json(200, await setContactConsent(deps, { accountId, keyId, rawContact: pathParameter(event, 'contact'), body }));
      },

      'GET /v1/contacts/{contact}/events': async (event, { accountId }) => {
        const contact = normalizeContact(pathParameter(event, 'contact'));
        const query = validate(eventsQuerySchema, event.queryStringParameters ?? {}, 'query');
        const page = await consentStore.listEvents(accountId, contact, { ...query, nowMs: now().getTime() });
        return json(200, { contact, ...page });
      },
    },
  },
);
