import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from '../../validation/zod.ts';
import { loadConfig } from '../../config/load-config.ts';
import { ENV } from '../../config/service-config.ts';
import { KeyringSecretBox, type SecretBox } from '../../security/secret-box.ts';
import { parseServiceKeyring, ServiceKeyringError, type ServiceKeyring } from '../../security/service-keyring.ts';

/**
 * How long a container reuses the keyring before asking Secrets Manager again: a rotation reaches
 * every container within this time (older keys keep opening what they sealed meanwhile).
 */
export const SERVICE_KEY_MAX_AGE_SECONDS = 300;

/** Created once per container; the endpoint comes from AWS_ENDPOINT_URL_SECRETS_MANAGER when set (local stack). */
export function createSecretsManagerClient(): SecretsManagerClient {
  return new SecretsManagerClient({ maxAttempts: 3, requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000 } });
}

/**
 * Reads the service keys through Powertools Parameters: fetched on first use (not at import, so a
 * cold start that never opens a secret never calls Secrets Manager), then cached for
 * SERVICE_KEY_MAX_AGE_SECONDS; `refresh` skips the cache once (a key id seen for the first time).
 */
export function serviceKeyringFrom(client: SecretsManagerClient, secretId: string): (options?: { refresh?: boolean }) => Promise<ServiceKeyring> {
  const provider = new SecretsProvider({ awsSdkV3Client: client });
  let parsed: { raw: string; keyring: ServiceKeyring } | undefined;
  return async (options = {}) => {
    const raw = await provider.get(secretId, { maxAge: SERVICE_KEY_MAX_AGE_SECONDS, forceFetch: options.refresh === true });
    if (typeof raw !== 'string') throw new ServiceKeyringError('The service key secret has no SecretString');
    if (parsed?.raw !== raw) parsed = { raw, keyring: parseServiceKeyring(raw) };
    return parsed.keyring;
  };
}

const secretBoxConfigSchema = z.object({ [ENV.serviceKeySecret]: z.string().check(z.minLength(1), z.maxLength(2048)) });

/** The SecretBox of a function, from OPTGATE_SERVICE_KEY_SECRET (validated at cold start; fails fast with its name). */
export function createSecretBox(env: NodeJS.ProcessEnv = process.env, client: SecretsManagerClient = createSecretsManagerClient()): SecretBox {
  const secretId = loadConfig(secretBoxConfigSchema, env)[ENV.serviceKeySecret];
  return new KeyringSecretBox(serviceKeyringFrom(client, secretId));
}
