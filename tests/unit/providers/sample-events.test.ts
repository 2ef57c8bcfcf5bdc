import { readFileSync } from 'node:fs';
import { describe, it, expect } from 'vitest';
import { extractSnsMessages } from '../../../shared/adapters/aws-sms/sns-event.ts';
import { parseTwoWaySmsMessage } from '../../../shared/adapters/aws-sms/two-way-sms-message.ts';
import { parseFormBody } from '../../../shared/adapters/twilio/form-body.ts';
import { parseTwilioInbound } from '../../../shared/adapters/twilio/twilio-inbound-message.ts';
import { verifyTwilioSignature } from '../../../shared/adapters/twilio/twilio-signature.ts';
import { parseEnvelope } from '../../../shared/use-cases/gate-outbound-batch.ts';

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

describe('events/inbound-aws-sms.sns.json', () => {
  it('carries a two-way STOP SMS', () => {
    const [envelope, ...others] = extractSnsMessages(readEvent('inbound-aws-sms.sns.json'));
    expect(others).toEqual([]);
    expect(parseTwoWaySmsMessage(envelope?.message ?? '')).toEqual({
      ok: true,
      value: expect.objectContaining({
        originationNumber: '+14255550182',
        destinationNumber: '+12125550101',
        messageBody: 'STOP',
      }),
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
