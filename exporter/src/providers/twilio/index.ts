// Twilio provider module: account schema and wiring. See collector.ts for what is polled. A subaccount
// is either configured as an account of its own, with its own Account SID and credentials, or read
// with the parent's credentials through `subaccounts`.
import { z } from 'zod';
import { accountBase, defineProvider, httpUrl, secret } from '../module.js';
import { DEFAULT_COST_CATEGORIES, LOG_LEVELS, TwilioCollector } from './collector.js';
import { twilioErrorMessage } from './parse.js';

const CATEGORY = /^[a-z0-9][a-z0-9-]*$/;

const costCategories = z
  .array(z.string().regex(CATEGORY, 'must be a Twilio usage category such as "sms" or "calls-inbound"'))
  .superRefine((list, ctx) => {
    list.forEach((c, i) => {
      if (c === 'totalprice')
        ctx.addIssue({
          code: 'custom',
          path: [i],
          message: 'totalprice is the account total; it is read anyway and never counted as a category',
        });
      if (c === 'other')
        ctx.addIssue({
          code: 'custom',
          path: [i],
          message: '"other" is reserved for the cost not covered by the listed categories',
        });
      if (list.indexOf(c) !== i) ctx.addIssue({ code: 'custom', path: [i], message: `${c} is listed twice` });
      // Twilio's roll-ups contain the categories named after them (`sms` contains `sms-outbound`).
      const parent = list.find((p) => c.startsWith(`${p}-`));
      if (parent)
        ctx.addIssue({
          code: 'custom',
          path: [i],
          message: `${c} is part of ${parent}; listing both would count its cost twice`,
        });
    });
  });

export const twilioAccountSchema = accountBase('https://api.twilio.com/2010-04-01', 300, 10)
  .extend({
    /** The account polled (AC…); always in the URL path, also the Basic-auth user with `authToken`. */
    accountSid: z
      .string({ error: 'accountSid is required' })
      .regex(/^AC[0-9a-fA-F]{32}$/, 'must be an Account SID: "AC" followed by 32 hex characters'),
    /** Auth Token of the account. Either this, or `apiKeySid` with `apiKeySecret`. */
    authToken: secret('authToken').optional(),
    /** API Key SID (SK…), the Basic-auth user when an API key is used. */
    apiKeySid: z
      .string()
      .regex(/^SK[0-9a-fA-F]{32}$/, 'must be an API Key SID: "SK" followed by 32 hex characters')
      .optional(),
    apiKeySecret: secret('apiKeySecret').optional(),
    /** Monitor API host (alerts). */
    monitorBaseUrl: httpUrl.default('https://monitor.twilio.com/v1'),
    /** Closed days re-read on every poll to pick up late price revisions. */
    lookbackDays: z.number().int().min(1).max(31).default(3),
    /**
     * Usage categories counted in nexus_cost_usd_total, which must not overlap; the rest of
     * `totalprice` is counted as category `other`, so the categories always add up to the total.
     */
    costCategories: costCategories.default([...DEFAULT_COST_CATEGORIES]),
    /** Include the subaccounts' usage in this account's records (Twilio's default); off so a parent and its subaccounts can be configured side by side without double counting. */
    includeSubaccounts: z.boolean().default(false),
    /**
     * Read subaccounts with this account's credentials, each with its SID as `project`: `all` (listed
     * through the Accounts resource, which needs the Auth Token or a Main API key) or a list of SIDs.
     * Subaccounts share this account's balance.
     */
    subaccounts: z
      .union([
        z.literal('all'),
        z
          .array(
            z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'must be a subaccount SID: "AC" followed by 32 hex characters')
          )
          .min(1),
      ])
      .optional(),
    /** Read the listed subaccounts' names from the Accounts resource (Auth Token or Main API key only); `subaccounts: all` always lists them. */
    subaccountNames: z.boolean().default(true),
    /** Count Monitor alerts in nexus_provider_reported_errors_total. */
    alerts: z.boolean().default(true),
    alertLevels: z.array(z.enum(LOG_LEVELS)).min(1).default(['error', 'warning']),
    /** Closed days of alerts re-read on every poll (Monitor keeps 30 days). */
    alertLookbackDays: z.number().int().min(1).max(29).default(1),
    /** Records or alerts per page (Twilio allows up to 1000). */
    pageSize: z.number().int().min(1).max(1000).default(1000),
  })
  .strict()
  .superRefine((a, ctx) => {
    if (a.subaccounts !== undefined && a.includeSubaccounts) {
      ctx.addIssue({
        code: 'custom',
        path: ['includeSubaccounts'],
        message: 'includeSubaccounts would count the subaccounts listed in subaccounts twice; leave it off',
      });
    }
    if (Array.isArray(a.subaccounts)) {
      a.subaccounts.forEach((sid, i) => {
        if (sid.toLowerCase() === a.accountSid.toLowerCase())
          ctx.addIssue({ code: 'custom', path: ['subaccounts', i], message: 'is this account itself' });
        else if (a.subaccounts!.indexOf(sid) !== i)
          ctx.addIssue({ code: 'custom', path: ['subaccounts', i], message: `${sid} is listed twice` });
      });
    }
    const key = a.apiKeySid !== undefined || a.apiKeySecret !== undefined;
    if (a.authToken !== undefined && key) {
      ctx.addIssue({
        code: 'custom',
        path: ['authToken'],
        message: 'give either authToken, or apiKeySid with apiKeySecret, not both',
      });
    } else if (a.authToken === undefined && !key) {
      ctx.addIssue({
        code: 'custom',
        path: ['authToken'],
        message: 'credentials are required: authToken, or apiKeySid with apiKeySecret',
      });
    } else if (key && a.apiKeySid === undefined) {
      ctx.addIssue({ code: 'custom', path: ['apiKeySid'], message: 'apiKeySid is required with apiKeySecret' });
    } else if (key && a.apiKeySecret === undefined) {
      ctx.addIssue({ code: 'custom', path: ['apiKeySecret'], message: 'apiKeySecret is required with apiKeySid' });
    }
  });

export type TwilioAccount = z.output<typeof twilioAccountSchema>;

export const twilio = defineProvider({
  name: 'twilio',
  accountSchema: twilioAccountSchema,
  create: (account) => new TwilioCollector(account),
  spendScope: () => 'account',
  secrets: (account) => [account.authToken, account.apiKeySecret].filter((s): s is string => Boolean(s)),
  errorMessage: twilioErrorMessage,
});
