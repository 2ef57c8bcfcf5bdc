/**
 * CDK context the optgate app reads (`cdk deploy -c stage=prod -c operatorKeySha256=…`), parsed and
 * validated once so that a typo fails at synth time with the name of the offending key.
 *
 * - `stage` (default `dev`): prefixes stack, queue and topic names; several stages share one account.
 * - `publicDomain` (optional): the host name providers call (`consent.example.com`). PUBLIC_BASE_URL
 *   becomes `https://<publicDomain>`; without it the functions use the HTTP API's execute-api URL.
 * - `operatorKeySha256`: hex SHA-256 of the operator API key (`printf %s "$KEY" | sha256sum`). Only the
 *   hash is ever deployed, so the key itself never sits in a template, an env var or a shell history
 *   of the pipeline.
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

export const DEFAULT_STAGE = 'dev';
/** The one stage allowed to run on the placeholder key. */
export const TEST_STAGE = 'test';
export const PLACEHOLDER_OPERATOR_KEY_SHA256 = '0'.repeat(64);

/** Context keys, as given with `-c key=value` or in cdk.json. */
export const CONTEXT_KEYS = {
  stage: 'stage',
  publicDomain: 'publicDomain',
  operatorKeySha256: 'operatorKeySha256',
} as const;

export interface StageConfig {
  readonly stage: string;
  /** Lower-cased host name, without scheme or path. */
  readonly publicDomain: string | undefined;
  readonly operatorKeySha256: string;
  /** True when no key was given and the placeholder stands in (allowed to synth; deploy is blocked unless stage is `test`). */
  readonly operatorKeyMissing: boolean;
}

/** Lower-case letters, digits and hyphens; short enough for SQS (80) and Lambda-derived names. */
const STAGE_PATTERN = /^[a-z][a-z0-9-]{0,19}$/;
const HOSTNAME_PATTERN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/;
const SHA256_HEX_PATTERN = /^[0-9a-f]{64}$/;

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

  return {
    stage,
    publicDomain: parsePublicDomain(optionalString(readContext, CONTEXT_KEYS.publicDomain)),
    ...parseOperatorKey(optionalString(readContext, CONTEXT_KEYS.operatorKeySha256), stage),
  };
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
