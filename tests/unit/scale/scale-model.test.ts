import { describe, expect, it } from 'vitest';
import { CapacityLedger } from '../../scale/capacity-ledger.ts';
import { indexWrites, itemSize, readUnits, summarize, writeUnits, type IndexSpec, type WireItem } from '../../scale/capacity-units.ts';
import {
  combinedKeyRates,
  conflictProbability,
  measuredImbalance,
  scenarioFigures,
  shardsNeeded,
  utilisation,
  type FullScale,
  type KeyClass,
  type ModelContext,
  type ScenarioSpec,
} from '../../scale/scale-model.ts';

const FULL: FullScale = {
  contacts: 100_000_000,
  lines: 10_000,
  bigLineContacts: 20_000_000,
  outboundSustainedPerSecond: 5000,
  outboundBurstPerSecond: 50_000,
  inboundPerSecond: 500,
  stopStorm: { count: 20_000, seconds: 300 },
  importRows: 10_000_000,
  importRowsPerSecond: 2000,
  sweepDeletesPerDay: 1_000_000,
  sweepDeletesPerSecond: 300,
};

const classify = (target: string, partition: string): KeyClass => {
  if (target === 'byExpiry') return { name: 'expiry shard', scaling: 'shared', shards: 4 };
  if (partition.startsWith('C#')) return { name: 'contact', scaling: 'entity' };
  if (partition.startsWith('L#')) return { name: 'line', scaling: 'line' };
  return { name: 'settings', scaling: 'shared' };
};
const context: ModelContext = { full: FULL, otherSimLines: 3, classify, imbalance: () => 1 };
const spec: ScenarioSpec = { name: 'outbound', title: 'Outbound', unit: 'message', ratePerSecond: 5000, secondsPerDay: 86_400 };

/** A tiny simulated run: `messages` messages, each one request writing its contact's item and an index entry on a shard. */
function tinyRun(messages: number, options: { settingsReads?: number; lineWrites?: number; shardOf?: (index: number) => number } = {}): CapacityLedger {
  const ledger = new CapacityLedger();
  ledger.begin('outbound');
  for (let index = 0; index < messages; index += 1) {
    const request = ledger.request('TransactWriteItems');
    request.write('table', `C#${index % (messages / 2)}`, 2);
    request.write('byExpiry', `EXP#2026-12-06#${(options.shardOf ?? ((n) => n % 4))(index)}`, 1);
    if (index < (options.lineWrites ?? 0)) request.write('table', 'L#ordinary', 1);
    request.transacted('STATS#campaign', '2026-12-06#c1');
    request.done();
  }
  for (let index = 0; index < (options.settingsReads ?? 0); index += 1) {
    const request = ledger.request('BatchGetItem');
    request.read('table', 'A#account', 1);
    request.done();
  }
  ledger.setEvents('outbound', messages);
  ledger.count('outbound', 'sqs:SendMessageBatch', messages / 10);
  return ledger;
}

describe('the capacity model (the simulation core at a tiny scale)', () => {
  it('totals: units per event × the full-scale rate', () => {
    const figures = scenarioFigures(tinyRun(1000), spec, context);
    expect(figures.perEvent.table?.wcu).toBeCloseTo(2);
    expect(figures.totals.table?.wcuPerSecond).toBeCloseTo(10_000);
    expect(figures.totals.byExpiry?.wcuPerSecond).toBeCloseTo(5000);
    expect(figures.countsPerSecond['sqs:SendMessageBatch']).toBeCloseTo(500);
  });

  it('a shared key keeps its share of the traffic (it grows with the rate); a per-contact key does not', () => {
    const figures = scenarioFigures(tinyRun(1000), spec, context);
    const shard = figures.keys.find((key) => key.partition === 'EXP#2026-12-06#1');
    // Four shards hash-spread over the whole run: a quarter of 5,000 index writes a second.
    expect(shard?.wcuPerSecond).toBeCloseTo(1250);
    // A contact got 2 messages (4 units) over the day: its rate is its busiest request, not a share of 5,000/s.
    const contact = figures.keys.find((key) => key.partition === 'C#7');
    expect(contact?.wcuPerSecond).toBe(2);
    // Twice the simulated messages does not change either (the figures are per event).
    const bigger = scenarioFigures(tinyRun(2000), spec, context);
    expect(bigger.keys.find((key) => key.partition === 'EXP#2026-12-06#1')?.wcuPerSecond).toBeCloseTo(1250);
    expect(bigger.keys.find((key) => key.partition === 'C#7')?.wcuPerSecond).toBe(2);
  });

  it('an ordinary line stands for many at full scale: its share divides among them', () => {
    const figures = scenarioFigures(tinyRun(1000, { lineWrites: 1000 }), spec, context);
    // 1 unit per message on the simulated line = 5,000/s, shared by 9,999 / 3 real lines.
    expect(figures.keys.find((key) => key.partition === 'L#ordinary')?.wcuPerSecond).toBeCloseTo(5000 / (9999 / 3));
  });

  it('a class worked through one key at a time (the sweep’s buckets) puts the whole rate on the key being worked on', () => {
    const ledger = tinyRun(1000, { shardOf: (index) => Math.floor(index / 250) });
    const figures = scenarioFigures(ledger, { ...spec, sequentialClass: 'expiry shard' }, context);
    expect(figures.keys.find((key) => key.partition === 'EXP#2026-12-06#2')?.wcuPerSecond).toBeCloseTo(5000);
    // The same writes hash-spread over 4 shards: a quarter each.
    expect(scenarioFigures(ledger, spec, context).keys.find((key) => key.partition === 'EXP#2026-12-06#2')?.wcuPerSecond).toBeCloseTo(1250);
  });

  it('a hash that favours a shard shows in the measured imbalance and in the shards needed', () => {
    // Half of the writes to shard 0, the rest spread: shard 0 takes 2.5× its share.
    const ledger = tinyRun(1000, { shardOf: (index) => (index % 2 === 0 ? 0 : 1 + (index % 3)) });
    const imbalance = measuredImbalance(ledger, classify).get('expiry shard') ?? 0;
    expect(imbalance).toBeCloseTo(2);
    const skewed = scenarioFigures(ledger, spec, { ...context, imbalance: () => imbalance });
    expect(skewed.keys.find((key) => key.partition === 'EXP#2026-12-06#0')?.wcuPerSecond).toBeCloseTo(2500);
    expect(shardsNeeded(5000, 1000, imbalance)).toBe(32);
    expect(shardsNeeded(5000, 1000, 1)).toBe(16);
  });

  it('a rarely read key (a cached settings item) is priced at its share of all events', () => {
    const figures = scenarioFigures(tinyRun(1000, { settingsReads: 2 }), spec, context);
    expect(figures.keys.find((key) => key.partition === 'A#account')?.rcuPerSecond).toBeCloseTo(10);
  });

  it('scenarios at once add up per key; utilisation and conflicts follow from the sums', () => {
    const sustained = scenarioFigures(tinyRun(1000), spec, context);
    const burst = scenarioFigures(tinyRun(1000), { ...spec, name: 'outbound', ratePerSecond: 50_000 }, context);
    const peak = combinedKeyRates([sustained, burst]);
    const shard = peak.find((key) => key.partition === 'EXP#2026-12-06#1');
    expect(shard?.wcuPerSecond).toBeCloseTo(13_750);
    expect(utilisation(shard ?? { wcuPerSecond: 0, rcuPerSecond: 0 })).toBeCloseTo(13.75);
    // One counter item in every message's transaction: 5,000 transactions a second on one item cannot work.
    expect(sustained.transactedItemRates.get('STATS#campaign\u00002026-12-06#c1')).toBeCloseTo(5000);
    expect(conflictProbability(sustained.hottestTransactedItem?.perSecond ?? 0, 0.02)).toBeGreaterThan(0.99);
  });
});

describe('DynamoDB billing arithmetic', () => {
  const indexes: IndexSpec[] = [
    { name: 'byExpiry', partitionKey: 'gsi2pk', sortKey: 'gsi2sk', projection: 'KEYS_ONLY' },
    { name: 'byLine', partitionKey: 'gsi1pk', sortKey: 'gsi1sk', projection: 'ALL' },
  ];
  const item = (status: string, expiry: string): WireItem => ({
    pk: { S: 'A#a#C#+1' },
    sk: { S: 'CONSENT#sms#l1' },
    status: { S: status },
    n: { N: '12345' },
    gsi1pk: { S: 'A#a#L#l1#3' },
    gsi1sk: { S: `${status}#+1` },
    gsi2pk: { S: `EXP#${expiry}#5` },
    gsi2sk: { S: `1800000000#A#a#C#+1#CONSENT#sms#l1` },
  });

  it('prices item sizes and units as DynamoDB bills them', () => {
    expect(itemSize({ a: { S: 'xyz' }, bb: { N: '12345' } })).toBe(1 + 3 + 2 + 4);
    expect(writeUnits(1)).toBe(1);
    expect(writeUnits(1025)).toBe(2);
    expect(readUnits(4097, true)).toBe(2);
    expect(readUnits(100, false)).toBe(0.5);
  });

  it('derives index writes from the item before and after a write', () => {
    const created = indexWrites(undefined, summarize(item('opted_in', '2027-01-01'), indexes), indexes);
    expect(created.map((write) => [write.index, write.kind])).toEqual([
      ['byExpiry', 'put'],
      ['byLine', 'put'],
    ]);
    // STOP: the byLine sort key changes (delete + put); the byExpiry entry is untouched (keys only, same keys).
    const changed = indexWrites(summarize(item('opted_in', '2027-01-01'), indexes), summarize(item('opted_out', '2027-01-01'), indexes), indexes);
    expect(changed.map((write) => [write.index, write.kind, write.partition])).toEqual([
      ['byLine', 'delete', 'A#a#L#l1#3'],
      ['byLine', 'put', 'A#a#L#l1#3'],
    ]);
    // A rewrite of the same item changes nothing in either index.
    expect(indexWrites(summarize(item('opted_in', '2027-01-01'), indexes), summarize(item('opted_in', '2027-01-01'), indexes), indexes)).toEqual([]);
    // Deleted: one write per index entry it had.
    expect(indexWrites(summarize(item('opted_in', '2027-01-01'), indexes), undefined, indexes)).toHaveLength(2);
  });

  it('estimates the conflict chance of transactions on one item', () => {
    expect(conflictProbability(0, 0.02)).toBe(0);
    expect(conflictProbability(2.5, 0.02)).toBeCloseTo(1 - Math.exp(-0.1));
  });
});
