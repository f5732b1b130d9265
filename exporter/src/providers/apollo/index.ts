// Apollo.io provider module: account schema and wiring. See collector.ts for what is polled.
import { z } from 'zod';
import { accountBase, defineProvider, secret } from '../module.js';
import { ApolloCollector } from './collector.js';
import { apolloErrorMessage } from './parse.js';

export const apolloAccountSchema = accountBase('https://api.apollo.io/api/v1', 300, 10)
  .extend({
    /**
     * Sent as X-Api-Key: a master key, or a key granted `api/v1/usage_stats/api_usage_stats` and
     * `api/v1/usage_stats/credit_usage_stats`. Both calls cost 0 credits.
     */
    apiKey: secret('apiKey'),
    /** Read api_usage_stats (rate limits of every endpoint of the team). */
    rateLimits: z.boolean().default(true),
    /** Read credit_usage_stats (credits left per credit type). */
    credits: z.boolean().default(true),
    /**
     * Only report the rate limits of these endpoints (Apollo names such as `api/v1/mixed_people/search`);
     * all of them when absent (about 50 series pairs per window).
     */
    rateLimitEndpoints: z
      .array(
        z
          .string()
          .regex(/^api\/v\d+\/[a-z0-9_/]+$/, 'must be an Apollo endpoint name such as api/v1/mixed_people/search')
      )
      .min(1)
      .optional(),
  })
  .strict()
  .refine((a) => a.rateLimits || a.credits, {
    path: ['rateLimits'],
    message: 'rateLimits and credits are both off: nothing would be polled',
  });

export type ApolloAccount = z.output<typeof apolloAccountSchema>;

export const apollo = defineProvider({
  name: 'apollo',
  accountSchema: apolloAccountSchema,
  create: (account) => new ApolloCollector(account),
  secrets: (account) => [account.apiKey],
  errorMessage: apolloErrorMessage,
});
