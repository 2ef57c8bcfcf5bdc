/**
 * What the simulation measured, per scenario: capacity units per table or index partition key,
 * requests by operation, items written in transactions (for the conflict estimate), and the
 * scenario's own counts (messages, webhooks, rows, items deleted; SQS requests; Lambda invocations).
 * Pure bookkeeping: the capacity proxy and the scenario driver write into it, the scale model reads it.
 */

/** `table` or an index name. */
export type Target = string;

export interface PartitionUsage {
  target: Target;
  partition: string;
  rcu: number;
  wcu: number;
  requests: number;
  /** Ledger sequence numbers (requests, in order) of the first and last request that touched it. */
  firstSeq: number;
  lastSeq: number;
  /** The most units one request spent on this partition (a transaction's items of one contact, say). */
  peakRcuPerRequest: number;
  peakWcuPerRequest: number;
}

export interface ScenarioUsage {
  name: string;
  /** DynamoDB requests by operation. */
  operations: Record<string, number>;
  /** The scenario's own unit of work (messages, webhooks, rows, items deleted), set by the driver. */
  events: number;
  /** Other counts the driver or the proxies record: `sqs:SendMessageBatch`, `lambda:outbound-gate`… */
  counts: Record<string, number>;
  partitions: Map<string, PartitionUsage>;
  /** Transactional writes per item (table pk + sk): two transactions on one item at once conflict. */
  transactedItems: Map<string, number>;
  firstSeq: number;
  lastSeq: number;
}

export interface RequestRecorder {
  read(target: Target, partition: string, units: number): void;
  write(target: Target, partition: string, units: number): void;
  transacted(pk: string, sk: string): void;
  /** Closes the request: per-request peaks are taken here. */
  done(): void;
}

export function partitionId(target: Target, partition: string): string {
  return `${target}\u0000${partition}`;
}

export class CapacityLedger {
  private current = 'setup';
  private seq = 0;
  readonly scenarios = new Map<string, ScenarioUsage>();

  /** Everything recorded from now on belongs to this scenario (until the next call). */
  begin(name: string): void {
    this.current = name;
  }

  get scenario(): string {
    return this.current;
  }

  usage(name = this.current): ScenarioUsage {
    let usage = this.scenarios.get(name);
    if (!usage) {
      usage = { name, operations: {}, events: 0, counts: {}, partitions: new Map(), transactedItems: new Map(), firstSeq: this.seq, lastSeq: this.seq };
      this.scenarios.set(name, usage);
    }
    return usage;
  }

  setEvents(name: string, events: number): void {
    this.usage(name).events = events;
  }

  count(name: string, what: string, amount = 1): void {
    const usage = this.usage(name);
    usage.counts[what] = (usage.counts[what] ?? 0) + amount;
  }

  request(operation: string): RequestRecorder {
    const usage = this.usage();
    this.seq += 1;
    const seq = this.seq;
    usage.operations[operation] = (usage.operations[operation] ?? 0) + 1;
    usage.lastSeq = seq;
    const spent = new Map<string, { rcu: number; wcu: number }>();
    const touch = (target: Target, partition: string): PartitionUsage => {
      const id = partitionId(target, partition);
      let entry = usage.partitions.get(id);
      if (!entry) {
        entry = { target, partition, rcu: 0, wcu: 0, requests: 0, firstSeq: seq, lastSeq: seq, peakRcuPerRequest: 0, peakWcuPerRequest: 0 };
        usage.partitions.set(id, entry);
      }
      if (!spent.has(id)) {
        spent.set(id, { rcu: 0, wcu: 0 });
        entry.requests += 1;
      }
      entry.lastSeq = seq;
      return entry;
    };
    return {
      read: (target, partition, units) => {
        touch(target, partition).rcu += units;
        (spent.get(partitionId(target, partition)) as { rcu: number }).rcu += units;
      },
      write: (target, partition, units) => {
        touch(target, partition).wcu += units;
        (spent.get(partitionId(target, partition)) as { wcu: number }).wcu += units;
      },
      transacted: (pk, sk) => {
        const id = `${pk}\u0000${sk}`;
        usage.transactedItems.set(id, (usage.transactedItems.get(id) ?? 0) + 1);
      },
      done: () => {
        for (const [id, units] of spent) {
          const entry = usage.partitions.get(id);
          if (!entry) continue;
          entry.peakRcuPerRequest = Math.max(entry.peakRcuPerRequest, units.rcu);
          entry.peakWcuPerRequest = Math.max(entry.peakWcuPerRequest, units.wcu);
        }
      },
    };
  }

  /** Requests recorded in a scenario (its sequence span). */
  requestsIn(name: string): number {
    const usage = this.scenarios.get(name);
    return usage ? Object.values(usage.operations).reduce((sum, count) => sum + count, 0) : 0;
  }
}
