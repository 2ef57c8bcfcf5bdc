import * as z from '../../shared/validation/zod.ts';
import { AccountReader } from '../../shared/adapters/dynamodb/account-reader.ts';
import { ConsentStore } from '../../shared/adapters/dynamodb/consent-store.ts';
import { createDocumentClient } from '../../shared/adapters/dynamodb/document-client.ts';
import { ErasureReader } from '../../shared/adapters/dynamodb/erasure-reader.ts';
import { ImportPaceStore } from '../../shared/adapters/dynamodb/import-pace-store.ts';
import { LineReader } from '../../shared/adapters/dynamodb/line-reader.ts';
import { StatsStore } from '../../shared/adapters/dynamodb/stats-store.ts';
import { createEventBridgeClient, EventBridgeConsentEventPublisher } from '../../shared/adapters/eventbridge/consent-event-publisher.ts';
import { createSecretBox } from '../../shared/adapters/secrets/service-key-source.ts';
import { currentTime } from '../../shared/clock/current-time.ts';
import { loadServiceConfig } from '../../shared/config/service-config.ts';
import { UnsupportedMediaTypeError } from '../../shared/domain/errors.ts';
import { accountApiHandler } from '../../shared/http/account-api.ts';
import { decodeUtf8, mediaType, rawBody, validate } from '../../shared/http/api-gateway-request.ts';
import { json } from '../../shared/http/responses.ts';
import { importConsentCsv } from '../../shared/use-cases/import-consent.ts';

/**
 * Consent CSV import: consent records with their evidence, in resumable chunks of up to 5,000 rows
 * (the `optgate import` CLI sends them). Apart from the per-contact data-api: long, write-heavy
 * requests with their own memory, and no right to delete anything.
 */
const config = loadServiceConfig();
// Opens the per-account erasure keys (erased contacts are refused); reads the service key on first use.
const secrets = createSecretBox();
const db = createDocumentClient();
const deps = {
  accountStore: new AccountReader(db, config.tableName),
  lineStore: new LineReader(db, config.tableName),
  consentStore: new ConsentStore(db, config.tableName, secrets),
  statsStore: new StatsStore(db, config.tableName),
  erasureStore: new ErasureReader(db, config.tableName, secrets),
  importPaceStore: new ImportPaceStore(db, config.tableName),
  consentEvents: new EventBridgeConsentEventPublisher(createEventBridgeClient(), config.eventBusName),
  realNowMs: () => Date.now(),
  now: currentTime,
};

/** A chunk of 5,000 rows stays well below this; API Gateway's own limit is 10 MB. */
const MAX_IMPORT_BYTES = 6 * 1024 * 1024;

const importQuerySchema = z.strictObject({
  batchId: z.optional(z.string().check(z.maxLength(80))),
  firstLine: z.optional(z.coerce.number().check(z.int(), z.gte(2), z.lte(1_000_000_000))),
});

export const handler = accountApiHandler(
  { accountStore: deps.accountStore, operatorKeySha256: config.operatorKeySha256 },
  {
    account: {
      'POST /v1/imports': async (event, account, deadlineMs) => {
        const type = mediaType(event);
        if (type !== 'text/csv' && type !== 'application/csv') throw new UnsupportedMediaTypeError('text/csv');
        const query = validate(importQuerySchema, event.queryStringParameters ?? {}, 'query');
        const csv = decodeUtf8(rawBody(event, MAX_IMPORT_BYTES));
        return json(200, await importConsentCsv(deps, { ...account, csv, ...query, deadlineMs }));
      },
    },
  },
);
