import { describe, expect, it } from 'vitest';
import type { KeywordRule, Line } from '../../../functions/console/app/src/api/types.ts';
import { rulesForLine } from '../../../functions/console/app/src/logic/rules-for-line.ts';

const line = (lineId: string, channel: Line['channel']): Line => ({ lineId, channel, address: '+12025550100', provider: 'twilio', createdAt: '', hasCredentials: true });
const rule = (keyword: string, fields: Partial<KeywordRule> = {}): KeywordRule => ({
  ruleId: keyword.toLowerCase(),
  keyword,
  matchMode: 'exact',
  action: 'opt_out',
  scope: 'line',
  origin: fields.lineId ? 'line' : 'account',
  ...fields,
});

describe('rulesForLine', () => {
  it('keeps the account rules of the line’s channel and the line’s own rules, line rules first', () => {
    const rules = [rule('ZAP'), rule('HOURS', { lineId: 'main' }), rule('ADIOS', { channel: 'whatsapp' }), rule('BYE', { channel: 'sms' }), rule('OTHER', { lineId: 'promo' })];
    expect(rulesForLine(rules, line('main', 'sms')).map((r) => r.keyword)).toEqual(['HOURS', 'BYE', 'ZAP']);
    expect(rulesForLine(rules, line('wa', 'whatsapp')).map((r) => r.keyword)).toEqual(['ADIOS', 'ZAP']);
  });
});
