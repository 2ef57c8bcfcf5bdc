import { createHash } from 'node:crypto';
import * as z from '../../validation/zod.ts';
import { ValidationError } from '../errors.ts';
import type { ShardState } from './merge-sorted-shards.ts';

/** Where a snapshot stopped: which scope of the request, and each shard's resume point in it. */
export interface SnapshotCursor {
  scopeIndex: number;
  shards: ShardState[];
}

const cursorSchema = z.strictObject({
  v: z.literal(1),
  /** Fingerprint of the query the cursor belongs to. */
  q: z.string().check(z.length(16)),
  l: z.number().check(z.int(), z.gte(0), z.lte(100)),
  p: z.array(z.union([z.string().check(z.regex(/^opted_(in|out)#[^#\s]{1,320}$/)), z.null()])).check(z.minLength(1), z.maxLength(64)),
  /** Bit i set: shard i is exhausted. */
  x: z.number().check(z.int(), z.gte(0)),
});

export function queryFingerprint(parts: readonly string[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 16);
}

/** Opaque to clients (base64url JSON); the fingerprint stops a cursor being reused with another query. */
export function encodeSnapshotCursor(cursor: SnapshotCursor, fingerprint: string): string {
  const body = {
    v: 1,
    q: fingerprint,
    l: cursor.scopeIndex,
    p: cursor.shards.map((shard) => shard.position),
    x: cursor.shards.reduce((mask, shard, index) => (shard.exhausted ? mask | (1 << index) : mask), 0),
  };
  return Buffer.from(JSON.stringify(body)).toString('base64url');
}

export function decodeSnapshotCursor(value: string, fingerprint: string, shardCount: number): SnapshotCursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const result = cursorSchema.safeParse(parsed);
  if (!result.success || result.data.p.length !== shardCount) throw new ValidationError('cursor is not a value this API returned');
  if (result.data.q !== fingerprint) throw new ValidationError('cursor belongs to another query: keep line and status as they were');
  const { l, p, x } = result.data;
  return { scopeIndex: l, shards: p.map((position, index) => ({ position, exhausted: (x & (1 << index)) !== 0 })) };
}
