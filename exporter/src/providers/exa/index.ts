// Exa provider module: account schema and wiring. See collector.ts for what is polled.
import { z } from 'zod';
import { defaultErrorMessage, type ErrorMessageOf } from '../../http/client.js';
import { accountBase, defineProvider, httpUrl, secret } from '../module.js';
import { ExaCollector } from './collector.js';

// Exa's usage comes from its billing system with an undocumented lag, so 30 minutes is plenty. The
// minimum is 15 s so that the demo (polling the simulator every 15 s) validates.
export const exaAccountSchema = accountBase('https://api.exa.ai', 1800, 15)
  .extend({
    /** The Team Management API's host; the search API stays on `baseUrl`. */
    adminBaseUrl: httpUrl.default('https://admin-api.exa.ai/team-management'),
    /**
     * Service key of the Team Management API (enabled per team by Exa support): the only source of
     * usage and cost. Without it the exporter can only run the paid probe.
     */
    serviceKey: secret('serviceKey').optional(),
    /** An ordinary search key, used only by the paid probe. */
    apiKey: secret('apiKey').optional(),
    /** Keys whose usage is read; default every key of the team (one extra call per poll to list them). */
    apiKeyIds: z.array(z.string().min(1)).min(1).optional(),
    /** Days re-read after a month turns, so usage booked late into the previous month is still counted. */
    lookbackDays: z.number().int().min(1).max(31).default(3),
    /**
     * A real one-result search (`POST /search`, numResults 1) that checks the search API and reports
     * its own `costDollars`. It COSTS MONEY: about $0.007 per probe at Exa's published $7 per 1,000
     * searches, i.e. about $0.17 a day or $5 a month at the default interval. Off by default.
     */
    paidProbe: z.boolean().default(false),
    /** At most one paid probe per this many seconds, whatever the poll interval. */
    paidProbeIntervalSeconds: z.number().int().min(60).max(86_400).default(3600),
  })
  .strict()
  .superRefine((a, ctx) => {
    if (a.paidProbe && !a.apiKey) ctx.addIssue({ code: 'custom', path: ['apiKey'], message: 'paidProbe needs apiKey' });
    if (a.apiKeyIds && !a.serviceKey)
      ctx.addIssue({ code: 'custom', path: ['apiKeyIds'], message: 'apiKeyIds needs serviceKey' });
    if (!a.serviceKey && !a.paidProbe) {
      ctx.addIssue({
        code: 'custom',
        path: ['serviceKey'],
        message: 'nothing to poll: set serviceKey (Team Management API) to read usage, or apiKey with paidProbe: true',
      });
    }
  });

export type ExaAccount = z.output<typeof exaAccountSchema>;

/** Search-API errors are `{requestId, error, tag}`; the tag says more than the text. Admin errors are `{error}`. */
const exaErrorMessage: ErrorMessageOf = (body) => {
  const message = defaultErrorMessage(body);
  const tag = body && typeof body === 'object' ? (body as Record<string, unknown>).tag : undefined;
  return typeof tag === 'string' && message ? `${tag}: ${message}` : message;
};

export const exa = defineProvider({
  name: 'exa',
  accountSchema: exaAccountSchema,
  create: (account) => new ExaCollector(account),
  // A subset of keys (apiKeyIds) is not the team's spend; without a service key the only cost is the probe key's.
  spendScope: (account) => (account.serviceKey && !account.apiKeyIds ? 'account' : 'key'),
  secrets: (account) => [account.serviceKey, account.apiKey].filter((s): s is string => Boolean(s)),
  errorMessage: exaErrorMessage,
});
