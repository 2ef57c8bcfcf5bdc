import { describe, expect, it } from 'vitest';
import { checkedVisibility, MAX_RECEIVE_COUNT, visibilityTimeoutFor } from '../../../infra/local/provision.ts';
import { FUNCTIONS, type FunctionDefinition } from '../../../shared/manifest.ts';

const gate = (FUNCTIONS as readonly FunctionDefinition[]).find((fn) => fn.name === 'outbound-gate');

describe('outbound gate wiring (manifest → CDK app and local stack)', () => {
  it('is triggered by the outbound queue with a batch size Lambda accepts for its window', () => {
    const trigger = gate?.triggers.find((candidate) => candidate.kind === 'sqs');
    expect(trigger).toMatchObject({ kind: 'sqs', queue: 'outbound' });
    if (trigger?.kind !== 'sqs') return;
    expect(trigger.batchSize).toBeGreaterThanOrEqual(1);
    expect(trigger.batchSize).toBeLessThanOrEqual(10_000);
    // Lambda requires a batching window for batches above 10 on standard queues.
    if (trigger.batchSize > 10) expect(trigger.maxBatchingWindowSeconds).toBeGreaterThanOrEqual(1);
    expect(trigger.maxBatchingWindowSeconds).toBeLessThanOrEqual(300);
  });

  it('may send where its outcomes go, and only there', () => {
    expect([...(gate?.sendsTo ?? [])].sort()).toEqual(['dispatch', 'outbound', 'outboundDlq', 'suppressed']);
    // Reads and writes, but never deletes: claims expire by lease and history by TTL.
    // Reads, claims and receipts (Put), counters (Update): no deletes, no batch writes.
    expect(gate?.table).toEqual(['GetItem', 'BatchGetItem', 'Query', 'PutItem', 'UpdateItem']);
  });

  it('gets a visibility timeout of at least 6 × its timeout and a DLQ after at least 5 receives', () => {
    expect(visibilityTimeoutFor('outbound')).toBeGreaterThanOrEqual(6 * (gate?.timeoutSeconds ?? Infinity));
    expect(MAX_RECEIVE_COUNT).toBeGreaterThanOrEqual(5);
  });

  it('lets tests shorten the local visibility timeout, never to where a message returns while its claim may be held', () => {
    const floor = (gate?.timeoutSeconds ?? 0) + 5;
    expect(checkedVisibility('outbound', floor + 1)).toBe(floor + 1);
    expect(() => checkedVisibility('outbound', floor)).toThrow(/above 35/);
    expect(() => checkedVisibility('outbound', 10.5)).toThrow(/whole number/);
  });
});
