import { describe, it, expect } from 'vitest';
import { renderTwiml, TWIML_CONTENT_TYPE } from '../../../shared/adapters/twilio/twiml.ts';

const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';

describe('renderTwiml', () => {
  it('renders an empty response when there is no message', () => {
    expect(renderTwiml()).toBe(`${DECLARATION}<Response/>`);
  });

  it('treats an empty string as no message (Twilio rejects empty bodies)', () => {
    expect(renderTwiml('')).toBe(`${DECLARATION}<Response/>`);
  });

  it('renders one message', () => {
    expect(renderTwiml('You are unsubscribed. Reply START to resubscribe.')).toBe(
      `${DECLARATION}<Response><Message>You are unsubscribed. Reply START to resubscribe.</Message></Response>`,
    );
  });

  it('escapes the five XML special characters', () => {
    expect(renderTwiml(`<script>alert("x") & 'y'</script>`)).toBe(
      `${DECLARATION}<Response><Message>&lt;script&gt;alert(&quot;x&quot;) &amp; &apos;y&apos;&lt;/script&gt;</Message></Response>`,
    );
  });

  it('escapes an ampersand that already looks like an entity', () => {
    expect(renderTwiml('&amp;')).toContain('<Message>&amp;amp;</Message>');
  });

  it('keeps non-ASCII text and new lines, drops characters XML 1.0 forbids', () => {
    expect(renderTwiml('Désabonné 👋\nBye\u0000\u0007')).toContain('<Message>Désabonné 👋\nBye</Message>');
  });

  it('declares text/xml', () => {
    expect(TWIML_CONTENT_TYPE).toBe('text/xml');
  });
});
