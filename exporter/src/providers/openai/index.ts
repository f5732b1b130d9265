// OpenAI provider module: account schema and wiring. See collector.ts for what is polled.
import { z } from 'zod';
import { accountBase, defineProvider, secret } from '../module.js';
import { OpenAICollector, USAGE_ENDPOINTS } from './collector.js';

const USAGE_NAMES = USAGE_ENDPOINTS.map((e) => e.name) as [string, ...string[]];

export const openaiAccountSchema = accountBase('https://api.openai.com/v1', 300, 10)
  .extend({
    /** Admin key (sk-admin-…): the Usage and Costs APIs need it. */
    adminKey: secret('adminKey'),
    /** Optional project key, used only for the `/models` liveness probe. */
    projectKey: secret('projectKey').optional(),
    /** Days re-read on every poll to pick up late revisions; the current month is always read for costs. */
    lookbackDays: z.number().int().min(1).max(31).default(3),
    usageEndpoints: z.array(z.enum(USAGE_NAMES)).default([...USAGE_NAMES]),
    /** Daily buckets per page (the API allows up to 31 for usage). */
    pageSize: z.number().int().min(1).max(31).default(31),
    /** Read project names (`/organization/projects`) into nexus_project_info; off for admin keys restricted from it. */
    projectNames: z.boolean().default(true),
  })
  .strict();

export type OpenAIAccount = z.output<typeof openaiAccountSchema>;

export const openai = defineProvider({
  name: 'openai',
  accountSchema: openaiAccountSchema,
  create: (account) => new OpenAICollector(account),
  // The Costs API is the organization's, whatever project key is added.
  spendScope: () => 'account',
  secrets: (account) => [account.adminKey, account.projectKey].filter((s): s is string => Boolean(s)),
});
