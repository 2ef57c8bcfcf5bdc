import { describe, it, expect, beforeAll } from 'vitest';
import { FUNCTIONS } from '../../../shared/manifest.ts';
import { synthOptgate, TEST_KEY_HASH, type SynthesizedOptgate } from '../../support/cdk.ts';

/**
 * One snapshot of both templates of a production stage, so any change to the deployed resources shows
 * up in review as a diff. Kept stable across code edits: asset hashes (which change with every edit
 * of a handler) are replaced by a placeholder.
 */

/** 64 hex digits: asset hashes (S3 keys, asset paths). The operator key hash of the test is stable and kept. */
function normalise(template: unknown): unknown {
  return JSON.parse(
    JSON.stringify(template).replace(/[0-9a-f]{64}/g, (hash) => (hash === TEST_KEY_HASH ? hash : '[asset-hash]')),
  );
}

let synthesized: SynthesizedOptgate;
beforeAll(() => {
  synthesized = synthOptgate({ stage: 'prod', operatorKeySha256: TEST_KEY_HASH, alarmEmail: 'oncall@example.com' }, FUNCTIONS);
});

describe('production templates', () => {
  it('match the reviewed snapshot (run `npx vitest run -u tests/unit/infra/template-snapshot.test.ts` after an intended change)', () => {
    expect({
      stateful: normalise(synthesized.statefulTemplate.toJSON()),
      stateless: normalise(synthesized.statelessTemplate.toJSON()),
    }).toMatchSnapshot();
  });

  it('normalises only asset hashes', () => {
    const text = JSON.stringify(normalise(synthesized.statelessTemplate.toJSON()));
    expect(text).toContain('[asset-hash]');
    expect(text).toContain(TEST_KEY_HASH);
  });
});
