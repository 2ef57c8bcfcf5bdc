import type { LineReader } from '../adapters/dynamodb/line-reader.ts';
import { ValidationError } from '../domain/errors.ts';
import { embedCode, formPageUrl, type WebForm, type WebFormInput } from '../domain/forms/web-form.ts';

export interface WebFormView extends WebForm {
  /** The hosted page. */
  url: string;
  /** An <iframe> snippet to paste into a page; the page's origin must be in settings.allowedOrigins. */
  embedCode: string;
}

export function webFormView(form: WebForm, publicBaseUrl: string): WebFormView {
  const url = formPageUrl(publicBaseUrl, form.formId);
  return { ...form, url, embedCode: embedCode(url) };
}

/** A form may name a line only of the same account and channel; double opt-in needs an email line to send from. */
export async function validateWebFormInput(deps: { lineStore: LineReader }, accountId: string, input: WebFormInput): Promise<void> {
  if (input.doubleOptIn && input.channel !== 'email') throw new ValidationError('doubleOptIn is for email forms only');
  if (input.defaultCountry && input.channel === 'email') throw new ValidationError('defaultCountry is for phone numbers (sms, whatsapp)');
  if (input.line === undefined) {
    if (input.doubleOptIn) throw new ValidationError('A double opt-in form needs line: the email line its confirmation is sent from');
    return;
  }
  const line = await deps.lineStore.getLine(accountId, input.line);
  if (!line) throw new ValidationError(`No line ${input.line} in this account`);
  if (line.channel !== input.channel) throw new ValidationError(`Line ${input.line} is a ${line.channel} line, not ${input.channel}`);
}

/** An email line is a sending address or a whole domain; from a domain, confirmations come from no-reply@. */
export function senderAddress(lineAddress: string): string {
  return lineAddress.includes('@') ? lineAddress : `no-reply@${lineAddress}`;
}
