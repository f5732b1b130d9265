// Bodies of the admin API as zod schemas: the handlers build values of these types, and openapi.ts
// publishes them (z.toJSONSchema), so the description cannot drift from what is served.
import { z } from 'zod';
import { ERROR_REASONS } from '../../http/errors.js';
import { PROVIDER_NAMES, SPEND_SCOPES } from '../../providers/types.js';
import { ERROR_CODES } from './errors.js';

export const fieldErrorSchema = z.object({
  field: z.string().meta({
    description:
      'Path of the offending field, e.g. `adminKey` or `budgets[2].amountUsd`; `(body)` for the body itself.',
  }),
  message: z.string(),
});

export const errorSchema = z
  .object({
    error: z
      .object({
        code: z.enum(Object.keys(ERROR_CODES) as [keyof typeof ERROR_CODES, ...Array<keyof typeof ERROR_CODES>]),
        message: z.string(),
        details: z.array(fieldErrorSchema).optional(),
      })
      .strict(),
  })
  .strict();

export const credentialPreviewSchema = z
  .object({
    set: z.literal(true),
    last4: z
      .string()
      .nullable()
      .meta({ description: 'Last four characters; null for credentials shorter than 12 characters.' }),
  })
  .strict();

export const sourceSchema = z.enum(['config', 'api']).meta({
  description:
    '`config`: defined in the configuration file, read-only here. `api`: added through this API, stored encrypted in the state directory.',
});

const lastErrorSchema = z
  .object({
    at: z.string(),
    reason: z.enum(ERROR_REASONS),
    message: z.string().meta({ description: 'Redacted: never a credential.' }),
  })
  .strict();

export const pollResultSchema = z.enum(['success', 'partial', 'failure']).meta({
  description:
    'As the `result` of nexus_provider_polls_total: `success` read every source, `partial` some (the others keep their last good data), `failure` none.',
});

export const sourceStatusSchema = z
  .object({
    source: z.string().meta({
      description:
        'The `source` label of nexus_provider_source_up: an endpoint or a group of endpoints, e.g. `openai.costs`, `exa.usage:<key id>`.',
    }),
    up: z.boolean().meta({
      description:
        'The last read of this source succeeded (nexus_provider_source_up). A failing source keeps serving its last good data.',
    }),
    lastRead: z.string().nullable().meta({ description: 'When the source was last read completely; null if never.' }),
    lastError: lastErrorSchema.nullable().meta({ description: 'Why the source is down; null while it is up.' }),
    project: z.string().nullable().meta({
      description:
        'For a source of one project, key or subaccount (`<source>:<id>`): the id, as in the `project` label.',
    }),
    name: z.string().nullable().meta({
      description: "The project's, key's or subaccount's name (nexus_project_info), when the provider reports one.",
    }),
  })
  .strict();

export const accountStatusSchema = z
  .object({
    provider: z.enum(PROVIDER_NAMES),
    account: z.string(),
    source: sourceSchema,
    enabled: z.boolean(),
    up: z.boolean().meta({ description: 'The last poll read every source (nexus_provider_up).' }),
    lastPollResult: pollResultSchema
      .nullable()
      .meta({ description: 'The result of the last poll; null before the first one.' }),
    lastSuccess: z.string().nullable().meta({ description: 'The last poll that read every source.' }),
    lastRead: z.string().nullable().meta({ description: 'The last poll that read at least one source.' }),
    lastError: lastErrorSchema
      .nullable()
      .meta({ description: 'The last error of any poll, kept after the account recovers.' }),
    sources: z.array(sourceStatusSchema).meta({
      description:
        'Every source the last polls read or tried, in the order they are read; empty before the first poll.',
    }),
    spendScope: z.enum(SPEND_SCOPES).nullable().meta({
      description:
        "What the account's spend and cost cover, the `scope` label of nexus_spend_usd and nexus_cost_usd_total: `account` the whole provider account or organization, `key` only the configured key(s) (OpenRouter without a management key; Exa with `apiKeyIds`, or with the paid probe only). Totals per provider leave `key` accounts out when the provider has an `account` one. null for a provider that reports no money (Apollo.io).",
    }),
    nextPoll: z.string().nullable(),
    pollIntervalSeconds: z.number(),
    baseUrl: z.string(),
    circuitOpen: z.boolean(),
    consecutiveFailures: z.number().int(),
    credentials: z
      .record(z.string(), credentialPreviewSchema)
      .meta({ description: 'One preview per credential field; never the credential.' }),
    settings: z
      .record(z.string(), z.unknown())
      .meta({ description: 'The provider-specific settings that are not credentials.' }),
  })
  .strict();

export const providersResponseSchema = z
  .object({
    providers: z.array(
      z
        .object({
          provider: z.enum(PROVIDER_NAMES),
          implemented: z.boolean().meta({ description: 'Accounts can be added only for implemented providers.' }),
          accounts: z
            .array(accountStatusSchema)
            .meta({ description: 'Empty for a provider with no account: offer "add".' }),
        })
        .strict()
    ),
  })
  .strict();

export const testResultSchema = z
  .object({
    ok: z.boolean(),
    latencyMs: z.number(),
    reason: z.enum(ERROR_REASONS).optional(),
    message: z.string().optional(),
  })
  .strict();

export const budgetSchema = z
  .object({
    provider: z.enum(PROVIDER_NAMES),
    account: z.string().min(1),
    period: z.enum(['day', 'month']),
    amountUsd: z.number().positive('must be greater than 0').max(1e12),
  })
  .strict();

export const budgetsRequestSchema = z.object({ budgets: z.array(budgetSchema).max(1000) }).strict();

export const budgetsResponseSchema = z
  .object({ budgets: z.array(budgetSchema.extend({ source: sourceSchema })) })
  .strict();

export type AccountStatus = z.infer<typeof accountStatusSchema>;
export type SourceStatus = z.infer<typeof sourceStatusSchema>;
export type ProvidersResponse = z.infer<typeof providersResponseSchema>;
export type TestResult = z.infer<typeof testResultSchema>;
export type Budget = z.infer<typeof budgetSchema>;
export type BudgetsResponse = z.infer<typeof budgetsResponseSchema>;
