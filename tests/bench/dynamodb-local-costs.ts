/**
 * npx tsx tests/bench/dynamodb-local-costs.ts — what DynamoDB Local charges per item for the calls the
 * gate and the naive baseline make (100 GetItem vs one 100-key BatchGetItem, 100 PutItem vs one
 * 100-item TransactWriteItems), on an idle emulator with 5,000 items. Explains BENCHMARKS.md's gate
 * throughput on the local stack.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, BatchWriteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { startDynamoDbLocal } from '../../infra/local/dynamodb-local.ts';
import { provisionTable } from '../../infra/local/provision.ts';
import { freePort } from '../support/free-port.ts';

const ddb = await startDynamoDbLocal({ port: await freePort() });
try {
  const raw = new DynamoDBClient({ region: 'us-east-1', endpoint: ddb.endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  await provisionTable(raw, 'probe');
  const db = DynamoDBDocumentClient.from(raw);
  for (let chunk = 0; chunk < 200; chunk += 1) {
    await db.send(
      new BatchWriteCommand({
        RequestItems: { probe: Array.from({ length: 25 }, (_, i) => ({ PutRequest: { Item: { pk: `P${chunk * 25 + i}`, sk: 'S', status: 'opted_in', data: 'x'.repeat(200) } } })) },
      }),
    );
  }
  const time = async (work: () => Promise<unknown>) => {
    const started = performance.now();
    await work();
    return Math.round(performance.now() - started);
  };
  for (let round = 0; round < 3; round += 1) {
    const base = round * 1000;
    const get = await time(async () => {
      for (let i = 0; i < 100; i += 1) await db.send(new GetCommand({ TableName: 'probe', Key: { pk: `P${base + i}`, sk: 'S' }, ConsistentRead: true }));
    });
    const batchGet = await time(() =>
      db.send(new BatchGetCommand({ RequestItems: { probe: { Keys: Array.from({ length: 100 }, (_, i) => ({ pk: `P${base + 100 + i}`, sk: 'S' })), ConsistentRead: true } } })),
    );
    const put = await time(async () => {
      for (let i = 0; i < 100; i += 1) await db.send(new PutCommand({ TableName: 'probe', Item: { pk: `N${round}-${i}`, sk: 'S', gsi2pk: 'EXP#1', gsi2sk: `k${i}` } }));
    });
    const transact = await time(() =>
      db.send(
        new TransactWriteCommand({
          TransactItems: Array.from({ length: 100 }, (_, i) => ({
            Put: { TableName: 'probe', Item: { pk: `T${round}-${i}`, sk: 'S', gsi2pk: 'EXP#1', gsi2sk: `k${i}` }, ConditionExpression: 'attribute_not_exists(pk)' },
          })),
        }),
      ),
    );
    console.log(`round ${round}: 100 × GetItem ${get} ms · BatchGetItem(100) ${batchGet} ms · 100 × PutItem ${put} ms · TransactWriteItems(100) ${transact} ms`);
  }
  raw.destroy();
} finally {
  await ddb.stop();
}
