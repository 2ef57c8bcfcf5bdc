import { api } from './api-client.ts';

export interface LineConsent {
  lineId: string;
  channel: string;
  status: string;
  category?: string;
  source?: string;
  evidence?: Record<string, unknown>;
}

export interface ContactConsent {
  lines: LineConsent[];
  channels: { channel: string; status: string; source?: string; evidence?: Record<string, unknown> }[];
  suppressions: { channel: string; reason: string; occurredAt: string }[];
}

export interface AuditEventView {
  eventId: string;
  type: string;
  channel: string;
  scope: string;
  status?: string;
  effect?: string;
  category?: string;
  suppressionReason?: string;
  occurredAt: string;
  source: string;
  evidence: Record<string, unknown>;
}

export async function consentOf(key: string, contact: string): Promise<ContactConsent> {
  const response = await api<ContactConsent>('GET', `/v1/contacts/${encodeURIComponent(contact)}/consent`, { key });
  if (response.status !== 200) throw new Error(`consent lookup failed: ${response.status} ${response.text}`);
  return response.body;
}

export async function lineConsent(key: string, contact: string, lineId: string): Promise<LineConsent | undefined> {
  return (await consentOf(key, contact)).lines.find((line) => line.lineId === lineId);
}

export async function eventsOf(key: string, contact: string): Promise<AuditEventView[]> {
  const response = await api<{ events: AuditEventView[] }>('GET', `/v1/contacts/${encodeURIComponent(contact)}/events`, { key });
  if (response.status !== 200) throw new Error(`events lookup failed: ${response.status} ${response.text}`);
  return response.body.events;
}
