import type { ConsentStatus, EffectiveStatus, ReportedStatus } from '../api/types.ts';

export interface StatusDisplay {
  /** ✓, ✗ or –: shown, but hidden from screen readers (the text says it). */
  symbol: string;
  text: string;
  tone: 'in' | 'out' | 'none';
}

/** Opted in ✓, opted out ✗ (red), not defined: never by colour alone. */
export function statusDisplay(status: ReportedStatus): StatusDisplay {
  switch (status) {
    case 'opted_in':
      return { symbol: '✓', text: 'Opted in', tone: 'in' };
    case 'opted_out':
      return { symbol: '✗', text: 'Opted out', tone: 'out' };
    case 'not_defined':
      return { symbol: '–', text: 'Not defined', tone: 'none' };
  }
}

const STATUS_WORDS: Record<ConsentStatus, string> = { opted_in: 'opted in', opted_out: 'opted out' };

/** Why the effective status is what it is, in words: which record, or the account default. */
export function basisText(effective: EffectiveStatus, lineName: (lineId: string) => string): string {
  const { basis } = effective;
  switch (basis.kind) {
    case 'line_record':
      return `Record on ${lineName(basis.scope)}, ${formatDateTime(basis.occurredAt)}`;
    case 'channel_record':
      return `Channel-wide record (every line), ${formatDateTime(basis.occurredAt)}`;
    case 'default':
      return `No record: the account default (${STATUS_WORDS[basis.defaultStatus]})`;
  }
}

/** "2026-11-24 09:00 UTC": unambiguous for compliance records, whatever the operator's locale. */
export function formatDateTime(iso: string | undefined): string {
  if (!iso) return '';
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  return `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** Words for API values: "opt_out" → "opt out", "first_word" → "first word". */
export function humanize(value: string): string {
  return value.replace(/_/g, ' ');
}

const SOURCES: Record<string, string> = {
  keyword: 'keyword',
  form: 'web form',
  api: 'API or by hand',
  import: 'import',
  provider: 'provider',
  unsubscribe_link: 'unsubscribe link',
};

/** Where a consent change came from, in words (a reason someone typed is shown as typed). */
export function sourceLabel(source: string): string {
  return SOURCES[source] ?? source;
}
