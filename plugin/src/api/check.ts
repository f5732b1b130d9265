// The configuration page's connection check: the exporter through the app's proxy route (so it tests
// exactly what the pages will use: URL, network path from the Grafana server, admin token), then the
// Prometheus data source for the exporter's metrics.
import { ApiError, toApiError, type ApiErrorKind } from './client';
import { listAccounts } from './exporter';
import { instantQueries } from './prometheus';

export interface CheckResult {
  ok: boolean;
  /** A warning is a check that passed but found something to fix. */
  severity: 'success' | 'warning' | 'error';
  title: string;
  message: string;
}

const EXPORTER_TITLES: Partial<Record<ApiErrorKind, string>> = {
  no_route: 'No proxy route in Grafana',
  unreachable: 'Grafana cannot reach the exporter',
  unauthorized: 'Admin token rejected',
  forbidden: 'Organization Admin role needed',
  rate_limited: 'The exporter is refusing requests',
  not_found: 'Admin API not found',
};

export async function checkExporter(): Promise<CheckResult> {
  try {
    const accounts = await listAccounts();
    const n = accounts.length;
    return {
      ok: true,
      severity: 'success',
      title: 'Exporter connected',
      message: `The exporter accepted the admin token. ${n === 0 ? 'No provider accounts are configured yet.' : `${n} provider account${n === 1 ? '' : 's'} configured.`}`,
    };
  } catch (e) {
    const err = e instanceof ApiError ? e : toApiError(e);
    return {
      ok: false,
      severity: 'error',
      title: EXPORTER_TITLES[err.kind] ?? 'Exporter check failed',
      message: err.message,
    };
  }
}

export async function checkPrometheus(datasourceUid: string): Promise<CheckResult> {
  try {
    const { build } = await instantQueries(datasourceUid, { build: 'count(nexus_exporter_build_info)' });
    if (build.error) {
      return { ok: false, severity: 'error', title: 'Prometheus query failed', message: build.error };
    }
    if (build.samples.length === 0) {
      return {
        ok: false,
        severity: 'warning',
        title: 'No exporter metrics in Prometheus',
        message:
          'The data source answered, but has no nexus_exporter_build_info series. Add the exporter to its scrape configuration.',
      };
    }
    return {
      ok: true,
      severity: 'success',
      title: 'Prometheus connected',
      message: 'The data source has the exporter’s metrics.',
    };
  } catch (e) {
    return {
      ok: false,
      severity: 'error',
      title: 'Prometheus check failed',
      message: toApiError(e, 'prometheus').message,
    };
  }
}
