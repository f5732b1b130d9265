// The OTLP→Prometheus name translation that Prometheus' OTLP receiver and the OpenTelemetry
// Collector's Prometheus exporters apply, ported from prometheus/otlptranslator v1.0.0 (57de713,
// 2025-09-09): metric_namer.go (normalizeName: UTF-8 not allowed, suffixes added — the
// UnderscoreEscapingWithSuffixes default), unit_namer.go (buildUnitSuffixes, cleanUpUnit),
// label_namer.go and strconv.go (LabelNamer.Build, sanitizeLabelName). Tested with that repository's
// own cases (tests/client-rules.test.ts). The tests use it to check that the recording rules and the
// promtool inputs name the translated series as a Collector or Prometheus would.
// Resource attributes: service.name (prefixed `namespace/` when service.namespace is set) becomes
// `job`, service.instance.id `instance` (prometheus/prometheus storage/remote/otlptranslator/
// prometheusremotewrite/helper.go, createAttributes); the others go to target_info.

export type TranslatedType =
  | 'gauge'
  | 'monotonic_counter'
  | 'non_monotonic_counter'
  | 'histogram'
  | 'exponential_histogram'
  | 'summary'
  | 'unknown';

const UNIT_MAP: Record<string, string> = {
  d: 'days',
  h: 'hours',
  min: 'minutes',
  s: 'seconds',
  ms: 'milliseconds',
  us: 'microseconds',
  ns: 'nanoseconds',
  By: 'bytes',
  KiBy: 'kibibytes',
  MiBy: 'mebibytes',
  GiBy: 'gibibytes',
  TiBy: 'tibibytes',
  KBy: 'kilobytes',
  MBy: 'megabytes',
  GBy: 'gigabytes',
  TBy: 'terabytes',
  m: 'meters',
  V: 'volts',
  A: 'amperes',
  J: 'joules',
  W: 'watts',
  g: 'grams',
  Cel: 'celsius',
  Hz: 'hertz',
  '1': '',
  '%': 'percent',
};
const PER_UNIT_MAP: Record<string, string> = {
  s: 'second',
  m: 'minute',
  h: 'hour',
  d: 'day',
  w: 'week',
  mo: 'month',
  y: 'year',
};

const isMetricChar = (c: string) => /^[a-zA-Z0-9:]$/.test(c);
const isLabelChar = (c: string) => /^[a-zA-Z0-9]$/.test(c);

function collapseUnderscores(s: string): string {
  return s.replace(/_+/g, '_');
}

function cleanUpUnit(unit: string): string {
  return collapseUnderscores([...unit].map((c) => (isMetricChar(c) ? c : '_')).join('')).replace(/^_/, '');
}

function buildUnitSuffixes(unit: string): [main: string, per: string] {
  const tokens = unit.split('/');
  let main = '';
  let per = '';
  const mainOtel = (tokens[0] ?? '').trim();
  if (mainOtel !== '' && !/[{}]/.test(mainOtel)) main = UNIT_MAP[mainOtel] ?? mainOtel;
  if (tokens.length > 1 && tokens.slice(1).join('/') !== '') {
    const perOtel = tokens.slice(1).join('/').trim();
    if (perOtel !== '' && !/[{}]/.test(perOtel)) per = PER_UNIT_MAP[perOtel] ?? perOtel;
    if (per !== '') per = `per_${per}`;
  }
  return [main, per];
}

function addUnitTokens(tokens: string[], mainSuffix: string, perSuffix: string): string[] {
  let main = mainSuffix;
  let per = perSuffix;
  if (tokens.includes(main)) main = '';
  if (per === 'per_') per = '';
  else {
    per = per.replace(/_$/, '');
    if (tokens.includes(per)) per = '';
  }
  if (per !== '') main = main.replace(/_$/, '');
  const out = [...tokens];
  if (main !== '') out.push(main);
  if (per !== '') out.push(per);
  return out;
}

/** normalizeName(name, unit, type, "") with suffixes, for names that are not UTF-8 escaped. */
export function promMetricName(name: string, unit: string, type: TranslatedType): string {
  let tokens = name.split(/[^a-zA-Z0-9:]+/).filter((t) => t !== '');
  const [main, per] = buildUnitSuffixes(unit);
  tokens = addUnitTokens(tokens, cleanUpUnit(main), cleanUpUnit(per));
  if (type === 'monotonic_counter') tokens = [...tokens.filter((t) => t !== 'total'), 'total'];
  if (unit === '1' && type === 'gauge') tokens = [...tokens.filter((t) => t !== 'ratio'), 'ratio'];
  let out = tokens.join('_');
  if (/^[0-9]/.test(out)) out = `_${out}`;
  return out;
}

/** LabelNamer{}.Build(label): invalid characters to one `_`, `key_` before a leading digit; '' when invalid. */
export function promLabelName(label: string): string {
  if (label.length === 0) return '';
  let name = label;
  const reserved = name.length >= 4 && name.startsWith('__') && name.endsWith('__');
  if (reserved) name = name.slice(2, -2);
  let out = '';
  let prevUnderscore = false;
  for (const c of name) {
    if (isLabelChar(c)) {
      out += c;
      prevUnderscore = false;
    } else if (!prevUnderscore) {
      out += '_';
      prevUnderscore = true;
    }
  }
  if (reserved) out = `__${out}__`;
  if (/^[0-9]/.test(out)) out = `key_${out}`;
  return /^_*$/.test(out) ? '' : out;
}

/** Labels a Collector or Prometheus adds to every translated series (resource and scope). */
export const TRANSLATION_LABELS = [
  'job',
  'instance',
  'exported_job',
  'exported_instance',
  'otel_scope_name',
  'otel_scope_version',
];
