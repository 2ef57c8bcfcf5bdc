/**
 * Event times order consent (an older event never overrides a newer one), so a time in the future
 * would let one event outrank every real change until then. Clocks of different systems disagree
 * a little; this much ahead of ours is accepted.
 */
export const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;

/**
 * The time to record for an event a provider (or any source) dates: its own time, unless that is
 * more than MAX_CLOCK_SKEW_MS after `receivedAt` (a provider's clock error, or a forged date), in
 * which case the time it reached us. Callers that can refuse (the API, imports) refuse instead;
 * a person's STOP from a provider cannot be refused, only recorded at a sane time.
 */
export function recordableEventTime(reported: string, receivedAt: Date): { occurredAt: string; adjusted: boolean } {
  const reportedMs = Date.parse(reported);
  if (Number.isNaN(reportedMs) || reportedMs > receivedAt.getTime() + MAX_CLOCK_SKEW_MS) {
    return { occurredAt: receivedAt.toISOString(), adjusted: true };
  }
  return { occurredAt: reported, adjusted: false };
}
