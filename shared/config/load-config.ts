import type * as z from '../validation/zod.ts';

/** Thrown at cold start when the environment is incomplete; the message names every bad variable. */
export class ConfigError extends Error {
  constructor(readonly variables: readonly string[], detail: string) {
    super(`Invalid configuration: ${detail}`);
    this.name = 'ConfigError';
  }
}

/**
 * Validates environment variables once, at module scope of a handler (cold start), so a missing
 * variable fails the first invocation loudly with its name instead of a confusing error later.
 */
export function loadConfig<S extends z.ZodMiniType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const variables = [...new Set(result.error.issues.map((issue) => String(issue.path[0] ?? '?')))];
  const detail = result.error.issues.map((issue) => `${String(issue.path[0] ?? '?')}: ${issue.message}`).join('; ');
  throw new ConfigError(variables, detail);
}
