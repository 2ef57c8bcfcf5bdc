import { createHmac, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { computeTwilioSignature } from '../../shared/adapters/twilio/twilio-signature.ts';
import { SNS_FORGERIES } from '../../infra/local/sns-delivery.ts';
import { api, createAccount, createLine, uniquePhone } from '../support/api-client.ts';
import { postAwsSms, smsEvent, twoWaySms } from '../support/aws-sms.ts';
import { printFigures } from '../support/reliability.ts';
import { sesComplaint, sesReceived, uniqueDomain } from '../support/ses.ts';
import { captureState, stateChanges, type StackState } from '../support/stack-state.ts';
import { localTable } from '../support/table.ts';
import { messageSid, twilioParams } from '../support/twilio.ts';
import { delivery, metaJson, phoneNumberId, postWhatsApp, textMessage } from '../support/whatsapp.ts';

/**
 * Every way a webhook's signature can be wrong, for every provider: forged, made with a stale (or
 * another line's) secret, made over a re-serialised payload, made for another URL. Each must be
 * refused before anything is read, and nothing may be stored or sent; the same payloads correctly
 * signed are then accepted, so the refusals are the signatures' doing.
 */
type Case = { provider: string; kind: 'forged' | 'stale secret' | 're-serialised' | 'wrong URL'; name: string; send: () => Promise<{ status: number }> };

const TOKEN_OLD = 'twilio-auth-token-before-rotation-01';
const TOKEN_NEW = 'twilio-auth-token-after-rotation-002';
const TOKEN_OTHER_LINE = 'twilio-auth-token-of-another-line-3';
const APP_SECRET_OLD = 'meta-app-secret-before-rotation-01';
const APP_SECRET_NEW = 'meta-app-secret-after-rotation-002';
const APP_SECRET_OTHER_APP = 'meta-app-secret-of-another-app-003';

const randomTwilioSignature = () => randomBytes(20).toString('base64');

describe('signatures: forged, stale-secret, re-serialised and wrong-URL deliveries are refused and store nothing', () => {
  const db = localTable();
  let key: string;
  let twilioLine: { address: string };
  let awsLine: { address: string };
  let emailAddress: string;
  let waPhoneNumberId: string;
  let before: StackState;
  const cases: Case[] = [];
  const results: { provider: string; kind: string; name: string; status: number }[] = [];

  beforeAll(async () => {
    ({ apiKey: key } = await createAccount('Signatures'));
    // Rotations: the line is registered with one secret, removed, and registered again with a new one.
    const rotated = await createLine(key, { provider: 'twilio', credentials: { authToken: TOKEN_OLD } });
    expect((await api('DELETE', `/v1/lines/${rotated.lineId}`, { key })).status).toBe(204);
    twilioLine = await createLine(key, { provider: 'twilio', address: rotated.address, credentials: { authToken: TOKEN_NEW } });
    await createLine(key, { provider: 'twilio', credentials: { authToken: TOKEN_OTHER_LINE } });
    awsLine = await createLine(key, { provider: 'aws' });
    emailAddress = `news@${uniqueDomain()}`;
    await createLine(key, { channel: 'email', provider: 'ses', address: emailAddress });
    waPhoneNumberId = phoneNumberId();
    const waAddress = uniquePhone();
    const waOld = await createLine(key, { channel: 'whatsapp', provider: 'meta', address: waAddress, providerId: waPhoneNumberId, credentials: { appSecret: APP_SECRET_OLD, verifyToken: 'verify-token-0001', accessToken: 'access-token-0001' } });
    expect((await api('DELETE', `/v1/lines/${waOld.lineId}`, { key })).status).toBe(204);
    await createLine(key, { channel: 'whatsapp', provider: 'meta', address: waAddress, providerId: waPhoneNumberId, credentials: { appSecret: APP_SECRET_NEW, verifyToken: 'verify-token-0001', accessToken: 'access-token-0001' } });
    // Another tenant's WhatsApp app, whose secret must not sign for this one.
    const other = await createAccount('Signatures, another app');
    await createLine(other.apiKey, { channel: 'whatsapp', provider: 'meta', address: uniquePhone(), providerId: phoneNumberId(), credentials: { appSecret: APP_SECRET_OTHER_APP, verifyToken: 'verify-token-0002', accessToken: 'access-token-0002' } });

    const publicUrl = inject('publicBaseUrl');
    const postForm = (path: string, params: Record<string, string>, signature: string) =>
      api('POST', path, { body: new URLSearchParams(params).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature } });

    // Twilio: inbound messages and status callbacks, signed over the public URL and the parameters.
    for (const path of ['/webhooks/twilio', '/webhooks/twilio/status']) {
      const provider = path === '/webhooks/twilio' ? 'Twilio inbound' : 'Twilio status callback';
      const url = `${publicUrl}${path}`;
      const params = () =>
        path === '/webhooks/twilio'
          ? twilioParams({ from: uniquePhone(), to: twilioLine.address, body: 'STOP' })
          : { MessageSid: messageSid(), AccountSid: `AC${'0'.repeat(32)}`, From: twilioLine.address, To: uniquePhone(), MessageStatus: 'undelivered', ErrorCode: '21610', ApiVersion: '2010-04-01' };
      const signedWith = (token: string, signUrl = url, signParams?: Record<string, string>) => async () => {
        const sent = params();
        return postForm(path, sent, computeTwilioSignature(token, signUrl, signParams ? { ...sent, ...signParams } : sent));
      };
      cases.push(
        { provider, kind: 'forged', name: 'random signature', send: async () => postForm(path, params(), randomTwilioSignature()) },
        { provider, kind: 'forged', name: 'no signature', send: async () => postForm(path, params(), '') },
        { provider, kind: 'forged', name: 'signature of other parameters', send: async () => postForm(path, params(), computeTwilioSignature(TOKEN_NEW, url, params())) },
        { provider, kind: 'stale secret', name: 'auth token before rotation', send: signedWith(TOKEN_OLD) },
        { provider, kind: 'stale secret', name: "another line's auth token", send: signedWith(TOKEN_OTHER_LINE) },
        {
          provider,
          kind: 're-serialised',
          name: 'signed with CRLF, relayed with LF',
          send: async () => {
            const sent = { ...params(), Body: 'STOP\nplease' };
            return postForm(path, sent, computeTwilioSignature(TOKEN_NEW, url, { ...sent, Body: 'STOP\r\nplease' }));
          },
        },
        {
          provider,
          kind: 're-serialised',
          name: 'a parameter added after signing',
          send: async () => {
            const signed = params();
            return postForm(path, { ...signed, OptOutType: 'START' }, computeTwilioSignature(TOKEN_NEW, url, signed));
          },
        },
        { provider, kind: 'wrong URL', name: 'https instead of http', send: signedWith(TOKEN_NEW, url.replace(/^http:/, 'https:')) },
        { provider, kind: 'wrong URL', name: 'another host', send: signedWith(TOKEN_NEW, url.replace('//localhost', '//optgate.attacker.example')) },
        { provider, kind: 'wrong URL', name: 'another webhook path', send: signedWith(TOKEN_NEW, path === '/webhooks/twilio' ? `${url}/status` : url.replace(/\/status$/, '')) },
        { provider, kind: 'wrong URL', name: 'a query string the request lacks', send: signedWith(TOKEN_NEW, `${url}?account=other`) },
        { provider, kind: 'wrong URL', name: 'a trailing slash', send: signedWith(TOKEN_NEW, `${url}/`) },
      );
    }

    // WhatsApp: X-Hub-Signature-256 over the raw body with the app secret (Meta signs no URL).
    const waBody = (text: string) => metaJson(delivery(waPhoneNumberId, { contacts: [{ profile: { name: 'Zoë' }, wa_id: '1' }], messages: [textMessage(uniquePhone(), text)] }));
    const hmac = (algorithm: string, secret: string, body: string) => createHmac(algorithm, secret).update(body).digest('hex');
    const whatsApp = 'WhatsApp';
    cases.push(
      { provider: whatsApp, kind: 'forged', name: 'random signature', send: () => postWhatsApp(waBody('STOP'), { signature: `sha256=${randomBytes(32).toString('hex')}` }) },
      { provider: whatsApp, kind: 'forged', name: 'no signature', send: () => postWhatsApp(waBody('STOP'), { signature: null }) },
      { provider: whatsApp, kind: 'forged', name: 'the SHA-1 X-Hub-Signature form', send: async () => { const body = waBody('STOP'); return postWhatsApp(body, { signature: `sha1=${hmac('sha1', APP_SECRET_NEW, body)}` }); } },
      { provider: whatsApp, kind: 'stale secret', name: 'app secret before rotation', send: () => postWhatsApp(waBody('STOP'), { appSecret: APP_SECRET_OLD }) },
      { provider: whatsApp, kind: 'stale secret', name: "another app's secret", send: () => postWhatsApp(waBody('STOP'), { appSecret: APP_SECRET_OTHER_APP }) },
      {
        provider: whatsApp,
        kind: 're-serialised',
        name: 'signed as Meta escapes it, relayed as UTF-8',
        send: async () => {
          const signed = waBody('ARRÊT');
          const relayed = JSON.stringify(JSON.parse(signed));
          expect(relayed).not.toBe(signed);
          return postWhatsApp(relayed, { signature: `sha256=${hmac('sha256', APP_SECRET_NEW, signed)}` });
        },
      },
      {
        provider: whatsApp,
        kind: 're-serialised',
        name: 'signed pretty-printed, relayed compact',
        send: async () => {
          const compact = waBody('STOP');
          const pretty = JSON.stringify(JSON.parse(compact), null, 2);
          return postWhatsApp(compact, { signature: `sha256=${hmac('sha256', APP_SECRET_NEW, pretty)}` });
        },
      },
    );

    // SNS-delivered: AWS two-way SMS, SMS events, SES receipts and feedback. Pretty-printed messages,
    // so that re-serialising one changes its bytes. The local helpers answer 202 (delivered); the
    // function must drop the message.
    const pretty = (message: string | object) => JSON.stringify(typeof message === 'string' ? JSON.parse(message) : message, null, 2);
    const snsKind = (forge: string): Case['kind'] =>
      forge === 'stale-key' ? 'stale secret' : forge === 'reserialised' ? 're-serialised' : forge === 'wrong-cert-url' ? 'wrong URL' : 'forged';
    const deliverSnsHelper = (path: string, message: string, forge: string) => api('POST', `${path}?forge=${forge}`, { body: message, headers: { 'content-type': 'application/json' } });
    for (const forge of SNS_FORGERIES) {
      cases.push(
        { provider: 'AWS two-way SMS (SNS)', kind: snsKind(forge), name: forge, send: () => postAwsSms(pretty(twoWaySms({ from: uniquePhone(), to: awsLine.address, body: 'STOP' })), { forge }) },
        {
          provider: 'AWS SMS events (SNS)',
          kind: snsKind(forge),
          name: forge,
          send: () => deliverSnsHelper('/local/aws-sms-events', pretty(smsEvent({ from: awsLine.address, to: uniquePhone(), eventType: 'TEXT_BLOCKED', messageStatus: 'DESTINATION_PHONE_NUMBER_OPTED_OUT' })), forge),
        },
        { provider: 'SES inbound mail (SNS)', kind: snsKind(forge), name: forge, send: () => deliverSnsHelper('/local/ses', pretty(sesReceived({ from: `${randomBytes(6).toString('hex')}@example.org`, to: emailAddress, subject: 'STOP' })), forge) },
        { provider: 'SES feedback (SNS)', kind: snsKind(forge), name: forge, send: () => deliverSnsHelper('/local/ses', pretty(sesComplaint({ sender: emailAddress, recipients: [`${randomBytes(6).toString('hex')}@example.org`] })), forge) },
      );
    }
    before = await captureState(db);
  });

  afterAll(() => db.destroy());

  it('refuses every one of them', async () => {
    for (const testCase of cases) {
      const { status } = await testCase.send();
      results.push({ provider: testCase.provider, kind: testCase.kind, name: testCase.name, status });
    }
    const byProvider = new Map<string, Record<string, string>>();
    for (const result of results) {
      const row = byProvider.get(result.provider) ?? {};
      row[result.kind] = `${(Number.parseInt(row[result.kind] ?? '0', 10) + 1).toString()}`;
      byProvider.set(result.provider, row);
    }
    printFigures('signatures: forged deliveries sent, by provider and kind (all refused, nothing stored: see the next test)', {
      ...Object.fromEntries([...byProvider].map(([provider, row]) => [provider, Object.entries(row).map(([kind, count]) => `${kind} ${count}`).join(', ')])),
      'WhatsApp wrong URL': 'not applicable: Meta signs the body only; another app\'s secret is tested instead',
      'total forged deliveries': results.length,
      'HTTP webhooks answered': [...new Set(results.filter((r) => !r.provider.includes('SNS')).map((r) => r.status))].join(', '),
    });
    // HTTP webhooks refuse with 403; the SNS helpers deliver (202) and the function drops the message.
    for (const result of results) {
      expect({ ...result, status: result.status }).toEqual({ ...result, status: result.provider.includes('SNS') ? 202 : 403 });
    }
  });

  it('stored nothing and sent nothing for them', async () => {
    const changes = stateChanges(before, await captureState(db));
    printFigures('signatures: what the forged deliveries changed', { 'items added, changed or removed; messages sent': changes.length });
    expect(changes).toEqual([]);
  });

  it('accepts the same deliveries correctly signed (the refusals were the signatures\' doing)', async () => {
    const contact = uniquePhone();
    const accepted = [
      (await postForm('/webhooks/twilio', twilioParams({ from: contact, to: twilioLine.address, body: 'STOP' }), TOKEN_NEW)).status,
      (await postWhatsApp(metaJson(delivery(waPhoneNumberId, { messages: [textMessage(uniquePhone(), 'ARRÊT')] })), { appSecret: APP_SECRET_NEW })).status,
      (await postAwsSms(JSON.stringify(JSON.parse(twoWaySms({ from: uniquePhone(), to: awsLine.address, body: 'STOP' })), null, 2))).status,
      (await api('POST', '/local/ses', { body: JSON.stringify(sesReceived({ from: `${randomBytes(6).toString('hex')}@example.org`, to: emailAddress, subject: 'STOP' }), null, 2), headers: { 'content-type': 'application/json' } })).status,
    ];
    expect(accepted).toEqual([200, 200, 202, 202]);
    const changes = stateChanges(before, await captureState(db));
    // Each accepted message leaves at least its audit event behind.
    expect(changes.filter((change) => change.startsWith('added') && change.includes('|EVENT#')).length).toBeGreaterThanOrEqual(4);
  });

  function postForm(path: string, params: Record<string, string>, token: string) {
    const signature = computeTwilioSignature(token, `${inject('publicBaseUrl')}${path}`, params);
    return api('POST', path, { body: new URLSearchParams(params).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature } });
  }
});
