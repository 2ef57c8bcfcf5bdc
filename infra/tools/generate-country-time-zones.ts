/**
 * Regenerates shared/domain/outbound/country-time-zones.ts from the IANA tz database's zone.tab
 * (`/usr/share/zoneinfo/zone.tab`, Debian package tzdata): for each country, the zones that differ in
 * their UTC offset in January or July (zones that always agree are one for quiet hours).
 * Run: npx tsx infra/tools/generate-country-time-zones.ts [path/to/zone.tab]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

const source = process.argv[2] ?? '/usr/share/zoneinfo/zone.tab';
const year = new Date().getUTCFullYear();
const probes = [Date.UTC(year, 0, 15, 12), Date.UTC(year, 6, 15, 12)];

function offsetName(zone: string, at: number): string {
  const part = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' })
    .formatToParts(at)
    .find((p) => p.type === 'timeZoneName');
  return part?.value ?? '';
}

const zonesByCountry = new Map<string, string[]>();
for (const line of readFileSync(source, 'utf8').split('\n')) {
  if (!line || line.startsWith('#')) continue;
  const [country, , zone] = line.split('\t');
  if (!country || !zone) continue;
  const list = zonesByCountry.get(country) ?? [];
  list.push(zone);
  zonesByCountry.set(country, list);
}

const rows: string[] = [];
for (const country of [...zonesByCountry.keys()].sort()) {
  const seen = new Map<string, string>();
  // zone.tab lists the most populous zone of a country first: it represents its offset group.
  for (const zone of zonesByCountry.get(country) ?? []) {
    const signature = probes.map((at) => offsetName(zone, at)).join('|');
    if (!seen.has(signature)) seen.set(signature, zone);
  }
  rows.push(`  ${country}: ${JSON.stringify([...seen.values()])},`);
}

const output = `/**
 * Country (ISO 3166-1 alpha-2) → the IANA time zones its phone numbers may be in, one per distinct
 * UTC offset pattern (January / July ${year}). Generated from tzdata's zone.tab by
 * infra/tools/generate-country-time-zones.ts; do not edit by hand.
 */
export const COUNTRY_TIME_ZONES: Readonly<Record<string, readonly string[]>> = {
${rows.join('\n')}
};
`;
const target = resolve(import.meta.dirname, '../../shared/domain/outbound/country-time-zones.ts');
writeFileSync(target, output);
console.log(`${zonesByCountry.size} countries written to ${target}`);
