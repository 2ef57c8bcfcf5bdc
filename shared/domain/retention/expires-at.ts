/**
 * DynamoDB TTL wants epoch seconds. Retention counts calendar months from the item's last activity
 * (a consent change, an inbound or outbound message); month ends clamp (31 Jan + 1 month = 28/29 Feb).
 */
export function expiresAtFor(lastActivityIso: string, retentionMonths: number): number {
  const start = new Date(lastActivityIso);
  const target = new Date(start.getTime());
  const day = start.getUTCDate();
  target.setUTCDate(1);
  target.setUTCMonth(target.getUTCMonth() + retentionMonths);
  const daysInTargetMonth = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(day, daysInTargetMonth));
  return Math.floor(target.getTime() / 1000);
}

/** Reads must treat expired items as absent: TTL deletes lazily (typically within two days). */
export function isExpired(expiresAt: number | undefined, nowMs: number): boolean {
  return expiresAt !== undefined && expiresAt * 1000 <= nowMs;
}
