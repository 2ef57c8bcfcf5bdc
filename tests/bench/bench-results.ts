import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** Where benchmarks leave their measured counts for the cost model (git-ignored). */
const DIR = resolve(import.meta.dirname, '../../test-output/bench');

export function saveResult(name: string, data: unknown): void {
  mkdirSync(DIR, { recursive: true });
  writeFileSync(resolve(DIR, `${name}.json`), `${JSON.stringify({ measuredAt: new Date().toISOString(), ...(data as object) }, null, 2)}\n`);
}

export function loadResult<T>(name: string): (T & { measuredAt: string }) | undefined {
  const file = resolve(DIR, `${name}.json`);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T & { measuredAt: string }) : undefined;
}

/** Write request units DynamoDB bills: plain writes as DynamoDB Local reported them, transactions as computed by the proxy. */
export function billedWriteUnits(measured: { writeUnits: number; transactWriteUnits: number }): number {
  return measured.writeUnits + measured.transactWriteUnits;
}

/** The webhook kinds bench:webhooks counts one at a time (bench:cost's mix names them). */
export const WEBHOOK_KINDS = {
  stop: 'STOP (consent change)',
  chatterFirst: "chatter, the contact's first message of the day",
  chatterLater: 'chatter, later the same day',
  redelivery: 'redelivery (duplicate)',
} as const;
