import { randomInt } from 'node:crypto';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { api } from './api-client.ts';

const issued = new Set<string>();
/** A random US number that libphonenumber calls valid (forms check validity, not just length). */
export function validPhone(): string {
  for (;;) {
    const number = `+1202${randomInt(200, 1000)}${String(randomInt(0, 10_000)).padStart(4, '0')}`;
    if (!issued.has(number) && parsePhoneNumberFromString(number)?.isValid()) {
      issued.add(number);
      return number;
    }
  }
}

export interface CreatedForm {
  formId: string;
  version: number;
  url: string;
  embedCode: string;
}

export async function createForm(key: string, form: Record<string, unknown>): Promise<CreatedForm> {
  const response = await api<CreatedForm>('POST', '/v1/forms', {
    key,
    json: { channel: 'sms', description: 'Weekly deals by text', confirmationMessage: 'I agree to receive marketing texts.', buttonText: 'Subscribe', ...form },
  });
  if (response.status !== 201) throw new Error(`createForm failed: ${response.status} ${response.text}`);
  return response.body;
}

/** Posts the fields as the form page does (application/x-www-form-urlencoded). */
export function submitForm(path: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
  return api('POST', path, {
    body: new URLSearchParams(fields).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'optgate-tests/1.0', ...headers },
  });
}
