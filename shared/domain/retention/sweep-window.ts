/**
 * The days whose expiry buckets a sweep run queries. Each run covers the last `lookbackDays` days up
 * to today, plus every day since the last completed run (after downtime), bounded by
 * `maxCatchUpDays` on a first run. Re-querying a bucket costs only the items still due in it, so
 * the overlap is cheap; it also keeps runs correct when clocks differ between writers.
 */
export const DAY_SECONDS = 86_400;

export function expiryDay(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().slice(0, 10);
}

export function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00.000Z`) + days * DAY_SECONDS * 1000).toISOString().slice(0, 10);
}

export function sweepDays(input: {
  nowSeconds: number;
  /** The first day the previous completed run left open; undefined before the first run. */
  nextStartDay: string | undefined;
  lookbackDays: number;
  maxCatchUpDays: number;
}): string[] {
  const today = expiryDay(input.nowSeconds);
  const lookbackStart = addDays(today, -input.lookbackDays);
  const earliest = addDays(today, -input.maxCatchUpDays);
  let start = input.nextStartDay !== undefined && input.nextStartDay < lookbackStart ? input.nextStartDay : lookbackStart;
  if (start < earliest) start = earliest;
  const days: string[] = [];
  for (let day = start; day <= today; day = addDays(day, 1)) days.push(day);
  return days;
}
