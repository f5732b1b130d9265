// Types of the exporter admin API, generated from its OpenAPI document (scripts/generate.js →
// generated/exporterApi.ts), so a contract change in exporter/src/server/api breaks the plugin's typecheck.
import type { components } from '../generated/exporterApi';

type Schemas = components['schemas'];

export const PROVIDER_NAMES = ['openai', 'openrouter', 'exa', 'twilio', 'apollo'] as const satisfies ReadonlyArray<
  Schemas['AccountStatus']['provider']
>;
export type ProviderName = Schemas['AccountStatus']['provider'];

/** One provider account and its poll state as `GET /api/v1/providers` reports it. */
export type AccountState = Schemas['AccountStatus'];
/** One source of an account (an endpoint or a group of endpoints), as nexus_provider_source_up names it. */
export type SourceState = AccountState['sources'][number];
export type ProvidersResponse = Schemas['ProvidersResponse'];
export type ProviderEntry = ProvidersResponse['providers'][number];

/**
 * `PUT /api/v1/providers/{provider}/accounts/{account}` and the body of `POST .../test`: the provider's
 * account fields; an omitted field keeps its stored value (secrets are write-only), `null` resets it.
 */
export type AccountInput = Record<string, string | string[] | number | boolean | null | undefined>;

export type TestResult = Schemas['TestResult'];

export type Budget = Schemas['BudgetsRequest']['budgets'][number];
export type BudgetWithSource = Schemas['BudgetsResponse']['budgets'][number];
export type BudgetPeriod = Budget['period'];
export type BudgetsResponse = Schemas['BudgetsResponse'];
