// Where the shipped observability files live, and typed readers for them. Everything here reads the
// repository only (never /work/shared), so the tests run the same on CI and on a laptop.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export const PATHS = {
  dashboards: join(ROOT, 'dashboards'),
  prometheusConfig: join(ROOT, 'provisioning', 'prometheus', 'prometheus.yml'),
  rules: join(ROOT, 'provisioning', 'prometheus', 'rules'),
  ruleTests: join(ROOT, 'provisioning', 'prometheus', 'tests'),
  alertmanagerConfig: join(ROOT, 'provisioning', 'alertmanager', 'alertmanager.yml'),
  alertmanagerTemplates: join(ROOT, 'provisioning', 'alertmanager', 'templates'),
  grafana: join(ROOT, 'provisioning', 'grafana'),
  compose: join(ROOT, 'docker-compose.yml'),
  dockerfile: join(ROOT, 'exporter', 'Dockerfile'),
  dockerignore: join(ROOT, '.dockerignore'),
  runbooks: join(ROOT, 'docs', 'runbooks.md'),
};

/** The app plugin's id, as in the plugin's plugin.json and the Grafana provisioning. */
export const PLUGIN_ID = 'nexus-apimonitor-app';

export function readYaml<T = unknown>(path: string): T {
  return parseYaml(readFileSync(path, 'utf8')) as T;
}

export function filesIn(dir: string, ext: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(ext))
    .sort()
    .map((f) => join(dir, f));
}

// ---------------------------------------------------------------- Prometheus rules

export interface AlertingRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
export interface RecordingRule {
  record: string;
  expr: string;
  labels?: Record<string, string>;
}
export type Rule = AlertingRule | RecordingRule;
export interface RuleGroup {
  name: string;
  interval?: string;
  rules: Rule[];
}
export interface RuleFile {
  path: string;
  groups: RuleGroup[];
}

export const isAlert = (r: Rule): r is AlertingRule => 'alert' in r;

export function ruleFiles(): RuleFile[] {
  return filesIn(PATHS.rules, '.yml').map((path) => ({ path, groups: readYaml<{ groups: RuleGroup[] }>(path).groups }));
}

export function allRules(): Rule[] {
  return ruleFiles().flatMap((f) => f.groups.flatMap((g) => g.rules));
}

export function alertingRules(): AlertingRule[] {
  return allRules().filter(isAlert);
}

export function recordingRules(): RecordingRule[] {
  return allRules().filter((r): r is RecordingRule => !isAlert(r));
}

// ---------------------------------------------------------------- Grafana dashboards

export interface Target {
  refId: string;
  expr: string;
  instant?: boolean;
  range?: boolean;
  legendFormat?: string;
  datasource?: { type: string; uid: string };
}
export interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { h: number; w: number; x: number; y: number };
  datasource?: { type: string; uid: string };
  targets?: Target[];
  panels?: Panel[];
  interval?: string;
  fieldConfig?: { defaults?: { unit?: string; links?: Array<{ title: string; url: string }> } };
}
export interface Variable {
  name: string;
  type: string;
  query?: string | { query: string };
  definition?: string;
  datasource?: { type: string; uid: string };
  includeAll?: boolean;
  multi?: boolean;
  allValue?: string;
}
export interface Dashboard {
  uid: string;
  title: string;
  id: null;
  version: number;
  revision: number;
  schemaVersion: number;
  tags: string[];
  links: Array<{ type: string; title: string; url?: string; tags?: string[] }>;
  templating: { list: Variable[] };
  panels: Panel[];
}
export interface DashboardFile {
  path: string;
  dashboard: Dashboard;
}

export function dashboards(): DashboardFile[] {
  return filesIn(PATHS.dashboards, '.json').map((path) => ({
    path,
    dashboard: JSON.parse(readFileSync(path, 'utf8')) as Dashboard,
  }));
}

/** Every panel, rows' nested panels included. */
export function panelsOf(d: Dashboard): Panel[] {
  return d.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
}

/** The query of a `query` variable, in either of Grafana's shapes. */
export function variableQuery(v: Variable): string | undefined {
  if (v.type !== 'query') return undefined;
  return typeof v.query === 'string' ? v.query : v.query?.query;
}

/** One PromQL expression with where it came from, for messages. */
export interface SourcedExpr {
  where: string;
  expr: string;
}

export function dashboardExprs(): SourcedExpr[] {
  return dashboards().flatMap(({ dashboard: d }) =>
    panelsOf(d).flatMap((p) =>
      (p.targets ?? []).map((t) => ({ where: `${d.uid} / "${p.title}" / ${t.refId}`, expr: t.expr }))
    )
  );
}

export function ruleExprs(): SourcedExpr[] {
  return allRules().map((r) => ({ where: isAlert(r) ? `alert ${r.alert}` : `record ${r.record}`, expr: r.expr }));
}
