import * as z from '../../validation/zod.ts';
import { CHANNELS, type Channel } from '../channels.ts';

/**
 * A web opt-in form as the admin API creates or replaces it. Everything here is shown to visitors
 * as text (HTML-escaped), never as markup.
 */
export const webFormInputSchema = z.strictObject({
  channel: z.enum(CHANNELS),
  /** A line of the same channel; omitted: the opt-in covers every line of the channel. */
  line: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
  /** What the person signs up for, shown above the field. */
  description: z.string().check(z.trim(), z.minLength(1), z.maxLength(1000)),
  /** The consent statement next to the (unticked) checkbox; recorded word for word as evidence. */
  confirmationMessage: z.string().check(z.trim(), z.minLength(1), z.maxLength(1000)),
  buttonText: z.string().check(z.trim(), z.minLength(1), z.maxLength(40)),
  /** Email only: consent starts when the person follows the link sent to the address. */
  doubleOptIn: z._default(z.boolean(), false),
  /** Shown after a successful submission. */
  successMessage: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(500))),
  /** ISO 3166 country for phone numbers typed without +country code, e.g. "US". */
  defaultCountry: z.optional(z.string().check(z.regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as US'))),
});
export type WebFormInput = z.infer<typeof webFormInputSchema>;

export interface WebForm extends WebFormInput {
  formId: string;
  /** Bumped on every change; a submission names the version it saw, so the recorded text is the text shown. */
  version: number;
  createdAt: string;
  updatedAt: string;
}

export const DEFAULT_SUCCESS_MESSAGE = 'Thank you. You are subscribed.';
export const DOUBLE_OPT_IN_MESSAGE = 'Almost done: we sent you an email. Follow the link in it to confirm your subscription.';

/** What the page's field asks for. */
export function fieldLabel(channel: Channel): string {
  if (channel === 'email') return 'Email address';
  return channel === 'whatsapp' ? 'WhatsApp number' : 'Mobile phone number';
}

export function formPageUrl(publicBaseUrl: string, formId: string): string {
  return `${publicBaseUrl}/forms/${encodeURIComponent(formId)}`;
}

/** The snippet to paste into a page or a tag manager: an iframe of the hosted form. */
export function embedCode(pageUrl: string): string {
  const src = pageUrl.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  return `<iframe src="${src}" title="Sign-up form" width="100%" height="480" style="border:0;width:100%;max-width:520px" loading="lazy"></iframe>`;
}
