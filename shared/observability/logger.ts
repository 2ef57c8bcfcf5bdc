import { Logger } from '@aws-lambda-powertools/logger';

/**
 * One structured logger per container. Callers log masked addresses (maskContact) and never
 * credentials, API keys or message bodies beyond what an operator needs to debug.
 */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'optgate' });
