import * as z from '../../shared/validation/zod.ts';
import { AccountStore } from '../../shared/adapters/dynamodb/account-store.ts';
import { createDocumentClient } from '../../shared/adapters/dynamodb/document-client.ts';
import { FormStore } from '../../shared/adapters/dynamodb/form-store.ts';
import { JobStore } from '../../shared/adapters/dynamodb/job-store.ts';
import { LineStore } from '../../shared/adapters/dynamodb/line-store.ts';
import { RuleStore } from '../../shared/adapters/dynamodb/rule-store.ts';
import { UnsubscribeKeyStore } from '../../shared/adapters/dynamodb/unsubscribe-key-store.ts';
import { createSecretBox } from '../../shared/adapters/secrets/service-key-source.ts';
import { currentTime } from '../../shared/clock/current-time.ts';
import { loadAccountDefaults, loadServiceConfig } from '../../shared/config/service-config.ts';
import { accountSettingsPatchSchema, mergeAccountSettings } from '../../shared/domain/accounts/account-settings.ts';
import { lineInputSchema, validateLineInput } from '../../shared/domain/accounts/line.ts';
import { BUILTIN_RULES } from '../../shared/domain/keywords/builtin-rules.ts';
import { keywordRuleInputSchema } from '../../shared/domain/keywords/keyword-rule.ts';
import { accountApiHandler, type AccountRoutes } from '../../shared/http/account-api.ts';
import { createAccountSchema } from '../../shared/http/admin-request-schemas.ts';
import { parseJsonBody, resourceIdParameter } from '../../shared/http/api-gateway-request.ts';
import { json, noContent } from '../../shared/http/responses.ts';
import { assertRuleLine } from '../../shared/use-cases/assert-rule-line.ts';
import { keywordTestSchema, testKeywordRules } from '../../shared/use-cases/test-keyword-rules.ts';
import { formRoutes } from './form-routes.ts';

/**
 * Account set-up: accounts, settings, lines, keyword rules and their tester, web forms, unsubscribe
 * key rotation. It records no consent (no event bus); contact consent is the consent-api's.
 */
const config = loadServiceConfig();
// Opens line credentials and per-account keys (sealed in the table); reads the service key on first use.
const secrets = createSecretBox();
const accountDefaults = loadAccountDefaults();
const db = createDocumentClient();
const accountStore = new AccountStore(db, config.tableName);
const lineStore = new LineStore(db, config.tableName, secrets);
const ruleStore = new RuleStore(db, config.tableName);
const unsubscribeKeyStore = new UnsubscribeKeyStore(db, config.tableName, secrets);
const formStore = new FormStore(db, config.tableName);
const jobStore = new JobStore(db, config.tableName);
const now = currentTime;

/** Rotation takes no options today; a body, when sent, must be an empty JSON object. */
const rotateKeySchema = z.strictObject({});

const routes: AccountRoutes = {
  'GET /v1/settings': async (_event, { accountId }) => json(200, await accountStore.getSettings(accountId)),

  'PUT /v1/settings': async (event, { accountId }) => {
    const patch = parseJsonBody(event, accountSettingsPatchSchema);
    const current = await accountStore.getSettings(accountId);
    const settings = mergeAccountSettings(current, patch);
    await accountStore.putSettings(accountId, settings);
    const retentionChanged =
      current.retention.dataMonths !== settings.retention.dataMonths ||
      current.retention.messageHistoryMonths !== settings.retention.messageHistoryMonths;
    // Existing items get the new expiry in the background: the retention sweep runs the job in batches.
    if (retentionChanged) await jobStore.openRetentionJob(accountId, undefined, now());
    return json(200, settings);
  },

  'GET /v1/lines': async (_event, { accountId }) => json(200, { lines: await lineStore.listLines(accountId) }),

  'POST /v1/lines': async (event, { accountId }) => {
    const input = parseJsonBody(event, lineInputSchema);
    const valid = validateLineInput(input);
    const line = await lineStore.createLine(accountId, { ...input, ...valid });
    return json(201, line);
  },

  'DELETE /v1/lines/{lineId}': async (event, { accountId }) => {
    await lineStore.deleteLine(accountId, resourceIdParameter(event, 'lineId', 'line'));
    return noContent();
  },

  'GET /v1/rules': async (_event, { accountId }) => json(200, { rules: await ruleStore.listRules(accountId), builtinRules: BUILTIN_RULES }),

  'POST /v1/rules': async (event, { accountId }) => {
    const input = parseJsonBody(event, keywordRuleInputSchema);
    await assertRuleLine({ lineStore }, accountId, input);
    return json(201, await ruleStore.createRule(accountId, input));
  },

  'PUT /v1/rules/{ruleId}': async (event, { accountId }) => {
    const input = parseJsonBody(event, keywordRuleInputSchema);
    await assertRuleLine({ lineStore }, accountId, input);
    return json(200, await ruleStore.replaceRule(accountId, resourceIdParameter(event, 'ruleId', 'rule'), input));
  },

  'POST /v1/rules/test': async (event, { accountId }) =>
    json(200, await testKeywordRules({ accountStore, lineStore, ruleStore }, accountId, parseJsonBody(event, keywordTestSchema))),

  'DELETE /v1/rules/{ruleId}': async (event, { accountId }) => {
    await ruleStore.deleteRule(accountId, resourceIdParameter(event, 'ruleId', 'rule'));
    return noContent();
  },

  'POST /v1/unsubscribe-keys': async (event, { accountId }) => {
    if (event.body !== undefined && event.body !== '') parseJsonBody(event, rotateKeySchema);
    const { keyId, createdAt } = await unsubscribeKeyStore.rotate(accountId, now());
    return json(201, { keyId, createdAt });
  },

  ...formRoutes({ formStore, lineStore, publicBaseUrl: config.publicBaseUrl }),
};

export const handler = accountApiHandler(
  { accountStore, operatorKeySha256: config.operatorKeySha256 },
  {
    operator: {
      'POST /v1/accounts': async (event) => {
        const { name } = parseJsonBody(event, createAccountSchema);
        return json(201, await accountStore.createAccount(name, now(), accountDefaults));
      },
    },
    account: routes,
  },
);
