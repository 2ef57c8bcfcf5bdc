/**
 * The optgate CDK app: `npx cdk synth` / `npx cdk deploy --all -c stage=prod -c operatorKeySha256=<hex>`.
 * Two stacks per stage: `optgate-<stage>-stateful` (table, queues, topics, bus, service keys; retained)
 * and `optgate-<stage>-stateless` (functions, HTTP API, triggers, alarms, dashboard; replaceable).
 * Synth needs neither AWS credentials nor network: there are no lookups, and the account/region stay
 * tokens unless the CLI provides CDK_DEFAULT_ACCOUNT / CDK_DEFAULT_REGION. cdk-nag's AWS Solutions
 * and Serverless packs check both stacks on every synth: an unacknowledged finding stops it.
 */
import { App } from 'aws-cdk-lib';
import { FUNCTIONS } from '../../shared/manifest.ts';
import { addNagChecks, buildOptgate } from './optgate-app.ts';
import { parseStageConfig } from './stage-config.ts';

const app = new App();
const config = parseStageConfig((key) => app.node.tryGetContext(key));

const account = process.env.CDK_DEFAULT_ACCOUNT;
const region = process.env.CDK_DEFAULT_REGION;
const env = account || region ? { ...(account ? { account } : {}), ...(region ? { region } : {}) } : undefined;

buildOptgate(app, { config, functions: FUNCTIONS, ...(env ? { env } : {}) });
addNagChecks(app);

app.synth();
