import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { EventBridgeConsentEventPublisher } from '../../../shared/adapters/eventbridge/consent-event-publisher.ts';
import type { ConsentChangedDetail } from '../../../shared/domain/consent/consent-changed-event.ts';

const client = new EventBridgeClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
const eventBridge = mockClient(client);
const publisher = new EventBridgeConsentEventPublisher(client, 'optgate-bus', async () => undefined);

const detail = (index: number): ConsentChangedDetail => ({
  accountId: 'acc_1',
  contact: `+1202555${String(index).padStart(4, '0')}`,
  channel: 'sms',
  scope: 'line_1',
  previousStatus: 'opted_in',
  status: 'opted_out',
  source: 'import',
  occurredAt: '2026-11-24T08:00:00.000Z',
  recordedAt: '2026-11-24T08:00:01.000Z',
  eventId: `01JEVENT${String(index).padStart(18, '0')}`,
});

describe('ConsentChanged publisher', () => {
  beforeEach(() => eventBridge.reset());

  it('sends optgate.consent / ConsentChanged to the bus, 10 entries per PutEvents', async () => {
    eventBridge.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => ({ FailedEntryCount: 0, Entries: input.Entries.map((_, i) => ({ EventId: `e${i}` })) }));
    await publisher.publish(Array.from({ length: 23 }, (_, index) => detail(index)));
    const calls = eventBridge.commandCalls(PutEventsCommand);
    expect(calls.map((call) => call.args[0].input.Entries?.length)).toEqual([10, 10, 3]);
    const [first] = calls[0]?.args[0].input.Entries ?? [];
    expect(first).toMatchObject({ EventBusName: 'optgate-bus', Source: 'optgate.consent', DetailType: 'ConsentChanged', Time: new Date('2026-11-24T08:00:01.000Z') });
    expect(JSON.parse(first?.Detail ?? '{}')).toEqual(detail(0));
  });

  it('sends again only the entries EventBridge failed, and fails loudly if they keep failing', async () => {
    eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({ FailedEntryCount: 1, Entries: [{ EventId: 'a' }, { ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' }, { EventId: 'c' }] })
      .resolvesOnce({ FailedEntryCount: 0, Entries: [{ EventId: 'b' }] });
    await publisher.publish([detail(1), detail(2), detail(3)]);
    const retried = eventBridge.commandCalls(PutEventsCommand)[1]?.args[0].input.Entries ?? [];
    expect(retried.map((entry) => JSON.parse(entry.Detail ?? '{}').contact)).toEqual([detail(2).contact]);

    eventBridge.reset();
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure' }] });
    await expect(publisher.publish([detail(4)])).rejects.toThrow(/1 ConsentChanged events not accepted by EventBridge: InternalFailure/);
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(3);
  });
});
