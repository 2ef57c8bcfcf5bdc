import { fieldLabel, type WebForm } from '../domain/forms/web-form.ts';
import { html, SafeHtml } from './html.ts';

/** The honeypot: invisible to people (and to screen readers), filled by naive bots. */
export const HONEYPOT_FIELD = 'website';

// System fonts, no images, no external files: the CSP allows nothing else to load.
const STYLE = `
*,*::before,*::after{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1b1b;background:#fff}
main{max-width:32rem;margin:0 auto;padding:1rem}
p{margin:0 0 1rem}
p,label{overflow-wrap:anywhere}
.field{margin-bottom:1rem}
label{display:block;font-weight:600;margin-bottom:.25rem}
input[type=tel],input[type=email]{width:100%;min-height:44px;padding:.5rem .75rem;font:inherit;border:2px solid #6b6b6b;border-radius:6px}
input[aria-invalid=true]{border-color:#b00020}
.hint{font-size:.875rem;color:#4a4a4a;margin:.25rem 0 0}
.consent{display:flex;gap:.75rem;align-items:flex-start;margin-bottom:1rem}
.consent input{width:1.5rem;height:1.5rem;margin:.125rem 0 0;flex:none}
.consent label{font-weight:400;margin:0}
button{min-height:44px;width:100%;padding:.5rem 1rem;font:inherit;font-weight:600;color:#fff;background:#0b57d0;border:0;border-radius:6px;cursor:pointer}
button:hover{background:#0842a0}
:focus-visible{outline:3px solid #f5a100;outline-offset:2px}
.error{border-left:4px solid #b00020;background:#fdecee;color:#7a0014;padding:.5rem .75rem;margin-bottom:1rem}
.done{border-left:4px solid #146c2e;background:#e7f4ea;color:#0d4a1f;padding:.75rem}
.hp{position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden}
`;

function page(title: string, nonce: string, body: SafeHtml): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${title}</title>
<style nonce="${nonce}">${new SafeHtml(STYLE)}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`.value;
}

export interface FormPageState {
  /** What the person typed, shown again after an error (the checkbox is never pre-ticked). */
  contact?: string;
  error?: string;
}

/** The opt-in form: description, field, unticked consent checkbox with the exact consent text, button. */
export function renderFormPage(form: WebForm, nonce: string, state: FormPageState = {}): string {
  const isEmail = form.channel === 'email';
  const describedBy = state.error ? 'contact-hint form-error' : 'contact-hint';
  return page(
    form.buttonText,
    nonce,
    html`<form method="post">
<p id="description">${form.description}</p>
${state.error ? html`<div class="error" role="alert" id="form-error">${state.error}</div>` : ''}
<div class="field">
<label for="contact">${fieldLabel(form.channel)}</label>
<input id="contact" name="contact" type="${isEmail ? 'email' : 'tel'}" autocomplete="${isEmail ? 'email' : 'tel'}" inputmode="${isEmail ? 'email' : 'tel'}" required maxlength="320" value="${state.contact ?? ''}" aria-describedby="${describedBy}"${state.error ? html` aria-invalid="true"` : ''}>
<p class="hint" id="contact-hint">${isEmail ? 'For example name@example.com' : 'With the country code, for example +1 202 555 0143'}</p>
</div>
<div class="consent">
<input type="checkbox" id="consent" name="consent" value="yes" required>
<label for="consent" id="consent-text">${form.confirmationMessage}</label>
</div>
<div class="hp" aria-hidden="true"><label for="${HONEYPOT_FIELD}">Leave this field empty</label><input id="${HONEYPOT_FIELD}" name="${HONEYPOT_FIELD}" type="text" tabindex="-1" autocomplete="off"></div>
<input type="hidden" name="formVersion" value="${form.version}">
<button type="submit">${form.buttonText}</button>
</form>`,
  );
}

/** A result or error page (success, check your inbox, expired link, not found…). */
export function renderMessagePage(title: string, message: string, nonce: string, kind: 'done' | 'error'): string {
  return page(title, nonce, html`<p class="${kind}" role="${kind === 'done' ? 'status' : 'alert'}">${message}</p>`);
}

/** Double opt-in: following the link shows this page; only its button (a POST) starts the consent. */
export function renderConfirmPage(form: WebForm, nonce: string): string {
  return page(
    'Confirm your subscription',
    nonce,
    html`<form method="post">
<p>${form.description}</p>
<p id="consent-text">${form.confirmationMessage}</p>
<button type="submit">Confirm subscription</button>
</form>`,
  );
}
