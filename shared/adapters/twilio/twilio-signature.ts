import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { parse as parseQuerystring, stringify as stringifyQuerystring } from 'node:querystring';

/** Decoded form parameters; a key sent more than once holds an array. */
export type TwilioSignedParams = Readonly<Record<string, string | readonly string[]>>;

export interface TwilioSignatureInput {
  authToken: string;
  /** The PUBLIC url Twilio called (the one configured in Twilio), including the query string. */
  url: string;
  /** Decoded form parameters. Ignored for JSON-body webhooks (url carries `bodySHA256`). */
  params: TwilioSignedParams;
  /** The X-Twilio-Signature header value. */
  signature: string | undefined;
  /** The raw request body; required when url carries `bodySHA256`, whose value must be its SHA-256. */
  rawBody?: string;
}

const BODY_HASH_PARAM = 'bodySHA256';
const DEFAULT_PORTS: Readonly<Record<string, string>> = { 'https:': '443', 'http:': '80' };

/**
 * Twilio's signature over exactly this url string (no normalisation) and params: HMAC-SHA1 keyed
 * by the auth token over url + each key (sorted by UTF-16 code unit) followed by its value; a
 * repeated key contributes key+value once per distinct value, values sorted. Base64.
 */
export function computeTwilioSignature(authToken: string, url: string, params: TwilioSignedParams): string {
  let data = url;
  for (const key of Object.keys(params).sort()) {
    const value = params[key];
    if (value === undefined) continue;
    if (typeof value === 'string') {
      data += key + value;
    } else {
      for (const item of Array.from(new Set(value)).sort()) data += key + item;
    }
  }
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

/**
 * True when the signature matches one of the url spellings Twilio is known to sign (see
 * signedUrlCandidates) and, for JSON-body webhooks, the body matches the signed `bodySHA256`.
 * Never throws: a malformed url or header is simply not valid.
 */
export function verifyTwilioSignature(input: TwilioSignatureInput): boolean {
  const { authToken, url, signature } = input;
  if (!signature || !authToken) return false;

  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }

  const bodyHash = parsed.searchParams.get(BODY_HASH_PARAM);
  // JSON-body webhooks sign the url alone; the body is bound through the hash in the query string.
  const params: TwilioSignedParams = bodyHash === null ? input.params : {};
  const signatureMatches = signedUrlCandidates(url, parsed).some((candidate) =>
    constantTimeEqual(signature, computeTwilioSignature(authToken, candidate, params)),
  );
  if (!signatureMatches) return false;
  if (bodyHash === null) return true;
  if (input.rawBody === undefined) return false;
  const actualHash = createHash('sha256').update(input.rawBody, 'utf8').digest('hex');
  return constantTimeEqual(bodyHash.toLowerCase(), actualHash);
}

/**
 * Twilio's signing back end is inconsistent, so twilio-node accepts several spellings of one url:
 * - the url exactly as given (what older twilio-node versions signed);
 * - the WHATWG-serialised url (`new URL(url).toString()`), which percent-encodes `'` in the query
 *   (`It's` becomes `It%27s`) and lower-cases the host: what Twilio signs today;
 * - each of those without the port and with the port (the scheme's default port added when none
 *   is given: `https://host:443/…`);
 * - the query re-encoded the legacy node:querystring way (`+` and spaces as `%20`, `'` kept).
 */
function signedUrlCandidates(given: string, parsed: URL): string[] {
  const explicitPort = parsed.port;
  const portVariants = [''];
  const withPort = explicitPort || DEFAULT_PORTS[parsed.protocol];
  if (withPort) portVariants.push(withPort);

  const candidates = new Set<string>([given]);
  for (const port of portVariants) {
    candidates.add(serialiseUrl(parsed, port, parsed.search));
    candidates.add(serialiseUrl(parsed, port, legacyQuerystring(parsed.search)));
  }
  return [...candidates];
}

/** Like URL#toString, but keeps a default port, which the WHATWG serialiser always drops. */
function serialiseUrl(url: URL, port: string, search: string): string {
  const credentials = url.username || url.password ? `${url.username}${url.password ? `:${url.password}` : ''}@` : '';
  const host = url.hostname + (port ? `:${port}` : '');
  return `${url.protocol}//${credentials}${host}${url.pathname}${search}${url.hash}`;
}

function legacyQuerystring(search: string): string {
  if (search === '') return '';
  return `?${stringifyQuerystring(parseQuerystring(search.slice(1)))}`;
}

/** Constant time for equal lengths; a length mismatch returns false at once (length is public). */
function constantTimeEqual(received: string, expected: string): boolean {
  const a = Buffer.from(received, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
