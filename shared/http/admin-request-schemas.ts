import * as z from '../validation/zod.ts';

/**
 * Request schemas of admin routes that have no use-case module of their own. The handler validates
 * with them and the OpenAPI document is generated from them, so the two cannot drift.
 */
export const createAccountSchema = z.strictObject({ name: z.string().check(z.trim(), z.minLength(1), z.maxLength(120)) });

export const eventsQuerySchema = z.strictObject({
  limit: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(200)), 50),
  cursor: z.optional(z.string().check(z.maxLength(64))),
});
