import { CfnResource, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** One cdk-nag finding accepted on one resource, with the reason a reviewer would ask for. */
export interface Suppression {
  /** The rule, e.g. `AwsSolutions-IAM5` or `Serverless-LambdaDLQ`. */
  readonly id: string;
  readonly reason: string;
  /**
   * For rules that report each offending value separately (IAM5 wildcards: `Resource::…`): exactly
   * those findings, nothing else.
   */
  readonly appliesTo?: readonly string[];
}

/**
 * Acknowledges cdk-nag findings (CDK's Validations API) on one CloudFormation resource only: the
 * construct's own resource (an L2's default child), never its children or the whole stack, so a
 * later resource with the same problem is still reported.
 */
export function suppress(construct: IConstruct, suppressions: readonly Suppression[]): void {
  const target = construct instanceof CfnResource ? construct : construct.node.defaultChild;
  if (!(target instanceof CfnResource)) throw new Error(`suppress: ${construct.node.path} has no CloudFormation resource of its own`);
  for (const { id, reason, appliesTo } of suppressions) {
    for (const ruleId of appliesTo ? appliesTo.map((finding) => `${id}[${finding}]`) : [id]) {
      Validations.of(target).acknowledge({ id: ruleId, reason });
    }
  }
}
