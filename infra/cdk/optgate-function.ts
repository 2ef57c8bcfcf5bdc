import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, type ICommandHooks } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { FunctionDefinition } from '../../shared/manifest.ts';

/** The repository root: manifest entries (`functions/<name>/handler.ts`) are relative to it. */
export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Metrics namespace of a stage (Powertools Metrics, EMF): `optgate/<stage>`. */
export function metricsNamespace(stage: string): string {
  return `optgate/${stage}`;
}

/**
 * esbuild emits ESM, but some dependencies are CommonJS and call `require` at run time; an ESM module
 * has no `require`, so the bundle defines one first.
 */
const ESM_REQUIRE_BANNER = "import { createRequire } from 'module';const require = createRequire(import.meta.url);";

/**
 * A function that serves built files (the console): build them first if they are out of date (the
 * same module `npm start` uses), then copy them next to index.mjs where the handler looks for them.
 */
function staticAssetHooks(definition: FunctionDefinition, assets: NonNullable<FunctionDefinition['staticAssets']>): ICommandHooks {
  const target = path.relative(path.dirname(definition.entry), assets.dir);
  if (target.startsWith('..') || path.isAbsolute(target)) throw new Error(`${definition.name}: staticAssets.dir must be under the handler's folder`);
  const tsx = path.join(PROJECT_ROOT, 'node_modules/tsx/dist/cli.mjs');
  return {
    beforeBundling: () => [[process.execPath, tsx, path.join(PROJECT_ROOT, assets.build)].map(shellQuote).join(' ')],
    beforeInstall: () => [],
    afterBundling: (_inputDir, outputDir) => [
      `mkdir -p ${shellQuote(path.join(outputDir, path.dirname(target)))}`,
      `cp -R ${shellQuote(path.join(PROJECT_ROOT, assets.dir))} ${shellQuote(path.join(outputDir, target))}`,
    ],
  };
}

const shellQuote = (value: string): string => `'${value.replace(/'/g, "'\\''")}'`;

export interface OptgateFunctionProps {
  readonly definition: FunctionDefinition;
  /** Environment of this function on top of the shared defaults (no secrets: see service-config.ts). */
  readonly environment: Readonly<Record<string, string>>;
  readonly stage: string;
  /** How long the function's logs are kept (context logRetentionDays). */
  readonly logRetention: logs.RetentionDays;
  /** Active X-Ray tracing (context xray). */
  readonly tracing: boolean;
  /** Caps concurrent executions (functions that send messages); undefined = the account's pool. */
  readonly reservedConcurrency?: number;
  /** Where events of asynchronous invocations (SNS, schedules) go after Lambda's retries fail. */
  readonly deadLetterQueue?: sqs.IQueue;
}

/**
 * One optgate Lambda function with the defaults every function shares: Node.js 24 on arm64, bundled
 * locally by esbuild (no Docker), minified with source maps, its own log group with a retention, its
 * own role that can write only to that log group, Powertools settings (service, log level, metrics
 * namespace), X-Ray when asked for. Permissions beyond logging are added by the stack from the manifest.
 */
export class OptgateFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: OptgateFunctionProps) {
    super(scope, id);
    const { definition } = props;

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention,
      // Logs are operational data, not the consent record (that is in the table): they go with the stack.
      removalPolicy: RemovalPolicy.DESTROY,
    });

    // An explicit role instead of AWSLambdaBasicExecutionRole, whose logs:* actions apply to every log group.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `optgate ${definition.name}`,
      inlinePolicies: {
        WriteOwnLogGroup: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({
              actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
              resources: [this.logGroup.logGroupArn],
            }),
          ],
        }),
      },
    });

    this.function = new NodejsFunction(this, 'Function', {
      description: definition.description,
      entry: path.join(PROJECT_ROOT, definition.entry),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      timeout: Duration.seconds(definition.timeoutSeconds),
      memorySize: definition.memoryMb,
      role: this.role,
      logGroup: this.logGroup,
      tracing: props.tracing ? lambda.Tracing.ACTIVE : lambda.Tracing.DISABLED,
      ...(props.reservedConcurrency !== undefined ? { reservedConcurrentExecutions: props.reservedConcurrency } : {}),
      ...(props.deadLetterQueue ? { deadLetterQueue: props.deadLetterQueue } : {}),
      // No NODE_OPTIONS=--enable-source-maps: Node would read and parse each bundle's source map at
      // every cold start (30–80 ms here, BENCHMARKS.md). The maps ship beside the bundles, for
      // resolving a logged stack trace after the fact.
      environment: {
        POWERTOOLS_SERVICE_NAME: 'optgate',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        POWERTOOLS_METRICS_NAMESPACE: metricsNamespace(props.stage),
        ...props.environment,
      },
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        banner: ESM_REQUIRE_BANNER,
        target: 'node24',
        mainFields: ['module', 'main'],
        minify: true,
        sourceMap: true,
        // Resolving stack traces needs file names and lines, not the sources: keeps the asset small.
        sourcesContent: false,
        // The AWS SDK v3 the nodejs24.x runtime provides, not a copy in every bundle: bundles were
        // 0.8–1.2 MB with it, and parsing them is most of a cold start (BENCHMARKS.md, cold start).
        // The SDK's APIs used here are long stable; the runtime's SDK gets AWS's security updates.
        bundleAwsSDK: false,
        externalModules: ['@aws-sdk/*'],
        tsconfig: path.join(PROJECT_ROOT, 'tsconfig.json'),
        ...(definition.staticAssets ? { commandHooks: staticAssetHooks(definition, definition.staticAssets) } : {}),
      },
    });
  }
}
