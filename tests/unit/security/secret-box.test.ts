import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createSecretBox, serviceKeyringFrom } from '../../../shared/adapters/secrets/service-key-source.ts';
import { ConfigError } from '../../../shared/config/load-config.ts';
import { isSealed, KeyringSecretBox, SealedValueError, SEALING_CONTEXT } from '../../../shared/security/secret-box.ts';
import { parseServiceKeyring, ServiceKeyringError } from '../../../shared/security/service-keyring.ts';

const K1 = 'first-service-key-0123456789abcdefghijklmnopqrstuv';
const K2 = 'second-service-key-0123456789abcdefghijklmnopqrstu';
const boxOf = (secret: Record<string, string>) => {
  const keyring = parseServiceKeyring(JSON.stringify(secret));
  return new KeyringSecretBox(async () => keyring);
};
const context = SEALING_CONTEXT.lineCredentials('acc_1', 'line_1');

describe('parseServiceKeyring', () => {
  it('reads the current key id and derives a 32-byte key per id', () => {
    const keyring = parseServiceKeyring(JSON.stringify({ current: 'k2', k1: K1, k2: K2 }));
    expect(keyring.currentKeyId).toBe('k2');
    expect([...keyring.keys.keys()]).toEqual(['k1', 'k2']);
    expect(keyring.keys.get('k1')).toHaveLength(32);
    expect(keyring.keys.get('k1')?.equals(keyring.keys.get('k2') ?? Buffer.alloc(0))).toBe(false);
  });

  it.each([
    ['not JSON', 'k1=abc', /not JSON/],
    ['no current', JSON.stringify({ k1: K1 }), /"current"/],
    ['current missing from the keys', JSON.stringify({ current: 'k2', k1: K1 }), /"k2" is not in the secret/],
    ['a short key', JSON.stringify({ current: 'k1', k1: 'short' }), /at least 32 characters/],
    ['a bad key id', JSON.stringify({ current: 'k1', k1: K1, 'bad id!': K2 }), /letters, digits/],
  ])('rejects %s without echoing key material', (_name, secret, message) => {
    expect(() => parseServiceKeyring(secret)).toThrow(message);
    try {
      parseServiceKeyring(secret);
    } catch (error) {
      expect(error).toBeInstanceOf(ServiceKeyringError);
      expect((error as Error).message).not.toContain(K1);
      expect((error as Error).message).not.toContain('short');
    }
  });
});

describe('KeyringSecretBox', () => {
  it('seals to sb1.<key id>.… that hides the value, and opens it again', async () => {
    const box = boxOf({ current: 'k1', k1: K1 });
    const sealed = await box.seal('{"authToken":"twilio-token-0001"}', context);
    expect(sealed).toMatch(/^sb1\.k1\.[A-Za-z0-9_-]+$/);
    expect(isSealed(sealed)).toBe(true);
    expect(sealed).not.toContain('twilio');
    expect(await box.open(sealed, context)).toBe('{"authToken":"twilio-token-0001"}');
  });

  it('uses a fresh IV each time: sealing twice gives different values', async () => {
    const box = boxOf({ current: 'k1', k1: K1 });
    expect(await box.seal('same', context)).not.toBe(await box.seal('same', context));
  });

  it('binds a value to its item: another line’s or another kind’s context does not open it', async () => {
    const box = boxOf({ current: 'k1', k1: K1 });
    const sealed = await box.seal('secret', context);
    await expect(box.open(sealed, SEALING_CONTEXT.lineCredentials('acc_1', 'line_2'))).rejects.toThrow(SealedValueError);
    await expect(box.open(sealed, SEALING_CONTEXT.lineCredentials('acc_2', 'line_1'))).rejects.toThrow(/moved from another item/);
    await expect(box.open(sealed, SEALING_CONTEXT.erasureKey('acc_1'))).rejects.toThrow(SealedValueError);
  });

  it('refuses a tampered value, a plaintext value and another service key', async () => {
    const box = boxOf({ current: 'k1', k1: K1 });
    const sealed = await box.seal('secret', context);
    // Flip one character inside the payload (the last one may only carry base64 padding bits).
    const at = sealed.length - 10;
    const tampered = `${sealed.slice(0, at)}${sealed[at] === 'A' ? 'B' : 'A'}${sealed.slice(at + 1)}`;
    await expect(box.open(tampered, context)).rejects.toThrow(SealedValueError);
    await expect(box.open('plain-token', context)).rejects.toThrow(/Not a sealed value/);
    await expect(boxOf({ current: 'k1', k1: K2 }).open(sealed, context)).rejects.toThrow(SealedValueError);
  });

  it('keeps opening values sealed under an older key after a rotation, and seals new ones with the current key', async () => {
    const before = await boxOf({ current: 'k1', k1: K1 }).seal('old', context);
    const rotated = boxOf({ current: 'k2', k1: K1, k2: K2 });
    expect(await rotated.open(before, context)).toBe('old');
    expect(await rotated.seal('new', context)).toMatch(/^sb1\.k2\./);
    await expect(boxOf({ current: 'k2', k2: K2 }).open(before, context)).rejects.toThrow(/no longer has/);
  });
});

describe('service keys from Secrets Manager (Powertools Parameters)', () => {
  const client = new SecretsManagerClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const secretsManager = mockClient(client);
  beforeEach(() => secretsManager.reset());

  it('reads the secret once and reuses it for every seal and open', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ current: 'k1', k1: K1 }) });
    const box = new KeyringSecretBox(serviceKeyringFrom(client, 'optgate/test/service-keys-a'));
    const sealed = await box.seal('a', context);
    await box.open(sealed, context);
    await box.open(await box.seal('b', context), context);
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    expect(secretsManager.commandCalls(GetSecretValueCommand)[0]?.args[0].input).toEqual({ SecretId: 'optgate/test/service-keys-a' });
  });

  it('asks again once when a value names a key id the cached keyring does not know (a rotation seen elsewhere first)', async () => {
    const sealedWithK2 = await boxOf({ current: 'k2', k1: K1, k2: K2 }).seal('from another container', context);
    secretsManager
      .on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: JSON.stringify({ current: 'k1', k1: K1 }) })
      .resolves({ SecretString: JSON.stringify({ current: 'k2', k1: K1, k2: K2 }) });
    const box = new KeyringSecretBox(serviceKeyringFrom(client, 'optgate/test/service-keys-b'));
    await box.seal('warm the cache', context);
    expect(await box.open(sealedWithK2, context)).toBe('from another container');
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('fails the operation (never falls back to anything) when the secret cannot be read, and tries again next time', async () => {
    secretsManager.on(GetSecretValueCommand).rejectsOnce(new ResourceNotFoundException({ message: 'no such secret', $metadata: {} })).resolves({ SecretString: JSON.stringify({ current: 'k1', k1: K1 }) });
    const box = new KeyringSecretBox(serviceKeyringFrom(client, 'optgate/test/service-keys-c'));
    await expect(box.seal('a', context)).rejects.toThrow();
    expect(await box.seal('a', context)).toMatch(/^sb1\.k1\./);
  });

  it('needs OPTGATE_SERVICE_KEY_SECRET at cold start and names it when missing', () => {
    expect(() => createSecretBox({}, client)).toThrow(ConfigError);
    expect(() => createSecretBox({}, client)).toThrow(/OPTGATE_SERVICE_KEY_SECRET/);
    expect(createSecretBox({ OPTGATE_SERVICE_KEY_SECRET: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:optgate/prod/service-keys-AbCdEf' }, client)).toBeInstanceOf(KeyringSecretBox);
  });
});
