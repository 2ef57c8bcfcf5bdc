import { createHash } from 'node:crypto';
import type { HttpResult } from '../../shared/http/http-handler.ts';
import { UNSUBSCRIBE_REASONS } from '../../shared/use-cases/unsubscribe-by-token.ts';

/**
 * The small pages of the unsubscribe link: the confirmation form (GET never unsubscribes; its button
 * POSTs back to the same URL), the result, and the error page. Plain HTML, no script, no cookie, no
 * third-party resource; labelled controls, one heading per page, readable without styles.
 */

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;margin:0;padding:2rem 1rem;color:#1a1a1a;background:#f6f6f6}
main{max-width:32rem;margin:0 auto;background:#fff;padding:1.5rem 2rem;border-radius:8px}
h1{font-size:1.5rem;margin-top:0}fieldset{border:0;padding:0;margin:1rem 0}legend{font-weight:600;margin-bottom:.5rem}
label{display:block;margin:.35rem 0}textarea{width:100%;box-sizing:border-box;font:inherit}
button{font:inherit;font-weight:600;padding:.6rem 1.2rem;margin-top:1rem;border:0;border-radius:6px;background:#0b57d0;color:#fff;cursor:pointer}
button:focus-visible,input:focus-visible,textarea:focus-visible{outline:3px solid #f0a500;outline-offset:2px}`;

// The only style is this inline block: the CSP allows exactly its hash, and nothing else loads.
const STYLE_HASH = createHash('sha256').update(STYLE).digest('base64');
const HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  // The token is in the URL: never send it on to another site.
  'referrer-policy': 'no-referrer',
  'content-security-policy': `default-src 'none'; style-src 'sha256-${STYLE_HASH}'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
};

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

function page(statusCode: number, title: string, body: string): HttpResult {
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
  return { statusCode, headers: HEADERS, body: html };
}

/** Shows whom the link is for (masked) and asks for confirmation, with an optional reason. */
export function confirmationPage(input: { maskedContact: string; from?: string }): HttpResult {
  const reasons = Object.entries(UNSUBSCRIBE_REASONS)
    .map(([value, label]) => `<label><input type="radio" name="reason" value="${value}"> ${escapeHtml(label)}</label>`)
    .join('\n');
  const from = input.from ? ` from <strong>${escapeHtml(input.from)}</strong>` : '';
  return page(
    200,
    'Unsubscribe',
    `<h1>Unsubscribe</h1>
<p>Stop emails${from} to <strong>${escapeHtml(input.maskedContact)}</strong>?</p>
<form method="post">
<input type="hidden" name="List-Unsubscribe" value="One-Click">
<fieldset>
<legend>Why are you leaving? (optional)</legend>
${reasons}
</fieldset>
<label for="comment">Anything else you want to tell us? (optional)</label>
<textarea id="comment" name="comment" rows="3" maxlength="500"></textarea>
<button type="submit">Unsubscribe</button>
</form>`,
  );
}

export function unsubscribedPage(input: { maskedContact: string; from?: string }): HttpResult {
  const from = input.from ? ` from <strong>${escapeHtml(input.from)}</strong>` : '';
  return page(
    200,
    'You are unsubscribed',
    `<h1>You are unsubscribed</h1>
<p><strong>${escapeHtml(input.maskedContact)}</strong> is unsubscribed from emails${from}.</p>`,
  );
}

export function errorPage(statusCode: number, message: string): HttpResult {
  return page(statusCode, 'Unsubscribe', `<h1>Unsubscribe</h1>\n<p>${escapeHtml(message)}</p>`);
}
