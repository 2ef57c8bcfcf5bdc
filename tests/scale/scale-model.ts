import type { CapacityLedger, PartitionUsage, ScenarioUsage } from './capacity-ledger.ts';

/**
 * The capacity model: what the simulation measured at a reduced scale (capacity-ledger.ts),
 * extrapolated to the deployment of issue 11. Pure: no I/O, unit-tested with hand-made ledgers.
 *
 * How counts scale (the point of the model):
 * - Units per event (message, webhook, row, deleted item) do not change with scale: totals are
 *   units per event × the full-scale event rate.
 * - A partition key's rate depends on how many such keys exist at full scale:
 *   - `entity` keys (a contact's partition, a gate receipt, a rate counter per sender) multiply with
 *     the workload: each gets the same few requests at full scale as in the simulation, spread over
 *     the scenario's full-scale duration — but never less than its busiest single request, which
 *     lands within one second whatever the scale.
 *   - `shared` keys (index shards, counter shards, the account's settings partition, a line's
 *     index shards, singletons) are as many at full scale as in the simulation: each keeps its share
 *     of the scenario's units, so its rate grows with total traffic. The share is taken over the part
 *     of the scenario in which the key was active (first to last request that touched it), so a key
 *     worked on in turn (the sweep's buckets) is priced at the rate it gets while it is worked on,
 *     not diluted over the whole run.
 *   - `line` keys of the other lines (routes, byLine shards): the simulation has a few lines that
 *     stand for the 9,999 ordinary lines at full scale, so each simulated one stands for many and
 *     its share divides among them. The big short code is simulated as itself.
 */

export const PARTITION_LIMITS = { wcu: 1000, rcu: 3000 } as const;
/** The bar: no partition above half its limit. */
export const HEADROOM = 0.5;

export interface FullScale {
  contacts: number;
  lines: number;
  bigLineContacts: number;
  outboundSustainedPerSecond: number;
  outboundBurstPerSecond: number;
  inboundPerSecond: number;
  stopStorm: { count: number; seconds: number };
  importRows: number;
  /** The import back-pressure: rows per second one account may import. */
  importRowsPerSecond: number;
  sweepDeletesPerDay: number;
  /** The sweep's pacing: deletes per second. */
  sweepDeletesPerSecond: number;
}

export type KeyScaling = 'shared' | 'entity' | 'line';

export interface KeyClass {
  /** A name for the report ("byExpiry day shard"). */
  name: string;
  scaling: KeyScaling;
  /** Hash-sharded keys: how many shards the group has (the key ends in `#{shard}`). */
  shards?: number;
}

/** The shard group of a sharded key: the key without its `#{shard}` suffix. */
export function shardGroup(partition: string): string {
  return partition.replace(/#\d+$/, '');
}

export interface ScenarioSpec {
  name: string;
  title: string;
  /** What one event is: "message", "webhook", "row", "deleted item". */
  unit: string;
  /** Events per second at full scale while the scenario runs. */
  ratePerSecond: number;
  /** Seconds per day the scenario runs at that rate. */
  secondsPerDay: number;
  /**
   * A class of keys the scenario works through one at a time (the sweep's expiry buckets): all of
   * the class's units of the moment land on the one key being worked on.
   */
  sequentialClass?: string;
}

export interface ModelContext {
  full: FullScale;
  /** Lines in the simulation besides the big one (each stands for (lines − 1) / otherLines at full scale). */
  otherSimLines: number;
  /** Classifies a partition key (the big line's keys are `shared`: it is simulated as itself). */
  classify(target: string, partition: string): KeyClass;
  /** Busiest shard over the mean of a sharded class, measured over the whole simulation (1 = even). */
  imbalance(className: string): number;
}

export interface KeyRate {
  target: string;
  partition: string;
  keyClass: KeyClass;
  /** Full-scale units per second on this key while the scenario runs. */
  wcuPerSecond: number;
  rcuPerSecond: number;
}

export interface ScenarioFigures {
  spec: ScenarioSpec;
  events: number;
  /** Full-scale units per second by target (table, each index). */
  totals: Record<string, { wcuPerSecond: number; rcuPerSecond: number }>;
  /** Units per event by target, as measured. */
  perEvent: Record<string, { wcu: number; rcu: number }>;
  keys: KeyRate[];
  /** Full-scale counts per second (SQS requests, Lambda invocations…) from the ledger's counts. */
  countsPerSecond: Record<string, number>;
  /** Transactions per second on the busiest item, and on which item. */
  hottestTransactedItem?: { item: string; perSecond: number };
  /** Transactions per second per item of a shared key (counters, settings): what can conflict. */
  transactedItemRates: Map<string, number>;
}

/** Full-scale rate of one key, by its scaling class (see the module comment). */
export function keyRate(
  usage: ScenarioUsage,
  key: PartitionUsage,
  keyClass: KeyClass,
  spec: ScenarioSpec,
  context: Pick<ModelContext, 'full' | 'otherSimLines' | 'imbalance'>,
  group?: { wcu: number; rcu: number },
  classTotal?: { wcu: number; rcu: number },
): { wcuPerSecond: number; rcuPerSecond: number } {
  if (usage.events === 0) return { wcuPerSecond: 0, rcuPerSecond: 0 };
  if (keyClass.scaling === 'entity') {
    // Each entity sees at full scale what it saw here, over the scenario's full-scale duration.
    const fullSeconds = Math.max(1, spec.secondsPerDay);
    return {
      wcuPerSecond: Math.max(key.wcu / fullSeconds, key.peakWcuPerRequest),
      rcuPerSecond: Math.max(key.rcu / fullSeconds, key.peakRcuPerRequest),
    };
  }
  const stand = keyClass.scaling === 'line' ? Math.max(1, (context.full.lines - 1) / Math.max(1, context.otherSimLines)) : 1;
  if (classTotal && spec.sequentialClass === keyClass.name) {
    // Worked on one at a time: the key being worked on takes the class's whole rate.
    return { wcuPerSecond: (classTotal.wcu / usage.events) * spec.ratePerSecond, rcuPerSecond: (classTotal.rcu / usage.events) * spec.ratePerSecond };
  }
  if (keyClass.shards && group) {
    // Hash-spread: the group's units divide evenly over its shards, times the hash's measured
    // imbalance (a sample of a few writes per shard is too noisy to price one shard on its own).
    const share = context.imbalance(keyClass.name) / keyClass.shards;
    return {
      wcuPerSecond: (((group.wcu * share) / usage.events) * spec.ratePerSecond) / stand,
      rcuPerSecond: (((group.rcu * share) / usage.events) * spec.ratePerSecond) / stand,
    };
  }
  return {
    wcuPerSecond: ((key.wcu / usage.events) * spec.ratePerSecond) / stand,
    rcuPerSecond: ((key.rcu / usage.events) * spec.ratePerSecond) / stand,
  };
}

/** Events of the scenario in a full-scale day (rate × seconds). */
export function fullEventsOf(spec: ScenarioSpec): number {
  return spec.ratePerSecond * spec.secondsPerDay;
}

export function scenarioFigures(ledger: CapacityLedger, spec: ScenarioSpec, context: ModelContext): ScenarioFigures {
  const usage = ledger.usage(spec.name);
  const totals: ScenarioFigures['totals'] = {};
  const perEvent: ScenarioFigures['perEvent'] = {};
  const keys: KeyRate[] = [];
  const events = Math.max(1, usage.events);
  const groups = new Map<string, { wcu: number; rcu: number }>();
  const classes = new Map<string, { wcu: number; rcu: number }>();
  for (const key of usage.partitions.values()) {
    for (const [map, id] of [
      [groups, `${key.target}\u0000${shardGroup(key.partition)}`],
      [classes, context.classify(key.target, key.partition).name],
    ] as const) {
      const entry = map.get(id) ?? { wcu: 0, rcu: 0 };
      entry.wcu += key.wcu;
      entry.rcu += key.rcu;
      map.set(id, entry);
    }
  }
  for (const key of usage.partitions.values()) {
    const per = (perEvent[key.target] ??= { wcu: 0, rcu: 0 });
    per.wcu += key.wcu / events;
    per.rcu += key.rcu / events;
    const keyClass = context.classify(key.target, key.partition);
    const group = groups.get(`${key.target}\u0000${shardGroup(key.partition)}`);
    keys.push({ target: key.target, partition: key.partition, keyClass, ...keyRate(usage, key, keyClass, spec, context, group, classes.get(keyClass.name)) });
  }
  for (const [target, per] of Object.entries(perEvent)) {
    totals[target] = { wcuPerSecond: per.wcu * spec.ratePerSecond, rcuPerSecond: per.rcu * spec.ratePerSecond };
  }
  const countsPerSecond = Object.fromEntries(Object.entries(usage.counts).map(([what, count]) => [what, (count / events) * spec.ratePerSecond]));
  let hottestTransactedItem: ScenarioFigures['hottestTransactedItem'];
  const transactedItemRates = new Map<string, number>();
  // Items of a sharded key (counter shards): the item's transactions, summed over its shards, spread as the hash does.
  const itemGroups = new Map<string, number>();
  for (const [item, count] of usage.transactedItems) {
    const [pk = '', sk = ''] = item.split('\u0000');
    const keyClass = context.classify('table', pk);
    if (keyClass.scaling !== 'shared') continue;
    const id = keyClass.shards ? `${shardGroup(pk)}#*\u0000${sk}` : item;
    itemGroups.set(id, (itemGroups.get(id) ?? 0) + count);
  }
  for (const [id, count] of itemGroups) {
    const pk = id.split('\u0000')[0] ?? '';
    const keyClass = context.classify('table', pk.replace(/#\*$/, '#0'));
    const share = keyClass.shards ? context.imbalance(keyClass.name) / keyClass.shards : 1;
    const perSecond = ((count * share) / events) * spec.ratePerSecond;
    transactedItemRates.set(id, perSecond);
    if (!hottestTransactedItem || perSecond > hottestTransactedItem.perSecond) hottestTransactedItem = { item: id, perSecond };
  }
  keys.sort((a, b) => utilisation(b) - utilisation(a));
  return { spec, events: usage.events, totals, perEvent, keys, countsPerSecond, transactedItemRates, ...(hottestTransactedItem ? { hottestTransactedItem } : {}) };
}

/** The larger of a key's write and read use, as a fraction of the partition limit. */
export function utilisation(rate: { wcuPerSecond: number; rcuPerSecond: number }): number {
  return Math.max(rate.wcuPerSecond / PARTITION_LIMITS.wcu, rate.rcuPerSecond / PARTITION_LIMITS.rcu);
}

/**
 * Scenarios that run at the same time add up on the keys they share (a byExpiry shard receives the
 * burst's history items, the webhooks' audit events and the import's rows at once): the peak is the
 * per-key sum over the scenarios of a combination.
 */
export function combinedKeyRates(figures: readonly ScenarioFigures[]): KeyRate[] {
  const sum = new Map<string, KeyRate>();
  for (const figure of figures) {
    for (const key of figure.keys) {
      const id = `${key.target}\u0000${key.partition}`;
      const entry = sum.get(id) ?? { ...key, wcuPerSecond: 0, rcuPerSecond: 0 };
      entry.wcuPerSecond += key.wcuPerSecond;
      entry.rcuPerSecond += key.rcuPerSecond;
      sum.set(id, entry);
    }
  }
  return [...sum.values()].sort((a, b) => utilisation(b) - utilisation(a));
}

/**
 * Shards a hash-sharded key needs so that `unitsPerSecond` (the total of its class at the peak)
 * stays under the headroom, with `imbalance` (the busiest shard over the mean, measured) on top.
 */
export function shardsNeeded(unitsPerSecond: number, limit: number, imbalance: number): number {
  const shards = Math.ceil((unitsPerSecond * imbalance) / (limit * HEADROOM));
  return 2 ** Math.ceil(Math.log2(Math.max(1, shards)));
}

/**
 * The hash's imbalance per sharded class, over every scenario of the ledger (setup included: the
 * more writes, the less sampling noise): per group, writes on the busiest shard over the mean
 * (shards never written count as zero); the group with the most writes speaks for its class.
 */
export function measuredImbalance(ledger: CapacityLedger, classify: ModelContext['classify']): Map<string, number> {
  const groups = new Map<string, { className: string; shards: number; perShard: Map<string, number> }>();
  for (const usage of ledger.scenarios.values()) {
    for (const key of usage.partitions.values()) {
      const keyClass = classify(key.target, key.partition);
      if (!keyClass.shards) continue;
      const id = `${key.target}\u0000${shardGroup(key.partition)}`;
      const group = groups.get(id) ?? { className: keyClass.name, shards: keyClass.shards, perShard: new Map<string, number>() };
      group.perShard.set(key.partition, (group.perShard.get(key.partition) ?? 0) + key.wcu + key.rcu);
      groups.set(id, group);
    }
  }
  const best = new Map<string, { units: number; imbalance: number }>();
  for (const group of groups.values()) {
    const rates = [...group.perShard.values()];
    while (rates.length < group.shards) rates.push(0);
    const units = rates.reduce((sum, rate) => sum + rate, 0);
    const current = best.get(group.className);
    if (!current || units > current.units) best.set(group.className, { units, imbalance: imbalanceOf(rates) });
  }
  return new Map([...best.entries()].map(([name, { imbalance }]) => [name, imbalance]));
}

/** The busiest shard over the mean of a class of keys (1 = perfectly even). */
export function imbalanceOf(rates: readonly number[]): number {
  if (rates.length === 0) return 1;
  const mean = rates.reduce((sum, rate) => sum + rate, 0) / rates.length;
  return mean === 0 ? 1 : Math.max(...rates) / mean;
}

/** Probability that a transaction finds its busiest item held by another, at `perSecond` on that item. */
export function conflictProbability(perSecond: number, transactionSeconds: number): number {
  // Poisson arrivals: the chance another transaction on the item overlaps this one's window (both sides).
  return 1 - Math.exp(-perSecond * 2 * transactionSeconds);
}
