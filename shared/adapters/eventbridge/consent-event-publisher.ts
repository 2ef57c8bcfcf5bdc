import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import {
  CONSENT_CHANGED_DETAIL_TYPE,
  CONSENT_EVENT_SOURCE,
  type ConsentChangedDetail,
  type ConsentEventPublisher,
} from '../../domain/consent/consent-changed-event.ts';
import { mapConcurrent } from '../../concurrency/map-concurrent.ts';

/** PutEvents takes at most 10 entries per call. */
export const PUT_EVENTS_MAX_ENTRIES = 10;
const MAX_ROUNDS = 3;
const PUT_EVENTS_CONCURRENCY = 4;

/** Created once per container; the endpoint comes from AWS_ENDPOINT_URL_EVENTBRIDGE when set (local stack). */
export function createEventBridgeClient(): EventBridgeClient {
  return new EventBridgeClient({ maxAttempts: 3, requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000 } });
}

/**
 * Publishes ConsentChanged events (`optgate.consent` / `ConsentChanged`) to a bus, 10 per PutEvents
 * call. PutEvents can accept a call and still fail some entries (FailedEntryCount): those entries
 * alone are sent again, with backoff; what still fails after the last round is an error.
 */
export class EventBridgeConsentEventPublisher implements ConsentEventPublisher {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly eventBusName: string,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((done) => setTimeout(done, ms)),
  ) {}

  async publish(events: readonly ConsentChangedDetail[]): Promise<void> {
    const chunks: PutEventsRequestEntry[][] = [];
    for (let start = 0; start < events.length; start += PUT_EVENTS_MAX_ENTRIES) {
      chunks.push(events.slice(start, start + PUT_EVENTS_MAX_ENTRIES).map((detail) => this.entry(detail)));
    }
    // An import announces thousands of changes: a few calls in flight, not one after another.
    await mapConcurrent(chunks, PUT_EVENTS_CONCURRENCY, (chunk) => this.putChunk(chunk));
  }

  private entry(detail: ConsentChangedDetail): PutEventsRequestEntry {
    return {
      EventBusName: this.eventBusName,
      Source: CONSENT_EVENT_SOURCE,
      DetailType: CONSENT_CHANGED_DETAIL_TYPE,
      Time: new Date(detail.recordedAt),
      Detail: JSON.stringify(detail),
    };
  }

  private async putChunk(entries: PutEventsRequestEntry[]): Promise<void> {
    let pending = entries;
    let lastErrors: string[] = [];
    for (let round = 0; round < MAX_ROUNDS && pending.length > 0; round += 1) {
      if (round > 0) await this.sleep(50 * 2 ** round);
      const result = await this.client.send(new PutEventsCommand({ Entries: pending }));
      if (!result.FailedEntryCount) return;
      // Result entries are in request order; a failed one carries an ErrorCode instead of an EventId.
      const failed = pending.filter((_, index) => result.Entries?.[index]?.ErrorCode !== undefined);
      lastErrors = (result.Entries ?? []).flatMap((entry) => (entry.ErrorCode ? [entry.ErrorCode] : []));
      pending = failed;
    }
    if (pending.length > 0) throw new Error(`${pending.length} ConsentChanged events not accepted by EventBridge: ${[...new Set(lastErrors)].join(', ')}`);
  }
}
