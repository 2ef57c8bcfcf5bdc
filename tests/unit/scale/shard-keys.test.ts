import { describe, expect, it } from 'vitest';
import {
  CONTACT_INDEX_SHARDS,
  contactIndexAttributes,
  EXPIRY_INDEX_SHARDS,
  expiryIndexAttributes,
  keys,
  spreadHash,
  STATS_SHARDS,
} from '../../../shared/adapters/dynamodb/table-keys.ts';
import { imbalanceOf } from '../../scale/scale-model.ts';

function counts(values: readonly number[], shards: number): number[] {
  const perShard = Array.from({ length: shards }, () => 0);
  for (const value of values) perShard[value] = (perShard[value] ?? 0) + 1;
  return perShard;
}

describe('shard keys', () => {
  it('spread a burst of sequential message ids to sequential numbers evenly over the byExpiry shards', () => {
    const expiresAt = 1_800_000_000;
    const shards = Array.from({ length: 51_200 }, (_, index) => {
      const key = keys.outboundMessage('acc_1', `+1303${String(index).padStart(7, '0')}`, `sim-${index}`);
      return Number(expiryIndexAttributes(expiresAt, key.pk, key.sk).gsi2pk.split('#').pop());
    });
    const perShard = counts(shards, EXPIRY_INDEX_SHARDS);
    expect(perShard.every((count) => count > 0)).toBe(true);
    // 200 per shard on average: a uniform hash stays within about 1.3× (the old 31-multiplier hash mod 8 gave 5×).
    expect(imbalanceOf(perShard)).toBeLessThan(1.3);
  });

  it('spread sequential contacts over the byContact shards evenly', () => {
    const shards = Array.from({ length: 16_000 }, (_, index) => Number(contactIndexAttributes('acc_1', `+1404${String(index).padStart(7, '0')}`).gsi3pk.split('#').pop()));
    expect(imbalanceOf(counts(shards, CONTACT_INDEX_SHARDS))).toBeLessThan(1.15);
  });

  it('keep the shards of the old layout inside the new ranges, so readers that query every shard still find old items', () => {
    // Before the capacity model: 8 expiry shards, 4 byContact shards, 8 stats shards.
    for (const [old, current] of [
      [8, EXPIRY_INDEX_SHARDS],
      [4, CONTACT_INDEX_SHARDS],
      [8, STATS_SHARDS],
    ] as const) {
      expect(current % old).toBe(0);
      expect(current).toBeGreaterThan(old);
    }
  });

  it('derive the shard from the key alone, so rewriting an item keeps it in place', () => {
    expect(spreadHash('A#acc#C#+13035550100|MSG#OUT#m1')).toBe(spreadHash('A#acc#C#+13035550100|MSG#OUT#m1'));
    expect(expiryIndexAttributes(1_800_000_000, 'A#acc#C#+1', 'EVENT#1').gsi2pk).toBe(expiryIndexAttributes(1_800_000_100, 'A#acc#C#+1', 'EVENT#1').gsi2pk);
  });
});
