import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

/**
 * Application metrics, written as CloudWatch Embedded Metric Format lines on stdout (Powertools
 * Metrics): no API call, no extra latency; CloudWatch turns the log lines into metrics in the
 * namespace POWERTOOLS_METRICS_NAMESPACE (`optgate/<stage>`, set by the CDK app). Each count is
 * flushed at once as its own line, so no handler needs a flush at the end of its invocation.
 * Locally (`npm start`, tests) the local stack sets POWERTOOLS_METRICS_DISABLED.
 *
 * Dimensions hold only fixed vocabularies (channel, outcome, source), never an account, a contact
 * or a line: every distinct dimension value is a separately billed metric.
 */
export const METRIC_NAMES = {
  /** A consent record changed to opted_out (a repeated STOP is not counted). Dimension: channel. */
  optOuts: 'OptOuts',
  /** A consent record changed to opted_in. Dimension: channel. */
  optIns: 'OptIns',
  /** Gate decisions by outcome: allowed, blocked, deferred, invalid (dead-lettered). Dimension: outcome. */
  gateDecisions: 'GateDecisions',
  /** Webhook or SNS messages refused because their signature did not verify. Dimension: source. */
  signatureFailures: 'SignatureFailures',
} as const;

export type MetricName = (typeof METRIC_NAMES)[keyof typeof METRIC_NAMES];

/** Where counts go; the default writes EMF, tests pass their own. */
export interface MetricsSink {
  count(name: MetricName, value: number, dimensions: Readonly<Record<string, string>>): void;
}

const DEFAULT_NAMESPACE = 'optgate';

export class PowertoolsMetricsSink implements MetricsSink {
  constructor(private readonly metrics: Metrics = new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE || DEFAULT_NAMESPACE })) {}

  count(name: MetricName, value: number, dimensions: Readonly<Record<string, string>>): void {
    if (value <= 0) return;
    const single = this.metrics.singleMetric();
    for (const [key, dimension] of Object.entries(dimensions)) single.addDimension(key, dimension);
    // singleMetric() flushes on addMetric: one EMF line per count.
    single.addMetric(name, MetricUnit.Count, value);
  }
}

let sink: MetricsSink = new PowertoolsMetricsSink();

/** The container's metrics sink (module scope, like the logger). */
export function metrics(): MetricsSink {
  return sink;
}

/** Tests: count into `replacement` until the returned function restores the previous sink. */
export function useMetricsSink(replacement: MetricsSink): () => void {
  const previous = sink;
  sink = replacement;
  return () => {
    sink = previous;
  };
}
