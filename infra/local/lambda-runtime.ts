import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import type { FunctionDefinition } from '../../shared/manifest.ts';

export type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;

const projectRoot = resolve(import.meta.dirname, '../..');

/**
 * Loads a manifest function's handler module once, like a warm Lambda container: its module scope
 * (config, SDK clients) runs at first use with the environment the local stack set up.
 */
export function createLambdaRuntime() {
  const loaded = new Map<string, Promise<LambdaHandler>>();
  const load = (fn: FunctionDefinition): Promise<LambdaHandler> => {
    let handler = loaded.get(fn.name);
    if (!handler) {
      handler = import(pathToFileURL(resolve(projectRoot, fn.entry)).href).then((module: { handler?: LambdaHandler }) => {
        if (typeof module.handler !== 'function') throw new Error(`${fn.entry} does not export a handler`);
        return module.handler;
      });
      loaded.set(fn.name, handler);
    }
    return handler;
  };
  return {
    async invoke(fn: FunctionDefinition, event: unknown): Promise<unknown> {
      const handler = await load(fn);
      const deadline = Date.now() + fn.timeoutSeconds * 1000;
      const context: Context = {
        callbackWaitsForEmptyEventLoop: false,
        functionName: `optgate-local-${fn.name}`,
        functionVersion: '$LATEST',
        invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:optgate-local-${fn.name}`,
        memoryLimitInMB: String(fn.memoryMb),
        awsRequestId: randomUUID(),
        logGroupName: `/aws/lambda/optgate-local-${fn.name}`,
        logStreamName: 'local',
        getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
        done: () => undefined,
        fail: () => undefined,
        succeed: () => undefined,
      };
      return handler(event, context);
    },
  };
}
