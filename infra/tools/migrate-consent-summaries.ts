/**
 * One-time migration of a deployed table to consent summaries (see backfillConsentSummaries):
 * creates the summaries of consent data written before them, then marks every account, after which
 * the outbound gate reads one item per message for it. Until then the gate reads that account's
 * records, so nothing is decided wrongly meanwhile. Safe to run while the service runs, resumable
 * (run it again after an interruption), and a no-op once complete.
 *
 * Run with credentials that may Scan the table (the deployed functions may not) and read the service
 * key secret (erasure keys are sealed with it), named as the functions name it:
 *   OPTGATE_SERVICE_KEY_SECRET=<secret name or ARN> npx tsx infra/tools/migrate-consent-summaries.ts --table <table name> [--region eu-west-1]
 */
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConsentStore } from '../../shared/adapters/dynamodb/consent-store.ts';
import { createSecretBox } from '../../shared/adapters/secrets/service-key-source.ts';
import { backfillConsentSummaries } from '../../shared/use-cases/backfill-consent-summaries.ts';

const { values } = parseArgs({ options: { table: { type: 'string' }, region: { type: 'string' } } });
if (!values.table) {
  console.error('Usage: npx tsx infra/tools/migrate-consent-summaries.ts --table <table name> [--region <region>]');
  process.exit(2);
}
const db = DynamoDBDocumentClient.from(new DynamoDBClient(values.region ? { region: values.region } : {}), { marshallOptions: { removeUndefinedValues: true } });
const consentStore = new ConsentStore(db, values.table, createSecretBox());
const report = await backfillConsentSummaries({ db, tableName: values.table, consentStore, realNowMs: Date.now }, { now: new Date(), deadlineMs: Number.POSITIVE_INFINITY });
console.log(JSON.stringify(report));
db.destroy();
if (report.status !== 'complete') process.exit(1);
