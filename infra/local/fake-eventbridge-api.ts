import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';

export interface LocalBusEvent {
  eventId: string;
  eventBusName: string;
  source: string;
  detailType: string;
  time: string;
  detail: unknown;
}

/**
 * Stands in for EventBridge's PutEvents (JSON 1.1 protocol, X-Amz-Target) so the real SDK client
 * in the handlers works unchanged locally. Events are appended to a JSON-lines file in the data
 * folder (kept across restarts) or kept in memory; GET /local/events lists them.
 */
export function createFakeEventBridgeApi(options: { file?: string } = {}) {
  const memory: LocalBusEvent[] = [];
  const record = (event: LocalBusEvent) => {
    if (options.file) appendFileSync(options.file, `${JSON.stringify(event)}\n`);
    else memory.push(event);
  };
  return {
    list(): LocalBusEvent[] {
      if (!options.file) return [...memory];
      if (!existsSync(options.file)) return [];
      return readFileSync(options.file, 'utf8')
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as LocalBusEvent);
    },
    handle(target: string | undefined, body: string): { status: number; body: unknown } {
      if (target !== 'AWSEvents.PutEvents') {
        return { status: 400, body: { __type: 'UnknownOperationException', message: `Not emulated: ${target ?? '(none)'}` } };
      }
      let input: { Entries?: Record<string, unknown>[] };
      try {
        input = JSON.parse(body) as { Entries?: Record<string, unknown>[] };
      } catch {
        return { status: 400, body: { __type: 'SerializationException', message: 'Body is not JSON' } };
      }
      const entries = input.Entries ?? [];
      if (entries.length === 0 || entries.length > 10) {
        return { status: 400, body: { __type: 'ValidationException', message: 'Entries must hold 1 to 10 entries' } };
      }
      const results = entries.map((entry) => {
        let detail: unknown;
        try {
          detail = JSON.parse(String(entry.Detail ?? ''));
        } catch {
          return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is not valid JSON' };
        }
        if (typeof entry.Source !== 'string' || typeof entry.DetailType !== 'string') {
          return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Source and DetailType are required' };
        }
        const eventId = randomUUID();
        const time = typeof entry.Time === 'number' ? new Date(entry.Time * 1000).toISOString() : new Date().toISOString();
        record({ eventId, eventBusName: String(entry.EventBusName ?? 'default'), source: entry.Source, detailType: entry.DetailType, time, detail });
        return { EventId: eventId };
      });
      return { status: 200, body: { FailedEntryCount: results.filter((result) => 'ErrorCode' in result).length, Entries: results } };
    },
  };
}
