import { MalformedRequestError } from '../domain/errors.ts';
import { decodeUtf8 } from './api-gateway-request.ts';

const BOUNDARY = /^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$/;
const MAX_PARTS = 50;

/** The boundary of a multipart Content-Type header, or undefined. */
export function multipartBoundary(contentType: string): string | undefined {
  const match = /;\s*boundary=(?:"([^"]+)"|([^\s;]+))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  return boundary && BOUNDARY.test(boundary) ? boundary : undefined;
}

/**
 * The text fields of a multipart/form-data body (RFC 7578), enough for RFC 8058's one-click POST,
 * which some mailbox providers send as multipart. File parts are refused: nothing here takes files.
 */
export function parseMultipartForm(body: Buffer, contentType: string): Record<string, string> {
  const boundary = multipartBoundary(contentType);
  if (!boundary) throw new MalformedRequestError('multipart/form-data needs a valid boundary parameter');
  const text = `\r\n${decodeUtf8(body)}`;
  const delimiter = `\r\n--${boundary}`;
  const sections = text.split(delimiter);
  // sections[0] is the preamble; the last one must start with "--" (the close delimiter).
  const closing = sections.at(-1);
  if (sections.length < 2 || closing === undefined || !closing.startsWith('--')) {
    throw new MalformedRequestError('The multipart body has no closing boundary');
  }
  const parts = sections.slice(1, -1);
  if (parts.length > MAX_PARTS) throw new MalformedRequestError(`A form may have at most ${MAX_PARTS} fields`);
  const fields = new Map<string, string>();
  for (const part of parts) {
    const content = part.replace(/^[ \t]*\r\n/, '');
    const split = content.indexOf('\r\n\r\n');
    if (split === -1) throw new MalformedRequestError('A multipart part has no blank line after its headers');
    const headers = content.slice(0, split).split('\r\n');
    const disposition = headers.find((line) => /^content-disposition\s*:/i.test(line));
    const name = disposition ? /;\s*name="([^"]*)"/i.exec(disposition)?.[1] : undefined;
    if (!disposition || !/:\s*form-data\s*(;|$)/i.test(disposition) || name === undefined) {
      throw new MalformedRequestError('Every multipart part needs Content-Disposition: form-data; name="…"');
    }
    if (/;\s*filename\*?=/i.test(disposition)) throw new MalformedRequestError('File uploads are not accepted here');
    if (!fields.has(name)) fields.set(name, content.slice(split + 4));
  }
  return Object.fromEntries(fields);
}
