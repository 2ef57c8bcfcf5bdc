import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { EXPIRY_INDEX_SHARDS } from '../../shared/adapters/dynamodb/table-keys.ts';
import { TABLE } from '../../shared/manifest.ts';
import { CapacityLedger } from '../scale/capacity-ledger.ts';
import { startCapacityProxy, type CapacityProxy } from '../scale/capacity-proxy.ts';
import { classifier, daySpecs, FULL_SCALE } from '../scale/day-model.ts';
import { scenarioFigures } from '../scale/scale-model.ts';
import { api, createAccount, createLine, uniquePhone } from '../support/api-client.ts';
import { gateAt, newMessageId } from '../support/outbound.ts';

/**
 * The simulation's core at a tiny scale (`npm run simulate` runs it on a whole synthetic day): the
 * real gate on the local stack, its DynamoDB requests priced per partition key by the capacity proxy,
 * then extrapolated to 5,000 messages a second.
 */
describe('capacity model on the local stack', () => {
  const ledger = new CapacityLedger();
  let proxy: CapacityProxy;
  let db: DynamoDBDocumentClient;
  beforeAll(async () => {
    proxy = await startCapacityProxy({ target: inject('dynamoDbEndpoint'), ledger, indexes: TABLE.indexes });
    db = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1', endpoint: proxy.endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }), {
      marshallOptions: { removeUndefinedValues: true },
    });
  });
  afterAll(async () => {
    db.destroy();
    await proxy.close();
  });

  it('prices a gate batch per table and index partition key, and extrapolates it by key class', async () => {
    const { apiKey } = await createAccount();
    const line = await createLine(apiKey, { provider: 'aws' });
    const contacts = Array.from({ length: 30 }, () => uniquePhone());
    for (const contact of contacts) {
      const response = await api('PUT', `/v1/contacts/${encodeURIComponent(contact)}/consent`, { key: apiKey, json: { channel: 'sms', status: 'opted_in', line: line.lineId } });
      expect(response.status, response.text).toBe(200);
    }
    // Two marketing messages to each contact, one campaign: one batch of 60.
    const envelopes = contacts.flatMap((to) => [0, 1].map(() => ({ messageId: newMessageId('cap'), channel: 'sms', from: line.address, to, category: 'marketing', campaignId: 'spring' })));
    ledger.begin('outbound-sustained');
    const [result] = await gateAt(new Date(), envelopes, db);
    expect(result?.summary.dispatched).toBe(60);
    ledger.setEvents('outbound-sustained', envelopes.length);

    const usage = ledger.usage('outbound-sustained');
    // One read of the route, settings and account (cached afterwards), one BatchGetItem of the 30 summaries, one claim transaction, one receipt.
    expect(usage.operations.TransactWriteItems).toBe(2);
    const partitions = [...usage.partitions.values()];
    const byTarget = (target: string) => partitions.filter((entry) => entry.target === target);
    // Each history item (under 1 KB) is a transactional write: 2 WCU on its contact's partition; 2 messages per contact in one request.
    const contactPartitions = byTarget('table').filter((entry) => entry.partition.includes('#C#'));
    expect(contactPartitions).toHaveLength(30);
    expect(contactPartitions.every((entry) => entry.wcu === 4 && entry.peakWcuPerRequest === 4)).toBe(true);
    // Each history item adds one byExpiry entry (one day, spread over the shards), and so do the receipt and the new
    // counter item; each allowed marketing message one byMarketingSend entry.
    const expiry = byTarget('byExpiry');
    expect(expiry.reduce((sum, entry) => sum + entry.wcu, 0)).toBe(62);
    expect(new Set(expiry.map((entry) => entry.partition.split('#')[1])).size).toBe(1);
    expect(expiry.every((entry) => Number(entry.partition.split('#')[2]) < EXPIRY_INDEX_SHARDS)).toBe(true);
    expect(byTarget('byMarketingSend').reduce((sum, entry) => sum + entry.wcu, 0)).toBe(60);
    // The receipt and the campaign counter: one transaction of two items.
    expect(byTarget('table').find((entry) => entry.partition.startsWith('GATE#RECEIPT#'))?.wcu).toBe(2);
    expect(byTarget('table').filter((entry) => entry.partition.includes('#STATS#campaign#')).reduce((sum, entry) => sum + entry.wcu, 0)).toBe(2);

    const spec = daySpecs().find((entry) => entry.name === 'outbound-sustained');
    if (!spec) throw new Error('no sustained outbound scenario');
    const figures = scenarioFigures(ledger, spec, {
      full: FULL_SCALE,
      otherSimLines: 0,
      classify: classifier({ bigLineId: line.lineId, bigLineAddress: line.address }),
      imbalance: () => 1,
    });
    // Totals: units per message × 5,000 messages a second.
    expect(figures.totals.byExpiry?.wcuPerSecond).toBeCloseTo((5000 * 62) / 60);
    expect(figures.totals.byMarketingSend?.wcuPerSecond).toBeCloseTo(5000);
    // A byExpiry shard: its share of the day's writes (hash-spread over all shards); a contact: its own busiest request, whatever the rate.
    const shard = figures.keys.find((key) => key.target === 'byExpiry');
    expect(shard?.wcuPerSecond).toBeCloseTo((5000 * 62) / 60 / EXPIRY_INDEX_SHARDS);
    const contact = figures.keys.find((key) => key.keyClass.name === 'contact partition');
    expect(contact?.wcuPerSecond).toBe(4);
  });
});
