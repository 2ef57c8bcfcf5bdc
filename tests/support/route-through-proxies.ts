import type { LocalStack } from '../../infra/local/local-stack.ts';
import { ENV } from '../../shared/config/service-config.ts';

/**
 * Sends the AWS calls of handler modules loaded after this through the given proxies (counting,
 * measuring, fault-injecting): their SDK clients read the endpoint variables when they load, and an
 * SQS client sends to a queue URL's own host, so the gate's queue URLs must name the proxy too.
 * Returns that rewrite, for the other queue URLs the caller uses.
 */
export function routeHandlersThroughProxies(stack: Pick<LocalStack, 'sqsEndpoint' | 'queueUrls'>, proxies: { dynamoDb: string; sqs: string }): (queueUrl: string) => string {
  process.env.AWS_ENDPOINT_URL_DYNAMODB = proxies.dynamoDb;
  process.env.AWS_ENDPOINT_URL_SQS = proxies.sqs;
  const viaProxy = (queueUrl: string) => queueUrl.replace(stack.sqsEndpoint, proxies.sqs);
  Object.assign(process.env, {
    [ENV.outboundQueueUrl]: viaProxy(stack.queueUrls.outbound),
    [ENV.dispatchQueueUrl]: viaProxy(stack.queueUrls.dispatch),
    [ENV.suppressedQueueUrl]: viaProxy(stack.queueUrls.suppressed),
    [ENV.outboundDlqUrl]: viaProxy(stack.queueUrls.outboundDlq),
  });
  return viaProxy;
}
