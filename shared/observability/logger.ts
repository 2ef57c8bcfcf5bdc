import { Logger } from '@aws-lambda-powertools/logger';
import { maskContact } from '../domain/mask-contact.ts';

/** E.164 numbers (also `whatsapp:+…` and URL-encoded `%2B…`) and email addresses, wherever they appear in a string. */
const PHONE_NUMBER = /(?:\+|%2B)\d{7,15}\b/gi;
const EMAIL_ADDRESS = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;

/** Masks every phone number and email address in a string as maskContact does (`+12***43`, `j***@example.org`). */
export function maskPersonalData(text: string): string {
  return text
    .replace(EMAIL_ADDRESS, (address) => maskContact(address))
    .replace(PHONE_NUMBER, (number) => maskContact(number.replace(/^%2B/i, '+')));
}

/**
 * Applied to every value of every log line: callers already log masked addresses (maskContact), and
 * this is the net under them — an address inside an error message, a provider's reply or a path is
 * masked too before the line leaves the function.
 */
export function maskingJsonReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'string' ? maskPersonalData(value) : value;
}

/**
 * One structured logger per container. Callers log masked addresses (maskContact) and never
 * credentials, API keys or message bodies beyond what an operator needs to debug.
 */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'optgate', jsonReplacerFn: maskingJsonReplacer });
