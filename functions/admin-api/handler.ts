import * as z from '../../shared/validation/zod.ts';
import { createEventBridgeClient, EventBridgeConsentEventPublisher } from '../../shared/adapters/eventbridge/consent-event-publisher.ts';
import { createDocumentClient } from '../../shared/adapters/dynamodb/document-client.ts';
import { JobStore } from '../../shared/adapters/dynamodb/job-store.ts';
import { OutboundStore } from '../../shared/adapters/dynamodb/outbound-store.ts';
import { createStores } from '../../shared/adapters/dynamodb/stores.ts';
import { currentTime } from '../../shared/clock/current-time.ts';
import { cacheTtlMs, loadAccountDefaults, loadServiceConfig } from '../../shared/config/service-config.ts';
import { accountSettingsPatchSchema, mergeAccountSettings } from '../../shared/domain/accounts/account-settings.ts';
import { lineInputSchema, validateLineInput } from '../../shared/domain/accounts/line.ts';
import { normalizeContact } from '../../shared/domain/contact-address.ts';
import { NotFoundError } from '../../shared/domain/errors.ts';
import { BUILTIN_RULES } from '../../shared/domain/keywords/builtin-rules.ts';
import { keywordRuleInputSchema } from '../../shared/domain/keywords/keyword-rule.ts';
import { parseJsonBody, pathParameter, resourceIdParameter, validate } from '../../shared/http/api-gateway-request.ts';
import { authenticate, requireAccount, requireOperator } from '../../shared/http/authenticate.ts';
import { createAccountSchema, eventsQuerySchema } from '../../shared/http/admin-request-schemas.ts';
import { httpHandler } from '../../shared/http/http-handler.ts';
import { json, noContent } from '../../shared/http/responses.ts';
import { checkConsent, consentCheckSchema } from '../../shared/use-cases/check-consent.ts';
import { createUnsubscribeLink, unsubscribeLinkInputSchema } from '../../shared/use-cases/create-unsubscribe-link.ts';
import { assertRuleLine } from '../../shared/use-cases/assert-rule-line.ts';
import { keywordTestSchema, testKeywordRules } from '../../shared/use-cases/test-keyword-rules.ts';
import { getContactConsent } from '../../shared/use-cases/get-contact-consent.ts';
import { setConsentSchema, setContactConsent } from '../../shared/use-cases/set-contact-consent.ts';
import type { RouteKey } from '../../shared/manifest.ts';
import { ConsentSnapshotReader } from '../../shared/adapters/dynamodb/consent-snapshot-reader.ts';
import { FormStore } from '../../shared/adapters/dynamodb/form-store.ts';
import type { AccountRoute } from './account-route.ts';
import { formRoutes } from './form-routes.ts';
import { reportRoutes } from './report-routes.ts';
import { createSecretBox } from '../../shared/adapters/secrets/service-key-source.ts';

const config = loadServiceConfig();
// Opens line credentials and per-account keys (sealed in the table); reads the service key on first use.
const secrets = createSecretBox();
const accountDefaults = loadAccountDefaults();
const db = createDocumentClient();
const stores = createStores(db, config.tableName, secrets);
const consentEvents = new EventBridgeConsentEventPublisher(createEventBridgeClient(), config.eventBusName);
// The gate's reader, with its per-container cache of settings and lines.
const outboundStore = new OutboundStore(db, config.tableName, { cacheTtlMs: cacheTtlMs(), secrets });
const jobStore = new JobStore(db, config.tableName);
const now = currentTime;

/** Rotation takes no options today; a body, when sent, must be an empty JSON object. */
const rotateKeySchema = z.strictObject({});
const formStore = new FormStore(db, config.tableName);
const snapshotReader = new ConsentSnapshotReader(db, config.tableName);

const accountRoutes: Partial<Record<RouteKey, AccountRoute>> = {
  'GET /v1/settings': async (_event, { accountId }) => json(200, await stores.accountStore.getSettings(accountId)),

  'PUT /v1/settings': async (event, { accountId }) => {
    const patch = parseJsonBody(event, accountSettingsPatchSchema);
    const current = await stores.accountStore.getSettings(accountId);
    const settings = mergeAccountSettings(current, patch);
    await stores.accountStore.putSettings(accountId, settings);
    const retentionChanged =
      current.retention.dataMonths !== settings.retention.dataMonths ||
      current.retention.messageHistoryMonths !== settings.retention.messageHistoryMonths;
    // Existing items get the new expiry in the background: the retention sweep runs the job in batches.
    if (retentionChanged) await jobStore.openRetentionJob(accountId, undefined, now());
    return json(200, settings);
  },

  'GET /v1/lines': async (_event, { accountId }) => json(200, { lines: await stores.lineStore.listLines(accountId) }),

  'POST /v1/lines': async (event, { accountId }) => {
    const input = parseJsonBody(event, lineInputSchema);
    const valid = validateLineInput(input);
    const line = await stores.lineStore.createLine(accountId, { ...input, ...valid });
    return json(201, line);
  },

  'DELETE /v1/lines/{lineId}': async (event, { accountId }) => {
    await stores.lineStore.deleteLine(accountId, resourceIdParameter(event, 'lineId', 'line'));
    return noContent();
  },

  'GET /v1/rules': async (_event, { accountId }) =>
    json(200, { rules: await stores.ruleStore.listRules(accountId), builtinRules: BUILTIN_RULES }),

  'POST /v1/rules': async (event, { accountId }) => {
    const input = parseJsonBody(event, keywordRuleInputSchema);
    await assertRuleLine(stores, accountId, input);
    return json(201, await stores.ruleStore.createRule(accountId, input));
  },

  'PUT /v1/rules/{ruleId}': async (event, { accountId }) => {
    const input = parseJsonBody(event, keywordRuleInputSchema);
    await assertRuleLine(stores, accountId, input);
    return json(200, await stores.ruleStore.replaceRule(accountId, resourceIdParameter(event, 'ruleId', 'rule'), input));
  },

  'POST /v1/rules/test': async (event, { accountId }) => json(200, await testKeywordRules(stores, accountId, parseJsonBody(event, keywordTestSchema))),

  'DELETE /v1/rules/{ruleId}': async (event, { accountId }) => {
    await stores.ruleStore.deleteRule(accountId, resourceIdParameter(event, 'ruleId', 'rule'));
    return noContent();
  },

  'GET /v1/contacts/{contact}/consent': async (event, { accountId }) => {
    const contact = normalizeContact(pathParameter(event, 'contact'));
    return json(200, await getContactConsent(stores, accountId, contact, now()));
  },

  'PUT /v1/contacts/{contact}/consent': async (event, { accountId, keyId }) => {
    const body = parseJsonBody(event, setConsentSchema);
    const result = await setContactConsent({ ...stores, consentEvents, now }, { accountId, keyId, rawContact: pathParameter(event, 'contact'), body });
    return json(200, result);
  },

  'POST /v1/consent/check': async (event, { accountId }) => {
    const input = parseJsonBody(event, consentCheckSchema);
    return json(200, await checkConsent({ store: outboundStore, now }, accountId, input));
  },

  'GET /v1/contacts/{contact}/events': async (event, { accountId }) => {
    const contact = normalizeContact(pathParameter(event, 'contact'));
    const query = validate(eventsQuerySchema, event.queryStringParameters ?? {}, 'query');
    const page = await stores.consentStore.listEvents(accountId, contact, { ...query, nowMs: now().getTime() });
    return json(200, { contact, ...page });
  },

  'POST /v1/unsubscribe-links': async (event, { accountId }) => {
    const body = parseJsonBody(event, unsubscribeLinkInputSchema);
    return json(200, await createUnsubscribeLink({ ...stores, now, publicBaseUrl: config.publicBaseUrl }, { accountId, body }));
  },

  'POST /v1/unsubscribe-keys': async (event, { accountId }) => {
    if (event.body !== undefined && event.body !== '') parseJsonBody(event, rotateKeySchema);
    const { keyId, createdAt } = await stores.unsubscribeKeyStore.rotate(accountId, now());
    return json(201, { keyId, createdAt });
  },
  ...formRoutes({ formStore, lineStore: stores.lineStore, publicBaseUrl: config.publicBaseUrl }),
  ...reportRoutes({ ...stores, snapshotReader, publicBaseUrl: config.publicBaseUrl, now }),
};

export const handler = httpHandler(async (event) => {
  const caller = await authenticate(event, { accountStore: stores.accountStore, operatorKeySha256: config.operatorKeySha256 });
  if (event.routeKey === 'POST /v1/accounts') {
    requireOperator(caller);
    const { name } = parseJsonBody(event, createAccountSchema);
    return json(201, await stores.accountStore.createAccount(name, now(), accountDefaults));
  }
  const route = accountRoutes[event.routeKey as RouteKey];
  if (!route) throw new NotFoundError(`No route ${event.routeKey}`);
  return route(event, requireAccount(caller));
});
