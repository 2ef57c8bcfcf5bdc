/**
 * Just enough MIME (RFC 2045–2047) to read what a person typed at the top of a reply: the first
 * non-empty line of the first text/plain part (else text/html, tags stripped), after undoing
 * base64 or quoted-printable and the charset. Not a general mail parser.
 */

const MAX_DEPTH = 5;
const MAX_PARTS = 50;

interface Part {
  headers: Map<string, string>;
  body: string;
}

function splitPart(raw: string): Part {
  const match = /\r?\n\r?\n/.exec(raw);
  const headerText = match ? raw.slice(0, match.index) : raw;
  const body = match ? raw.slice(match.index + match[0].length) : '';
  const headers = new Map<string, string>();
  // Unfold continuation lines, then read "Name: value".
  for (const line of headerText.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) {
      const name = line.slice(0, colon).trim().toLowerCase();
      if (!headers.has(name)) headers.set(name, line.slice(colon + 1).trim());
    }
  }
  return { headers, body };
}

function parameter(value: string, name: string): string | undefined {
  const match = new RegExp(`;\\s*${name}\\s*=\\s*(?:"([^"]*)"|([^;\\s]+))`, 'i').exec(value);
  return match?.[1] ?? match?.[2];
}

function decodeBytes(bytes: Buffer, charset: string | undefined): string {
  try {
    return new TextDecoder(charset ?? 'utf-8').decode(bytes);
  } catch {
    return bytes.toString('utf8');
  }
}

function decodeQuotedPrintable(text: string): Buffer {
  const softBreaksRemoved = text.replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let index = 0; index < softBreaksRemoved.length; index += 1) {
    const char = softBreaksRemoved[index] ?? '';
    const hex = softBreaksRemoved.slice(index + 1, index + 3);
    if (char === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      index += 2;
    } else {
      bytes.push(...Buffer.from(char, 'utf8'));
    }
  }
  return Buffer.from(bytes);
}

function decodedBody(part: Part): string {
  const encoding = (part.headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  const charset = parameter(part.headers.get('content-type') ?? '', 'charset');
  if (encoding === 'base64') return decodeBytes(Buffer.from(part.body.replace(/\s+/g, ''), 'base64'), charset);
  if (encoding === 'quoted-printable') return decodeBytes(decodeQuotedPrintable(part.body), charset);
  return part.body;
}

function textOf(raw: string, depth: number): { plain?: string; html?: string } {
  const part = splitPart(raw);
  const contentType = part.headers.get('content-type') ?? 'text/plain';
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? 'text/plain';
  if (type.startsWith('multipart/')) {
    const boundary = parameter(contentType, 'boundary');
    if (!boundary || depth >= MAX_DEPTH) return {};
    const sections = part.body.split(new RegExp(`\\r?\\n?--${boundary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?:--)?[ \\t]*(?:\\r?\\n|$)`));
    const found: { plain?: string; html?: string } = {};
    for (const section of sections.slice(1, MAX_PARTS + 1)) {
      const inner = textOf(section, depth + 1);
      found.plain ??= inner.plain;
      found.html ??= inner.html;
      if (found.plain !== undefined) break;
    }
    return found;
  }
  if (type === 'text/plain') return { plain: decodedBody(part) };
  if (type === 'text/html') return { html: decodedBody(part) };
  return {};
}

function htmlToText(html: string): string {
  return html
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, '')
    .replace(/<br\s*\/?>|<\/(p|div|li|h\d)>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>');
}

/** The first non-empty line of the message's text, or undefined when it has none. */
export function firstTextLine(rawMessage: string): string | undefined {
  const { plain, html } = textOf(rawMessage, 0);
  const text = plain ?? (html !== undefined ? htmlToText(html) : undefined);
  if (text === undefined) return undefined;
  for (const line of text.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (trimmed !== '') return trimmed.slice(0, 1000);
  }
  return undefined;
}

/** RFC 2047 encoded words in a header (`=?utf-8?B?…?=`, `=?iso-8859-1?Q?…?=`), decoded. */
export function decodeEncodedWords(value: string): string {
  return value
    .replace(/(=\?[^?]+\?[BbQq]\?[^?]*\?=)\s+(?==\?)/g, '$1')
    .replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_match, charset: string, encoding: string, text: string) => {
      const bytes =
        encoding.toUpperCase() === 'B' ? Buffer.from(text, 'base64') : decodeQuotedPrintable(text.replace(/_/g, ' '));
      return decodeBytes(bytes, charset.split('*')[0]);
    });
}

/** The subject without reply and forward prefixes (Re:, Fwd:, AW:, TR:, SV:, RE[2]: …), as the person wrote it. */
export function stripReplyPrefixes(subject: string): string {
  let value = decodeEncodedWords(subject).trim();
  for (;;) {
    const next = value.replace(/^(re|fw|fwd|aw|wg|tr|sv|vs|antw|rif|r|res|enc)\s*(\[\d+\])?\s*:\s*/i, '');
    if (next === value) return value;
    value = next;
  }
}
