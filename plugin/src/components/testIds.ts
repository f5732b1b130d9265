export const testIds = {
  appConfig: {
    exporterUrl: 'data-testid nexus-config-exporter-url',
    exporterToken: 'data-testid nexus-config-exporter-token',
    alertmanagerUrl: 'data-testid nexus-config-alertmanager-url',
    save: 'data-testid nexus-config-save',
    check: 'data-testid nexus-config-check',
  },
  providers: {
    account: (provider: string, account: string) => `data-testid nexus-account-${provider}-${account}`,
    status: (provider: string, account: string) => `data-testid nexus-account-status-${provider}-${account}`,
    sources: (provider: string, account: string) => `data-testid nexus-account-sources-${provider}-${account}`,
  },
};
