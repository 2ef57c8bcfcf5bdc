import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseServiceKeyring } from '../../shared/security/service-keyring.ts';

/** The secret the local stack serves (OPTGATE_SERVICE_KEY_SECRET); in AWS it is `optgate/<stage>/service-keys`. */
export const LOCAL_SERVICE_KEY_SECRET_ID = 'optgate/local/service-keys';
const LOCAL_REGION_ARN = 'arn:aws:secretsmanager:us-east-1:000000000000:secret';

/**
 * The local service keys, in the format Secrets Manager holds in AWS. Kept in the data folder (0600)
 * so what was sealed before a restart still opens; fresh per run with OPTGATE_IN_MEMORY.
 */
export function localServiceKeySecret(file: string | undefined): string {
  if (file && existsSync(file)) {
    const existing = readFileSync(file, 'utf8').trim();
    parseServiceKeyring(existing);
    return existing;
  }
  const generated = JSON.stringify({ current: 'k1', k1: randomBytes(48).toString('base64url') });
  if (file) writeFileSync(file, generated, { mode: 0o600 });
  return generated;
}

/**
 * Stands in for Secrets Manager's GetSecretValue (JSON 1.1 protocol, X-Amz-Target) so the real SDK
 * client and Powertools Parameters work unchanged locally; it knows exactly one secret.
 */
export function createFakeSecretsManagerApi(secret: { id: string; value: string }) {
  return {
    handle(target: string | undefined, body: string): { status: number; body: unknown } {
      if (target !== 'secretsmanager.GetSecretValue') {
        return { status: 400, body: { __type: 'UnknownOperationException', message: `Not emulated: ${target ?? '(none)'}` } };
      }
      let input: { SecretId?: unknown };
      try {
        input = JSON.parse(body) as { SecretId?: unknown };
      } catch {
        return { status: 400, body: { __type: 'SerializationException', message: 'Body is not JSON' } };
      }
      if (input.SecretId !== secret.id && input.SecretId !== `${LOCAL_REGION_ARN}:${secret.id}`) {
        return { status: 400, body: { __type: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." } };
      }
      return {
        status: 200,
        body: {
          ARN: `${LOCAL_REGION_ARN}:${secret.id}`,
          Name: secret.id,
          VersionId: 'local',
          VersionStages: ['AWSCURRENT'],
          SecretString: secret.value,
          CreatedDate: 0,
        },
      };
    },
  };
}
