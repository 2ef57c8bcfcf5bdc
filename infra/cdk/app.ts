/**
 * The optgate CDK app: `npx cdk synth` / `npx cdk deploy -c stage=prod -c operatorKeySha256=<hex>`.
 * Two stacks per stage: `optgate-<stage>-stateful` (table, queues, topic; retained) and
 * `optgate-<stage>-stateless` (functions, HTTP API, triggers; replaceable). Synth needs neither AWS
 * credentials nor network: there are no lookups, and the account/region stay tokens unless the CLI
 * provides CDK_DEFAULT_ACCOUNT / CDK_DEFAULT_REGION.
 */
import { App } from 'aws-cdk-lib';
import { FUNCTIONS } from '../../shared/manifest.ts';
import { DEFAULT_STAGE, TEST_STAGE, parseStageConfig } from './stage-config.ts';
import { StatefulStack } from './stateful-stack.ts';
import { StatelessStack } from './stateless-stack.ts';

const app = new App();
const config = parseStageConfig((key) => app.node.tryGetContext(key));

const account = process.env.CDK_DEFAULT_ACCOUNT;
const region = process.env.CDK_DEFAULT_REGION;
const env = account || region ? { ...(account ? { account } : {}), ...(region ? { region } : {}) } : undefined;
// Stack tags: CloudFormation copies them onto every resource that supports tags.
const tags = { app: 'optgate', stage: config.stage };

const stateful = new StatefulStack(app, `optgate-${config.stage}-stateful`, {
  env,
  tags,
  description: `optgate ${config.stage}: consent table, message queues, inbound SMS topic (retained)`,
  // The table is retained anyway; this also keeps the queues and topic from a careless `cdk destroy`.
  terminationProtection: config.stage !== TEST_STAGE && config.stage !== DEFAULT_STAGE,
  config,
  functions: FUNCTIONS,
});

new StatelessStack(app, `optgate-${config.stage}-stateless`, {
  env,
  tags,
  description: `optgate ${config.stage}: functions, HTTP API, triggers`,
  config,
  functions: FUNCTIONS,
  table: stateful.table,
  queues: stateful.queues,
  topics: stateful.topics,
});

app.synth();
