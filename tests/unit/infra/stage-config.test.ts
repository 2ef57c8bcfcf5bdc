import { describe, it, expect } from 'vitest';
import {
  deployMustBeBlocked,
  parseStageConfig,
  PLACEHOLDER_OPERATOR_KEY_SHA256,
  StageConfigError,
} from '../../../infra/cdk/stage-config.ts';

const KEY_HASH = 'b5c7e6f1a0d94c3e8f2b1a6d5c4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e';

const context =
  (values: Record<string, unknown>) =>
  (key: string): unknown =>
    values[key];

describe('parseStageConfig', () => {
  it('defaults to stage dev with no public domain', () => {
    const config = parseStageConfig(context({ operatorKeySha256: KEY_HASH }));
    expect(config).toEqual({
      stage: 'dev',
      publicDomain: undefined,
      operatorKeySha256: KEY_HASH,
      operatorKeyMissing: false,
      logRetention: 30,
      xray: false,
      alarmEmail: undefined,
      accountDefaults: { dataMonths: 13, messageHistoryMonths: 13, quietHours: undefined, timeZone: undefined },
      sendingConcurrency: 10,
      gateMaxConcurrency: 10,
    });
  });

  it('reads stage, public domain (lower-cased) and the key hash (lower-cased)', () => {
    const config = parseStageConfig(
      context({ stage: 'prod', publicDomain: 'Consent.Example.COM', operatorKeySha256: KEY_HASH.toUpperCase() }),
    );
    expect(config).toMatchObject({ stage: 'prod', publicDomain: 'consent.example.com', operatorKeySha256: KEY_HASH, operatorKeyMissing: false });
  });

  it('treats empty strings as absent (`-c publicDomain=` from a pipeline variable that is unset)', () => {
    const config = parseStageConfig(context({ stage: ' ', publicDomain: '', operatorKeySha256: KEY_HASH }));
    expect(config.stage).toBe('dev');
    expect(config.publicDomain).toBeUndefined();
  });

  it.each(['Prod', '1prod', 'prod_eu', 'a'.repeat(21), 'prod/eu'])('rejects stage %j', (stage) => {
    expect(() => parseStageConfig(context({ stage, operatorKeySha256: KEY_HASH }))).toThrow(/context "stage"/);
  });

  it.each(['https://consent.example.com', 'consent.example.com/path', 'consent.example.com:8443', 'localhost', 'exa mple.com'])(
    'rejects public domain %j',
    (publicDomain) => {
      expect(() => parseStageConfig(context({ publicDomain, operatorKeySha256: KEY_HASH }))).toThrow(/context "publicDomain"/);
    },
  );

  describe('custom domain', () => {
    const CERT = 'arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';

    it('takes a certificate (and a hosted zone) for the public domain', () => {
      expect(parseStageConfig(context({ publicDomain: 'consent.example.com', certificateArn: CERT, operatorKeySha256: KEY_HASH })).customDomain).toEqual({
        certificateArn: CERT,
        hostedZoneId: undefined,
      });
      expect(
        parseStageConfig(context({ publicDomain: 'consent.example.com', certificateArn: CERT, hostedZoneId: 'Z0123456789ABCDEFGHIJ', operatorKeySha256: KEY_HASH })).customDomain,
      ).toEqual({ certificateArn: CERT, hostedZoneId: 'Z0123456789ABCDEFGHIJ' });
      expect(parseStageConfig(context({ publicDomain: 'consent.example.com', operatorKeySha256: KEY_HASH })).customDomain).toBeUndefined();
    });

    it('names what is missing or wrong', () => {
      expect(() => parseStageConfig(context({ certificateArn: CERT, operatorKeySha256: KEY_HASH }))).toThrow(/"certificateArn" needs "publicDomain"/);
      expect(() => parseStageConfig(context({ publicDomain: 'consent.example.com', hostedZoneId: 'Z0123456789ABCDEFGHIJ', operatorKeySha256: KEY_HASH }))).toThrow(
        /"hostedZoneId" needs "certificateArn"/,
      );
      expect(() => parseStageConfig(context({ publicDomain: 'consent.example.com', certificateArn: 'arn:aws:iam::123456789012:role/x', operatorKeySha256: KEY_HASH }))).toThrow(
        /context "certificateArn" must be an ACM certificate ARN/,
      );
      expect(() =>
        parseStageConfig(context({ publicDomain: 'consent.example.com', certificateArn: CERT, hostedZoneId: 'example.com', operatorKeySha256: KEY_HASH })),
      ).toThrow(/context "hostedZoneId" must be a Route 53 hosted zone id/);
    });
  });

  it('rejects a value that is not a string', () => {
    expect(() => parseStageConfig(context({ stage: 42 }))).toThrow(StageConfigError);
  });

  describe('operator key hash', () => {
    it.each(['not-a-hash', KEY_HASH.slice(1), `${KEY_HASH}0`, 'my-operator-api-key-0123456789'])('rejects %j', (operatorKeySha256) => {
      expect(() => parseStageConfig(context({ operatorKeySha256 }))).toThrow(/64 hex digits/);
    });

    it('never echoes a rejected value, which might be the key itself', () => {
      expect(() => parseStageConfig(context({ operatorKeySha256: 'sk_live_operator_key' }))).toThrow(
        expect.objectContaining({ message: expect.not.stringContaining('sk_live_operator_key') }),
      );
    });

    it('lets stage test run on the all-zero placeholder, given or omitted, without blocking deploys', () => {
      const omitted = parseStageConfig(context({ stage: 'test' }));
      const given = parseStageConfig(context({ stage: 'test', operatorKeySha256: PLACEHOLDER_OPERATOR_KEY_SHA256 }));
      expect(omitted.operatorKeySha256).toBe(PLACEHOLDER_OPERATOR_KEY_SHA256);
      expect(given.operatorKeySha256).toBe(PLACEHOLDER_OPERATOR_KEY_SHA256);
      expect(deployMustBeBlocked(omitted)).toBe(false);
    });

    it('refuses the placeholder given explicitly on any other stage', () => {
      expect(() => parseStageConfig(context({ stage: 'prod', operatorKeySha256: PLACEHOLDER_OPERATOR_KEY_SHA256 }))).toThrow(
        /placeholder/,
      );
    });

    it('synthesizes without the key on other stages, but marks the deployment to be blocked', () => {
      const config = parseStageConfig(context({ stage: 'prod' }));
      expect(config.operatorKeyMissing).toBe(true);
      expect(config.operatorKeySha256).toBe(PLACEHOLDER_OPERATOR_KEY_SHA256);
      expect(deployMustBeBlocked(config)).toBe(true);
      expect(deployMustBeBlocked(parseStageConfig(context({ stage: 'prod', operatorKeySha256: KEY_HASH })))).toBe(false);
    });
  });

  describe('operational settings', () => {
    it('reads every key from -c strings or cdk.json values', () => {
      const config = parseStageConfig(
        context({
          operatorKeySha256: KEY_HASH,
          logRetentionDays: '90',
          xray: 'true',
          alarmEmail: 'oncall@example.com',
          defaultRetentionMonths: 24,
          defaultMessageHistoryMonths: '6',
          defaultQuietHours: '08:00-21:00',
          defaultTimeZone: 'America/New_York',
          sendingConcurrency: '25',
          gateMaxConcurrency: '4',
        }),
      );
      expect(config).toMatchObject({
        logRetention: 90,
        xray: true,
        alarmEmail: 'oncall@example.com',
        accountDefaults: { dataMonths: 24, messageHistoryMonths: 6, quietHours: { allowedFrom: '08:00', allowedUntil: '21:00' }, timeZone: 'America/New_York' },
        sendingConcurrency: 25,
        gateMaxConcurrency: 4,
      });
    });

    it('takes sendingConcurrency 0 as no reservation and defaultQuietHours none as no window', () => {
      const config = parseStageConfig(context({ operatorKeySha256: KEY_HASH, sendingConcurrency: '0', defaultQuietHours: 'none' }));
      expect(config.sendingConcurrency).toBeUndefined();
      expect(config.accountDefaults.quietHours).toBeUndefined();
    });

    it.each([
      ['logRetentionDays', '45', /context "logRetentionDays" must be a CloudWatch Logs retention period/],
      ['logRetentionDays', 'a month', /context "logRetentionDays" must be a whole number/],
      ['xray', 'yes', /context "xray" must be true or false/],
      ['alarmEmail', 'oncall', /context "alarmEmail" must be an email address/],
      ['defaultRetentionMonths', '0', /context "defaultRetentionMonths" must be a whole number from 1 to 120/],
      ['defaultMessageHistoryMonths', '121', /context "defaultMessageHistoryMonths" must be a whole number from 1 to 120/],
      ['defaultQuietHours', '8-21', /context "defaultQuietHours" must be HH:MM-HH:MM/],
      ['defaultQuietHours', '08:00-08:00', /context "defaultQuietHours" must be HH:MM-HH:MM/],
      ['defaultTimeZone', 'Mars/Olympus', /context "defaultTimeZone" must be an IANA time zone/],
      ['sendingConcurrency', '-1', /context "sendingConcurrency" must be a whole number from 0 to 1000/],
      ['gateMaxConcurrency', '1', /context "gateMaxConcurrency" must be a whole number from 2 to 1000/],
    ])('rejects %s=%j with the key’s name', (key, value, message) => {
      expect(() => parseStageConfig(context({ operatorKeySha256: KEY_HASH, [key]: value }))).toThrow(message);
    });
  });
});
