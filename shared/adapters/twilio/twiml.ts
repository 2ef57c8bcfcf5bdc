import type { HttpResult } from '../../http/http-handler.ts';

export const TWIML_CONTENT_TYPE = 'text/xml';

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';

const XML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

// Control characters other than tab, LF and CR are not allowed anywhere in XML 1.0, even escaped;
// one of them would make Twilio reject the whole reply.
// eslint-disable-next-line no-control-regex
const XML_FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

/**
 * The TwiML reply to an inbound message: one <Message> with the text, or an empty <Response/>
 * (Twilio then sends nothing) when there is no text. An empty string counts as no text, because
 * Twilio rejects a message with an empty body.
 */
export function renderTwiml(message?: string): string {
  if (message === undefined || message === '') return `${XML_DECLARATION}<Response/>`;
  return `${XML_DECLARATION}<Response><Message>${escapeXml(message)}</Message></Response>`;
}

function escapeXml(text: string): string {
  return text.replace(XML_FORBIDDEN, '').replace(/[&<>"']/g, (char) => XML_ESCAPES[char] ?? char);
}

/** A TwiML HTTP answer: Twilio reads TwiML even on errors (an empty <Response/>); a 5xx makes it retry. */
export function twimlResult(statusCode: number, message?: string): HttpResult {
  return { statusCode, headers: { 'content-type': TWIML_CONTENT_TYPE }, body: renderTwiml(message) };
}
