import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { listUnsubscribeHeaders, unsubscribeMailto } from '../../../shared/domain/email/list-unsubscribe.ts';
import {
  decodeUnsubscribeToken,
  encodeUnsubscribeToken,
  TOKEN_PATTERN,
  unsubscribeTokenKeyRef,
  type UnsubscribeClaims,
} from '../../../shared/domain/email/unsubscribe-token.ts';

const key = { keyId: 'uk_01jkey0000000000000000000', secret: Buffer.alloc(32, 9) };
const claims: UnsubscribeClaims = {
  accountId: 'acc_01jaccount000000000000000',
  lineId: 'line_01jline00000000000000000',
  contact: 'jane.doe@example.org',
  campaignId: 'spring-2026',
  issuedAt: 1795511702,
};

describe('unsubscribe tokens', () => {
  const token = encodeUnsubscribeToken(claims, key);

  it('round-trips the claims with the key that signed them', () => {
    expect(TOKEN_PATTERN.test(token)).toBe(true);
    expect(decodeUnsubscribeToken(token, key)).toEqual(claims);
    const { campaignId: _campaign, ...withoutCampaign } = claims;
    expect(decodeUnsubscribeToken(encodeUnsubscribeToken(withoutCampaign, key), key)).toEqual(withoutCampaign);
  });

  it('names the account and key in clear (to find the key) but no address, line or campaign', () => {
    expect(unsubscribeTokenKeyRef(token)).toEqual({ accountId: claims.accountId, keyId: key.keyId });
    const bytes = Buffer.from(token, 'base64url').toString('latin1');
    for (const secret of [claims.contact, 'jane.doe', 'example.org', claims.lineId, 'spring-2026']) expect(bytes).not.toContain(secret);
  });

  it('differs on every issue (random IV), so links cannot be linked to one person by comparing them', () => {
    expect(encodeUnsubscribeToken(claims, key)).not.toBe(token);
  });

  it('is refused with another key, another key id or another secret', () => {
    expect(decodeUnsubscribeToken(token, { ...key, secret: Buffer.alloc(32, 8) })).toBeUndefined();
    expect(decodeUnsubscribeToken(token, { ...key, keyId: 'uk_other' })).toBeUndefined();
  });

  it('is refused after any change to any byte', () => {
    const bytes = Buffer.from(token, 'base64url');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: bytes.length - 1 }), fc.integer({ min: 1, max: 255 }), (index, flip) => {
        const altered = Buffer.from(bytes);
        altered[index] = (altered[index] ?? 0) ^ flip;
        // The tag covers the account and key ids too: even when they still parse, the token is refused.
        return decodeUnsubscribeToken(altered.toString('base64url'), key) === undefined;
      }),
      { numRuns: 300 },
    );
  });

  it.each(['', 'abc', token.slice(0, -1), `${token}A`, token.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')), 'x'.repeat(2000), `${token.slice(0, 20)}!${token.slice(21)}`])(
    'refuses malformed tokens (%#)',
    (bad) => {
      expect(decodeUnsubscribeToken(bad, key)).toBeUndefined();
    },
  );
});

describe('List-Unsubscribe headers', () => {
  it('lists the https URL first, then the mailto, with the one-click post header', () => {
    expect(listUnsubscribeHeaders({ url: 'https://consent.example.com/unsubscribe/abc', mailto: 'mailto:news@example.com?subject=unsubscribe' })).toEqual({
      'List-Unsubscribe': '<https://consent.example.com/unsubscribe/abc>, <mailto:news@example.com?subject=unsubscribe>',
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    });
  });

  it('sends unsubscribe mail to the line address, or unsubscribe@ a domain line', () => {
    expect(unsubscribeMailto('news@example.com')).toBe('mailto:news@example.com?subject=unsubscribe');
    expect(unsubscribeMailto('example.com')).toBe('mailto:unsubscribe@example.com?subject=unsubscribe');
  });
});
