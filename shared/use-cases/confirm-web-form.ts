import { attributionWindowHoursOf } from '../domain/accounts/account-settings.ts';
import { CHANNEL_SCOPE } from '../domain/channels.ts';
import { InvalidConfirmationTokenError, openConfirmationToken, type ConfirmationClaims } from '../security/confirmation-token.ts';
import { recordConsentChange } from './record-consent-change.ts';
import { loadPublicForm, type FormResponse, type FormVisitor, type WebFormDeps } from './submit-web-form.ts';

type Opened = { ok: true; claims: ConfirmationClaims } | { ok: false; response: FormResponse };

async function openLink(deps: WebFormDeps, formId: string, token: string, now: Date) {
  const loaded = await loadPublicForm(deps, formId);
  const allowedOrigins = loaded.settings.allowedOrigins ?? [];
  const fail = (message: string): Opened => ({
    ok: false,
    response: { allowedOrigins, outcome: { kind: 'message', status: 400, title: 'Link not valid', message, tone: 'error' } },
  });
  let opened: Opened;
  try {
    const key = await deps.formTokenKeys.findKey(loaded.accountId);
    if (!key) throw new InvalidConfirmationTokenError('invalid');
    const claims = openConfirmationToken(key, token, formId, now.getTime());
    opened =
      claims.formVersion === loaded.form.version
        ? { ok: true, claims }
        : fail('This form changed after you signed up. Please sign up again on the form.');
  } catch (error) {
    if (!(error instanceof InvalidConfirmationTokenError)) throw error;
    opened = fail(error.reason === 'expired' ? 'This confirmation link has expired. Please sign up again.' : 'This confirmation link is not valid.');
  }
  return { ...loaded, allowedOrigins, opened };
}

/** GET …/confirm/{token}: shows a confirm button; following a link (mail scanners do) changes nothing. */
export async function showConfirmation(deps: WebFormDeps, input: { formId: string; token: string; now: Date }): Promise<FormResponse> {
  const { form, allowedOrigins, opened } = await openLink(deps, input.formId, input.token, input.now);
  if (!opened.ok) return opened.response;
  return { allowedOrigins, outcome: { kind: 'confirm', status: 200, form } };
}

/** POST …/confirm/{token}: the person confirmed; consent starts now, with both steps as evidence. */
export async function confirmWebForm(
  deps: WebFormDeps,
  input: { formId: string; token: string; visitor: FormVisitor; now: Date },
): Promise<FormResponse> {
  const { accountId, form, settings, allowedOrigins, opened } = await openLink(deps, input.formId, input.token, input.now);
  if (!opened.ok) return opened.response;
  const { claims } = opened;
  const scope = form.line ?? CHANNEL_SCOPE;
  const current = await deps.consentStore.getRecord(accountId, claims.contact, form.channel, scope, input.now.getTime());
  if (current?.status !== 'opted_in') {
    const confirmedAt = input.now.toISOString();
    await recordConsentChange(deps, {
      accountId,
      retentionMonths: settings.retention.dataMonths,
      attributionWindowHours: attributionWindowHoursOf(settings),
      change: {
        contact: claims.contact,
        channel: form.channel,
        scope,
        status: 'opted_in',
        occurredAt: confirmedAt,
        source: 'form',
        evidence: {
          formId: form.formId,
          formVersion: form.version,
          description: form.description,
          consentText: form.confirmationMessage,
          doubleOptIn: true,
          requestedAt: claims.requestedAt,
          requestIp: claims.ip,
          requestUserAgent: claims.userAgent,
          confirmedAt,
          ip: input.visitor.ip,
          userAgent: input.visitor.userAgent.slice(0, 500),
        },
      },
    });
  }
  return {
    allowedOrigins,
    outcome: { kind: 'message', status: 200, title: 'Subscribed', message: form.successMessage ?? 'Thank you. Your subscription is confirmed.', tone: 'done' },
  };
}
