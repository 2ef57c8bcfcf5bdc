import * as z from '../validation/zod.ts';
import {
  BUILT_IN_ACCOUNT_DEFAULTS,
  parseQuietHoursWindow,
  timeZoneSchema,
  type NewAccountDefaults,
} from '../domain/accounts/account-settings.ts';
import { loadConfig } from './load-config.ts';

/**
 * The environment every optgate function reads. Names are shared with the CDK app (which sets them)
 * and the local stack (which sets them for `npm start` and the tests). Nothing secret lives here:
 * the operator key is given as its SHA-256 hash.
 */
export const ENV = {
  tableName: 'OPTGATE_TABLE_NAME',
  publicBaseUrl: 'PUBLIC_BASE_URL',
  operatorKeySha256: 'OPERATOR_KEY_SHA256',
  outboundQueueUrl: 'OPTGATE_OUTBOUND_QUEUE_URL',
  dispatchQueueUrl: 'OPTGATE_DISPATCH_QUEUE_URL',
  suppressedQueueUrl: 'OPTGATE_SUPPRESSED_QUEUE_URL',
  outboundDlqUrl: 'OPTGATE_OUTBOUND_DLQ_URL',
  /** EventBridge bus for ConsentChanged events; unset = the account's default bus. */
  eventBusName: 'OPTGATE_EVENT_BUS_NAME',
  /** Per-request timeout of DynamoDB calls (default 3000 ms; the local stack raises it for the slower emulator). */
  dynamoDbRequestTimeoutMs: 'OPTGATE_DYNAMODB_REQUEST_TIMEOUT_MS',
  /** Seconds the gate and the check API reuse settings, lines and erasure keys (default 30). */
  cacheTtlSeconds: 'OPTGATE_CACHE_TTL_SECONDS',
  /** WhatsApp Cloud API base URL with its version (default https://graph.facebook.com/v23.0). */
  whatsappGraphApiBaseUrl: 'WHATSAPP_GRAPH_API_BASE_URL',
  /** Comma-separated SNS topic ARNs whose messages an SNS-triggered function accepts. */
  snsTopicArns: 'SNS_TOPIC_ARNS',
  /** Optional: where SNS signing certificates are fetched from instead of their https://sns.<region>.amazonaws.com URL. */
  snsCertificateBaseUrl: 'SNS_CERTIFICATE_BASE_URL',
  /**
   * Name or ARN of the Secrets Manager secret holding the service keys that seal provider credentials
   * and per-account keys in the table (see shared/security/secret-box.ts). The name, not the secret.
   */
  serviceKeySecret: 'OPTGATE_SERVICE_KEY_SECRET',
  /** What new accounts start with (CDK context defaultRetentionMonths, …); built-in defaults when unset. */
  defaultRetentionMonths: 'OPTGATE_DEFAULT_RETENTION_MONTHS',
  defaultMessageHistoryMonths: 'OPTGATE_DEFAULT_MESSAGE_HISTORY_MONTHS',
  /** `HH:MM-HH:MM`: the marketing send window new accounts start with on SMS and WhatsApp. */
  defaultQuietHours: 'OPTGATE_DEFAULT_QUIET_HOURS',
  defaultTimeZone: 'OPTGATE_DEFAULT_TIME_ZONE',
} as const;

const serviceConfigSchema = z.pipe(
  z.object({
    [ENV.tableName]: z.string().check(z.minLength(1)),
    [ENV.publicBaseUrl]: z.url(),
    [ENV.operatorKeySha256]: z.optional(z.string().check(z.regex(/^[0-9a-f]{64}$/, 'must be the hex SHA-256 of the operator key'))),
    [ENV.eventBusName]: z._default(z.string().check(z.minLength(1), z.maxLength(256)), 'default'),
  }),
  z.transform((env) => ({
    tableName: env[ENV.tableName],
    publicBaseUrl: env[ENV.publicBaseUrl].replace(/\/+$/, ''),
    operatorKeySha256: env[ENV.operatorKeySha256],
    eventBusName: env[ENV.eventBusName],
  })),
);

export type ServiceConfig = z.infer<typeof serviceConfigSchema>;

export function loadServiceConfig(env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  return loadConfig(serviceConfigSchema, env);
}

const cacheTtlSecondsSchema = z._default(z.coerce.number().check(z.int(), z.gte(0), z.lte(3600)), 30);

const gateConfigSchema = z.pipe(
  z.object({
    [ENV.tableName]: z.string().check(z.minLength(1)),
    [ENV.outboundQueueUrl]: z.url(),
    [ENV.dispatchQueueUrl]: z.url(),
    [ENV.suppressedQueueUrl]: z.url(),
    [ENV.outboundDlqUrl]: z.url(),
    [ENV.cacheTtlSeconds]: cacheTtlSecondsSchema,
  }),
  z.transform((env) => ({
    tableName: env[ENV.tableName],
    queues: {
      outbound: env[ENV.outboundQueueUrl],
      dispatch: env[ENV.dispatchQueueUrl],
      suppressed: env[ENV.suppressedQueueUrl],
      dlq: env[ENV.outboundDlqUrl],
    },
    cacheTtlMs: env[ENV.cacheTtlSeconds] * 1000,
  })),
);

export type GateConfig = z.infer<typeof gateConfigSchema>;

/** The outbound gate's environment: the table and its four queues. */
export function loadGateConfig(env: NodeJS.ProcessEnv = process.env): GateConfig {
  return loadConfig(gateConfigSchema, env);
}

/** Cache lifetime for readers of settings and lines outside the gate (the check API). */
export function cacheTtlMs(env: NodeJS.ProcessEnv = process.env): number {
  return loadConfig(z.object({ [ENV.cacheTtlSeconds]: cacheTtlSecondsSchema }), env)[ENV.cacheTtlSeconds] * 1000;
}

/** How long one DynamoDB request may take before the SDK abandons and retries it. */
export function dynamoDbRequestTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const schema = z.object({ [ENV.dynamoDbRequestTimeoutMs]: z._default(z.coerce.number().check(z.int(), z.gte(100), z.lte(60_000)), 3_000) });
  return loadConfig(schema, env)[ENV.dynamoDbRequestTimeoutMs];
}

const monthsSchema = z.coerce.number().check(z.int(), z.gte(1), z.lte(120));

const accountDefaultsSchema = z.pipe(
  z.object({
    [ENV.defaultRetentionMonths]: z._default(monthsSchema, BUILT_IN_ACCOUNT_DEFAULTS.dataMonths),
    [ENV.defaultMessageHistoryMonths]: z._default(monthsSchema, BUILT_IN_ACCOUNT_DEFAULTS.messageHistoryMonths),
    [ENV.defaultQuietHours]: z.pipe(
      z.optional(z.string()),
      z.transform((value, ctx) => {
        if (value === undefined || value.trim() === '') return undefined;
        const parsed = parseQuietHoursWindow(value);
        if (!parsed) {
          ctx.issues.push({ code: 'custom', input: value, message: 'must be HH:MM-HH:MM (e.g. 08:00-21:00) or none' });
          return z.NEVER;
        }
        return parsed.window;
      }),
    ),
    [ENV.defaultTimeZone]: z.optional(timeZoneSchema),
  }),
  z.transform(
    (env): NewAccountDefaults => ({
      dataMonths: env[ENV.defaultRetentionMonths],
      messageHistoryMonths: env[ENV.defaultMessageHistoryMonths],
      ...(env[ENV.defaultQuietHours] ? { quietHours: env[ENV.defaultQuietHours] } : {}),
      ...(env[ENV.defaultTimeZone] ? { defaultTimeZone: env[ENV.defaultTimeZone] } : {}),
    }),
  ),
);

/** The settings new accounts start with, as the deployment configured them. */
export function loadAccountDefaults(env: NodeJS.ProcessEnv = process.env): NewAccountDefaults {
  return loadConfig(accountDefaultsSchema, env);
}
