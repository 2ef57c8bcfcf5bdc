import { Duration, type Stack } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { QueueName } from '../../shared/manifest.ts';
import { METRIC_NAMES } from '../../shared/observability/metrics.ts';
import type { OptgateFunction } from './optgate-function.ts';
import type { ExtraDeadLetterQueue } from './stateful-stack.ts';

export interface DashboardProps {
  readonly stage: string;
  /** Powertools Metrics namespace of the stage. */
  readonly namespace: string;
  readonly httpApi: HttpApi;
  readonly functions: readonly OptgateFunction[];
  readonly queues: Readonly<Record<QueueName, sqs.IQueue>>;
  readonly deadLetterQueues: Readonly<Record<ExtraDeadLetterQueue, sqs.IQueue>>;
  readonly table: dynamodb.ITableV2;
}

const PERIOD = Duration.minutes(5);

/**
 * Every application metric by its one dimension (channel, outcome, source), whatever values appear:
 * a SEARCH expression, so a new channel or outcome shows up without a dashboard change.
 */
function byDimension(namespace: string, metricName: string, dimension: string, label: string): cloudwatch.MathExpression {
  return new cloudwatch.MathExpression({
    expression: `SEARCH('{${namespace},service,${dimension}} MetricName="${metricName}"', 'Sum', ${PERIOD.toSeconds()})`,
    label,
    period: PERIOD,
  });
}

/** One dashboard per stage: traffic, consent outcomes, functions, queues and the table on one page. */
export function createDashboard(stack: Stack, props: DashboardProps): cloudwatch.Dashboard {
  const { namespace } = props;
  const dashboard = new cloudwatch.Dashboard(stack, 'Dashboard', {
    dashboardName: `optgate-${props.stage}`,
    defaultInterval: Duration.hours(24),
  });
  const functionMetric = (metric: (fn: OptgateFunction) => cloudwatch.IMetric) => props.functions.map(metric);
  const deadLetters: [string, sqs.IQueue][] = [['outbound-dlq', props.queues.outboundDlq], ...Object.entries(props.deadLetterQueues)];

  dashboard.addWidgets(
    new cloudwatch.TextWidget({
      markdown: `# optgate ${props.stage}\nConsent changes, gate decisions and signature failures come from the functions (Powertools Metrics, namespace \`${namespace}\`). Every alarm notifies the stateful stack's AlarmTopicArn.`,
      width: 24,
      height: 2,
    }),
  );
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: 'Opt-outs and opt-ins by channel',
      left: [
        byDimension(namespace, METRIC_NAMES.optOuts, 'channel', 'opt-outs'),
        byDimension(namespace, METRIC_NAMES.optIns, 'channel', 'opt-ins'),
      ],
      width: 8,
    }),
    new cloudwatch.GraphWidget({
      title: 'Gate decisions by outcome',
      left: [byDimension(namespace, METRIC_NAMES.gateDecisions, 'outcome', 'decisions')],
      width: 8,
    }),
    new cloudwatch.GraphWidget({
      title: 'Rejected signatures by source',
      left: [byDimension(namespace, METRIC_NAMES.signatureFailures, 'source', 'rejected')],
      width: 8,
    }),
  );
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: 'HTTP API requests',
      left: [
        props.httpApi.metricCount({ period: PERIOD, label: 'requests' }),
        props.httpApi.metricClientError({ period: PERIOD, label: '4xx' }),
        props.httpApi.metricServerError({ period: PERIOD, label: '5xx' }),
      ],
      width: 12,
    }),
    new cloudwatch.GraphWidget({
      title: 'HTTP API latency (p50, p99)',
      left: [
        props.httpApi.metricLatency({ period: PERIOD, statistic: 'p50', label: 'p50' }),
        props.httpApi.metricLatency({ period: PERIOD, statistic: 'p99', label: 'p99' }),
      ],
      width: 12,
    }),
  );
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: 'Function errors',
      left: functionMetric((fn) => fn.function.metricErrors({ period: PERIOD, label: fn.node.id })),
      width: 8,
    }),
    new cloudwatch.GraphWidget({
      title: 'Function throttles',
      left: functionMetric((fn) => fn.function.metricThrottles({ period: PERIOD, label: fn.node.id })),
      width: 8,
    }),
    new cloudwatch.GraphWidget({
      title: 'Function duration (p99)',
      left: functionMetric((fn) => fn.function.metricDuration({ period: PERIOD, statistic: 'p99', label: fn.node.id })),
      width: 8,
    }),
  );
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: 'Queues: messages waiting',
      left: (['outbound', 'dispatch', 'suppressed'] as const).map((name) =>
        props.queues[name].metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: cloudwatch.Stats.MAXIMUM, label: name }),
      ),
      right: [props.queues.outbound.metricApproximateAgeOfOldestMessage({ period: PERIOD, statistic: cloudwatch.Stats.MAXIMUM, label: 'oldest outbound (s)' })],
      width: 12,
    }),
    new cloudwatch.GraphWidget({
      title: 'Dead-letter queues (alarmed at 1)',
      left: deadLetters.map(([name, queue]) =>
        queue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: cloudwatch.Stats.MAXIMUM, label: name }),
      ),
      width: 12,
    }),
  );
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: 'Table: consumed capacity',
      left: [
        props.table.metricConsumedReadCapacityUnits({ period: PERIOD, label: 'read units' }),
        props.table.metricConsumedWriteCapacityUnits({ period: PERIOD, label: 'write units' }),
      ],
      width: 12,
    }),
    // One graph each: both are sums over operations whose internal ids would collide in one graph.
    new cloudwatch.GraphWidget({
      title: 'Table: throttled requests',
      left: [props.table.metricThrottledRequestsForOperations({ period: PERIOD, label: 'throttled' })],
      width: 6,
    }),
    new cloudwatch.GraphWidget({
      title: 'Table: system errors',
      left: [props.table.metricSystemErrorsForOperations({ period: PERIOD, label: 'system errors' })],
      width: 6,
    }),
  );
  return dashboard;
}
