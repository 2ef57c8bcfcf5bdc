import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { AccountStore } from '../../../shared/adapters/dynamodb/account-store.ts';
import { ConfigError } from '../../../shared/config/load-config.ts';
import { loadAccountDefaults } from '../../../shared/config/service-config.ts';
import { defaultAccountSettings } from '../../../shared/domain/accounts/account-settings.ts';

describe('deployment defaults for new accounts (OPTGATE_DEFAULT_*)', () => {
  it('are the built-in 13 / 13 months and no window when unset', () => {
    expect(loadAccountDefaults({})).toEqual({ dataMonths: 13, messageHistoryMonths: 13 });
  });

  it('read retention, a quiet-hours window and a time zone', () => {
    expect(
      loadAccountDefaults({
        OPTGATE_DEFAULT_RETENTION_MONTHS: '24',
        OPTGATE_DEFAULT_MESSAGE_HISTORY_MONTHS: '6',
        OPTGATE_DEFAULT_QUIET_HOURS: '08:00-21:00',
        OPTGATE_DEFAULT_TIME_ZONE: 'America/New_York',
      }),
    ).toEqual({ dataMonths: 24, messageHistoryMonths: 6, quietHours: { allowedFrom: '08:00', allowedUntil: '21:00' }, defaultTimeZone: 'America/New_York' });
  });

  it.each([
    ['OPTGATE_DEFAULT_RETENTION_MONTHS', '0'],
    ['OPTGATE_DEFAULT_MESSAGE_HISTORY_MONTHS', 'a year'],
    ['OPTGATE_DEFAULT_QUIET_HOURS', '21:00'],
    ['OPTGATE_DEFAULT_TIME_ZONE', 'Nowhere/Else'],
  ])('fail at cold start naming %s', (name, value) => {
    expect(() => loadAccountDefaults({ [name]: value })).toThrow(ConfigError);
    expect(() => loadAccountDefaults({ [name]: value })).toThrow(name);
  });

  it('become the settings of a new account: retention on every channel, the window on SMS and WhatsApp only', () => {
    const settings = defaultAccountSettings({ dataMonths: 24, messageHistoryMonths: 6, quietHours: { allowedFrom: '08:00', allowedUntil: '21:00' }, defaultTimeZone: 'Europe/Paris' });
    expect(settings.retention).toEqual({ dataMonths: 24, messageHistoryMonths: 6 });
    expect(settings.channels.sms.quietHours).toEqual({ allowedFrom: '08:00', allowedUntil: '21:00' });
    expect(settings.channels.whatsapp.quietHours).toEqual({ allowedFrom: '08:00', allowedUntil: '21:00' });
    expect(settings.channels.email.quietHours).toBeUndefined();
    expect(settings.defaultTimeZone).toBe('Europe/Paris');
    expect(defaultAccountSettings().channels.sms.quietHours).toBeUndefined();
  });

  it('are written with the account when it is created', async () => {
    const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }));
    const dynamo = mockClient(documentClient);
    dynamo.on(TransactWriteCommand).resolves({});
    await new AccountStore(documentClient, 'optgate').createAccount('Acme', new Date(), { dataMonths: 24, messageHistoryMonths: 6, quietHours: { allowedFrom: '09:00', allowedUntil: '20:00' } });
    const items = dynamo.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? [];
    const settings = items.map((item) => item.Put?.Item).find((item) => item?.type === 'settings');
    expect(settings?.settings).toMatchObject({ retention: { dataMonths: 24, messageHistoryMonths: 6 }, channels: { sms: { quietHours: { allowedFrom: '09:00', allowedUntil: '20:00' } } }, brandName: 'Acme' });
  });
});
