import * as z from '../validation/zod.ts';

/**
 * A number a DynamoDB item can hold as the SDK writes it: integers beyond 2^53 would lose digits
 * (the SDK refuses them) and DynamoDB keeps no magnitude below 1e-130 or above 1e125. Client-given
 * numbers that are stored (evidence, profile attributes) are validated with this, so a request
 * carrying one is a 400, not a failed write.
 */
export const storableNumber = z.number().check(
  z.refine((value) => value === 0 || (Math.abs(value) <= Number.MAX_SAFE_INTEGER && Math.abs(value) >= 1e-130), {
    error: 'numbers must be 0 or between 1e-130 and 9007199254740991 in size',
  }),
);
