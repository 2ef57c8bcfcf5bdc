/**
 * The admin API's JSON, as the README and GET /openapi.json describe it. Domain types come from
 * shared/domain (type imports only: erased from the bundle); the use cases' response envelopes are
 * written out here, as a client of the documented API would.
 */
import type { AccountSettings, AccountSettingsPatch } from '../../../../../shared/domain/accounts/account-settings.ts';
import type { Line, LineInput } from '../../../../../shared/domain/accounts/line.ts';
import type { Channel, ConsentStatus, ReportedStatus } from '../../../../../shared/domain/channels.ts';
import type { AuditEvent } from '../../../../../shared/domain/consent/audit-event.ts';
import type { EffectiveStatus } from '../../../../../shared/domain/consent/effective-status.ts';
import type { WebForm, WebFormInput } from '../../../../../shared/domain/forms/web-form.ts';
import type { KeywordRule, KeywordRuleInput } from '../../../../../shared/domain/keywords/keyword-rule.ts';
import type { SnapshotPage, SnapshotRow } from '../../../../../shared/domain/reports/consent-snapshot.ts';
import type { OptOutGroup, OptOutReport } from '../../../../../shared/domain/reports/opt-out-report.ts';
import type { ErasureReceipt } from '../../../../../shared/domain/retention/erasure-receipt.ts';

export type { AccountSettings, AccountSettingsPatch, AuditEvent, Channel, ConsentStatus, EffectiveStatus, ErasureReceipt, KeywordRule, Line, LineInput, OptOutGroup, OptOutReport, ReportedStatus, SnapshotPage, SnapshotRow, WebForm };

/** A rule as POST/PUT /v1/rules take it (fields with defaults may be left out). */
export type RuleInput = Partial<Pick<KeywordRuleInput, 'matchMode' | 'scope'>> & Omit<KeywordRuleInput, 'matchMode' | 'scope'>;
export type FormInput = Partial<Pick<WebFormInput, 'doubleOptIn'>> & Omit<WebFormInput, 'doubleOptIn'>;

export const CHANNEL_NAMES: Record<Channel, string> = { sms: 'SMS', whatsapp: 'WhatsApp', email: 'Email' };
export const CHANNEL_LIST: readonly Channel[] = ['sms', 'whatsapp', 'email'];

export interface StoredRule extends KeywordRule {
  createdAt: string;
  updatedAt: string;
}

export interface RecordView {
  status: ReportedStatus;
  category?: 'marketing';
  occurredAt?: string;
  source?: string;
  evidence?: Record<string, unknown>;
  eventId?: string;
}

export interface ContactConsent {
  contact: string;
  lines: (RecordView & { lineId: string; channel: Channel; address: string; name?: string; effective: EffectiveStatus })[];
  channels: (RecordView & { channel: Channel; defaultStatus: ConsentStatus })[];
  suppressions: { channel: Channel; reason: string; occurredAt: string; eventId: string }[];
}

export interface EventsPage {
  contact: string;
  events: AuditEvent[];
  nextCursor?: string;
}

export interface ContactProfile {
  contact: string;
  name?: string;
  externalId?: string;
  lastActivityAt: string;
}

export interface SetConsentResult {
  contact: string;
  effect: 'changed' | 'confirmed' | 'superseded';
  previousStatus: ReportedStatus;
  event: AuditEvent;
}


/** GET /v1/contacts/{contact}/export: one page of the subject access export. */
export interface ContactExport {
  contact: string;
  exportedAt: string;
  nextCursor?: string;
  [section: string]: unknown;
}

export interface KeywordTestResult {
  line: { lineId: string; channel: Channel; address: string; name?: string };
  normalizedText: string;
  match: { rule: KeywordRule; candidate: boolean; language: string } | null;
  consentChange: { status: ConsentStatus; scope: 'line' | 'channel' } | null;
  reply: string | null;
  flaggedRevocation: boolean;
}

export interface WebFormView extends WebForm {
  url: string;
  embedCode: string;
}



export type ReportGroupBy = OptOutReport['groupBy'];

export interface NewAccount {
  accountId: string;
  apiKey: string;
}
