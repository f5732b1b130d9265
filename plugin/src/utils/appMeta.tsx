import React, { createContext, useContext } from 'react';
import type { AppPluginMeta, KeyValue } from '@grafana/data';
import type { AppSettings } from '../types';

const AppMetaContext = createContext<AppPluginMeta<AppSettings> | undefined>(undefined);

export function AppMetaProvider({ meta, children }: { meta: AppPluginMeta<AppSettings>; children: React.ReactNode }) {
  return <AppMetaContext.Provider value={meta}>{children}</AppMetaContext.Provider>;
}

export interface AppConfigState {
  settings: AppSettings;
  secureJsonFields: KeyValue<boolean>;
  /** Exporter URL and admin token are both set: the Providers and Budgets pages can work. */
  exporterConfigured: boolean;
}

export function useAppConfig(): AppConfigState {
  const meta = useContext(AppMetaContext);
  const settings = meta?.jsonData ?? {};
  const secureJsonFields = meta?.secureJsonFields ?? {};
  return {
    settings,
    secureJsonFields,
    exporterConfigured: Boolean(settings.exporterUrl && secureJsonFields.exporterToken),
  };
}
