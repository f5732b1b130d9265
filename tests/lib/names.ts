// Checks the metric and label names an expression uses against the exporter's metric catalog (the
// single source of metric names), the recording rules, and the few Prometheus-side series allowed.
import { CATALOG, labelNames, type MetricDef } from '../../exporter/src/metrics/catalog.js';
import { SEMCONV_METRICS } from '../../exporter/src/receiver/semconv.js';
import { TRANSLATION_LABELS, promLabelName, promMetricName } from './otlp-translate.js';
import { scanPromql } from './promql.js';
import { recordingRules } from './repo.js';

/** Series Prometheus itself produces about the scrape, which dashboards and rules may use. */
export const PROMETHEUS_SERIES = new Set(['up', 'scrape_samples_scraped']);
/** Labels Prometheus adds to every scraped series. */
export const TARGET_LABELS = ['job', 'instance'];

const HISTOGRAM_SUFFIXES = ['_bucket', '_count', '_sum'];

/**
 * The series an OpenTelemetry Collector or Prometheus' OTLP receiver makes of the semantic-convention
 * metrics the receiver keeps (rules/nexus-client.yml reads them), with the labels they may carry.
 */
export const TRANSLATED_SERIES: ReadonlyMap<string, ReadonlySet<string>> = new Map(
  SEMCONV_METRICS.flatMap((m) => {
    const base = promMetricName(m.name, m.unit, m.instrument);
    const labels = [...m.attributes.map(promLabelName), ...TRANSLATION_LABELS];
    return HISTOGRAM_SUFFIXES.map(
      (suffix) => [`${base}${suffix}`, new Set(suffix === '_bucket' ? [...labels, 'le'] : labels)] as const
    );
  })
);

/** The catalog entry a series name belongs to (histogram series by their base name). */
export function catalogEntry(series: string): MetricDef | undefined {
  const exact = CATALOG.find((d) => d.name === series);
  if (exact) return exact;
  for (const suffix of HISTOGRAM_SUFFIXES) {
    if (!series.endsWith(suffix)) continue;
    const def = CATALOG.find((d) => d.name === series.slice(0, -suffix.length));
    if (def?.type === 'histogram') return def;
  }
  return undefined;
}

/** Labels a series of this name may carry once scraped. */
export function seriesLabels(series: string): Set<string> | undefined {
  const translated = TRANSLATED_SERIES.get(series);
  if (translated) return new Set(translated);
  const def = catalogEntry(series);
  if (!def) return undefined;
  const labels = new Set([...labelNames(def), ...TARGET_LABELS]);
  if (series.endsWith('_bucket') && def.type === 'histogram') labels.add('le');
  return labels;
}

/** Every label name any catalog metric carries, plus target labels, `le`, and the labels recording rules set (e.g. the SLO rules' `slo`). */
export function knownLabels(): Set<string> {
  ruleLabels ??= recordingRules().flatMap((r) => Object.keys(r.labels ?? {}));
  return new Set([
    ...CATALOG.flatMap((d) => labelNames(d)),
    'provider',
    'account',
    ...TARGET_LABELS,
    'le',
    ...[...TRANSLATED_SERIES.values()].flatMap((l) => [...l]),
    ...ruleLabels,
  ]);
}
let ruleLabels: string[] | undefined;

/**
 * Problems with the names in `expr`: unknown metrics, recording rules that are not defined, labels
 * that no catalog metric has, or matchers on labels the selected metric does not carry.
 */
export function nameProblems(expr: string, recorded: Set<string>): string[] {
  const use = scanPromql(expr);
  const problems: string[] = [];
  const labels = knownLabels();
  for (const m of use.metrics) {
    if (m.includes(':')) {
      if (!recorded.has(m)) problems.push(`recording rule ${m} is not defined`);
    } else if (m.startsWith('nexus_')) {
      if (!catalogEntry(m)) problems.push(`metric ${m} is not in the catalog`);
    } else if (!PROMETHEUS_SERIES.has(m) && !TRANSLATED_SERIES.has(m)) {
      problems.push(`metric ${m} is neither in the catalog nor a Prometheus scrape series`);
    }
  }
  for (const [metric, used] of use.selectorLabels) {
    const allowed = seriesLabels(metric);
    if (!allowed) continue;
    for (const l of used) if (!allowed.has(l)) problems.push(`${metric} has no label ${l}`);
  }
  for (const l of use.labels) if (!labels.has(l)) problems.push(`no metric has a label ${l}`);
  return problems;
}
