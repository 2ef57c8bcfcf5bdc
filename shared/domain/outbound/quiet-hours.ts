import { parsePhoneNumberFromString } from 'libphonenumber-js/min';
import type { QuietHours } from '../accounts/account-settings.ts';
import type { Channel } from '../channels.ts';
import { COUNTRY_TIME_ZONES } from './country-time-zones.ts';

export const FALLBACK_TIME_ZONE = 'UTC';
const MINUTES_PER_DAY = 24 * 60;
const MINUTE_MS = 60_000;

/**
 * The zones a recipient may be in. A sender-given zone wins; a phone number gives its country's
 * zones (one for most countries, several for the US, Canada, Russia…); email and numbers without a
 * country use the account's default zone.
 */
export function recipientTimeZones(input: {
  channel: Channel;
  contact: string;
  defaultTimeZone?: string;
  recipientTimeZone?: string;
}): readonly string[] {
  if (input.recipientTimeZone) return [input.recipientTimeZone];
  const fallback = [input.defaultTimeZone ?? FALLBACK_TIME_ZONE];
  if (input.channel === 'email') return fallback;
  const phone = parsePhoneNumberFromString(input.contact);
  // A number outside the known ranges still has a calling code: its main country (listed first) stands in.
  const country = phone?.country ?? phone?.getPossibleCountries()[0];
  return (country && COUNTRY_TIME_ZONES[country]) || fallback;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Minutes since local midnight in `zone` at `atMs`. */
export function localMinuteOfDay(zone: string, atMs: number): number {
  let formatter = formatters.get(zone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(zone, formatter);
  }
  let hour = 0;
  let minute = 0;
  for (const part of formatter.formatToParts(atMs)) {
    if (part.type === 'hour') hour = Number(part.value);
    else if (part.type === 'minute') minute = Number(part.value);
  }
  return hour * 60 + minute;
}

function toMinutes(time: string): number {
  const [hours = '0', minutes = '0'] = time.split(':');
  return Number(hours) * 60 + Number(minutes);
}

function insideWindow(minuteOfDay: number, from: number, until: number): boolean {
  return from < until ? minuteOfDay >= from && minuteOfDay < until : minuteOfDay >= from || minuteOfDay < until;
}

function openEverywhere(zones: readonly string[], atMs: number, from: number, until: number): boolean {
  return zones.every((zone) => insideWindow(localMinuteOfDay(zone, atMs), from, until));
}

export type WindowCheck =
  | { open: true; timeZones: readonly string[] }
  | { open: false; opensAt: Date; timeZones: readonly string[] };

/**
 * Whether the send window is open for a recipient who may be in any of `zones` (a country with
 * several zones must be inside the window in all of them: the strict reading of calling-hours
 * rules when the number does not say where the person is). When the window never opens in all
 * zones at once (a short window across Russia), the country's first (most populous) zone decides.
 */
export function checkSendWindow(window: QuietHours, zones: readonly string[], now: Date): WindowCheck {
  const from = toMinutes(window.allowedFrom);
  const until = toMinutes(window.allowedUntil);
  const nowMs = now.getTime();
  if (openEverywhere(zones, nowMs, from, until)) return { open: true, timeZones: zones };
  const opensAt = nextOpening(zones, nowMs, from, until);
  if (opensAt !== undefined) return { open: false, opensAt: new Date(opensAt), timeZones: zones };
  const main = zones.slice(0, 1);
  if (openEverywhere(main, nowMs, from, until)) return { open: true, timeZones: main };
  return { open: false, opensAt: new Date(nextOpening(main, nowMs, from, until) ?? nowMs + MINUTES_PER_DAY * MINUTE_MS), timeZones: main };
}

/**
 * The earliest instant within two days at which the window opens in one zone and is open in all.
 * Candidates are each zone's next local opening times (the window can only become open everywhere
 * at one of them); each is verified with the real offsets, so DST changes are respected.
 */
function nextOpening(zones: readonly string[], nowMs: number, from: number, until: number): number | undefined {
  const startOfMinute = nowMs - (nowMs % MINUTE_MS);
  const candidates: number[] = [];
  for (const zone of zones) {
    const wait = (from - localMinuteOfDay(zone, nowMs) + MINUTES_PER_DAY) % MINUTES_PER_DAY;
    for (let day = 0; day < 3; day += 1) {
      for (const dstShift of [0, -60, 60]) {
        const candidate = startOfMinute + (wait + day * MINUTES_PER_DAY + dstShift) * MINUTE_MS;
        if (candidate > nowMs) candidates.push(candidate);
      }
    }
  }
  candidates.sort((a, b) => a - b);
  return candidates.find((candidate) => openEverywhere(zones, candidate, from, until));
}
