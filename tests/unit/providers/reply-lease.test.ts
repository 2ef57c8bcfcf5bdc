import { describe, expect, it } from 'vitest';
import { FUNCTIONS, type FunctionDefinition } from '../../../shared/manifest.ts';
import { REPLY_LEASE_MS } from '../../../shared/use-cases/handle-inbound-message.ts';

describe('REPLY_LEASE_MS', () => {
  it('outlasts every function that sends replies asynchronously, so a live holder is never overtaken', () => {
    const repliers = (FUNCTIONS as readonly FunctionDefinition[]).filter((fn) => fn.name === 'inbound-aws-sms' || fn.name === 'inbound-whatsapp');
    expect(repliers.map((fn) => fn.name).sort()).toEqual(['inbound-aws-sms', 'inbound-whatsapp']);
    for (const fn of repliers) expect(REPLY_LEASE_MS).toBeGreaterThanOrEqual((fn.timeoutSeconds + 5) * 1000);
  });
});
