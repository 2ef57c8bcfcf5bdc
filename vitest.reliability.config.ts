import { defineConfig } from 'vitest/config';

/**
 * `npm run test:reliability`: the promises under stress (duplicates, reordering, fuzzing, forged
 * signatures, injected faults, tenant probes, opt-out latency) on a local stack of their own, whose
 * DynamoDB and SQS calls pass through fault-injecting proxies. A config of its own, not a project of
 * vitest.config.ts: the local server runs the handler modules in the vitest process, one stack per process.
 */
export default defineConfig({
  test: {
    name: 'reliability',
    include: ['tests/reliability/**/*.test.ts'],
    environment: 'node',
    globalSetup: ['tests/reliability/global-setup.ts'],
    testTimeout: 600_000,
    hookTimeout: 300_000,
    // One file at a time: the fault run must not overlap the state comparisons of the fuzz and signature files.
    fileParallelism: false,
  },
});
