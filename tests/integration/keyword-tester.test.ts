import { beforeAll, describe, expect, it } from 'vitest';
import { api, createAccount, createLine, uniquePhone } from '../support/api-client.ts';
import { postTwilio, TWILIO_AUTH_TOKEN, twilioParams } from '../support/twilio.ts';

interface TestResult {
  line: { lineId: string; channel: string };
  normalizedText: string;
  match: { rule: { ruleId: string; keyword: string; origin: string; action: string }; candidate: boolean; language: string } | null;
  consentChange: { status: string; scope: string } | null;
  reply: string | null;
  flaggedRevocation: boolean;
}

type ErrorBody = { error: { code: string; message: string } };

describe('POST /v1/rules/test: the keyword engine on a message, before saving anything', () => {
  let key: string;
  let sms: { lineId: string; address: string };
  let email: { lineId: string };

  beforeAll(async () => {
    ({ apiKey: key } = await createAccount('Tester Co'));
    sms = await createLine(key, { provider: 'twilio', credentials: { authToken: TWILIO_AUTH_TOKEN }, name: 'Main' });
    email = await createLine(key, { channel: 'email', provider: 'ses', address: `news@tester-${Date.now()}.example.com` });
  });

  const test = (body: Record<string, unknown>) => api<TestResult & ErrorBody>('POST', '/v1/rules/test', { key, json: body });

  it('matches a built-in keyword as real traffic would: normalised, with the reply and the account brand', async () => {
    const result = await test({ text: '  Stop. 🙏', lineId: sms.lineId });
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({
      line: { lineId: sms.lineId, channel: 'sms' },
      normalizedText: 'STOP',
      match: { rule: { ruleId: 'builtin:en:stop', origin: 'builtin', action: 'opt_out' }, candidate: false, language: 'en' },
      consentChange: { status: 'opted_out', scope: 'line' },
      flaggedRevocation: false,
    });
    expect(result.body.reply).toMatch(/^Tester Co: /);

    // The same words as the webhook: the tester's answer is the reply a real STOP gets.
    const contact = uniquePhone();
    const twiml = await postTwilio(twilioParams({ from: contact, to: sms.address, body: '  Stop. 🙏' }));
    expect(twiml.text).toContain(`<Message>${result.body.reply}</Message>`);
  });

  it('evaluates an unsaved candidate rule, ahead of the built-ins, and saves nothing', async () => {
    const before = (await api('GET', '/v1/rules', { key })).text;
    const candidate = { keyword: 'PAUSE', matchMode: 'first_word', action: 'opt_out', replyText: '{brand}: paused. Reply START to resume.' };
    const result = await test({ text: 'pause please', lineId: sms.lineId, candidate });
    expect(result.body).toMatchObject({
      match: { rule: { ruleId: 'candidate', keyword: 'PAUSE', origin: 'account' }, candidate: true },
      consentChange: { status: 'opted_out', scope: 'line' },
      reply: 'Tester Co: paused. Reply START to resume.',
    });
    // Without the candidate nothing matches, and the stored rules did not change.
    expect((await test({ text: 'pause please', lineId: sms.lineId })).body.match).toBeNull();
    expect((await api('GET', '/v1/rules', { key })).text).toBe(before);
  });

  it('tests an edit: the candidate replaces the stored rule it names', async () => {
    const stored = await api<{ ruleId: string }>('POST', '/v1/rules', { key, json: { keyword: 'HOURS', action: 'reply', replyText: 'Open 9-5' } });
    expect((await test({ text: 'hours', lineId: sms.lineId })).body.reply).toBe('Open 9-5');
    const edited = await test({
      text: 'hours',
      lineId: sms.lineId,
      replacesRuleId: stored.body.ruleId,
      candidate: { keyword: 'OPENING', action: 'reply', replyText: 'Open 8-6' },
    });
    // The old keyword no longer matches once replaced…
    expect(edited.body.match).toBeNull();
    const renamed = await test({
      text: 'opening',
      lineId: sms.lineId,
      replacesRuleId: stored.body.ruleId,
      candidate: { keyword: 'OPENING', action: 'reply', replyText: 'Open 8-6' },
    });
    // …and the candidate answers under the stored rule's id.
    expect(renamed.body).toMatchObject({ match: { rule: { ruleId: stored.body.ruleId }, candidate: true }, reply: 'Open 8-6', consentChange: null });
  });

  it('follows line precedence: a line rule beats an account rule with the same keyword', async () => {
    await api('POST', '/v1/rules', { key, json: { keyword: 'JOIN', action: 'opt_in', replyText: 'account join' } });
    const lineRule = await api<{ ruleId: string }>('POST', '/v1/rules', {
      key,
      json: { keyword: 'JOIN', action: 'opt_in', replyText: 'line join', lineId: sms.lineId },
    });
    const result = await test({ text: 'JOIN', lineId: sms.lineId });
    expect(result.body).toMatchObject({ match: { rule: { ruleId: lineRule.body.ruleId, origin: 'line' } }, reply: 'line join', consentChange: { status: 'opted_in' } });
  });

  it('says what email does: opt-outs act without a reply, opt-ins do nothing', async () => {
    const stop = await test({ text: 'unsubscribe', lineId: email.lineId });
    expect(stop.body).toMatchObject({ match: { rule: { action: 'opt_out' } }, consentChange: { status: 'opted_out', scope: 'line' }, reply: null });
    const start = await test({ text: 'START', lineId: email.lineId });
    expect(start.body).toMatchObject({ match: { rule: { action: 'opt_in' } }, consentChange: null, reply: null });
  });

  it('flags a plain-language revocation that no rule matches', async () => {
    const result = await test({ text: 'please stop texting me', lineId: sms.lineId });
    expect(result.body).toMatchObject({ match: null, consentChange: null, reply: null, flaggedRevocation: true });
  });

  it('refuses what cannot be tested, with a clear 400', async () => {
    const cases = [
      await test({ text: 'STOP', lineId: 'line_01doesnotexist' }),
      await test({ text: 'STOP', lineId: sms.lineId, replacesRuleId: 'rule_01doesnotexist', candidate: { keyword: 'X', action: 'opt_out' } }),
      await test({ text: 'STOP', lineId: sms.lineId, replacesRuleId: 'rule_01doesnotexist' }),
      await test({ text: 'STOP', lineId: sms.lineId, candidate: { keyword: 'X', action: 'opt_out', channel: 'whatsapp', lineId: sms.lineId } }),
      await test({ text: 'STOP', lineId: sms.lineId, candidate: { keyword: '?!', action: 'opt_out' } }),
      await test({ text: '', lineId: sms.lineId }),
    ];
    expect(cases.map((response) => response.status)).toEqual([400, 400, 400, 400, 400, 400]);
    for (const response of cases) expect(response.body.error.message).toEqual(expect.any(String));
    expect(cases[0]?.body.error.message).toContain('No line line_01doesnotexist');
  });
});
