import { beforeAll, describe, expect, it } from 'vitest';
import { api, createAccount, createLine, uniquePhone } from '../support/api-client.ts';
import { postTwilio, TWILIO_AUTH_TOKEN, twilioParams } from '../support/twilio.ts';

interface Checked {
  channel: string;
  from: string;
  to: string;
  allowed: boolean;
  outcome: string;
  reason: string;
  rule: string;
  lineId?: string;
  basis: { status: string; record?: { kind: string; eventId: string }; default?: { status: string } };
}

describe('POST /v1/consent/check', () => {
  let key: string;
  let line: { lineId: string; address: string };
  let otherLine: { address: string };

  beforeAll(async () => {
    ({ apiKey: key } = await createAccount('Check API'));
    line = await createLine(key, { provider: 'twilio', credentials: { authToken: TWILIO_AUTH_TOKEN } });
    const other = await createAccount('Someone else');
    otherLine = await createLine(other.apiKey, { provider: 'twilio', credentials: { authToken: TWILIO_AUTH_TOKEN } });
  });

  const check = (items: unknown[]) => api<{ decisions: Checked[] }>('POST', '/v1/consent/check', { key, json: { items } });

  it('decides each item with its basis, in order, with the gate rules', async () => {
    const optedIn = uniquePhone();
    const stopped = uniquePhone();
    await api('PUT', `/v1/contacts/${encodeURIComponent(optedIn)}/consent`, { key, json: { channel: 'sms', line: line.lineId, status: 'opted_in' } });
    await postTwilio(twilioParams({ from: stopped, to: line.address, body: 'STOP' }));

    const response = await check([
      { channel: 'sms', from: line.address, to: optedIn, category: 'marketing' },
      { channel: 'sms', from: line.address, to: stopped, category: 'transactional' },
      { channel: 'sms', from: line.address, to: uniquePhone(), category: 'marketing' },
      { channel: 'sms', from: line.address, to: uniquePhone(), category: 'transactional', requireOptIn: true },
      { channel: 'sms', from: otherLine.address, to: optedIn, category: 'transactional' },
    ]);
    expect(response.status).toBe(200);
    const [a, b, c, d, e] = response.body.decisions;
    expect(a).toMatchObject({ to: optedIn, allowed: true, outcome: 'allowed', reason: 'opted_in', lineId: line.lineId, basis: { status: 'opted_in', record: { kind: 'line_record' } } });
    expect(b).toMatchObject({ allowed: false, reason: 'opted_out', rule: 'opt_out_blocks_all' });
    expect(c).toMatchObject({ allowed: false, reason: 'not_opted_in', basis: { status: 'not_defined', default: { status: 'opted_out' } } });
    expect(d).toMatchObject({ allowed: false, rule: 'require_opt_in_explicit' });
    // Another account's line is not revealed: it is unknown to this key.
    expect(e).toMatchObject({ allowed: false, reason: 'unknown_line' });
    expect(e?.lineId).toBeUndefined();
  });

  it('answers 400 for more than 100 items or an invalid address, and 401 without a key', async () => {
    const item = { channel: 'sms', from: line.address, to: uniquePhone(), category: 'marketing' };
    const tooMany = await check(Array.from({ length: 101 }, () => item));
    expect(tooMany.status).toBe(400);
    expect(tooMany.body).toMatchObject({ error: { code: 'validation_failed' } });
    const exactly100 = await check(Array.from({ length: 100 }, () => item));
    expect(exactly100.status).toBe(200);
    expect(exactly100.body.decisions).toHaveLength(100);

    const badPhone = await check([item, { ...item, to: 'not-a-number' }]);
    expect(badPhone.status).toBe(400);
    expect(JSON.stringify(badPhone.body)).toContain('items.1');
    expect((await check([])).status).toBe(400);
    expect((await api('POST', '/v1/consent/check', { json: { items: [item] } })).status).toBe(401);
  });
});
