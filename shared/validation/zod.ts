/**
 * The one way optgate's code reaches zod: `zod/mini`, zod's functional API over the same core
 * (checks are functions, `z.optional(z.string().check(z.maxLength(5)))`, not methods), so a bundle
 * carries only the checks it uses: about 50 KB less in every Lambda bundle than classic zod, whose
 * schema classes hold every method, JSON Schema generation included (BENCHMARKS.md "Cold start").
 *
 * Classic zod configures its English messages when it loads; zod/mini does not, and would say only
 * "Invalid input". Configured here, once, before any schema parses: the 4xx bodies keep naming the
 * field and the problem in the same words as before. The locale is imported by its own path so the
 * other languages stay out of the bundles. Importing 'zod' directly elsewhere is an eslint error.
 */
import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

config(en());

export * from 'zod/mini';
