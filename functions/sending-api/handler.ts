import { AccountStore } from '../../shared/adapters/dynamodb/account-store.ts';
import { createDocumentClient } from '../../shared/adapters/dynamodb/document-client.ts';
import { LineRouter } from '../../shared/adapters/dynamodb/line-router.ts';
import { OutboundStore } from '../../shared/adapters/dynamodb/outbound-store.ts';
import { UnsubscribeKeyStore } from '../../shared/adapters/dynamodb/unsubscribe-key-store.ts';
import { createSecretBox } from '../../shared/adapters/secrets/service-key-source.ts';
import { currentTime } from '../../shared/clock/current-time.ts';
import { cacheTtlMs, loadServiceConfig } from '../../shared/config/service-config.ts';
import { accountApiHandler } from '../../shared/http/account-api.ts';
import { parseJsonBody } from '../../shared/http/api-gateway-request.ts';
import { json } from '../../shared/http/responses.ts';
import { checkConsent, consentCheckSchema } from '../../shared/use-cases/check-consent.ts';
import { createUnsubscribeLink, unsubscribeLinkInputSchema } from '../../shared/use-cases/create-unsubscribe-link.ts';

/**
 * What a sender calls around each message, at its sending rate: the pre-send consent check (the
 * gate's own decision) and signed one-click unsubscribe links. It changes no consent (no event bus).
 */
const config = loadServiceConfig();
// Opens line credentials, erasure keys and unsubscribe keys (sealed in the table); reads the service key on first use.
const secrets = createSecretBox();
const db = createDocumentClient();
const accountStore = new AccountStore(db, config.tableName);
const lineStore = new LineRouter(db, config.tableName, secrets);
const unsubscribeKeyStore = new UnsubscribeKeyStore(db, config.tableName, secrets);
// The gate's reader, with its per-container cache of settings and lines.
const outboundStore = new OutboundStore(db, config.tableName, { cacheTtlMs: cacheTtlMs(), secrets });
const now = currentTime;

export const handler = accountApiHandler(
  { accountStore, operatorKeySha256: config.operatorKeySha256 },
  {
    account: {
      'POST /v1/consent/check': async (event, { accountId }) => {
        const input = parseJsonBody(event, consentCheckSchema);
        return json(200, await checkConsent({ store: outboundStore, now }, accountId, input));
      },

      'POST /v1/unsubscribe-links': async (event, { accountId }) => {
        const body = parseJsonBody(event, unsubscribeLinkInputSchema);
        return json(200, await createUnsubscribeLink({ lineStore, unsubscribeKeyStore, now, publicBaseUrl: config.publicBaseUrl }, { accountId, body }));
      },
    },
  },
);
