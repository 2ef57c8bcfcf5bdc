import type { AuditEvent } from '../api/types.ts';
import { humanize } from './status-display.ts';

/** Labels for the evidence keys optgate writes (README: what each source keeps as proof). */
const LABELS: Record<string, string> = {
  provider: 'Provider',
  providerMessageId: 'Provider message id',
  lineId: 'Line',
  lineAddress: 'Line address',
  text: 'Message text',
  payload: 'Button payload',
  ruleId: 'Rule',
  keyword: 'Keyword',
  apiKeyId: 'API key id',
  note: 'Note',
  formId: 'Form',
  formVersion: 'Form version',
  consentText: 'Consent text shown',
  description: 'Form description shown',
  ip: 'IP address',
  userAgent: 'Browser',
  importBatchId: 'Import batch',
  lineNumber: 'CSV line',
  errorCode: 'Provider error code',
  reason: 'Reason given',
  comment: 'Comment',
  subject: 'Email subject',
  firstLine: 'First line of the email',
  matchedOn: 'Matched on',
};

function label(key: string): string {
  return LABELS[key] ?? key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/^./, (first) => first.toUpperCase());
}

function display(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  if (Array.isArray(value)) return value.map(display).join(', ');
  return JSON.stringify(value);
}

/**
 * Evidence as label / value rows, nested objects flattened ("Confirmation: IP address"); a line id
 * is shown as the line's name when `lineName` knows it.
 */
export function evidenceRows(
  evidence: Record<string, unknown> | undefined,
  lineName: (lineId: string) => string | undefined = () => undefined,
  prefix = '',
): { label: string; value: string }[] {
  if (!evidence) return [];
  return Object.entries(evidence).flatMap(([key, value]) => {
    const name = prefix ? `${prefix}: ${label(key)}` : label(key);
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) return evidenceRows(value as Record<string, unknown>, lineName, name);
    const shown = key === 'lineId' && typeof value === 'string' ? (lineName(value) ?? value) : display(value);
    return [{ label: name, value: shown }];
  });
}

const EFFECTS: Record<string, string> = {
  changed: '',
  confirmed: 'no change: it already was so',
  superseded: 'not applied: older than the stored state (kept for the record)',
};

/** One line for an audit event: what happened, where, and whether it took effect. */
export function eventSummary(event: AuditEvent, scopeName: (scope: string) => string): { what: string; effect: string } {
  const where = scopeName(event.scope);
  const category = event.category === 'marketing' ? ' (marketing only)' : '';
  if (event.type === 'flagged_for_review') return { what: `Flagged for review: reads like a revocation, no rule matched (${where})`, effect: '' };
  if (event.type === 'suppression') return { what: `Email suppressed: ${humanize(event.suppressionReason ?? 'unknown')}`, effect: '' };
  const status = event.status === 'opted_in' ? 'Opted in' : 'Opted out';
  const previous = event.previousStatus ? ` (was ${humanize(event.previousStatus)})` : '';
  return { what: `${status}${category} on ${where}${previous}`, effect: EFFECTS[event.effect ?? 'changed'] ?? '' };
}
