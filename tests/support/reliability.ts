import { inject } from 'vitest';
import type { FaultPlan } from './aws-proxy.ts';

export interface ProxyStats {
  requests: Record<string, number>;
  faults: Record<string, number>;
  total: number;
  faultTotal: number;
}

export interface StackStats {
  proxies: Record<string, ProxyStats>;
  eventSources: { name: string; batches: number; messages: number; failedMessages: number; receiveRequests: number; deleteRequests: number }[];
  /** The local stack's own log: `Unhandled error…` lines are requests whose handler threw (API Gateway's 500). */
  log: { unhandledErrors: number; lines: number; tail: string[] };
}

async function control(method: string, path: string, body?: unknown): Promise<StackStats> {
  const response = await fetch(`${inject('controlUrl')}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`control ${method} ${path}: ${response.status}`);
  return (await response.json()) as StackStats;
}

/** Counters of the reliability stack: requests and faults per AWS operation, event source batches, handler errors. */
export const stackStats = () => control('GET', '/stats');
/** From now on the functions' DynamoDB and / or SQS calls fail as planned. */
export const injectFaults = (plans: { dynamodb?: FaultPlan; sqs?: FaultPlan }) => control('PUT', '/faults', plans);
export const stopFaults = () => control('DELETE', '/faults');
export const resetCounters = () => control('POST', '/reset');

/**
 * Prints a block of measured figures (the suite's output is its report): one line per figure,
 * `name: value`, under a title.
 */
export function printFigures(title: string, figures: Record<string, string | number>): void {
  const width = Math.max(...Object.keys(figures).map((name) => name.length));
  const lines = Object.entries(figures).map(([name, value]) => `  ${name.padEnd(width)}  ${typeof value === 'number' ? value.toLocaleString('en-US') : value}`);
  console.log(`\n[reliability] ${title}\n${lines.join('\n')}\n`);
}
