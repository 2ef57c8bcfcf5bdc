import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { dynamoDbRequestTimeoutMs } from '../../config/service-config.ts';

/**
 * Created once per container at a handler's module scope. The endpoint comes from the standard
 * AWS_ENDPOINT_URL_DYNAMODB variable, so the local stack needs no code path of its own. Short
 * timeouts: a stuck call should fail and be retried, not eat the whole Lambda timeout.
 */
export function createDocumentClient(): DynamoDBDocumentClient {
  const client = new DynamoDBClient({
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 1_000, requestTimeout: dynamoDbRequestTimeoutMs() },
  });
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}
