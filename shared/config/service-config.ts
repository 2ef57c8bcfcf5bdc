import { z } from 'zod';
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
} as const;

const serviceConfigSchema = z
  .object({
    [ENV.tableName]: z.string().min(1),
    [ENV.publicBaseUrl]: z.url(),
    [ENV.operatorKeySha256]: z.string().regex(/^[0-9a-f]{64}$/, 'must be the hex SHA-256 of the operator key').optional(),
    [ENV.eventBusName]: z.string().min(1).max(256).default('default'),
  })
  .transform((env) => ({
    tableName: env[ENV.tableName],
    publicBaseUrl: env[ENV.publicBaseUrl].replace(/\/+$/, ''),
    operatorKeySha256: env[ENV.operatorKeySha256],
    eventBusName: env[ENV.eventBusName],
  }));

export type ServiceConfig = z.infer<typeof serviceConfigSchema>;

export function loadServiceConfig(env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  return loadConfig(serviceConfigSchema, env);
}
