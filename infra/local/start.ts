import * as z from '../../shared/validation/zod.ts';
import { loadConfig } from '../../shared/config/load-config.ts';
import { startLocalStack } from './local-stack.ts';

const port = z.coerce.number().check(z.int(), z.gte(1), z.lte(65535));
const env = loadConfig(
  z.object({
    PORT: z._default(port, 3000),
    DYNAMODB_PORT: z._default(port, 8000),
    SQS_PORT: z._default(port, 9324),
    ADMIN_API_KEY: z.optional(z.string().check(z.minLength(10))),
    PUBLIC_BASE_URL: z.optional(z.url()),
    OPTGATE_DATA_DIR: z._default(z.string().check(z.minLength(1)), '.optgate/data'),
    OPTGATE_IN_MEMORY: z.optional(z.enum(['0', '1', 'true', 'false'])),
    /** Seconds between retention sweeps (EventBridge runs it hourly when deployed); 0 = only POST /local/sweep. */
    OPTGATE_SWEEP_INTERVAL_SECONDS: z._default(z.coerce.number().check(z.int(), z.gte(0), z.lte(86_400)), 3600),
    /** 1: honour the x-optgate-now header (pins the clock for a request), for trying retention by hand. */
    OPTGATE_ALLOW_CLOCK_OVERRIDE: z.optional(z.enum(['0', '1', 'true', 'false'])),
  }),
);

const inMemory = env.OPTGATE_IN_MEMORY === '1' || env.OPTGATE_IN_MEMORY === 'true';
const stack = await startLocalStack({
  port: env.PORT,
  dynamoDbPort: env.DYNAMODB_PORT,
  sqsPort: env.SQS_PORT,
  dataDir: inMemory ? undefined : env.OPTGATE_DATA_DIR,
  adminApiKey: env.ADMIN_API_KEY,
  publicBaseUrl: env.PUBLIC_BASE_URL,
  sweepIntervalSeconds: env.OPTGATE_SWEEP_INTERVAL_SECONDS,
  allowClockOverride: env.OPTGATE_ALLOW_CLOCK_OVERRIDE === '1' || env.OPTGATE_ALLOW_CLOCK_OVERRIDE === 'true',
}).catch((error: unknown) => {
  console.error(`optgate could not start: ${(error as Error).message}`);
  process.exit(1);
});

console.log(
  [
    `optgate ready at ${stack.baseUrl} (public URL ${stack.publicBaseUrl})`,
    `  Console         ${stack.baseUrl}/console  (sign in with an account's API key; the operator's key, below, creates accounts there)`,
    `  DynamoDB Local  ${stack.dynamoDbEndpoint}  (${inMemory ? 'in memory' : `data in ${env.OPTGATE_DATA_DIR}`})`,
    `  SQS emulator    ${stack.sqsEndpoint}`,
    `  operator key    ${stack.adminApiKey}${env.ADMIN_API_KEY ? ' (from ADMIN_API_KEY)' : ''}`,
    `  Twilio webhook  ${stack.publicBaseUrl}/webhooks/twilio`,
    `  AWS two-way SMS POST ${stack.baseUrl}/local/aws-sms  (raw two-way JSON, delivered as SNS would)`,
    `  OpenAPI         ${stack.baseUrl}/openapi.json`,
    `  ConsentChanged  GET ${stack.baseUrl}/local/events  ·  sent email GET ${stack.baseUrl}/local/sent-email`,
    `  outbound queue  ${stack.queueUrls.outbound}  (the gate runs on it; results on optgate-dispatch / -suppressed / -outbound-dlq)`,
    `  WhatsApp webhook ${stack.publicBaseUrl}/webhooks/whatsapp  (replies: GET ${stack.baseUrl}/local/sent-whatsapp)`,
    `  SES / SMS events POST ${stack.baseUrl}/local/ses, ${stack.baseUrl}/local/aws-sms-events  (signed as SNS would)`,
    `  retention sweep every ${env.OPTGATE_SWEEP_INTERVAL_SECONDS || '∞'} s; now: POST ${stack.baseUrl}/local/sweep`,
    '  Ctrl-C stops everything.',
  ].join('\n'),
);

let stopping = false;
const shutdown = (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping optgate…`);
  stack.stop().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
};
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));
