import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/mobile';
import * as z from '../validation/zod.ts';
import type { AccountStore } from '../adapters/dynamodb/account-store.ts';
import type { FormStore } from '../adapters/dynamodb/form-store.ts';
import type { FormTokenKeyStore } from '../adapters/dynamodb/form-token-key-store.ts';
import type { LineReader } from '../adapters/dynamodb/line-reader.ts';
import type { DynamoRateLimiter, RateLimit } from '../adapters/dynamodb/rate-limiter.ts';
import type { MailSender } from '../adapters/ses/ses-mail-sender.ts';
import { attributionWindowHoursOf } from '../domain/accounts/account-settings.ts';
import { CHANNEL_SCOPE } from '../domain/channels.ts';
import { normalizeEmail } from '../domain/contact-address.ts';
import { AppError } from '../domain/errors.ts';
import { DEFAULT_SUCCESS_MESSAGE, DOUBLE_OPT_IN_MESSAGE, type WebForm } from '../domain/forms/web-form.ts';
import { sealConfirmationToken } from '../security/confirmation-token.ts';
import { escapeHtml } from '../web/html.ts';
import { HONEYPOT_FIELD } from '../web/form-page.ts';
import { recordConsentChange, type RecordConsentChangeDeps } from './record-consent-change.ts';
import { senderAddress } from './manage-web-forms.ts';

/** Per account: one address behind a NAT may sign up a household, not flood a form. */
export const FORM_RATE_LIMITS: { perIp: RateLimit; perAddress: RateLimit } = {
  perIp: { limit: 20, windowSeconds: 600 },
  perAddress: { limit: 5, windowSeconds: 3600 },
};
/** How long a double opt-in link works. */
export const CONFIRMATION_TTL_SECONDS = 48 * 3600;

export interface WebFormDeps extends RecordConsentChangeDeps {
  accountStore: AccountStore;
  lineStore: LineReader;
  formStore: FormStore;
  rateLimiter: DynamoRateLimiter;
  formTokenKeys: FormTokenKeyStore;
  mailSender: MailSender;
  publicBaseUrl: string;
}

/** What the page shows next: the form again (with an error) or a message. */
export type FormOutcome =
  | { kind: 'form'; status: number; form: WebForm; contact?: string; error?: string }
  | { kind: 'confirm'; status: number; form: WebForm }
  | { kind: 'message'; status: number; title: string; message: string; tone: 'done' | 'error' };

export interface FormResponse {
  /** Origins that may frame the response (CSP frame-ancestors). */
  allowedOrigins: readonly string[];
  outcome: FormOutcome;
}

export interface FormVisitor {
  ip: string;
  userAgent: string;
}

export class FormNotFoundError extends AppError {
  constructor() {
    super(404, 'not_found', 'This form does not exist or was removed.');
  }
}

export async function loadPublicForm(deps: Pick<WebFormDeps, 'formStore' | 'accountStore'>, formId: string) {
  const found = /^form_[0-9a-z]{26}$/.test(formId) ? await deps.formStore.getPublicForm(formId) : undefined;
  if (!found) throw new FormNotFoundError();
  const settings = await deps.accountStore.getSettings(found.accountId);
  return { ...found, settings };
}

/** GET /forms/{formId}: the page, framable by the account's allowed origins only. */
export async function showWebForm(deps: Pick<WebFormDeps, 'formStore' | 'accountStore'>, formId: string): Promise<FormResponse> {
  const { form, settings } = await loadPublicForm(deps, formId);
  return { allowedOrigins: settings.allowedOrigins ?? [], outcome: { kind: 'form', status: 200, form } };
}

/** The fields the form page posts (application/x-www-form-urlencoded); anything else is ignored. */
export const webFormSubmissionSchema = z.looseObject({
  /** Phone number or email address, as typed. */
  contact: z.optional(z.string().check(z.maxLength(400))),
  /** `yes` when the consent box is ticked; absent otherwise. */
  consent: z.optional(z.string().check(z.maxLength(10))),
  /** The form version the page showed. */
  formVersion: z.optional(z.string().check(z.maxLength(12))),
  /** The honeypot: must stay empty. */
  [HONEYPOT_FIELD]: z.optional(z.string().check(z.maxLength(400))),
});

/** The address as it will be keyed, or a message a person can act on. */
function parseAddress(form: WebForm, raw: string): { contact: string } | { error: string } {
  const value = raw.trim();
  if (form.channel === 'email') {
    try {
      return { contact: normalizeEmail(value) };
    } catch {
      return { error: 'Enter a valid email address, for example name@example.com.' };
    }
  }
  // The page asks for a mobile number (SMS and WhatsApp reach nothing else): libphonenumber's `mobile`
  // metadata validates exactly those (MOBILE and FIXED_LINE_OR_MOBILE, as `max` does) and is 57 KB
  // smaller; landlines, premium-rate and VoIP numbers are refused like mistyped ones.
  const phone = value.length <= 40 ? parsePhoneNumberFromString(value.replace(/^whatsapp:/i, ''), form.defaultCountry as CountryCode | undefined) : undefined;
  if (!phone?.isValid()) {
    return { error: 'Enter a valid mobile number with its country code, for example +1 202 555 0143.' };
  }
  return { contact: phone.number };
}

/**
 * POST /forms/{formId}: validates the submission, limits abuse (honeypot, per-IP and per-address
 * counters), then records the opt-in with its evidence, or for double opt-in mails a sealed link.
 * Answers never reveal whether an address was already subscribed.
 */
export async function submitWebForm(
  deps: WebFormDeps,
  input: { formId: string; fields: Record<string, string | string[]>; visitor: FormVisitor; now: Date },
): Promise<FormResponse> {
  const { accountId, form, settings } = await loadPublicForm(deps, input.formId);
  const allowedOrigins = settings.allowedOrigins ?? [];
  const respond = (outcome: FormOutcome): FormResponse => ({ allowedOrigins, outcome });
  const parsed = webFormSubmissionSchema.safeParse(input.fields);
  // Repeated or oversized fields: not something the page sends.
  const fields = parsed.success ? parsed.data : {};
  const rawContact = fields.contact ?? '';
  const again = (status: number, error: string) => respond({ kind: 'form', status, form, contact: rawContact.slice(0, 320), error });
  const successMessage = form.doubleOptIn ? DOUBLE_OPT_IN_MESSAGE : (form.successMessage ?? DEFAULT_SUCCESS_MESSAGE);
  const success = respond({ kind: 'message', status: 200, title: 'Thank you', message: successMessage, tone: 'done' });
  const nowMs = input.now.getTime();

  if (!(await deps.rateLimiter.hit(accountId, 'form-ip', input.visitor.ip, FORM_RATE_LIMITS.perIp, nowMs))) {
    return again(429, 'Too many attempts from your network. Please wait a few minutes and try again.');
  }
  // A bot filled the invisible field: look like success, record nothing.
  if (!parsed.success) return again(400, 'The form could not be read. Please reload the page and try again.');
  if ((fields[HONEYPOT_FIELD] ?? '') !== '') return success;
  if (fields.formVersion !== String(form.version)) {
    return again(409, 'This form was updated while you had it open. Please read it again and resubmit.');
  }
  if (rawContact.trim() === '') return again(400, form.channel === 'email' ? 'Enter your email address.' : 'Enter your mobile number.');
  const address = parseAddress(form, rawContact);
  if ('error' in address) return again(400, address.error);
  if (fields.consent !== 'yes') return again(400, 'Tick the box to agree before you subscribe.');
  if (!(await deps.rateLimiter.hit(accountId, 'form-address', address.contact, FORM_RATE_LIMITS.perAddress, nowMs))) {
    return again(429, 'Too many attempts for this address. Please try again later.');
  }

  const scope = form.line ?? CHANNEL_SCOPE;
  const current = await deps.consentStore.getRecord(accountId, address.contact, form.channel, scope, nowMs);
  // A second submission by someone already in changes nothing (no new event, no second email).
  if (current?.status === 'opted_in') return success;

  const submittedAt = input.now.toISOString();
  if (form.doubleOptIn) {
    await sendConfirmation(deps, accountId, form, address.contact, input.visitor, input.now);
    return success;
  }
  await recordConsentChange(deps, {
    accountId,
    retentionMonths: settings.retention.dataMonths,
    attributionWindowHours: attributionWindowHoursOf(settings),
    change: {
      contact: address.contact,
      channel: form.channel,
      scope,
      status: 'opted_in',
      occurredAt: submittedAt,
      source: 'form',
      evidence: {
        formId: form.formId,
        formVersion: form.version,
        description: form.description,
        consentText: form.confirmationMessage,
        ip: input.visitor.ip,
        userAgent: input.visitor.userAgent.slice(0, 500),
        submittedAt,
      },
    },
  });
  return success;
}

async function sendConfirmation(deps: WebFormDeps, accountId: string, form: WebForm, contact: string, visitor: FormVisitor, now: Date): Promise<void> {
  const line = form.line ? await deps.lineStore.getLine(accountId, form.line) : undefined;
  // The form was validated with its line; a line deleted since leaves no sender: say so plainly.
  if (!line) throw new AppError(503, 'form_unavailable', 'This form cannot send confirmations right now.');
  const token = sealConfirmationToken(await deps.formTokenKeys.getKey(accountId), {
    formId: form.formId,
    formVersion: form.version,
    contact,
    requestedAt: now.toISOString(),
    ip: visitor.ip,
    userAgent: visitor.userAgent.slice(0, 300),
    exp: Math.floor(now.getTime() / 1000) + CONFIRMATION_TTL_SECONDS,
  });
  const link = `${deps.publicBaseUrl}/forms/${form.formId}/confirm/${token}`;
  await deps.mailSender.send({
    from: senderAddress(line.address),
    to: contact,
    subject: 'Please confirm your subscription',
    text: `${form.description}\n\n${form.confirmationMessage}\n\nTo confirm, open this link within 48 hours:\n${link}\n\nIf you did not ask for this, ignore this email: nothing changes until you confirm.\n`,
    html: `<p>${escapeHtml(form.description)}</p><p>${escapeHtml(form.confirmationMessage)}</p><p><a href="${escapeHtml(link)}">Confirm my subscription</a> (within 48 hours)</p><p>If you did not ask for this, ignore this email: nothing changes until you confirm.</p>`,
  });
}
