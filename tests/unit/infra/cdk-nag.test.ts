import { describe, it, expect, beforeAll } from 'vitest';
import { CfnResource, Validations, type App } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { FUNCTIONS } from '../../../shared/manifest.ts';
import { nagPacks } from '../../../infra/cdk/optgate-app.ts';
import { synthOptgate, TEST_KEY_HASH } from '../../support/cdk.ts';

/**
 * cdk-nag's AWS Solutions and Serverless packs over both stacks, as `cdk synth` runs them (app.ts):
 * nothing may be reported, and every finding accepted is accepted on one resource, for a reason, and
 * only where the rule would really fire.
 */

interface Acknowledgment {
  path: string;
  ruleId: string;
  reason: string;
  onCfnResource: boolean;
}

/** What `suppress()` recorded, read back from the construct metadata CDK's Validations API writes. */
function acknowledgments(root: IConstruct): Acknowledgment[] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([ruleId, reason]) => ({
          path: construct.node.path,
          ruleId: ruleId.replace(/^annotation::/i, ''),
          reason,
          onCfnResource: construct instanceof CfnResource,
        })),
      ),
  );
}

/** The same packs, blind to acknowledgments: what would be reported without them. */
function unacknowledgedFindings(app: App): Set<string> {
  const findings = new Set<string>();
  for (const Pack of [AwsSolutionsChecks, ServerlessChecks]) {
    const pack = new Pack();
    // Test-only: make the pack ignore acknowledgments so each one can be matched to a real finding.
    (pack as unknown as { isAcknowledged: () => boolean }).isAcknowledged = () => false;
    for (const violation of pack.validateScope(app).violations) {
      for (const resource of violation.violatingResources) findings.add(`${(resource as { constructPath?: string }).constructPath ?? ''} ${violation.ruleName}`);
    }
  }
  return findings;
}

const variants = {
  'prod (defaults)': { stage: 'prod', operatorKeySha256: TEST_KEY_HASH },
  'prod with X-Ray, alarm email, quiet hours, no reserved concurrency': {
    stage: 'prod',
    operatorKeySha256: TEST_KEY_HASH,
    xray: 'true',
    alarmEmail: 'oncall@example.com',
    defaultQuietHours: '08:00-21:00',
    sendingConcurrency: '0',
  },
  'prod with a custom domain and its record': {
    stage: 'prod',
    operatorKeySha256: TEST_KEY_HASH,
    publicDomain: 'consent.example.com',
    certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0',
    hostedZoneId: 'Z0123456789ABCDEFGHIJ',
  },
} as const;

describe.each(Object.entries(variants))('cdk-nag on %s', (_name, context) => {
  let app: App;
  beforeAll(() => {
    app = synthOptgate(context, FUNCTIONS).app;
  });

  it('reports no finding in either pack (errors and warnings alike)', () => {
    for (const pack of nagPacks()) {
      const report = pack.validateScope(app);
      expect(
        report.violations.map((violation) => `${violation.ruleName}: ${violation.violatingResources.map((r) => (r as { constructPath?: string }).constructPath).join(', ')}`),
        pack.name,
      ).toEqual([]);
      expect(report.success).toBe(true);
    }
  });

  it('accepts findings only on single CloudFormation resources, never on a construct tree or a stack', () => {
    const all = acknowledgments(app);
    expect(all.length).toBeGreaterThan(0);
    for (const ack of all) expect(ack.onCfnResource, `${ack.ruleId} on ${ack.path}`).toBe(true);
  });

  it('gives every accepted finding a reason of its own (a sentence, not a placeholder)', () => {
    for (const ack of acknowledgments(app)) {
      expect(ack.reason.length, `${ack.ruleId} on ${ack.path}`).toBeGreaterThanOrEqual(60);
      expect(ack.reason, `${ack.ruleId} on ${ack.path}`).not.toMatch(/^(todo|n\/a|ok|false positive)/i);
    }
  });

  it('accepts nothing the rules would not report: each acknowledgment matches a real finding on its resource', () => {
    const findings = unacknowledgedFindings(app);
    for (const ack of acknowledgments(app)) expect(findings.has(`${ack.path} ${ack.ruleId}`), `${ack.ruleId} on ${ack.path}`).toBe(true);
  });

  it('accepts IAM wildcards only finding by finding, and only for identities created at run time or X-Ray', () => {
    const wildcards = acknowledgments(app).filter((ack) => ack.ruleId.startsWith('AwsSolutions-IAM5'));
    for (const ack of wildcards) {
      expect(ack.ruleId).toMatch(/^AwsSolutions-IAM5\[Resource::(\*|arn:<AWS::Partition>:(sms-voice|ses):<AWS::Region>:<AWS::AccountId>:(phone-number|pool|sender-id|identity)\/\*)\]$/);
      if (ack.ruleId.endsWith('[Resource::*]')) expect('xray' in context && context.xray === 'true').toBe(true);
    }
  });
});
