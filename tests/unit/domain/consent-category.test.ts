import { describe, expect, it } from 'vitest';
import { applyConsentEvent } from '../../../shared/domain/consent/apply-consent-event.ts';
import type { ConsentChange, ConsentRecord } from '../../../shared/domain/consent/consent-record.ts';

const base: ConsentChange = {
  contact: '+14255550182',
  channel: 'whatsapp',
  scope: 'line_1',
  status: 'opted_out',
  occurredAt: '2026-11-24T09:00:00.000Z',
  source: 'keyword',
  evidence: {},
};
const stored = (change: Partial<ConsentRecord>): ConsentRecord => ({ ...base, eventId: 'E1', version: 3, updatedAt: base.occurredAt, ...change });
const later = '2026-11-24T10:00:00.000Z';

describe('marketing-only consent records', () => {
  it('stores a marketing-only opt-out with its category', () => {
    expect(applyConsentEvent(undefined, { ...base, category: 'marketing', source: 'provider' }).next).toMatchObject({ status: 'opted_out', category: 'marketing' });
  });

  it('never narrows a full opt-out to marketing only', () => {
    const decision = applyConsentEvent(stored({}), { ...base, category: 'marketing', occurredAt: later });
    expect(decision.effect).toBe('confirmed');
    expect(decision.next?.category).toBeUndefined();
    expect(decision.next?.version).toBe(4);
  });

  it('widens a marketing-only opt-out to a full one on STOP', () => {
    const decision = applyConsentEvent(stored({ category: 'marketing' }), { ...base, occurredAt: later });
    expect(decision.next?.category).toBeUndefined();
  });

  it('lets a marketing resume replace either kind of opt-out, and a later marketing stop apply to an opt-in', () => {
    expect(applyConsentEvent(stored({}), { ...base, status: 'opted_in', category: 'marketing', occurredAt: later }).next).toMatchObject({
      status: 'opted_in',
      category: 'marketing',
    });
    expect(applyConsentEvent(stored({ status: 'opted_in' }), { ...base, category: 'marketing', occurredAt: later }).next).toMatchObject({
      status: 'opted_out',
      category: 'marketing',
    });
  });

  it('drops the category when a full opt-in follows a marketing-only one', () => {
    expect(applyConsentEvent(stored({ status: 'opted_in', category: 'marketing' }), { ...base, status: 'opted_in', occurredAt: later }).next?.category).toBeUndefined();
  });

  it('still orders by event time: an older marketing event is superseded', () => {
    expect(applyConsentEvent(stored({ occurredAt: later }), { ...base, category: 'marketing' }).effect).toBe('superseded');
  });
});
