import { randomBytes } from 'node:crypto';

/** A fresh nonce per response: the page's one <style> element carries it; no script runs at all. */
export function newNonce(): string {
  return randomBytes(18).toString('base64');
}

/**
 * The form pages' policy: nothing loads from anywhere (no external assets, no scripts), the one
 * inline style is allowed by nonce, forms post only back to optgate, and only the account's
 * allowed origins may frame the page, besides optgate's own origin (the console previews forms in
 * a frame); with no allowed origins no other site can frame it, and the page still works on its own.
 */
export function formPageCsp(nonce: string, frameAncestors: readonly string[] | '*'): string {
  const ancestors = frameAncestors === '*' ? '*' : ["'self'", ...frameAncestors].join(' ');
  return [
    "default-src 'none'",
    `style-src 'nonce-${nonce}'`,
    "img-src 'none'",
    "script-src 'none'",
    "form-action 'self'",
    "base-uri 'none'",
    `frame-ancestors ${ancestors}`,
  ].join('; ');
}

export function htmlHeaders(csp: string): Record<string, string> {
  return {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': csp,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'same-origin',
  };
}

/**
 * The operator console's policy: its script, style and icon come from its own files on this origin
 * (no inline code, no eval, nothing from elsewhere); it talks only to this origin's API; it may frame
 * only this origin (the preview of a hosted form); nobody may frame it.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "frame-src 'self'",
  "form-action 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');
