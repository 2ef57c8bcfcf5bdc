import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../../functions/console/app/src/api/types.ts';
import { eventSummary, evidenceRows } from '../../../functions/console/app/src/logic/evidence.ts';
import { basisText, statusDisplay } from '../../../functions/console/app/src/logic/status-display.ts';
import { mergeExportPages } from '../../../functions/console/app/src/logic/subject-access-export.ts';

const event = (fields: Partial<AuditEvent>): AuditEvent => ({
  eventId: '01J',
  type: 'consent',
  contact: '+12025550143',
  channel: 'sms',
  scope: 'line_1',
  occurredAt: '2026-11-24T09:00:00.000Z',
  recordedAt: '2026-11-24T09:00:01.000Z',
  source: 'keyword',
  evidence: {},
  ...fields,
});

describe('evidence and audit events in words', () => {
  it('labels known evidence, flattens nested objects, shows lines by name and values plainly', () => {
    const rows = evidenceRows(
      { text: 'Stop.', lineId: 'line_1', apiKeyId: 'key_1', doubleOptIn: { ip: '203.0.113.9', confirmed: true }, tags: ['a', 'b'], missing: null },
      (lineId) => (lineId === 'line_1' ? 'Main (+12025550100)' : undefined),
    );
    expect(rows).toEqual([
      { label: 'Message text', value: 'Stop.' },
      { label: 'Line', value: 'Main (+12025550100)' },
      { label: 'API key id', value: 'key_1' },
      { label: 'Double Opt In: IP address', value: '203.0.113.9' },
      { label: 'Double Opt In: Confirmed', value: 'yes' },
      { label: 'Tags', value: 'a, b' },
      { label: 'Missing', value: '—' },
    ]);
    expect(evidenceRows(undefined)).toEqual([]);
  });

  it('says what an event did, where, and whether it took effect', () => {
    const where = (scope: string) => (scope === '*' ? 'every SMS line' : 'Main');
    expect(eventSummary(event({ status: 'opted_out', previousStatus: 'opted_in', effect: 'changed' }), where)).toEqual({ what: 'Opted out on Main (was opted in)', effect: '' });
    expect(eventSummary(event({ status: 'opted_in', scope: '*', effect: 'superseded', category: 'marketing' }), where)).toEqual({
      what: 'Opted in (marketing only) on every SMS line',
      effect: 'not applied: older than the stored state (kept for the record)',
    });
    expect(eventSummary(event({ type: 'flagged_for_review' }), where).what).toBe('Flagged for review: reads like a revocation, no rule matched (Main)');
    expect(eventSummary(event({ type: 'suppression', channel: 'email', suppressionReason: 'hard_bounce' }), where).what).toBe('Email suppressed: hard bounce');
  });

  it('shows statuses with a symbol and words, and the basis of the effective status', () => {
    expect(statusDisplay('opted_out')).toEqual({ symbol: '✗', text: 'Opted out', tone: 'out' });
    expect(statusDisplay('not_defined').text).toBe('Not defined');
    const name = () => 'Main';
    expect(basisText({ status: 'opted_out', explicit: false, basis: { kind: 'default', defaultStatus: 'opted_out' } }, name)).toBe('No record: the account default (opted out)');
    expect(basisText({ status: 'opted_in', explicit: true, basis: { kind: 'line_record', scope: 'line_1', eventId: 'e', occurredAt: '2026-11-24T09:00:00Z' } }, name)).toBe(
      'Record on Main, 2026-11-24 09:00 UTC',
    );
  });
});

describe('subject access export pages', () => {
  it('become one document: lists concatenated in order, no cursor left', () => {
    const merged = mergeExportPages([
      { contact: 'c', exportedAt: 't', consent: [{ a: 1 }], events: [{ e: 1 }], profile: { name: 'Jane' }, nextCursor: 'x' },
      { contact: 'c', exportedAt: 't', consent: [], events: [{ e: 2 }, { e: 3 }], messages: [{ m: 1 }], profile: null },
    ]);
    expect(merged).toEqual({ contact: 'c', exportedAt: 't', consent: [{ a: 1 }], events: [{ e: 1 }, { e: 2 }, { e: 3 }], messages: [{ m: 1 }], profile: { name: 'Jane' } });
    expect(() => mergeExportPages([])).toThrow();
  });
});
