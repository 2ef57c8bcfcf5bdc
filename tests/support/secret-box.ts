import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { inject } from 'vitest';
import { serviceKeyringFrom } from '../../shared/adapters/secrets/service-key-source.ts';
import { KeyringSecretBox, type SecretBox } from '../../shared/security/secret-box.ts';
import { parseServiceKeyring } from '../../shared/security/service-keyring.ts';
import { LOCAL_SERVICE_KEY_SECRET_ID } from '../../infra/local/fake-secrets-manager-api.ts';
import { FAKE_SECRETS_MANAGER_API_PATH } from '../../infra/local/http-server.ts';

/** Unit tests: a real SecretBox over a fixed keyring (no Secrets Manager). */
export function testSecretBox(secret = '{"current":"k1","k1":"unit-test-service-key-0123456789abcdefghij"}'): SecretBox {
  const keyring = parseServiceKeyring(secret);
  return new KeyringSecretBox(async () => keyring);
}

/**
 * Integration tests: the SecretBox the local stack's functions use, reading the service keys from
 * the stack's fake Secrets Manager exactly as they do — to seed sealed items or open stored ones.
 */
export function localSecretBox(): SecretBox {
  const client = new SecretsManagerClient({
    region: 'us-east-1',
    endpoint: `${inject('baseUrl')}${FAKE_SECRETS_MANAGER_API_PATH}`,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  return new KeyringSecretBox(serviceKeyringFrom(client, LOCAL_SERVICE_KEY_SECRET_ID));
}
