import { PROVIDER_NAMES, type AccountState, type ProviderEntry, type ProviderName } from '../api/exporter.types';
import type { AppSettings } from '../types';
import { PluginType, type AppPluginMeta } from '@grafana/data';

export const API = '/api/plugin-proxy/nexus-apimonitor-app/exporter/api/v1';

export function account(patch: Partial<AccountState> & { provider: ProviderName; account: string }): AccountState {
  return {
    source: 'api',
    enabled: true,
    up: true,
    lastPollResult: 'success',
    lastSuccess: '2026-01-15T10:00:00.000Z',
    lastRead: '2026-01-15T10:00:00.000Z',
    lastError: null,
    sources: [],
    spendScope: patch.provider === 'apollo' ? null : 'account',
    nextPoll: '2026-01-15T10:05:00.000Z',
    pollIntervalSeconds: 300,
    baseUrl: 'https://api.openai.com/v1',
    circuitOpen: false,
    consecutiveFailures: 0,
    credentials: {},
    settings: {},
    ...patch,
  };
}

/** A `GET /providers` body: every provider, implemented, with the given accounts. */
export function providersBody(accounts: AccountState[]): { providers: ProviderEntry[] } {
  return {
    providers: PROVIDER_NAMES.map((provider) => ({
      provider,
      implemented: true,
      accounts: accounts.filter((a) => a.provider === provider),
    })),
  };
}

export function appMeta(
  jsonData: AppSettings = {},
  secureJsonFields: Record<string, boolean> = {}
): AppPluginMeta<AppSettings> {
  return {
    id: 'nexus-apimonitor-app',
    name: 'Nexus API Monitor',
    type: PluginType.app,
    enabled: true,
    pinned: true,
    jsonData,
    secureJsonFields,
  } as unknown as AppPluginMeta<AppSettings>;
}

export const CONFIGURED = appMeta(
  { exporterUrl: 'http://exporter:9464', prometheusDatasourceUid: 'prom-uid' },
  { exporterToken: true }
);
