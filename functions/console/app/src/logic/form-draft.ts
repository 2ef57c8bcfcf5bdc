import type { Channel, FormInput, WebForm } from '../api/types.ts';

export interface FormDraft {
  channel: Channel;
  line: string;
  description: string;
  confirmationMessage: string;
  buttonText: string;
  successMessage: string;
  doubleOptIn: boolean;
  defaultCountry: string;
}

export const EMPTY_FORM_DRAFT: FormDraft = {
  channel: 'sms',
  line: '',
  description: '',
  confirmationMessage: '',
  buttonText: 'Subscribe',
  successMessage: '',
  doubleOptIn: false,
  defaultCountry: '',
};

export function draftFromForm(form: WebForm): FormDraft {
  return {
    channel: form.channel,
    line: form.line ?? '',
    description: form.description,
    confirmationMessage: form.confirmationMessage,
    buttonText: form.buttonText,
    successMessage: form.successMessage ?? '',
    doubleOptIn: form.doubleOptIn,
    defaultCountry: form.defaultCountry ?? '',
  };
}

/** The body of POST / PUT /v1/forms: trimmed, empty optionals left out, double opt-in for email only. */
export function formInputFromDraft(draft: FormDraft): FormInput {
  const successMessage = draft.successMessage.trim();
  const defaultCountry = draft.defaultCountry.trim().toUpperCase();
  return {
    channel: draft.channel,
    ...(draft.line ? { line: draft.line } : {}),
    description: draft.description.trim(),
    confirmationMessage: draft.confirmationMessage.trim(),
    buttonText: draft.buttonText.trim(),
    ...(successMessage ? { successMessage } : {}),
    doubleOptIn: draft.channel === 'email' && draft.doubleOptIn,
    ...(defaultCountry && draft.channel !== 'email' ? { defaultCountry } : {}),
  };
}
