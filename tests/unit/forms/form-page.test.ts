import { describe, expect, it } from 'vitest';
import type { WebForm } from '../../../shared/domain/forms/web-form.ts';
import { embedCode } from '../../../shared/domain/forms/web-form.ts';
import { formPageCsp } from '../../../shared/web/content-security-policy.ts';
import { renderConfirmPage, renderFormPage, renderMessagePage } from '../../../shared/web/form-page.ts';
import { escapeHtml, html } from '../../../shared/web/html.ts';

const hostile = `"><script>alert(1)</script><img src=x onerror=alert(2)>'`;
const form: WebForm = {
  formId: 'form_01jform0000000000000000000',
  version: 2,
  channel: 'email',
  description: `News ${hostile}`,
  confirmationMessage: `I agree ${hostile}`,
  buttonText: `Go ${hostile}`,
  doubleOptIn: false,
  createdAt: '2026-11-24T08:00:00.000Z',
  updatedAt: '2026-11-24T08:00:00.000Z',
};

describe('form pages', () => {
  it('render every account-supplied value as text, never as markup', () => {
    for (const page of [
      renderFormPage(form, 'n0nce', { contact: hostile, error: hostile }),
      renderConfirmPage(form, 'n0nce'),
      renderMessagePage(hostile, hostile, 'n0nce', 'error'),
    ]) {
      const tags = new Set([...page.matchAll(/<([a-z]+)/g)].map((match) => match[1]));
      expect([...tags].filter((tag) => !['html', 'head', 'meta', 'title', 'style', 'body', 'main', 'form', 'p', 'div', 'label', 'input', 'button'].includes(tag ?? ''))).toEqual([]);
      // Outside quoted attribute values (where the escaped text may sit), no event handler attribute.
      expect(page.replace(/"[^"]*"/g, '""')).not.toMatch(/<[^>]*\son\w+=/i);
      expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    }
  });

  it('has labelled fields, an unticked consent box with the exact text, the version and a hidden honeypot', () => {
    const page = renderFormPage(form, 'n0nce');
    expect(page).toContain('<html lang="en">');
    expect(page).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(page).toContain('<label for="contact">Email address</label>');
    expect(page).toContain('type="email" autocomplete="email"');
    expect(page).toMatch(/<input type="checkbox" id="consent" name="consent" value="yes" required>/);
    expect(page).not.toMatch(/checked/);
    expect(page).toContain(`<label for="consent" id="consent-text">I agree ${escapeHtml(hostile)}</label>`);
    expect(page).toContain('<input type="hidden" name="formVersion" value="2">');
    expect(page).toContain('<div class="hp" aria-hidden="true">');
    expect(page).toContain('<style nonce="n0nce">');
    expect(page).toContain('font:16px/1.5 system-ui,-apple-system,"Segoe UI"');
    // Nothing to fetch: no attribute anywhere points at a resource.
    expect(page).not.toMatch(/<[^>]*\s(src|href|action)=/);
  });

  it('escapes with html`` unless a value is already safe', () => {
    expect(html`<p>${'<b>'}</p>${html`<i>${'&'}</i>`}`.value).toBe('<p>&lt;b&gt;</p><i>&amp;</i>');
  });
});

describe('content security policy', () => {
  it('allows nothing to load, only the nonce style, posts to self, and frames by optgate itself and the allowed origins', () => {
    expect(formPageCsp('abc', ['https://shop.example.com', 'https://*.example.org'])).toBe(
      "default-src 'none'; style-src 'nonce-abc'; img-src 'none'; script-src 'none'; form-action 'self'; base-uri 'none'; frame-ancestors 'self' https://shop.example.com https://*.example.org",
    );
    expect(formPageCsp('abc', [])).toMatch(/frame-ancestors 'self'$/);
  });
});

describe('embed code', () => {
  it('is an iframe of the hosted page', () => {
    expect(embedCode('https://consent.example.com/forms/form_1?a=1&b="2"')).toBe(
      '<iframe src="https://consent.example.com/forms/form_1?a=1&amp;b=&quot;2&quot;" title="Sign-up form" width="100%" height="480" style="border:0;width:100%;max-width:520px" loading="lazy"></iframe>',
    );
  });
});
