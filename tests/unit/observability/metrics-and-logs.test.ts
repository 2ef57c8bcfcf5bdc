import { readFileSync } from 'node:fs';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InvalidSignatureError, ValidationError } from '../../../shared/domain/errors.ts';
import { httpHandler, type HttpEvent } from '../../../shared/http/http-handler.ts';
import { countGateDecisions } from '../../../shared/observability/gate-metrics.ts';
import { logger, maskingJsonReplacer, maskPersonalData } from '../../../shared/observability/logger.ts';
import { METRIC_NAMES, PowertoolsMetricsSink, useMetricsSink, type MetricName } from '../../../shared/observability/metrics.ts';

type Count = { name: MetricName; value: number; dimensions: Readonly<Record<string, string>> };

function recordingSink(): { counts: Count[]; count: (name: MetricName, value: number, dimensions: Readonly<Record<string, string>>) => void } {
  const counts: Count[] = [];
  return { counts, count: (name, value, dimensions) => void counts.push({ name, value, dimensions }) };
}

describe('Powertools metrics sink (EMF on stdout)', () => {
  let lines: string[];
  beforeEach(() => {
    lines = [];
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
  });
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  });

  it('writes one EMF line per count, in the stage namespace, with the service and the given dimension', () => {
    const sink = new PowertoolsMetricsSink(new Metrics({ namespace: 'optgate/prod', serviceName: 'optgate' }));
    sink.count(METRIC_NAMES.optOuts, 2, { channel: 'sms' });
    const emf = lines.map((line) => JSON.parse(line) as Record<string, unknown>).find((line) => '_aws' in line);
    expect(emf).toMatchObject({
      _aws: { CloudWatchMetrics: [{ Namespace: 'optgate/prod', Dimensions: [expect.arrayContaining(['service', 'channel'])], Metrics: [{ Name: 'OptOuts', Unit: 'Count' }] }] },
      service: 'optgate',
      channel: 'sms',
      OptOuts: 2,
    });
  });

  it('writes nothing for a zero count', () => {
    new PowertoolsMetricsSink(new Metrics({ namespace: 'optgate/prod', serviceName: 'optgate' })).count(METRIC_NAMES.gateDecisions, 0, { outcome: 'deferred' });
    expect(lines.filter((line) => line.includes('_aws'))).toEqual([]);
  });
});

describe('application counts', () => {
  it('counts a gate batch by outcome: allowed, blocked, deferred, invalid (duplicates and retries decided nothing)', () => {
    const sink = recordingSink();
    countGateDecisions({ received: 9, dispatched: 3, suppressed: 2, deferred: 1, invalid: 1, duplicates: 1, failed: 1 }, sink);
    expect(sink.counts).toEqual([
      { name: 'GateDecisions', value: 3, dimensions: { outcome: 'allowed' } },
      { name: 'GateDecisions', value: 2, dimensions: { outcome: 'blocked' } },
      { name: 'GateDecisions', value: 1, dimensions: { outcome: 'deferred' } },
      { name: 'GateDecisions', value: 1, dimensions: { outcome: 'invalid' } },
    ]);
  });

  it('counts a rejected webhook signature by route, and no other rejection', async () => {
    const sink = recordingSink();
    const restore = useMetricsSink(sink);
    try {
      const event = JSON.parse(readFileSync(new URL('../../../events/inbound-twilio.stop.json', import.meta.url), 'utf8')) as HttpEvent;
      const forged = httpHandler(async () => {
        throw new InvalidSignatureError();
      });
      const invalid = httpHandler(async () => {
        throw new ValidationError('To is required');
      });
      expect((await forged(event, {} as Context))?.statusCode).toBe(403);
      expect((await invalid(event, {} as Context))?.statusCode).toBe(400);
      expect(sink.counts).toEqual([{ name: 'SignatureFailures', value: 1, dimensions: { source: 'POST /webhooks/twilio' } }]);
    } finally {
      restore();
    }
  });
});

describe('log masking (the net under maskContact)', () => {
  it('masks phone numbers and email addresses anywhere in a string', () => {
    expect(maskPersonalData('No line for +12025550143 (whatsapp:+447700900123), path /v1/contacts/%2B33612345678/consent')).toBe(
      'No line for +12***43 (whatsapp:+44***23), path /v1/contacts/+33***78/consent',
    );
    expect(maskPersonalData('Bounce for Jane.Doe@example.org from news@acme.example')).toBe('Bounce for J***@example.org from n***@acme.example');
  });

  it('leaves ids, times, counts and already masked values alone', () => {
    for (const text of ['acc_01jbench000000000000000000', '2026-11-24T09:00:00.000Z', 'deleted 20003 items', '+12***43', 'j***@example.org', 'SM0123456789abcdef']) {
      expect(maskPersonalData(text)).toBe(text);
    }
  });

  it('applies to every string of a log line, error messages and stacks included', () => {
    const error = new Error('Conflict for +12025550143');
    const line = JSON.stringify({ message: 'failed', contact: 'jane@example.org', error: { message: error.message, stack: error.stack }, count: 3 }, maskingJsonReplacer);
    expect(line).not.toMatch(/\+12025550143|jane@example\.org/);
    expect(line).toContain('+12***43');
    expect(JSON.parse(line)).toMatchObject({ count: 3 });
  });

  it('is what the service logger writes with', () => {
    const lines: string[] = [];
    const capture = (chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    };
    // Warnings go to stderr, information to stdout. The level is pinned: a run of every project
    // together inherits the integration setup's POWERTOOLS_LOG_LEVEL=SILENT.
    const level = logger.getLevelName();
    logger.setLogLevel('WARN');
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
    try {
      logger.warn('Rejected a message from +12025550143', { sender: 'jane@example.org' });
    } finally {
      out.mockRestore();
      err.mockRestore();
      logger.setLogLevel(level);
    }
    const line = lines.join('');
    expect(line).toContain('Rejected a message from +12***43');
    expect(line).toContain('j***@example.org');
    expect(line).not.toMatch(/\+12025550143|jane@example\.org/);
  });
});
