// Types shared by the pages. The exporter's admin API types live in api/exporter.types.ts.

/** The app's `jsonData` (readable by every user of the org). */
export interface AppSettings {
  /** Base URL of the Nexus exporter as the Grafana server reaches it, e.g. http://nexus-exporter:9464. */
  exporterUrl?: string;
  /** UID of the Prometheus data source that scrapes the exporter. */
  prometheusDatasourceUid?: string;
  /** Optional link target for the Alerts page, e.g. http://alertmanager:9093. */
  alertmanagerUrl?: string;
}

/** The app's `secureJsonData` keys. Grafana never returns their values, only `secureJsonFields.<key> === true`. */
export interface AppSecrets {
  exporterToken?: string;
}

/** A dashboard from the repository's dashboards/ directory, bundled with the app. */
export interface BundledDashboard {
  file: string;
  uid: string;
  title: string;
  tags: string[];
}

/** An alert rule from provisioning/prometheus/rules/*.yml. */
export interface ShippedAlertRule {
  name: string;
  group: string;
  file: string;
  expr: string;
  for?: string;
  severity?: string;
  labels: Record<string, string>;
  summary?: string;
  description?: string;
  runbookUrl?: string;
}
