import { describe, expect, it } from 'vitest';
import { decodeEncodedWords, firstTextLine, stripReplyPrefixes } from '../../../shared/adapters/ses/mime-text.ts';
import { addressOf, parseSesNotification } from '../../../shared/adapters/ses/ses-notification.ts';

const mail = {
  timestamp: '2026-11-24T08:00:00.000Z',
  source: 'news@example.com',
  sourceArn: 'arn:aws:ses:us-east-1:123456789012:identity/example.com',
  messageId: '0100019a0f1e2d3c-4b5a6978-8796-4a5b-9c8d-7e6f5a4b3c2d-000000',
  destination: ['jane@example.org', 'richard@example.org'],
  commonHeaders: { from: ['Acme News <news@example.com>'], subject: 'Hello' },
};

describe('parseSesNotification', () => {
  it('reads a permanent bounce with a DSN (notification shape)', () => {
    const result = parseSesNotification(
      JSON.stringify({
        notificationType: 'Bounce',
        bounce: {
          bounceType: 'Permanent',
          bounceSubType: 'General',
          bouncedRecipients: [{ emailAddress: 'jane@example.org', status: '5.1.1', action: 'failed', diagnosticCode: 'smtp; 550 5.1.1 user unknown' }],
          timestamp: '2026-11-24T09:00:00.000Z',
          feedbackId: 'fb-1',
          reportingMTA: 'dns; email.example.com',
        },
        mail,
      }),
    );
    expect(result).toEqual({
      ok: true,
      value: expect.objectContaining({ kind: 'bounce', permanent: true, recipients: ['jane@example.org'], feedbackId: 'fb-1', sender: 'news@example.com' }),
    });
  });

  it('reads a transient bounce as not permanent, and configuration-set events (eventType) like notifications', () => {
    const transient = parseSesNotification(
      JSON.stringify({
        eventType: 'Bounce',
        bounce: { bounceType: 'Transient', bouncedRecipients: [{ emailAddress: 'richard@example.org' }], timestamp: '2026-11-24T09:00:00Z', feedbackId: 'fb-2' },
        mail,
      }),
    );
    expect(transient).toEqual({ ok: true, value: expect.objectContaining({ kind: 'bounce', permanent: false }) });
  });

  it('reads a complaint without feedback report, and a display-name address', () => {
    const result = parseSesNotification(
      JSON.stringify({
        notificationType: 'Complaint',
        complaint: { complainedRecipients: [{ emailAddress: '"Richard" <Richard@Example.org>' }], timestamp: '2026-11-24T09:00:00Z', feedbackId: 'fb-3' },
        mail: { ...mail, source: 'Acme News <news@example.com>' },
      }),
    );
    expect(result).toEqual({ ok: true, value: expect.objectContaining({ kind: 'complaint', recipients: ['Richard@Example.org'], sender: 'news@example.com' }) });
  });

  it('reads inbound mail, decoding base64 content, and prefers the From header to the envelope sender', () => {
    const result = parseSesNotification(
      JSON.stringify({
        notificationType: 'Received',
        receipt: { recipients: ['news@example.com'], action: { type: 'SNS', encoding: 'BASE64' } },
        mail: { ...mail, source: 'prvs=144d0cba7=jane@example.org', commonHeaders: { from: ['Jane <jane@example.org>'], subject: 'Re: Hello' } },
        content: Buffer.from('Subject: Re: Hello\r\n\r\nunsubscribe\r\n').toString('base64'),
      }),
    );
    expect(result).toEqual({
      ok: true,
      value: expect.objectContaining({ kind: 'received', from: 'jane@example.org', recipients: ['news@example.com'], subject: 'Re: Hello', content: 'Subject: Re: Hello\r\n\r\nunsubscribe\r\n' }),
    });
  });

  it('ignores deliveries, sends and opens', () => {
    expect(parseSesNotification(JSON.stringify({ notificationType: 'Delivery', mail, delivery: {} }))).toEqual({ ok: true, value: { kind: 'ignored', what: 'Delivery' } });
  });

  it.each([
    'not json',
    '[]',
    '{}',
    JSON.stringify({ notificationType: 'Bounce', mail }),
    JSON.stringify({ notificationType: 'Complaint', complaint: { complainedRecipients: [], timestamp: 'x', feedbackId: 'f' }, mail }),
    JSON.stringify({ notificationType: 'Received', mail }),
  ])('reports malformed notifications: %s', (json) => {
    expect(parseSesNotification(json).ok).toBe(false);
  });

  it('takes the address out of a display name', () => {
    expect(addressOf('"Doe, Jane" <jane@example.org>')).toBe('jane@example.org');
    expect(addressOf('jane@example.org')).toBe('jane@example.org');
  });
});

describe('firstTextLine', () => {
  it('reads a plain message', () => {
    expect(firstTextLine('From: a@example.org\r\nSubject: x\r\n\r\n\r\n  Unsubscribe  \r\nthanks\r\n')).toBe('Unsubscribe');
  });

  it('reads the text/plain part of a multipart message, decoding quoted-printable and the charset', () => {
    const raw = [
      'Content-Type: multipart/alternative;',
      ' boundary="xyz"',
      '',
      'preamble',
      '--xyz',
      'Content-Type: text/plain; charset=ISO-8859-1',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      'Arr=EAt, merci',
      '--xyz',
      'Content-Type: text/html',
      '',
      '<p>ignored</p>',
      '--xyz--',
    ].join('\r\n');
    expect(firstTextLine(raw)).toBe('Arrêt, merci');
  });

  it('reads nested multiparts and base64 parts', () => {
    const inner = ['Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: base64', '', Buffer.from('STOP\nmore').toString('base64')].join('\n');
    const raw = ['Content-Type: multipart/mixed; boundary=outer', '', '--outer', 'Content-Type: multipart/alternative; boundary=inner', '', '--inner', inner, '--inner--', '--outer--'].join('\n');
    expect(firstTextLine(raw)).toBe('STOP');
  });

  it('falls back to HTML without tags when there is no text/plain part', () => {
    expect(firstTextLine('Content-Type: text/html\r\n\r\n<html><body><p>Unsubscribe&nbsp;me</p><p>x</p></body></html>')).toBe('Unsubscribe me');
  });

  it('has no first line for an attachment-only or empty message', () => {
    expect(firstTextLine('Content-Type: image/png\r\n\r\niVBORw0')).toBeUndefined();
    expect(firstTextLine('Subject: x\r\n\r\n   \r\n')).toBeUndefined();
  });
});

describe('subjects', () => {
  it.each([
    ['Re: Unsubscribe', 'Unsubscribe'],
    ['RE: Fwd: re:STOP', 'STOP'],
    ['AW: Abmelden', 'Abmelden'],
    ['TR: désinscription', 'désinscription'],
    ['Re[2]: stop', 'stop'],
    ['Remove', 'Remove'],
    ['=?UTF-8?B?QXJyw6p0?=', 'Arrêt'],
    ['Re: =?iso-8859-1?Q?d=E9sabonner?=', 'désabonner'],
  ])('%s → %s', (subject, expected) => {
    expect(stripReplyPrefixes(subject)).toBe(expected);
  });

  it('joins adjacent encoded words', () => {
    expect(decodeEncodedWords('=?utf-8?q?Un?= =?utf-8?q?subscribe?=')).toBe('Unsubscribe');
  });
});
