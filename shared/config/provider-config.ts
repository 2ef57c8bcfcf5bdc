import * as z from '../validation/zod.ts';
import { DEFAULT_GRAPH_API_BASE_URL } from '../adapters/whatsapp/whatsapp-cloud-api.ts';
import { loadConfig } from './load-config.ts';
import { ENV } from './service-config.ts';

const whatsAppConfigSchema = z.pipe(
  z.object({ [ENV.whatsappGraphApiBaseUrl]: z.optional(z.url({ protocol: /^https?$/ })) }),
  z.transform((env) => ({ graphApiBaseUrl: (env[ENV.whatsappGraphApiBaseUrl] ?? DEFAULT_GRAPH_API_BASE_URL).replace(/\/+$/, '') })),
);

/** The WhatsApp webhook's outbound side: where the Cloud API is. */
export function loadWhatsAppConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadConfig(whatsAppConfigSchema, env);
}

const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;

const snsConfigSchema = z.pipe(
  z.object({
    [ENV.snsTopicArns]: z.pipe(
      z.pipe(
        z.string({ error: 'must list the SNS topic ARNs this function accepts, comma-separated' }),
        z.transform((value) => value.split(',').map((arn) => arn.trim()).filter((arn) => arn !== '')),
      ),
      z.array(z.string().check(z.regex(TOPIC_ARN, 'must be SNS topic ARNs'))).check(z.minLength(1, 'must name at least one topic ARN')),
    ),
    [ENV.snsCertificateBaseUrl]: z.optional(z.url({ protocol: /^https?$/ })),
  }),
  z.transform((env) => ({
    topicArns: env[ENV.snsTopicArns],
    certificateBaseUrl: env[ENV.snsCertificateBaseUrl]?.replace(/\/+$/, ''),
  })),
);

/** What an SNS-triggered function needs to verify the messages it receives. */
export function loadSnsConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadConfig(snsConfigSchema, env);
}
