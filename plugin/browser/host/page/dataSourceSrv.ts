// getDataSourceSrv() over the data sources of the boot data, the part of grafana/grafana
// public/app/features/plugins/datasource_srv.ts (stored copy read 2026-11-29) that pickers use:
// getList with its type/metrics/filter options, sorted by name, and getInstanceSettings by uid, name,
// `${name}` variable or reference, null/undefined meaning the default data source. Instances (`get`)
// are not available in the host: no panel runs here.
import type { DataSourceInstanceSettings, DataSourceRef } from '@grafana/data';
import type { DataSourceSrv, GetDataSourceListFilters } from '@grafana/runtime';

export class HostDataSourceSrv {
  constructor(
    private readonly datasources: Record<string, DataSourceInstanceSettings>,
    private readonly defaultName: string
  ) {}

  getInstanceSettings(ref?: string | DataSourceRef | null): DataSourceInstanceSettings | undefined {
    const all = Object.values(this.datasources);
    if (ref === null || ref === undefined || ref === 'default') {
      return this.datasources[this.defaultName];
    }
    const key = typeof ref === 'string' ? ref.replace(/^\$\{?|\}$/g, '') : ref.uid;
    return all.find((d) => d.uid === key) ?? all.find((d) => d.name === key);
  }

  getList(filters: GetDataSourceListFilters = {}): DataSourceInstanceSettings[] {
    return Object.values(this.datasources)
      .filter((d) => {
        if (filters.type && (Array.isArray(filters.type) ? !filters.type.includes(d.type) : d.type !== filters.type)) {
          return false;
        }
        if (filters.metrics && !d.meta.metrics) {
          return false;
        }
        if (filters.filter && !filters.filter(d)) {
          return false;
        }
        return true;
      })
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  async get(): Promise<never> {
    throw new Error('data source instances are not available in the plugin test host');
  }

  async reload(): Promise<void> {}

  registerRuntimeDataSource(): void {}
}

export const asDataSourceSrv = (srv: HostDataSourceSrv) => srv as unknown as DataSourceSrv;
