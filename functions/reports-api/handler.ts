import * as z from '../../shared/validation/zod.ts';
import { AccountReader } from '../../shared/adapters/dynamodb/account-reader.ts';
import { ConsentSnapshotReader } from '../../shared/adapters/dynamodb/consent-snapshot-reader.ts';
import { createDocumentClient } from '../../shared/adapters/dynamodb/document-client.ts';
import { LineReader } from '../../shared/adapters/dynamodb/line-reader.ts';
import { ProfileReader } from '../../shared/adapters/dynamodb/profile-reader.ts';
import { StatsReader } from '../../shared/adapters/dynamodb/stats-reader.ts';
import { currentTime } from '../../shared/clock/current-time.ts';
import { loadServiceConfig } from '../../shared/config/service-config.ts';
import { accountApiHandler } from '../../shared/http/account-api.ts';
import { validate } from '../../shared/http/api-gateway-request.ts';
import { text } from '../../shared/http/responses.ts';
import { exportConsentPage } from '../../shared/use-cases/export-consent.ts';
import { reportRoutes } from './report-routes.ts';

/**
 * Reports and exports, read-only: the consent snapshot, the opt-out report and the consent CSV
 * export. Built on the stores' read halves (AccountReader, LineReader, StatsReader, ProfileReader),
 * so its code holds no write command and opens no sealed value: granted the table's reads, nothing else.
 */
const config = loadServiceConfig();
const db = createDocumentClient();
const tableName = config.tableName;
const accountStore = new AccountReader(db, tableName);
const profileStore = new ProfileReader(db, tableName);

const consentExportQuerySchema = z.strictObject({
  prefix: z.optional(z.string().check(z.maxLength(320))),
  cursor: z.optional(z.string().check(z.maxLength(600))),
  limit: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(2000)), 500),
});

export const handler = accountApiHandler(
  { accountStore, operatorKeySha256: config.operatorKeySha256 },
  {
    account: {
      ...reportRoutes({
        accountStore,
        lineStore: new LineReader(db, tableName),
        statsStore: new StatsReader(db, tableName),
        snapshotReader: new ConsentSnapshotReader(db, tableName),
        publicBaseUrl: config.publicBaseUrl,
        now: currentTime,
      }),

      'GET /v1/exports/consent': async (event, { accountId }) => {
        const query = validate(consentExportQuerySchema, event.queryStringParameters ?? {}, 'query');
        const page = await exportConsentPage({ profileStore, db, tableName }, accountId, query, currentTime());
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
    },
  },
);
