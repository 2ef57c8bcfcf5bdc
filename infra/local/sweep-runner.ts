import { randomUUID } from 'node:crypto';
import type { ScheduledEvent } from 'aws-lambda';
import { FUNCTIONS, type FunctionDefinition } from '../../shared/manifest.ts';
import type { createLambdaRuntime } from './lambda-runtime.ts';

/** The function EventBridge would invoke on its schedule. */
function scheduledFunction(): FunctionDefinition {
  const fn = FUNCTIONS.find((candidate: FunctionDefinition) => candidate.triggers.some((trigger) => trigger.kind === 'schedule'));
  if (!fn) throw new Error('No function has a schedule trigger');
  return fn;
}

/** A scheduled event as EventBridge delivers it; `time` is the sweep's "now". */
export function toScheduledEvent(time: Date, region = 'us-east-1'): ScheduledEvent {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '000000000000',
    time: time.toISOString(),
    region,
    resources: [`arn:aws:events:${region}:000000000000:rule/optgate-local-retention-sweep`],
    detail: {},
  };
}

/**
 * Plays EventBridge for the scheduled function: on a timer (`npm start`) and on demand
 * (POST /local/sweep). Runs never overlap here; the function's own lease guards deployed runs.
 */
export function createSweepRunner(runtime: ReturnType<typeof createLambdaRuntime>, log: (line: string) => void) {
  const fn = scheduledFunction();
  let queue: Promise<unknown> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  const run = (now: Date): Promise<unknown> => {
    const result = queue.then(() => runtime.invoke(fn, toScheduledEvent(now)));
    queue = result.catch(() => undefined);
    return result;
  };
  return {
    run,
    /** Runs every `intervalSeconds` (0 = never) with the real clock. */
    start(intervalSeconds: number): void {
      if (intervalSeconds <= 0) return;
      timer = setInterval(() => {
        run(new Date()).catch((error: unknown) => log(`scheduled ${fn.name} failed: ${(error as Error).message}`));
      }, intervalSeconds * 1000);
      timer.unref();
    },
    async stop(): Promise<void> {
      if (timer) clearInterval(timer);
      await queue;
    },
  };
}
