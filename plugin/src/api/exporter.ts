// Calls to the exporter's admin API, always through the app's `exporter` proxy route: Grafana adds the
// admin token server-side, so the browser never holds it nor any provider key.
import { ADMIN_API } from '../constants';
import { request } from './client';
import type {
  AccountInput,
  AccountState,
  Budget,
  BudgetWithSource,
  BudgetsResponse,
  ProviderEntry,
  ProviderName,
  ProvidersResponse,
  TestResult,
} from './exporter.types';

const accountUrl = (provider: ProviderName, account: string) =>
  `${ADMIN_API}/providers/${encodeURIComponent(provider)}/accounts/${encodeURIComponent(account)}`;

export async function listProviders(): Promise<ProviderEntry[]> {
  const body = await request<ProvidersResponse>({ url: `${ADMIN_API}/providers` });
  return body.providers;
}

export async function listAccounts(): Promise<AccountState[]> {
  return (await listProviders()).flatMap((p) => p.accounts);
}

export function saveAccount(provider: ProviderName, account: string, input: AccountInput): Promise<AccountState> {
  return request<AccountState>({ url: accountUrl(provider, account), method: 'PUT', data: input });
}

export function deleteAccount(provider: ProviderName, account: string): Promise<unknown> {
  return request({ url: accountUrl(provider, account), method: 'DELETE' });
}

/** Tests the stored account, or (with `input`) the given fields merged over it, without saving. */
export function testAccount(provider: ProviderName, account: string, input: AccountInput = {}): Promise<TestResult> {
  return request<TestResult>({ url: `${accountUrl(provider, account)}/test`, method: 'POST', data: input });
}

export async function listBudgets(): Promise<BudgetWithSource[]> {
  return (await request<BudgetsResponse>({ url: `${ADMIN_API}/budgets` })).budgets;
}

/** Replaces the API-managed budgets; config-file budgets sent back unchanged are ignored by the exporter. */
export async function saveBudgets(budgets: Budget[]): Promise<BudgetWithSource[]> {
  const body = {
    budgets: budgets.map(({ provider, account, period, amountUsd }) => ({ provider, account, period, amountUsd })),
  };
  return (await request<BudgetsResponse>({ url: `${ADMIN_API}/budgets`, method: 'PUT', data: body })).budgets;
}
