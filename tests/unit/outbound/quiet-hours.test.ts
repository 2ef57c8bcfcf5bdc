import { describe, expect, it } from 'vitest';
import { checkSendWindow, localMinuteOfDay, recipientTimeZones } from '../../../shared/domain/outbound/quiet-hours.ts';
import { COUNTRY_TIME_ZONES } from '../../../shared/domain/outbound/country-time-zones.ts';

const window = { allowedFrom: '08:00', allowedUntil: '21:00' };

describe('recipientTimeZones', () => {
  it('derives one zone for a single-zone country from the number', () => {
    expect(recipientTimeZones({ channel: 'sms', contact: '+33612345678' })).toEqual(['Europe/Paris']);
    expect(recipientTimeZones({ channel: 'whatsapp', contact: '+447400123456' })).toEqual(['Europe/London']);
    // A reserved (drama) range has no country of its own: the calling code's main country stands in.
    expect(recipientTimeZones({ channel: 'sms', contact: '+447700900123' })).toEqual(['Europe/London']);
  });

  it('returns every distinct zone of a multi-zone country (and tells +1 countries apart)', () => {
    expect(recipientTimeZones({ channel: 'sms', contact: '+12025550143' })).toEqual(COUNTRY_TIME_ZONES.US);
    expect(COUNTRY_TIME_ZONES.US).toEqual(expect.arrayContaining(['America/New_York', 'America/Los_Angeles', 'Pacific/Honolulu']));
    expect(recipientTimeZones({ channel: 'sms', contact: '+14165550123' })).toEqual(COUNTRY_TIME_ZONES.CA);
    expect(recipientTimeZones({ channel: 'sms', contact: '+18765550123' })).toEqual(['America/Jamaica']);
  });

  it('uses the account default for email and numbers without a country, UTC without one', () => {
    expect(recipientTimeZones({ channel: 'email', contact: 'a@b.example', defaultTimeZone: 'Europe/Berlin' })).toEqual(['Europe/Berlin']);
    expect(recipientTimeZones({ channel: 'email', contact: 'a@b.example' })).toEqual(['UTC']);
    expect(recipientTimeZones({ channel: 'sms', contact: '+80012345678', defaultTimeZone: 'Asia/Tokyo' })).toEqual(['Asia/Tokyo']);
  });

  it('prefers the zone the sender gives', () => {
    expect(recipientTimeZones({ channel: 'sms', contact: '+12025550143', recipientTimeZone: 'America/Chicago' })).toEqual(['America/Chicago']);
  });
});

describe('checkSendWindow', () => {
  it('is open inside the window and closed at its exclusive end', () => {
    expect(checkSendWindow(window, ['UTC'], new Date('2026-06-01T08:00:00Z')).open).toBe(true);
    expect(checkSendWindow(window, ['UTC'], new Date('2026-06-01T20:59:59Z')).open).toBe(true);
    const closed = checkSendWindow(window, ['UTC'], new Date('2026-06-01T21:00:00Z'));
    expect(closed).toMatchObject({ open: false, opensAt: new Date('2026-06-02T08:00:00Z') });
  });

  it('supports windows that wrap past midnight', () => {
    const night = { allowedFrom: '22:00', allowedUntil: '02:00' };
    expect(checkSendWindow(night, ['UTC'], new Date('2026-06-01T23:30:00Z')).open).toBe(true);
    expect(checkSendWindow(night, ['UTC'], new Date('2026-06-01T01:59:00Z')).open).toBe(true);
    expect(checkSendWindow(night, ['UTC'], new Date('2026-06-01T12:00:00Z'))).toMatchObject({ open: false, opensAt: new Date('2026-06-01T22:00:00Z') });
  });

  it('needs the window open in every zone of a multi-zone country', () => {
    const zones = ['America/New_York', 'America/Los_Angeles'];
    // 13:00Z in June = 09:00 New York, 06:00 Los Angeles: closed until 08:00 in Los Angeles = 15:00Z.
    expect(checkSendWindow(window, zones, new Date('2026-06-01T13:00:00Z'))).toMatchObject({ open: false, opensAt: new Date('2026-06-01T15:00:00Z') });
    expect(checkSendWindow(window, zones, new Date('2026-06-01T15:00:00Z')).open).toBe(true);
    // 01:00Z = 21:00 New York: closed there although Los Angeles is at 18:00.
    expect(checkSendWindow(window, zones, new Date('2026-06-02T01:00:00Z')).open).toBe(false);
  });

  it('follows daylight saving time: the same UTC instant is inside in summer, outside in winter', () => {
    // 12:30Z is 08:30 EDT in June but 07:30 EST in January.
    expect(checkSendWindow(window, ['America/New_York'], new Date('2026-06-01T12:30:00Z')).open).toBe(true);
    expect(checkSendWindow(window, ['America/New_York'], new Date('2026-01-15T12:30:00Z'))).toMatchObject({ open: false, opensAt: new Date('2026-01-15T13:00:00Z') });
  });

  it('falls back to the first zone when the zones never share an open minute', () => {
    const short = { allowedFrom: '09:00', allowedUntil: '10:00' };
    const result = checkSendWindow(short, ['Europe/Kaliningrad', 'Asia/Kamchatka'], new Date('2026-06-01T12:00:00Z'));
    expect(result).toMatchObject({ open: false, timeZones: ['Europe/Kaliningrad'] });
    if (!result.open) expect(localMinuteOfDay('Europe/Kaliningrad', result.opensAt.getTime())).toBe(9 * 60);
  });

  it('never defers past two days for any window, zone and instant', () => {
    const zones = [['UTC'], ['Asia/Kolkata'], COUNTRY_TIME_ZONES.US ?? [], COUNTRY_TIME_ZONES.RU ?? [], COUNTRY_TIME_ZONES.AU ?? []];
    const windows = [window, { allowedFrom: '10:00', allowedUntil: '11:30' }, { allowedFrom: '20:00', allowedUntil: '07:00' }];
    for (let hour = 0; hour < 48; hour += 5) {
      const now = new Date(Date.UTC(2026, 2, 7, hour, 17));
      for (const zoneSet of zones) {
        for (const candidate of windows) {
          const result = checkSendWindow(candidate, zoneSet, now);
          if (!result.open) {
            expect(result.opensAt.getTime()).toBeGreaterThan(now.getTime());
            expect(result.opensAt.getTime() - now.getTime()).toBeLessThanOrEqual(2 * 24 * 3600_000);
            expect(checkSendWindow(candidate, result.timeZones, result.opensAt).open).toBe(true);
          }
        }
      }
    }
  });
});
