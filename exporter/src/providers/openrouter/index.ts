// OpenRouter provider module: account schema and wiring. See collector.ts for what is polled.
import { z } from 'zod';
import { accountBase, defineProvider, secret } from '../module.js';
import { OpenRouterCollector } from './collector.js';

// OpenRouter caches the `/key` numbers for about a minute, so polling faster than every 60 s only
// repeats them; 300 s is the recommended default. The minimum is 15 s so that the demo (which polls
// every 15 s against the simulator) validates.
export const openrouterAccountSchema = accountBase('https://openrouter.ai/api/v1', 300, 15)
  .extend({
    /** An ordinary API key (sk-or-v1-…): `/key` reports this key's spend and remaining limit. */
    apiKey: secret('apiKey'),
    /** Optional management key: adds the prepaid balance (`/credits`) and per-model activity (`/activity`). */
    managementKey: secret('managementKey').optional(),
    /**
     * `/activity` holds completed UTC days only, so it changes about once a day: it is read at most
     * this often (and again after each UTC midnight); 0 reads it on every poll.
     */
    activityIntervalSeconds: z.number().int().min(0).max(86_400).default(3600),
    /**
     * Completed days re-read from `/activity` to pick up late days and revisions. At most 29: the API
     * keeps 30 days, and a day must not leave the API while it is still inside the window.
     */
    lookbackDays: z.number().int().min(1).max(29).default(3),
  })
  .strict();

export type OpenRouterAccount = z.output<typeof openrouterAccountSchema>;

export const openrouter = defineProvider({
  name: 'openrouter',
  accountSchema: openrouterAccountSchema,
  create: (account) => new OpenRouterCollector(account),
  // Without a management key /key reports the configured key's spend only.
  spendScope: (account) => (account.managementKey ? 'account' : 'key'),
  secrets: (account) => [account.apiKey, account.managementKey].filter((s): s is string => Boolean(s)),
});
