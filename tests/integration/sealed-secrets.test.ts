import { describe, expect, it } from 'vitest';
import { keys } from '../../shared/adapters/dynamodb/table-keys.ts';
import { SEALING_CONTEXT } from '../../shared/security/secret-box.ts';
import { api, createAccount } from '../support/api-client.ts';
import { localSecretBox } from '../support/secret-box.ts';
import { getItem, localTable } from '../support/table.ts';

/**
 * Provider credentials and per-account keys reach the table only sealed under the service key,
 * which the functions read from (the local stand-in of) Secrets Manager.
 */
describe('secrets in the table', () => {
  const db = localTable();

  it('stores a line’s credentials sealed and bound to the line; the API never returns them', async () => {
    const { accountId, apiKey } = await createAccount();
    const address = `+1202555${String(Date.now()).slice(-4)}`;
    const authToken = `sealed-test-token-${Date.now()}-0000000000`;
    const created = await api<{ lineId: string; hasCredentials: boolean }>('POST', '/v1/lines', {
      key: apiKey,
      json: { channel: 'sms', provider: 'twilio', address, credentials: { authToken } },
    });
    expect(created.status).toBe(201);
    expect(created.body.hasCredentials).toBe(true);
    expect(JSON.stringify(created.body)).not.toContain(authToken);

    const route = await getItem(db, keys.route('sms', address));
    expect(route?.credentials).toMatch(/^sb1\./);
    expect(JSON.stringify(route)).not.toContain(authToken);
    const opened = JSON.parse(await localSecretBox().open(String(route?.credentials), SEALING_CONTEXT.lineCredentials(accountId, created.body.lineId))) as Record<string, string>;
    expect(opened).toEqual({ authToken });
    await expect(localSecretBox().open(String(route?.credentials), SEALING_CONTEXT.lineCredentials(accountId, 'line_other'))).rejects.toThrow();
  });

  it('stores unsubscribe keys sealed', async () => {
    const { accountId, apiKey } = await createAccount();
    const rotated = await api<{ keyId: string }>('POST', '/v1/unsubscribe-keys', { key: apiKey });
    expect(rotated.status).toBeLessThan(300);
    const item = await getItem(db, keys.unsubscribeKey(accountId, rotated.body.keyId));
    expect(item?.secret).toMatch(/^sb1\./);
    const secret = Buffer.from(await localSecretBox().open(String(item?.secret), SEALING_CONTEXT.unsubscribeKey(accountId, rotated.body.keyId)), 'base64');
    expect(secret).toHaveLength(32);
  });
});
