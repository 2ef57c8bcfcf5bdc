import type { GateSummary } from '../use-cases/gate-outbound-batch.ts';
import { METRIC_NAMES, metrics, type MetricsSink } from './metrics.ts';

/**
 * One batch's decisions by outcome: allowed (dispatched), blocked (suppressed), deferred (quiet hours,
 * sendAfter) and invalid (dead-lettered). Duplicates and messages left for retry decided nothing new.
 */
export function countGateDecisions(summary: GateSummary, sink: MetricsSink = metrics()): void {
  const outcomes: Record<string, number> = {
    allowed: summary.dispatched,
    blocked: summary.suppressed,
    deferred: summary.deferred,
    invalid: summary.invalid,
  };
  for (const [outcome, count] of Object.entries(outcomes)) sink.count(METRIC_NAMES.gateDecisions, count, { outcome });
}
