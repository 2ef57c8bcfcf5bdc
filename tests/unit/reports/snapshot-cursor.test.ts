import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../shared/domain/errors.ts';
import { decodeSnapshotCursor, encodeSnapshotCursor, queryFingerprint } from '../../../shared/domain/reports/snapshot-cursor.ts';

describe('snapshot cursor', () => {
  const fingerprint = queryFingerprint(['line_1', 'opted_out']);
  const cursor = {
    scopeIndex: 1,
    shards: [
      { position: 'opted_out#+12025550143', exhausted: false },
      { position: null, exhausted: true },
      { position: 'opted_in#ann@example.com', exhausted: false },
    ],
  };

  it('round-trips', () => {
    expect(decodeSnapshotCursor(encodeSnapshotCursor(cursor, fingerprint), fingerprint, 3)).toEqual(cursor);
  });

  it('refuses a cursor of another query, a tampered one, and garbage', () => {
    const encoded = encodeSnapshotCursor(cursor, fingerprint);
    expect(() => decodeSnapshotCursor(encoded, queryFingerprint(['line_1', '']), 3)).toThrow(/another query/);
    expect(() => decodeSnapshotCursor(encoded, fingerprint, 8)).toThrow(ValidationError);
    const forged = Buffer.from(JSON.stringify({ v: 1, q: fingerprint, l: 0, p: ['A#other#C#x', null, null], x: 0 })).toString('base64url');
    expect(() => decodeSnapshotCursor(forged, fingerprint, 3)).toThrow(ValidationError);
    expect(() => decodeSnapshotCursor('%%%', fingerprint, 3)).toThrow(ValidationError);
  });
});
