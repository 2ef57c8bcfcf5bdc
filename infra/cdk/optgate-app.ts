import { Validations, type App, type Environment } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import type { FunctionDefinition } from '../../shared/manifest.ts';
import { DEFAULT_STAGE, TEST_STAGE, type StageConfig } from './stage-config.ts';
import { StatefulStack } from './stateful-stack.ts';
import { StatelessStack } from './stateless-stack.ts';

export interface OptgateStacks {
  readonly stateful: StatefulStack;
  readonly stateless: StatelessStack;
}

/** Both stacks of one stage; the app (app.ts) and the tests build them the same way. */
export function buildOptgate(
  app: App,
  props: { readonly config: StageConfig; readonly functions: readonly FunctionDefinition[]; readonly env?: Environment },
): OptgateStacks {
  const { config, functions, env } = props;
  // Stack tags: CloudFormation copies them onto every resource that supports tags.
  const tags = { app: 'optgate', stage: config.stage };
  const stateful = new StatefulStack(app, `optgate-${config.stage}-stateful`, {
    ...(env ? { env } : {}),
    tags,
    description: `optgate ${config.stage}: consent table, queues, provider topics, event bus, service keys (retained)`,
    // The table is retained anyway; this also keeps the queues and topics from a careless `cdk destroy`.
    terminationProtection: config.stage !== TEST_STAGE && config.stage !== DEFAULT_STAGE,
    config,
    functions,
  });
  const stateless = new StatelessStack(app, `optgate-${config.stage}-stateless`, {
    ...(env ? { env } : {}),
    tags,
    description: `optgate ${config.stage}: functions, HTTP API, triggers, alarms, dashboard`,
    config,
    functions,
    table: stateful.table,
    queues: stateful.queues,
    deadLetterQueues: stateful.deadLetterQueues,
    topics: stateful.topics,
    eventBus: stateful.eventBus,
    serviceKeySecret: stateful.serviceKeySecret,
    alarmTopic: stateful.alarmTopic,
  });
  return { stateful, stateless };
}

/** The rule packs every synth runs; findings are acknowledged one resource at a time (nag-suppressions.ts). */
export function nagPacks(): [AwsSolutionsChecks, ServerlessChecks] {
  return [new AwsSolutionsChecks(undefined, { verbose: true }), new ServerlessChecks(undefined, { verbose: true })];
}

export function addNagChecks(app: App): void {
  Validations.of(app).addPlugins(...nagPacks());
}
