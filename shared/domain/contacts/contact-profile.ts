import * as z from '../../validation/zod.ts';
import type { RetentionOverride } from '../retention/retention-policy.ts';
import { storableNumber } from '../storable-number.ts';

const attributeName = z.string().check(z.regex(/^[A-Za-z0-9_.-]{1,64}$/, 'attribute names are 1-64 letters, digits, _ . -'));
const attributeValue = z.union([z.string().check(z.maxLength(1000)), storableNumber, z.boolean()]);

/** PUT /v1/contacts/{contact}: the editable part of a profile, replaced as a whole (null or absent clears a field). */
export const profileInputSchema = z.strictObject({
  name: z.optional(z.nullable(z.string().check(z.trim(), z.minLength(1), z.maxLength(200)))),
  externalId: z.optional(z.nullable(z.string().check(z.trim(), z.minLength(1), z.maxLength(200)))),
  attributes: z.optional(
    z.record(attributeName, attributeValue).check(z.refine((value) => Object.keys(value).length <= 50, 'at most 50 custom attributes')),
  ),
});
export type ProfileInput = z.infer<typeof profileInputSchema>;

export type AttributeValue = z.infer<typeof attributeValue>;

/** What optgate keeps about a contact besides consent: written when the contact first appears. */
export interface ContactProfile {
  contact: string;
  name?: string;
  externalId?: string;
  attributes: Record<string, AttributeValue>;
  /** Per-contact retention override; absent parts follow the account settings. */
  retention?: RetentionOverride;
  createdAt: string;
  /** Last change of name / externalId / attributes / retention through the API. */
  updatedAt?: string;
  /** Last activity of the contact (consent change, inbound message, profile change). */
  lastActivityAt: string;
  /** Epoch seconds. */
  expiresAt?: number;
}
