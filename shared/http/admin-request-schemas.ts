import * as z from 'zod';

/**
 * Request schemas of admin routes that have no use-case module of their own. The handler validates
 * with them and the OpenAPI document is generated from them, so the two cannot drift.
 */
export const createAccountSchema = z.strictObject({ name: z.string().trim().min(1).max(120) });

export const eventsQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(64).optional(),
});
