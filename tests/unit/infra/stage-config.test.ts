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
    expect(config).toEqual({ stage: 'dev', publicDomain: undefined, operatorKeySha256: KEY_HASH, operatorKeyMissing: false });
  });

  it('reads stage, public domain (lower-cased) and the key hash (lower-cased)', () => {
    const config = parseStageConfig(
      context({ stage: 'prod', publicDomain: 'Consent.Example.COM', operatorKeySha256: KEY_HASH.toUpperCase() }),
    );
    expect(config).toEqual({ stage: 'prod', publicDomain: 'consent.example.com', operatorKeySha256: KEY_HASH, operatorKeyMissing: false });
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
});
