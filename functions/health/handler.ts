import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { createSqsClient } from '../../shared/adapters/sqs/sqs-client.ts';
import { ENV, loadServiceConfig } from '../../shared/config/service-config.ts';
import { httpHandler } from '../../shared/http/http-handler.ts';
import { json } from '../../shared/http/responses.ts';
import { logger } from '../../shared/observability/logger.ts';

const config = loadServiceConfig();
const dynamodb = new DynamoDBClient({ maxAttempts: 1, requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_000 } });
const sqs = createSqsClient();
const outboundQueueUrl = process.env[ENV.outboundQueueUrl];

/** 200 `{"status":"ok"}` once the table and (when configured) the outbound queue answer; 503 otherwise. */
export const handler = httpHandler(async () => {
  const checks = await Promise.allSettled([
    dynamodb.send(new DescribeTableCommand({ TableName: config.tableName })),
    outboundQueueUrl
      ? sqs.send(new GetQueueAttributesCommand({ QueueUrl: outboundQueueUrl, AttributeNames: ['QueueArn'] }))
      : Promise.resolve(),
  ]);
  const failed = checks.flatMap((check, index) => (check.status === 'rejected' ? [index === 0 ? 'dynamodb' : 'sqs'] : []));
  if (failed.length > 0) {
    logger.warn('Health check failed', { failed });
    return json(503, { status: 'unavailable', failed });
  }
  return json(200, { status: 'ok' });
});
