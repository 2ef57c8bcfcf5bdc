/**
 * RFC 2369 / RFC 8058 headers for one-click unsubscribe. Gmail and Yahoo require both for bulk
 * senders: the HTTPS URL receives `POST List-Unsubscribe=One-Click`; the mailto is the fallback for
 * clients without one-click support.
 */
export interface ListUnsubscribeHeaders {
  'List-Unsubscribe': string;
  'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click';
}

export function listUnsubscribeHeaders(input: { url: string; mailto?: string }): ListUnsubscribeHeaders {
  const targets = [`<${input.url}>`, ...(input.mailto ? [`<${input.mailto}>`] : [])];
  return { 'List-Unsubscribe': targets.join(', '), 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' };
}

/**
 * Where unsubscribe mail goes: the line's own address, or unsubscribe@ its domain for a domain line,
 * with the subject the inbound SES handler reads as the keyword.
 */
export function unsubscribeMailto(lineAddress: string): string {
  const address = lineAddress.includes('@') ? lineAddress : `unsubscribe@${lineAddress}`;
  return `mailto:${address}?subject=unsubscribe`;
}
