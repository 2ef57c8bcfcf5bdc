import { CONTACT_INDEX_SHARDS, BY_LINE_SHARDS, EXPIRY_INDEX_SHARDS, STATS_SHARDS } from '../../shared/adapters/dynamodb/table-keys.ts';
import { FUNCTIONS, type FunctionDefinition } from '../../shared/manifest.ts';
import { IMPORT_ROWS_PER_SECOND } from '../../shared/use-cases/import-consent.ts';
import { SWEEP_DELETES_PER_SECOND } from '../../shared/use-cases/retention-sweep.ts';
import type { CapacityLedger } from './capacity-ledger.ts';
import {
  combinedKeyRates,
  conflictProbability,
  measuredImbalance,
  HEADROOM,
  PARTITION_LIMITS,
  scenarioFigures,
  shardsNeeded,
  utilisation,
  type FullScale,
  type KeyClass,
  type KeyRate,
  type ModelContext,
  type ScenarioFigures,
  type ScenarioSpec,
} from './scale-model.ts';

/** The deployment of issue 11. */
export const FULL_SCALE: FullScale = {
  contacts: 100_000_000,
  lines: 10_000,
  bigLineContacts: 20_000_000,
  outboundSustainedPerSecond: 5000,
  outboundBurstPerSecond: 50_000,
  inboundPerSecond: 500,
  stopStorm: { count: 20_000, seconds: 300 },
  importRows: 10_000_000,
  importRowsPerSecond: IMPORT_ROWS_PER_SECOND,
  sweepDeletesPerDay: 1_000_000,
  sweepDeletesPerSecond: SWEEP_DELETES_PER_SECOND,
};

/** The day's scenarios at full scale: rate while running, and for how long per day. */
export function daySpecs(full: FullScale = FULL_SCALE): ScenarioSpec[] {
  return [
    { name: 'outbound-sustained', title: 'Outbound, sustained', unit: 'message', ratePerSecond: full.outboundSustainedPerSecond, secondsPerDay: 86_400 },
    {
      name: 'outbound-burst',
      title: 'Outbound burst (one campaign to the short code)',
      unit: 'message',
      ratePerSecond: full.outboundBurstPerSecond,
      secondsPerDay: full.bigLineContacts / full.outboundBurstPerSecond,
    },
    { name: 'inbound', title: 'Inbound webhooks, sustained', unit: 'webhook', ratePerSecond: full.inboundPerSecond, secondsPerDay: 86_400 },
    { name: 'stop-storm', title: 'STOP storm after the burst', unit: 'webhook', ratePerSecond: full.stopStorm.count / full.stopStorm.seconds, secondsPerDay: full.stopStorm.seconds },
    { name: 'import', title: 'Consent import (CLI → API)', unit: 'row', ratePerSecond: full.importRowsPerSecond, secondsPerDay: full.importRows / full.importRowsPerSecond },
    {
      name: 'sweep',
      title: 'Retention sweep',
      unit: 'deleted item',
      ratePerSecond: full.sweepDeletesPerSecond,
      secondsPerDay: full.sweepDeletesPerDay / full.sweepDeletesPerSecond,
      // One bucket at a time (retention-sweep.ts): the bucket being swept takes every delete of the moment.
      sequentialClass: 'byExpiry day shard',
    },
  ];
}

/** What the simulation built: the model needs the big line's id to tell its keys from the other lines'. */
export interface SimulatedWorld {
  bigLineId: string;
  bigLineAddress: string;
  otherLines: number;
  contacts: number;
}

/** Partition keys by what they stand for (table-keys.ts has the layout). */
export function classifier(world: Pick<SimulatedWorld, 'bigLineId' | 'bigLineAddress'>): ModelContext['classify'] {
  return (target, partition): KeyClass => {
    if (target === 'byLine') {
      return partition.includes(`#L#${world.bigLineId}#`)
        ? { name: 'byLine shard of the short code', scaling: 'shared', shards: BY_LINE_SHARDS }
        : { name: 'byLine shard of an ordinary line', scaling: 'line', shards: BY_LINE_SHARDS };
    }
    if (target === 'byExpiry') return { name: 'byExpiry day shard', scaling: 'shared', shards: EXPIRY_INDEX_SHARDS };
    if (target === 'byContact') return { name: 'byContact account shard', scaling: 'shared', shards: CONTACT_INDEX_SHARDS };
    if (target === 'byMarketingSend') return { name: 'byMarketingSend (contact, line)', scaling: 'entity' };
    const stats = /^A#[^#]+#STATS#([^#]+)#\d+$/.exec(partition);
    if (stats) return { name: `stats counter shard (${stats[1]})`, scaling: 'shared', shards: STATS_SHARDS };
    if (/^A#[^#]+#RL#import#/.test(partition)) return { name: 'import rate counter (per account)', scaling: 'shared' };
    if (/^A#[^#]+#RL#/.test(partition)) return { name: 'rate counter (per sender)', scaling: 'entity' };
    if (/^A#[^#]+#C#/.test(partition)) return { name: 'contact partition', scaling: 'entity' };
    if (/^A#[^#]+#ERASED#/.test(partition)) return { name: 'erasure tombstone', scaling: 'entity' };
    if (/^A#[^#]+$/.test(partition)) return { name: 'account partition (settings, lines, rules, keys)', scaling: 'shared' };
    if (partition.startsWith('GATE#RECEIPT#')) return { name: 'gate receipt', scaling: 'entity' };
    if (partition.startsWith('ROUTE#')) {
      return partition.endsWith(`#${world.bigLineAddress}`) ? { name: 'line route of the short code', scaling: 'shared' } : { name: 'line route of an ordinary line', scaling: 'line' };
    }
    if (partition.startsWith('KEY#')) return { name: 'API key', scaling: 'shared' };
    if (partition.startsWith('VERIFY#')) return { name: 'WhatsApp verify token', scaling: 'line' };
    if (partition.startsWith('FORM#')) return { name: 'public form', scaling: 'shared' };
    return { name: `service item (${partition})`, scaling: 'shared' };
  };
}

/**
 * Assumed Lambda durations on AWS (not measured here: the emulator is far slower than DynamoDB): the
 * README's cost figures (a gate batch of 500 in 1 s, a webhook in 0.15 s), an import chunk of
 * 1,000–2,000 rows in its paced time slot (about 1 s at 2,000 rows/s).
 */
export const ASSUMED_SECONDS: Record<string, number> = {
  'outbound-gate': 1,
  'inbound-twilio': 0.15,
  'import-api': 1,
};
/** How long a transaction holds its items, for the conflict estimate (assumed; DynamoDB publishes none). */
export const ASSUMED_TRANSACTION_SECONDS = 0.02;

/** List prices, us-east-1, as in the README's "Cost per million messages" (on-demand DynamoDB, arm64 Lambda). */
export const PRICES = {
  writeRequestUnit: 0.625 / 1e6,
  readRequestUnit: 0.125 / 1e6,
  sqsRequest: 0.4 / 1e6,
  lambdaRequest: 0.2 / 1e6,
  lambdaGbSecond: 0.0000133334,
  httpApiRequest: 1 / 1e6,
  eventBridgeEvent: 1 / 1e6,
} as const;

/** API Gateway HTTP API default quota per account and region (requests per second). */
export const HTTP_API_RPS_QUOTA = 10_000;
/** Lambda's default concurrency quota per account and region. */
export const LAMBDA_CONCURRENCY_QUOTA = 1000;

export interface ScenarioCosts {
  dynamoWrites: number;
  dynamoReads: number;
  sqs: number;
  lambda: number;
  httpApi: number;
  eventBridge: number;
  total: number;
}

export interface ScenarioLoad {
  figures: ScenarioFigures;
  lambda: { fn: string; invocationsPerSecond: number; concurrency: number }[];
  sqsRequestsPerSecond: number;
  httpRequestsPerSecond: number;
  costPerDay: ScenarioCosts;
  conflict?: { item: string; perSecond: number; probability: number };
}

export interface ShardSizing {
  keyClass: string;
  configured: number;
  observedKeys: number;
  peakTotalWcu: number;
  peakTotalRcu: number;
  imbalance: number;
  needed: number;
}

export interface ScalingModel {
  full: FullScale;
  scenarios: ScenarioLoad[];
  peak: KeyRate[];
  violations: KeyRate[];
  shardSizing: ShardSizing[];
  /** The hash's measured imbalance per sharded class (whole simulation). */
  imbalances: Map<string, number>;
  headroomPercent: number;
  costPerDay: number;
  peakConflict?: { item: string; perSecond: number; probability: number };
}

function fnOf(name: string): FunctionDefinition | undefined {
  return (FUNCTIONS as readonly FunctionDefinition[]).find((fn) => fn.name === name);
}

function loadOf(figures: ScenarioFigures, full: FullScale): ScenarioLoad {
  const { spec } = figures;
  const eventsPerDay = spec.ratePerSecond * spec.secondsPerDay;
  const counts = figures.countsPerSecond;
  const lambda = Object.entries(counts)
    .filter(([what]) => what.startsWith('lambda:'))
    .map(([what, perSecond]) => {
      const fn = what.slice('lambda:'.length);
      if (fn === 'retention-sweep') {
        // One scheduled run an hour, however much it deletes; it runs as long as its pacing needs.
        const runSeconds = Math.min(fnOf(fn)?.timeoutSeconds ?? 300, full.sweepDeletesPerDay / 24 / full.sweepDeletesPerSecond);
        return { fn, invocationsPerSecond: 1 / 3600, concurrency: 1, runSeconds };
      }
      return { fn, invocationsPerSecond: perSecond, concurrency: perSecond * (ASSUMED_SECONDS[fn] ?? 0.2), runSeconds: ASSUMED_SECONDS[fn] ?? 0.2 };
    });
  const sqsRequestsPerSecond = Object.entries(counts)
    .filter(([what]) => what.startsWith('sqs:'))
    .reduce((sum, [, perSecond]) => sum + perSecond, 0);
  const httpRequestsPerSecond = counts['http:requests'] ?? 0;
  const perEvent = Object.values(figures.perEvent);
  const wcuPerEvent = perEvent.reduce((sum, entry) => sum + entry.wcu, 0);
  const rcuPerEvent = perEvent.reduce((sum, entry) => sum + entry.rcu, 0);
  const perDay = (perSecond: number) => perSecond * spec.secondsPerDay;
  const lambdaCost = lambda.reduce((sum, entry) => {
    const invocations = entry.fn === 'retention-sweep' ? 24 : perDay(entry.invocationsPerSecond);
    const memoryGb = (fnOf(entry.fn)?.memoryMb ?? 512) / 1024;
    return sum + invocations * PRICES.lambdaRequest + invocations * entry.runSeconds * memoryGb * PRICES.lambdaGbSecond;
  }, 0);
  const costPerDay: ScenarioCosts = {
    dynamoWrites: wcuPerEvent * eventsPerDay * PRICES.writeRequestUnit,
    dynamoReads: rcuPerEvent * eventsPerDay * PRICES.readRequestUnit,
    sqs: perDay(sqsRequestsPerSecond) * PRICES.sqsRequest,
    lambda: lambdaCost,
    httpApi: perDay(httpRequestsPerSecond) * PRICES.httpApiRequest,
    eventBridge: perDay(counts['eventbridge:events'] ?? 0) * PRICES.eventBridgeEvent,
    total: 0,
  };
  costPerDay.total = costPerDay.dynamoWrites + costPerDay.dynamoReads + costPerDay.sqs + costPerDay.lambda + costPerDay.httpApi + costPerDay.eventBridge;
  const hot = figures.hottestTransactedItem;
  return {
    figures,
    lambda: lambda.map(({ fn, invocationsPerSecond, concurrency }) => ({ fn, invocationsPerSecond, concurrency })),
    sqsRequestsPerSecond,
    httpRequestsPerSecond,
    costPerDay,
    ...(hot ? { conflict: { ...hot, probability: conflictProbability(hot.perSecond, ASSUMED_TRANSACTION_SECONDS) } } : {}),
  };
}

const CONFIGURED_SHARDS: Record<string, number> = {
  'byExpiry day shard': EXPIRY_INDEX_SHARDS,
  'byLine shard of the short code': BY_LINE_SHARDS,
  'byContact account shard': CONTACT_INDEX_SHARDS,
};

function configuredShards(keyClass: string): number | undefined {
  if (keyClass.startsWith('stats counter shard')) return STATS_SHARDS;
  return CONFIGURED_SHARDS[keyClass];
}

/** Shard counts from the numbers: each sharded class's total at the peak, spread as measured. */
export function shardSizing(peak: readonly KeyRate[], imbalances: ReadonlyMap<string, number>): ShardSizing[] {
  const classes = new Map<string, KeyRate[]>();
  for (const key of peak) {
    if (configuredShards(key.keyClass.name) === undefined) continue;
    const list = classes.get(key.keyClass.name) ?? [];
    list.push(key);
    classes.set(key.keyClass.name, list);
  }
  return [...classes.entries()].map(([keyClass, keys]) => {
    const configured = configuredShards(keyClass) ?? 1;
    // Only the busiest group of shards counts (one expiry day, one stats dimension of one account).
    const byGroup = new Map<string, KeyRate[]>();
    for (const key of keys) {
      const group = key.partition.replace(/#\d+$/, '');
      byGroup.set(group, [...(byGroup.get(group) ?? []), key]);
    }
    const busiest = [...byGroup.values()].sort((a, b) => total(b, 'wcuPerSecond') - total(a, 'wcuPerSecond'))[0] ?? [];
    const wcu = total(busiest, 'wcuPerSecond');
    const rcu = total(busiest, 'rcuPerSecond');
    const imbalance = imbalances.get(keyClass) ?? 1;
    return {
      keyClass,
      configured,
      observedKeys: busiest.length,
      peakTotalWcu: wcu,
      peakTotalRcu: rcu,
      imbalance,
      needed: Math.max(shardsNeeded(wcu, PARTITION_LIMITS.wcu, imbalance), shardsNeeded(rcu, PARTITION_LIMITS.rcu, imbalance)),
    };
  });
}

function total(keys: readonly KeyRate[], field: 'wcuPerSecond' | 'rcuPerSecond'): number {
  return keys.reduce((sum, key) => sum + key[field], 0);
}

export function buildScalingModel(ledger: CapacityLedger, world: SimulatedWorld, full: FullScale = FULL_SCALE): ScalingModel {
  const classify = classifier(world);
  const imbalances = measuredImbalance(ledger, classify);
  const context: ModelContext = { full, otherSimLines: world.otherLines, classify, imbalance: (name) => imbalances.get(name) ?? 1 };
  const scenarios = daySpecs(full)
    .filter((spec) => ledger.scenarios.has(spec.name))
    .map((spec) => loadOf(scenarioFigures(ledger, spec, context), full));
  // The worst moment: every scenario at once (the burst on top of the sustained traffic, the storm, an import and the sweep).
  const peak = combinedKeyRates(scenarios.map((scenario) => scenario.figures));
  const violations = peak.filter((key) => utilisation(key) > HEADROOM);
  // Transactions on one item add up across the scenarios running at once, like units on a key.
  const itemRates = new Map<string, number>();
  for (const scenario of scenarios) for (const [item, perSecond] of scenario.figures.transactedItemRates) itemRates.set(item, (itemRates.get(item) ?? 0) + perSecond);
  const [hotItem, hotRate] = [...itemRates.entries()].sort((a, b) => b[1] - a[1])[0] ?? [];
  const peakConflict = hotItem !== undefined && hotRate !== undefined ? { item: hotItem, perSecond: hotRate, probability: conflictProbability(hotRate, ASSUMED_TRANSACTION_SECONDS) } : undefined;
  return {
    full,
    scenarios,
    peak,
    violations,
    shardSizing: shardSizing(peak, imbalances),
    imbalances,
    headroomPercent: HEADROOM * 100,
    costPerDay: scenarios.reduce((sum, scenario) => sum + scenario.costPerDay.total, 0),
    ...(peakConflict ? { peakConflict } : {}),
  };
}
