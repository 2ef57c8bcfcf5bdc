import { ConditionalCheckFailedException, DynamoDBClient, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ConsentStore, type InboundMarker } from '../../../shared/adapters/dynamodb/consent-store.ts';
import { testSecretBox } from '../../support/secret-box.ts';

const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }));
const dynamo = mockClient(documentClient);
const store = new ConsentStore(documentClient, 'optgate-test', testSecretBox());

const marker: InboundMarker = { provider: 'twilio', providerMessageId: 'SM1', receivedAt: '2026-11-24T08:00:01.000Z', replyState: 'none' };
const touch = { live: false, expiresAt: 1_830_000_000, nowSeconds: 1_795_000_000 };
const conditionFailed = () => new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

describe('an inbound message that changes no consent (chatter) when DynamoDB misbehaves', () => {
  beforeEach(() => {
    dynamo.reset();
  });

  it('writes the profile renewal first, then the marker as one conditional Put, without a transaction', async () => {
    await expect(store.putInboundMarker('acc_1', '+12025550143', marker, 1_829_000_000, undefined, touch)).resolves.toBe('committed');
    const puts = dynamo.commandCalls(PutCommand).map((call) => call.args[0].input);
    expect(puts.map((input) => input.Item?.type)).toEqual(['profile', 'inbound']);
    expect(puts[1]?.ConditionExpression).toBe('attribute_not_exists(pk)');
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it('renews the profile in place when it appeared since it was read', async () => {
    dynamo.on(PutCommand, { Item: { type: 'profile' } }, false).rejects(conditionFailed());
    await expect(store.putInboundMarker('acc_1', '+12025550143', marker, 1_829_000_000, undefined, touch)).resolves.toBe('committed');
    expect(dynamo.commandCalls(UpdateCommand)).toHaveLength(1);
    expect(dynamo.commandCalls(PutCommand).map((call) => call.args[0].input.Item?.type)).toEqual(['profile', 'inbound']);
  });

  it('writes no marker when the profile renewal fails (the provider retries; nothing to undo)', async () => {
    dynamo.on(PutCommand).rejects(new ProvisionedThroughputExceededException({ message: 'Rate exceeded', $metadata: {} }));
    await expect(store.putInboundMarker('acc_1', '+12025550143', marker, 1_829_000_000, undefined, touch)).rejects.toBeInstanceOf(ProvisionedThroughputExceededException);
    expect(dynamo.commandCalls(PutCommand).map((call) => call.args[0].input.Item?.type)).toEqual(['profile']);
  });

  it("tells its own Put, retried after a lost answer, from another delivery's marker by the write token", async () => {
    let written: string | undefined;
    dynamo.on(PutCommand).callsFake((input: { Item: Record<string, unknown> }) => {
      written = String(input.Item.writeToken);
      throw conditionFailed();
    });
    dynamo.on(GetCommand).callsFake(() => ({ Item: { writeToken: written } }));
    await expect(store.putInboundMarker('acc_1', '+12025550143', marker, 1_829_000_000)).resolves.toBe('committed');

    dynamo.on(GetCommand).resolves({ Item: { writeToken: 'another-delivery' } });
    await expect(store.putInboundMarker('acc_1', '+12025550143', marker, 1_829_000_000)).resolves.toBe('duplicate');
    expect(dynamo.commandCalls(GetCommand).every((call) => call.args[0].input.ConsistentRead === true)).toBe(true);
  });
});
