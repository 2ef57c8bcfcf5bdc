import { readFileSync } from 'node:fs';
import { App, type CfnElement, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { FunctionDefinition } from '../../shared/manifest.ts';
import { buildOptgate, type OptgateStacks } from '../../infra/cdk/optgate-app.ts';
import { parseStageConfig, type StageConfig } from '../../infra/cdk/stage-config.ts';

/** The feature flags of cdk.json, so these templates are the ones `cdk synth` writes. */
export const CDK_JSON_CONTEXT = (JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> }).context;

export const TEST_KEY_HASH = 'b5c7e6f1a0d94c3e8f2b1a6d5c4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e';

export interface CfnResourceJson {
  Type: string;
  Properties: Record<string, unknown>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  DependsOn?: string[];
}

export interface SynthesizedOptgate extends OptgateStacks {
  app: App;
  config: StageConfig;
  statefulTemplate: Template;
  statelessTemplate: Template;
  statefulResources: Record<string, CfnResourceJson>;
  statelessResources: Record<string, CfnResourceJson>;
}

/**
 * Both stacks as `cdk synth` builds them, without bundling: `aws:cdk:bundling-stacks: []` makes every
 * NodejsFunction skip esbuild (the asset keeps a placeholder), which takes synth from ~15 s to ~1 s.
 * Real bundling is covered once, by cdk-app.test.ts.
 */
export function synthOptgate(context: Record<string, unknown>, functions: readonly FunctionDefinition[]): SynthesizedOptgate {
  const app = new App({ context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [], ...context } });
  const config = parseStageConfig((key) => app.node.tryGetContext(key));
  const stacks = buildOptgate(app, { config, functions });
  const statefulTemplate = Template.fromStack(stacks.stateful);
  const statelessTemplate = Template.fromStack(stacks.stateless);
  return {
    app,
    config,
    ...stacks,
    statefulTemplate,
    statelessTemplate,
    statefulResources: (statefulTemplate.toJSON() as { Resources: Record<string, CfnResourceJson> }).Resources,
    statelessResources: (statelessTemplate.toJSON() as { Resources: Record<string, CfnResourceJson> }).Resources,
  };
}

export function logicalIdOf(stack: Stack, element: unknown): string {
  return stack.getLogicalId(element as CfnElement);
}
