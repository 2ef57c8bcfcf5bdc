import { SQSClient } from '@aws-sdk/client-sqs';

/** Created once per container; the endpoint comes from AWS_ENDPOINT_URL_SQS when set (local stack). */
export function createSqsClient(): SQSClient {
  return new SQSClient({ maxAttempts: 3, requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000 } });
}
