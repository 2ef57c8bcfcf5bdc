import { X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it, expect } from 'vitest';
import { isOptOutEvent, parseSmsEvent } from '../../../shared/adapters/aws-sms/sms-event.ts';
import { parseSesNotification } from '../../../shared/adapters/ses/ses-notification.ts';
import { verifySnsRecords } from '../../../shared/adapters/sns/sns-lambda-event.ts';
import { SnsSignatureVerifier } from '../../../shared/adapters/sns/sns-signature.ts';
import { TWILIO_UNSUBSCRIBED_RECIPIENT, twilioStatusCallbackSchema } from '../../../shared/adapters/twilio/twilio-status-callback.ts';
import { verifyWhatsAppSignature } from '../../../shared/adapters/whatsapp/whatsapp-signature.ts';
import { phoneNumberIdsOf, whatsAppUpdatesOf } from '../../../shared/adapters/whatsapp/whatsapp-webhook.ts';
import { decodeUnsubscribeToken } from '../../../shared/domain/email/unsubscribe-token.ts';
import { SAMPLE_SNS_CERTIFICATE_PEM } from '../../fixtures/sample-sns-certificate.ts';
import { parseTwoWaySmsMessage } from '../../../shared/adapters/aws-sms/two-way-sms-message.ts';
import { parseFormBody } from '../../../shared/adapters/twilio/form-body.ts';
import { parseTwilioInbound } from '../../../shared/adapters/twilio/twilio-inbound-message.ts';
import { verifyTwilioSignature } from '../../../shared/adapters/twilio/twilio-signature.ts';
import { parseEnvelope } from '../../../shared/use-cases/gate-outbound-batch.ts';
import { keywordTestSchema } from '../../../shared/use-cases/test-keyword-rules.ts';
import { FUNCTIONS, routeTable, type FunctionDefinition } from '../../../shared/manifest.ts';
import { parseConsentCsv } from '../../../shared/domain/imports/consent-csv.ts';
import { consentCheckSchema } from '../../../shared/use-cases/check-consent.ts';
import { setConsentSchema } from '../../../shared/use-cases/set-contact-consent.ts';
import { optOutReportQuerySchema } from '../../../shared/use-cases/get-opt-out-report.ts';

// The events/ files are samples for local invokes and curl examples:
// they must stay valid against the parsers (and the Twilio one correctly signed).
const readEvent = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../../events/${name}`, import.meta.url), 'utf8'));

interface HttpApiEvent {
  headers: Record<string, string>;
  rawPath: string;
  body: string;
  isBase64Encoded: boolean;
}

describe('events/inbound-twilio.stop.json', () => {
  const event = readEvent('inbound-twilio.stop.json') as HttpApiEvent;
  const rawBody = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  const params = parseFormBody(rawBody);

  it('is signed for the local public url with the test auth token', () => {
    const url = `http://${event.headers.host ?? ''}${event.rawPath}`;
    expect(url).toBe('http://localhost:3000/webhooks/twilio');
    const input = { authToken: 'test-auth-token-0000000000000000', url, params };
    expect(verifyTwilioSignature({ ...input, signature: event.headers['x-twilio-signature'] })).toBe(true);
    expect(verifyTwilioSignature({ ...input, authToken: 'another-token', signature: event.headers['x-twilio-signature'] })).toBe(
      false,
    );
  });

  it('carries a STOP SMS', () => {
    expect(parseTwilioInbound(params)).toEqual({
      ok: true,
      value: expect.objectContaining({ channel: 'sms', from: '+14255550182', to: '+12125550101', body: 'Stop.' }),
    });
  });
});

describe('events/forms.submit.json', () => {
  it('carries a form submission the form function reads', async () => {
    const { webFormSubmissionSchema } = await import('../../../shared/use-cases/submit-web-form.ts');
    const event = readEvent('forms.submit.json') as HttpApiEvent;
    const fields = parseFormBody(Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8').toString('utf8'));
    expect(webFormSubmissionSchema.parse(fields)).toEqual({ contact: '+12025550143', consent: 'yes', formVersion: '1', website: '' });
  });
});

describe('events/outbound-gate.sqs.json', () => {
  it('carries valid outbound envelopes, one of them waiting for its sendAfter', () => {
    const event = readEvent('outbound-gate.sqs.json') as { Records: { body: string; eventSource: string }[] };
    const now = new Date('2026-11-24T12:00:00Z');
    const parsed = event.Records.map((record) => parseEnvelope(record.body, now));
    expect(parsed.every((result) => result.ok)).toBe(true);
    expect(event.Records.every((record) => record.eventSource === 'aws:sqs')).toBe(true);
    expect(parsed.map((result) => (result.ok ? result.contact : ''))).toEqual(['+14255550182', '+14255550183', 'person@example.org']);
  });
});

describe('events/inbound-whatsapp.stop.json', () => {
  const event = readEvent('inbound-whatsapp.stop.json') as HttpApiEvent;
  const body = Buffer.from(event.body, 'utf8');

  it('is signed with the sample app secret over its exact (\\uXXXX-escaped) bytes', () => {
    const signature = event.headers['x-hub-signature-256'];
    expect(event.body).toContain('Arr\\u00eat');
    expect(verifyWhatsAppSignature({ appSecret: 'sample-app-secret-00000000000000', rawBody: body, signature })).toBe(true);
    expect(verifyWhatsAppSignature({ appSecret: 'another-secret', rawBody: body, signature })).toBe(false);
  });

  it('carries a French STOP to phone number id 109876543210987', () => {
    const json: unknown = JSON.parse(event.body);
    expect(phoneNumberIdsOf(json)).toEqual({ ok: true, value: ['109876543210987'] });
    expect(whatsAppUpdatesOf(json, new Set(['109876543210987']))).toEqual([
      expect.objectContaining({ kind: 'message', from: '14255550182', text: 'Arrêt', messageType: 'text' }),
    ]);
  });
});

describe('events/twilio-status.21610.json', () => {
  const event = readEvent('twilio-status.21610.json') as HttpApiEvent;
  const params = parseFormBody(Buffer.from(event.body, 'base64').toString('utf8'));

  it('is signed for the local public url with the test auth token and reports error 21610', () => {
    const url = `http://${event.headers.host ?? ''}${event.rawPath}`;
    expect(verifyTwilioSignature({ authToken: 'test-auth-token-0000000000000000', url, params, signature: event.headers['x-twilio-signature'] })).toBe(true);
    expect(twilioStatusCallbackSchema.parse(params)).toEqual(
      expect.objectContaining({ errorCode: TWILIO_UNSUBSCRIBED_RECIPIENT, from: '+12125550101', to: '+14255550182', channel: 'sms' }),
    );
  });
});

describe('events/unsubscribe.one-click.json', () => {
  const event = readEvent('unsubscribe.one-click.json') as HttpApiEvent & { pathParameters: { token: string } };

  it('posts List-Unsubscribe=One-Click with a token the sample key signed, and no readable address', () => {
    expect(Buffer.from(event.body, 'base64').toString('utf8')).toBe('List-Unsubscribe=One-Click');
    const { token } = event.pathParameters;
    expect(event.rawPath).toBe(`/unsubscribe/${token}`);
    expect(Buffer.from(token, 'base64url').toString('latin1')).not.toContain('reader@example.org');
    expect(decodeUnsubscribeToken(token, { keyId: 'uk_sample', secret: Buffer.alloc(32, 1) })).toEqual(
      expect.objectContaining({ contact: 'reader@example.org', campaignId: 'spring-sale' }),
    );
    expect(decodeUnsubscribeToken(token, { keyId: 'uk_sample', secret: Buffer.alloc(32, 2) })).toBeUndefined();
  });
});

describe('SNS samples: events/inbound-ses.complaint.sns.json, events/inbound-aws-sms.sns.json, events/aws-sms-events.opted-out.sns.json', () => {
  const certificates = { get: async () => new X509Certificate(SAMPLE_SNS_CERTIFICATE_PEM) };
  const verifierFor = (topicArn: string) =>
    new SnsSignatureVerifier({ allowedTopicArns: [topicArn], certificates, now: () => new Date('2026-11-24T09:15:03Z') });

  it('the SES sample is signed as SNS signs and carries a complaint', async () => {
    const event = readEvent('inbound-ses.complaint.sns.json');
    const { notifications, rejected } = await verifySnsRecords(event, verifierFor('arn:aws:sns:us-east-1:123456789012:dev-optgate-ses-feedback'));
    expect(rejected).toEqual([]);
    expect(parseSesNotification(notifications[0]?.Message ?? '')).toEqual({
      ok: true,
      value: expect.objectContaining({ kind: 'complaint', recipients: ['reader@example.org'], sender: 'news@example.com' }),
    });
    expect((await verifySnsRecords(event, verifierFor('arn:aws:sns:us-east-1:123456789012:another-topic'))).notifications).toEqual([]);
  });

  it('the two-way SMS sample is signed as SNS signs and carries a STOP', async () => {
    const event = readEvent('inbound-aws-sms.sns.json');
    const { notifications, rejected } = await verifySnsRecords(event, verifierFor('arn:aws:sns:us-east-1:123456789012:dev-optgate-aws-sms-inbound'));
    expect(rejected).toEqual([]);
    expect(notifications).toHaveLength(1);
    expect(parseTwoWaySmsMessage(notifications[0]?.Message ?? '')).toEqual({
      ok: true,
      value: expect.objectContaining({ originationNumber: '+14255550182', destinationNumber: '+12125550101', messageBody: 'STOP' }),
    });
  });

  it('the SMS events sample is signed as SNS signs and reports an opted-out destination', async () => {
    const event = readEvent('aws-sms-events.opted-out.sns.json');
    const { notifications } = await verifySnsRecords(event, verifierFor('arn:aws:sns:us-east-1:123456789012:dev-optgate-aws-sms-events'));
    const parsed = parseSmsEvent(notifications[0]?.Message ?? '');
    expect(parsed.ok && isOptOutEvent(parsed.value)).toBe(true);
  });
});

describe('events/console.get.json and events/admin-api.test-rules.json', () => {
  it('name routes of the manifest; the tester sample is a body the tester accepts', () => {
    const routes = routeTable().map((route) => route.routeKey as string);
    const page = readEvent('console.get.json') as HttpApiEvent & { routeKey: string };
    expect(routes).toContain(page.routeKey);
    expect(page.rawPath).toBe('/console');
    const tester = readEvent('admin-api.test-rules.json') as HttpApiEvent & { routeKey: string };
    expect(routes).toContain(tester.routeKey);
    expect(keywordTestSchema.parse(JSON.parse(tester.body))).toMatchObject({ text: 'Stop please', candidate: { keyword: 'PAUSE' } });
  });
});

describe('events/<function>.*.json', () => {
  // npm run bench:cold-start serves each function the first sample named after it: it must be one of its routes.
  it('are named after a manifest function, and an HTTP sample names a route of that function', () => {
    const files = readdirSync(new URL('../../../events/', import.meta.url)).filter((file) => file.endsWith('.json'));
    for (const file of files) {
      const fn = (FUNCTIONS as readonly FunctionDefinition[]).find((candidate) => file.startsWith(`${candidate.name}.`));
      expect(fn, file).toBeDefined();
      const event = readEvent(file) as { routeKey?: string };
      if (event.routeKey !== undefined) expect(fn?.routes, file).toContain(event.routeKey);
    }
  });

  it('give each account API function a request its schemas accept', () => {
    const setConsent = readEvent('consent-api.put-consent.json') as HttpApiEvent;
    expect(setConsentSchema.parse(JSON.parse(setConsent.body))).toMatchObject({ channel: 'sms', status: 'opted_in' });
    const check = readEvent('sending-api.consent-check.json') as HttpApiEvent;
    expect(consentCheckSchema.parse(JSON.parse(check.body)).items).toHaveLength(1);
    const report = readEvent('reports-api.opt-outs.json') as { queryStringParameters: Record<string, string> };
    expect(optOutReportQuerySchema.parse(report.queryStringParameters)).toMatchObject({ groupBy: 'keyword', format: 'json' });
    const csv = readEvent('import-api.csv.json') as HttpApiEvent;
    expect(csv.headers['content-type']).toBe('text/csv');
    expect(parseConsentCsv(csv.body).records).toHaveLength(1);
  });
});
