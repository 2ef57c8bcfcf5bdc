/**
 * CDK context the optgate app reads (`cdk deploy -c stage=prod -c operatorKeySha256=…`), parsed and
 * validated once so that a typo fails at synth time with the name of the offending key.
 *
 * - `stage` (default `dev`): prefixes stack, queue and topic names; several stages share one account.
 * - `publicDomain` (optional): the host name providers call (`consent.example.com`). PUBLIC_BASE_URL
 *   becomes `https://<publicDomain>`; without it the functions use the HTTP API's execute-api URL.
 * - `certificateArn` (optional, with `publicDomain`): an ACM certificate for that name in the stack's
 *   region; the stack then creates the API Gateway custom domain and maps the API to it.
 * - `hostedZoneId` (optional, with `certificateArn`): the Route 53 public hosted zone of that name;
 *   the stack then adds the alias A record. Given by id, so synth needs no lookup and stays offline.
 * - `operatorKeySha256`: hex SHA-256 of the operator API key (`printf %s "$KEY" | sha256sum`). Only the
 *   hash is ever deployed, so the key itself never sits in a template, an env var or a shell history
 *   of the pipeline.
 * - `logRetentionDays` (default 30): function and access logs; one of CloudWatch's retention values.
 * - `xray` (default false): active X-Ray tracing on every function.
 * - `alarmEmail` (optional): subscribed (confirm the mail) to the topic every alarm notifies.
 * - `defaultRetentionMonths` / `defaultMessageHistoryMonths` (default 13 / 13): the retention new
 *   accounts start with (each account changes its own with PUT /v1/settings).
 * - `defaultQuietHours` (optional, `HH:MM-HH:MM`, e.g. `08:00-21:00`) and `defaultTimeZone` (optional,
 *   IANA): the marketing send window new accounts start with on SMS and WhatsApp.
 * - `sendingConcurrency` (default 10; 0 = none): reserved concurrency of each function that sends
 *   replies (SMS, WhatsApp, email), so a flood cannot turn into an unbounded bill.
 * - `gateMaxConcurrency` (default 10, 2–1000): how many gate invocations the outbound queue may run at once.
 *
 * Missing operator key — the decision:
 * - stage `test` (synth tests, throw-away stacks): the key may be omitted and becomes 64 zeros. No key
 *   hashes to that value, so the operator endpoint is closed rather than open.
 * - any other stage: `cdk synth` still works without the key (synth must run offline, in CI and
 *   on a laptop, without secrets), but the stacks carry a CloudFormation rule that fails the
 *   deployment before any resource changes (`blockDeployWithoutOperatorKey` below). Giving
 *   the zeros placeholder explicitly on such a stage, or a value that is not 64 hex digits, fails
 *   synth at once: that is a mistake, not an omission.
 */

import { CfnRule, Fn, type Stack } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { DEFAULT_RETENTION_MONTHS, parseQuietHoursWindow, timeZoneSchema, type QuietHours } from '../../shared/domain/accounts/account-settings.ts';

export const DEFAULT_STAGE = 'dev';
/** The one stage allowed to run on the placeholder key. */
export const TEST_STAGE = 'test';
export const PLACEHOLDER_OPERATOR_KEY_SHA256 = '0'.repeat(64);

/** Context keys, as given with `-c key=value` or in cdk.json. */
export const CONTEXT_KEYS = {
  stage: 'stage',
  publicDomain: 'publicDomain',
  certificateArn: 'certificateArn',
  hostedZoneId: 'hostedZoneId',
  operatorKeySha256: 'operatorKeySha256',
  logRetentionDays: 'logRetentionDays',
  xray: 'xray',
  alarmEmail: 'alarmEmail',
  defaultRetentionMonths: 'defaultRetentionMonths',
  defaultMessageHistoryMonths: 'defaultMessageHistoryMonths',
  defaultQuietHours: 'defaultQuietHours',
  defaultTimeZone: 'defaultTimeZone',
  sendingConcurrency: 'sendingConcurrency',
  gateMaxConcurrency: 'gateMaxConcurrency',
} as const;

export const DEFAULT_LOG_RETENTION_DAYS = 30;
export const DEFAULT_SENDING_CONCURRENCY = 10;
export const DEFAULT_GATE_MAX_CONCURRENCY = 10;

export interface StageConfig {
  readonly stage: string;
  /** Lower-cased host name, without scheme or path. */
  readonly publicDomain: string | undefined;
  /** With publicDomain: the custom domain the stack creates, and the hosted zone it adds the record to. */
  readonly customDomain: { readonly certificateArn: string; readonly hostedZoneId: string | undefined } | undefined;
  readonly operatorKeySha256: string;
  /** True when no key was given and the placeholder stands in (allowed to synth; deploy is blocked unless stage is `test`). */
  readonly operatorKeyMissing: boolean;
  readonly logRetention: RetentionDays;
  readonly xray: boolean;
  readonly alarmEmail: string | undefined;
  /** What new accounts start with; handed to the functions as OPTGATE_DEFAULT_* variables. */
  readonly accountDefaults: {
    readonly dataMonths: number;
    readonly messageHistoryMonths: number;
    readonly quietHours: QuietHours | undefined;
    readonly timeZone: string | undefined;
  };
  /** Reserved concurrency of the sending functions; undefined = no reservation. */
  readonly sendingConcurrency: number | undefined;
  readonly gateMaxConcurrency: number;
}

/** Lower-case letters, digits and hyphens; short enough for SQS (80) and Lambda-derived names. */
const STAGE_PATTERN = /^[a-z][a-z0-9-]{0,19}$/;
const HOSTNAME_PATTERN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/;
const SHA256_HEX_PATTERN = /^[0-9a-f]{64}$/;
const ACM_CERTIFICATE_ARN_PATTERN = /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]{36}$/;
const HOSTED_ZONE_ID_PATTERN = /^Z[A-Z0-9]{1,31}$/;

export class StageConfigError extends Error {
  override readonly name = 'StageConfigError';
}

/** Reads one context value; `-c key=value` always gives strings, cdk.json may give anything. */
export type ContextReader = (key: string) => unknown;

export function parseStageConfig(readContext: ContextReader): StageConfig {
  const stage = optionalString(readContext, CONTEXT_KEYS.stage) ?? DEFAULT_STAGE;
  if (!STAGE_PATTERN.test(stage)) {
    throw new StageConfigError(
      `context "${CONTEXT_KEYS.stage}" must be 1-20 lower-case letters, digits or hyphens, starting with a letter; got "${stage}"`,
    );
  }

  const sendingConcurrency = integer(readContext, CONTEXT_KEYS.sendingConcurrency, DEFAULT_SENDING_CONCURRENCY, 0, 1000);
  const publicDomain = parsePublicDomain(optionalString(readContext, CONTEXT_KEYS.publicDomain));
  return {
    stage,
    publicDomain,
    customDomain: parseCustomDomain(publicDomain, optionalString(readContext, CONTEXT_KEYS.certificateArn), optionalString(readContext, CONTEXT_KEYS.hostedZoneId)),
    ...parseOperatorKey(optionalString(readContext, CONTEXT_KEYS.operatorKeySha256), stage),
    logRetention: parseLogRetention(integer(readContext, CONTEXT_KEYS.logRetentionDays, DEFAULT_LOG_RETENTION_DAYS, 1, 3653)),
    xray: boolean(readContext, CONTEXT_KEYS.xray, false),
    alarmEmail: parseEmail(optionalString(readContext, CONTEXT_KEYS.alarmEmail)),
    accountDefaults: {
      dataMonths: integer(readContext, CONTEXT_KEYS.defaultRetentionMonths, DEFAULT_RETENTION_MONTHS, 1, 120),
      messageHistoryMonths: integer(readContext, CONTEXT_KEYS.defaultMessageHistoryMonths, DEFAULT_RETENTION_MONTHS, 1, 120),
      quietHours: parseQuietHours(optionalString(readContext, CONTEXT_KEYS.defaultQuietHours)),
      timeZone: parseTimeZone(optionalString(readContext, CONTEXT_KEYS.defaultTimeZone)),
    },
    sendingConcurrency: sendingConcurrency === 0 ? undefined : sendingConcurrency,
    gateMaxConcurrency: integer(readContext, CONTEXT_KEYS.gateMaxConcurrency, DEFAULT_GATE_MAX_CONCURRENCY, 2, 1000),
  };
}

/** CloudWatch Logs accepts only these retention periods (days). */
const LOG_RETENTION_VALUES = new Set<number>(Object.values(RetentionDays).filter((value): value is number => typeof value === 'number' && value > 0));

function parseLogRetention(days: number): RetentionDays {
  if (!LOG_RETENTION_VALUES.has(days)) {
    throw new StageConfigError(
      `context "${CONTEXT_KEYS.logRetentionDays}" must be a CloudWatch Logs retention period (${[...LOG_RETENTION_VALUES].sort((a, b) => a - b).join(', ')}); got ${days}`,
    );
  }
  return days as RetentionDays;
}

const EMAIL_PATTERN = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

function parseEmail(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!EMAIL_PATTERN.test(value)) throw new StageConfigError(`context "${CONTEXT_KEYS.alarmEmail}" must be an email address; got "${value}"`);
  return value;
}

/** `08:00-21:00` → the same window the settings API takes; `none` or empty = no window. */
function parseQuietHours(value: string | undefined): QuietHours | undefined {
  if (value === undefined) return undefined;
  const parsed = parseQuietHoursWindow(value);
  if (!parsed) {
    throw new StageConfigError(
      `context "${CONTEXT_KEYS.defaultQuietHours}" must be HH:MM-HH:MM (24-hour clock, the hours marketing may be sent, e.g. 08:00-21:00) or none; got "${value}"`,
    );
  }
  return parsed.window;
}

function parseTimeZone(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!timeZoneSchema.safeParse(value).success) {
    throw new StageConfigError(`context "${CONTEXT_KEYS.defaultTimeZone}" must be an IANA time zone such as America/New_York; got "${value}"`);
  }
  return value;
}

/** `-c key=12` gives a string, cdk.json a number: both are accepted. */
function integer(readContext: ContextReader, key: string, fallback: number, min: number, max: number): number {
  const raw = readContext(key);
  if (raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '')) return fallback;
  const value = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new StageConfigError(`context "${key}" must be a whole number from ${min} to ${max}; got ${JSON.stringify(raw)}`);
  }
  return value;
}

function boolean(readContext: ContextReader, key: string, fallback: boolean): boolean {
  const raw = readContext(key);
  if (raw === undefined || raw === null || raw === '') return fallback;
  if (raw === true || raw === 'true') return true;
  if (raw === false || raw === 'false') return false;
  throw new StageConfigError(`context "${key}" must be true or false; got ${JSON.stringify(raw)}`);
}

function parsePublicDomain(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const host = value.toLowerCase();
  if (!HOSTNAME_PATTERN.test(host)) {
    throw new StageConfigError(
      `context "${CONTEXT_KEYS.publicDomain}" must be a host name such as consent.example.com (no scheme, port or path); got "${value}"`,
    );
  }
  return host;
}

function parseCustomDomain(publicDomain: string | undefined, certificateArn: string | undefined, hostedZoneId: string | undefined): StageConfig['customDomain'] {
  if (hostedZoneId !== undefined && certificateArn === undefined) {
    throw new StageConfigError(`context "${CONTEXT_KEYS.hostedZoneId}" needs "${CONTEXT_KEYS.certificateArn}": the record points at the custom domain the certificate makes`);
  }
  if (certificateArn === undefined) return undefined;
  if (publicDomain === undefined) {
    throw new StageConfigError(`context "${CONTEXT_KEYS.certificateArn}" needs "${CONTEXT_KEYS.publicDomain}": the name the certificate is for`);
  }
  if (!ACM_CERTIFICATE_ARN_PATTERN.test(certificateArn)) {
    throw new StageConfigError(`context "${CONTEXT_KEYS.certificateArn}" must be an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>); got "${certificateArn}"`);
  }
  if (hostedZoneId !== undefined && !HOSTED_ZONE_ID_PATTERN.test(hostedZoneId)) {
    throw new StageConfigError(`context "${CONTEXT_KEYS.hostedZoneId}" must be a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ; got "${hostedZoneId}"`);
  }
  return { certificateArn, hostedZoneId };
}

function parseOperatorKey(value: string | undefined, stage: string): Pick<StageConfig, 'operatorKeySha256' | 'operatorKeyMissing'> {
  if (value === undefined) {
    return { operatorKeySha256: PLACEHOLDER_OPERATOR_KEY_SHA256, operatorKeyMissing: true };
  }
  const hash = value.toLowerCase();
  if (!SHA256_HEX_PATTERN.test(hash)) {
    throw new StageConfigError(
      `context "${CONTEXT_KEYS.operatorKeySha256}" must be the hex SHA-256 of the operator key (64 hex digits), not the key itself`,
    );
  }
  if (hash === PLACEHOLDER_OPERATOR_KEY_SHA256 && stage !== TEST_STAGE) {
    throw new StageConfigError(
      `context "${CONTEXT_KEYS.operatorKeySha256}" is the all-zero placeholder, which only stage "${TEST_STAGE}" may use`,
    );
  }
  return { operatorKeySha256: hash, operatorKeyMissing: false };
}

function optionalString(readContext: ContextReader, key: string): string | undefined {
  const value = readContext(key);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    throw new StageConfigError(`context "${key}" must be a string; got ${typeof value}`);
  }
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

/** Whether a deployment of this configuration must be refused (see the file comment). */
export function deployMustBeBlocked(config: StageConfig): boolean {
  return config.operatorKeyMissing && config.stage !== TEST_STAGE;
}

/**
 * When the operator key is missing on a real stage, adds a template rule whose assertion is always
 * false: CloudFormation evaluates rules before it creates or changes anything, so `cdk deploy` stops
 * with the message below while `cdk synth` (and everything that only reads templates) keeps working.
 * Should a deployment ever get past it, the zero placeholder still lets no operator key in.
 */
export function blockDeployWithoutOperatorKey(stack: Stack, config: StageConfig): void {
  if (!deployMustBeBlocked(config)) return;
  new CfnRule(stack, 'OperatorKeySha256Required', {
    assertions: [
      {
        assert: Fn.conditionEquals('operatorKeySha256', 'missing'),
        assertDescription:
          `Deploying stage "${config.stage}" needs -c ${CONTEXT_KEYS.operatorKeySha256}=<hex SHA-256 of the operator API key>` +
          ` (printf %s "$KEY" | sha256sum). Only stage "${TEST_STAGE}" may run without it.`,
      },
    ],
  });
}
