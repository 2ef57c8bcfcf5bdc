import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { machineLine } from '../bench/benchmarks-file.ts';
import { ASSUMED_SECONDS, ASSUMED_TRANSACTION_SECONDS, HTTP_API_RPS_QUOTA, LAMBDA_CONCURRENCY_QUOTA, type ScalingModel } from './day-model.ts';
import { PARTITION_LIMITS, utilisation, type KeyRate } from './scale-model.ts';

const FILE = resolve(import.meta.dirname, '../../SCALING.md');
const START = '<!-- simulate:start -->';
const END = '<!-- simulate:end -->';

const int = (value: number) => Math.round(value).toLocaleString('en');
const num = (value: number) => (value >= 100 ? int(value) : value >= 1 ? value.toFixed(1) : value >= 0.01 ? value.toFixed(2) : value === 0 ? '0' : value.toExponential(1));
const pct = (value: number) => `${(value * 100).toFixed(value < 0.01 ? 2 : 1)} %`;
const usd = (value: number) => `$${value >= 100 ? int(value) : value.toFixed(2)}`;

/** Keys hold account ids and contacts: the report shows their shape, not the simulated values. */
export function describeKey(key: Pick<KeyRate, 'target' | 'partition'>): string {
  const shape = key.partition
    .replace(/^A#[^#]+/, 'A#{account}')
    .replace(/#C#\+?[\w.@-]+/, '#C#{contact}')
    .replace(/#L#[^#]+#(\d+)$/, '#L#{line}#$1')
    .replace(/#MKT#.+$/, '#MKT#{line}')
    .replace(/^EXP#\d{4}-\d{2}-\d{2}#/, 'EXP#{day}#')
    .replace(/^GATE#RECEIPT#.+$/, 'GATE#RECEIPT#{id}')
    .replace(/^ROUTE#(\w+)#.+$/, 'ROUTE#$1#{address}')
    .replace(/#RL#(\w+)#\w+$/, '#RL#$1#{hash}')
    .replace(/^KEY#.+$/, 'KEY#{hash}');
  return `${key.target === 'table' ? 'table' : key.target} \`${shape}\``;
}

/** The busiest key of each class, busiest first: every kind of hot key by name. */
export function hottestPerClass(keys: readonly KeyRate[]): KeyRate[] {
  const best = new Map<string, KeyRate>();
  for (const key of keys) {
    const current = best.get(key.keyClass.name);
    if (!current || utilisation(key) > utilisation(current)) best.set(key.keyClass.name, key);
  }
  return [...best.values()].sort((a, b) => utilisation(b) - utilisation(a));
}

function keyRow(key: KeyRate): string {
  return `| ${describeKey(key)} | ${key.keyClass.name} (${key.keyClass.scaling}) | ${num(key.wcuPerSecond)} | ${num(key.rcuPerSecond)} | ${pct(utilisation(key))} |`;
}

export function renderScalingSection(model: ScalingModel, run: { scale: number; sizes: Record<string, number>; seconds: number }): string {
  const lines: string[] = [];
  lines.push(`## Measured: \`npm run simulate -- --scale ${run.scale}\``);
  lines.push('');
  lines.push(
    `Simulated day (${int(run.seconds)} s on the local stack): ${Object.entries(run.sizes)
      .map(([name, value]) => `${name} ${int(value)}`)
      .join(', ')}. Every figure below is computed from the DynamoDB requests the handlers sent, priced per partition key by the capacity proxy, then extrapolated (see "How the figures are computed").`,
  );
  lines.push('');
  lines.push(`### Per scenario at full scale`);
  lines.push('');
  lines.push('| scenario | full-scale rate | simulated events | table WCU/s | table RCU/s | index WCU/s (by index) | index RCU/s | Lambda concurrency | SQS req/s | HTTP req/s | cost per day |');
  lines.push('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const scenario of model.scenarios) {
    const { figures } = scenario;
    const table = figures.totals.table ?? { wcuPerSecond: 0, rcuPerSecond: 0 };
    const indexes = Object.entries(figures.totals).filter(([target]) => target !== 'table');
    const indexWcu = indexes.map(([target, rate]) => `${target} ${num(rate.wcuPerSecond)}`).join(', ') || '0';
    const indexRcu = indexes.reduce((sum, [, rate]) => sum + rate.rcuPerSecond, 0);
    const concurrency = scenario.lambda.map((entry) => `${entry.fn} ${num(entry.concurrency)}`).join(', ');
    lines.push(
      `| ${figures.spec.title} | ${num(figures.spec.ratePerSecond)} ${figures.spec.unit}s/s for ${int(figures.spec.secondsPerDay)} s | ${int(figures.events)} | ${int(table.wcuPerSecond)} | ${int(table.rcuPerSecond)} | ${indexWcu} | ${num(indexRcu)} | ${concurrency} | ${num(scenario.sqsRequestsPerSecond)} | ${num(scenario.httpRequestsPerSecond)} | ${usd(scenario.costPerDay.total)} |`,
    );
  }
  lines.push('');
  lines.push('Units per event, as measured (WCU / RCU, table and each index):');
  lines.push('');
  for (const scenario of model.scenarios) {
    const per = Object.entries(scenario.figures.perEvent)
      .map(([target, units]) => `${target} ${units.wcu.toFixed(2)} / ${units.rcu.toFixed(2)}`)
      .join('; ');
    const requests = Object.entries(scenario.figures.countsPerSecond)
      .filter(([what]) => what.startsWith('sqs:') || what.startsWith('lambda:'))
      .map(([what, perSecond]) => `${what} ${num(perSecond)}/s`)
      .join(', ');
    lines.push(`- **${scenario.figures.spec.title}** (per ${scenario.figures.spec.unit}): ${per}. Full scale: ${requests}.`);
  }
  lines.push('');
  lines.push(`### Hottest partition keys per scenario (limits: ${int(PARTITION_LIMITS.wcu)} WCU, ${int(PARTITION_LIMITS.rcu)} RCU per partition)`);
  for (const scenario of model.scenarios) {
    lines.push('');
    lines.push(`**${scenario.figures.spec.title}**`);
    lines.push('');
    lines.push('| key | class (scaling) | WCU/s | RCU/s | of limit |');
    lines.push('|---|---|---|---|---|');
    for (const key of hottestPerClass(scenario.figures.keys).slice(0, 8)) lines.push(keyRow(key));
    if (scenario.conflict) {
      lines.push('');
      lines.push(
        `Busiest item in transactions: ${describeKey({ target: 'table', partition: scenario.conflict.item.split('\u0000')[0] ?? '' })} \`${scenario.conflict.item.split('\u0000')[1] ?? ''}\`, ${num(scenario.conflict.perSecond)} transactions/s → about ${pct(scenario.conflict.probability)} of them meet a conflict (retried with backoff).`,
      );
    }
  }
  lines.push('');
  lines.push('### The peak: every scenario at once');
  lines.push('');
  lines.push('The burst on top of the sustained traffic, the webhooks with the STOP storm, an import at its limit and the sweep, summed per key; the busiest key of every class:');
  lines.push('');
  lines.push('| key | class (scaling) | WCU/s | RCU/s | of limit |');
  lines.push('|---|---|---|---|---|');
  for (const key of hottestPerClass(model.peak)) lines.push(keyRow(key));
  lines.push('');
  lines.push(
    model.violations.length === 0
      ? `**No partition of the table or any index above ${model.headroomPercent} % of its limit** (the busiest: ${pct(utilisation(model.peak[0] ?? { wcuPerSecond: 0, rcuPerSecond: 0 }))}).`
      : `**${model.violations.length} partition(s) above ${model.headroomPercent} % of the limit**: ${model.violations
          .slice(0, 5)
          .map((key) => `${describeKey(key)} ${pct(utilisation(key))}`)
          .join(', ')}.`,
  );
  if (model.peakConflict) {
    lines.push('');
    lines.push(
      `Busiest item in transactions at the peak: ${describeKey({ target: 'table', partition: model.peakConflict.item.split('\u0000')[0] ?? '' })} \`${model.peakConflict.item.split('\u0000')[1] ?? ''}\`, ${num(model.peakConflict.perSecond)}/s → ${pct(model.peakConflict.probability)} conflict chance per transaction (assuming ${ASSUMED_TRANSACTION_SECONDS * 1000} ms per transaction).`,
    );
  }
  lines.push('');
  lines.push('### Shard counts from the numbers');
  lines.push('');
  lines.push(`| key class | configured | shards seen | peak WCU/s over the group | peak RCU/s | busiest / mean (hash, whole run) | needed for ≤ ${model.headroomPercent} % |`);
  lines.push('|---|---|---|---|---|---|---|');
  for (const sizing of model.shardSizing) {
    lines.push(`| ${sizing.keyClass} | ${sizing.configured} | ${sizing.observedKeys} | ${num(sizing.peakTotalWcu)} | ${num(sizing.peakTotalRcu)} | ${sizing.imbalance.toFixed(2)} | ${sizing.needed} |`);
  }
  lines.push('');
  lines.push('### Lambda, SQS, API Gateway and cost');
  lines.push('');
  const concurrency = model.scenarios.reduce((sum, scenario) => sum + scenario.lambda.reduce((inner, entry) => inner + entry.concurrency, 0), 0);
  const http = model.scenarios.reduce((sum, scenario) => sum + scenario.httpRequestsPerSecond, 0);
  const sqs = model.scenarios.reduce((sum, scenario) => sum + scenario.sqsRequestsPerSecond, 0);
  lines.push(
    `- Lambda concurrency at the peak: ${num(concurrency)} (quota ${int(LAMBDA_CONCURRENCY_QUOTA)} by default) = invocations/s × assumed duration (${Object.entries(ASSUMED_SECONDS)
      .map(([fn, seconds]) => `${fn} ${seconds} s`)
      .join(', ')}; the sweep runs once an hour).`,
  );
  lines.push(`- SQS requests at the peak: ${int(sqs)}/s over the four queues (standard queues: no throughput quota).`);
  lines.push(`- API Gateway HTTP API at the peak: ${num(http)} requests/s of the ${int(HTTP_API_RPS_QUOTA)} rps default quota (${pct(http / HTTP_API_RPS_QUOTA)}).`);
  lines.push('');
  lines.push('| scenario | DynamoDB writes | DynamoDB reads | SQS | Lambda | HTTP API | EventBridge | total per day |');
  lines.push('|---|---|---|---|---|---|---|---|');
  for (const scenario of model.scenarios) {
    const cost = scenario.costPerDay;
    lines.push(`| ${scenario.figures.spec.title} | ${usd(cost.dynamoWrites)} | ${usd(cost.dynamoReads)} | ${usd(cost.sqs)} | ${usd(cost.lambda)} | ${usd(cost.httpApi)} | ${usd(cost.eventBridge)} | ${usd(cost.total)} |`);
  }
  lines.push(`| **the day** | | | | | | | **${usd(model.costPerDay)}** |`);
  lines.push('');
  lines.push(machineLine());
  return lines.join('\n');
}

export function writeScalingSection(markdown: string): void {
  const block = `${START}\n${markdown.trim()}\n${END}`;
  let content = existsSync(FILE) ? readFileSync(FILE, 'utf8') : '# Scaling\n';
  const from = content.indexOf(START);
  const to = content.indexOf(END);
  content = from !== -1 && to > from ? `${content.slice(0, from)}${block}${content.slice(to + END.length)}` : `${content.trimEnd()}\n\n${block}\n`;
  writeFileSync(FILE, content);
  console.log('SCALING.md: measured section written');
}
