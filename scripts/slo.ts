// Provider SLOs: reads provisioning/prometheus/slos.yml and writes rules/nexus-slo.yml, the recording
// rules and multiwindow, multi-burn-rate alerts of the SRE workbook (ch. 5, "Alerting on SLOs", the
// scheme Sloth and Pyrra generate) over the apps' real traffic (the `client:` series of nexus-client.yml).
//
// `npm run generate` (scripts/generate.ts) writes it; `npm run generate -- --check`, part of `npm test`,
// fails when the committed file is not what the definitions give.
//
// `generateSloRules(defs, { scale })` divides every window and `for:` by `scale`, for the end-to-end
// test, which must see a page and its resolution within minutes. `minBadCalls` stays as it is: how many
// calls are enough evidence does not depend on how long they took to happen.
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument, stringify } from 'yaml';
import { z } from 'zod';
import { formatPath } from '../exporter/src/config/load.js';
import { GENAI_DURATION_BUCKETS, HTTP_CLIENT_DURATION_BUCKETS } from '../exporter/src/receiver/semconv.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const SLO_DEFINITIONS = join(ROOT, 'provisioning', 'prometheus', 'slos.yml');
export const SLO_RULES = join(ROOT, 'provisioning', 'prometheus', 'rules', 'nexus-slo.yml');

/** Where each source's SLIs come from: the recorded rates of nexus-client.yml and their buckets. */
const SOURCES = {
  genai: {
    histogram: 'nexus_client_operation_duration_seconds',
    count: 'client:nexus_client_operation_duration_seconds_count:rate5m',
    bucket: 'client:nexus_client_operation_duration_seconds_bucket:rate5m',
    key: 'operation',
    buckets: GENAI_DURATION_BUCKETS,
    threshold: 10.24,
  },
  http: {
    histogram: 'nexus_client_http_request_duration_seconds',
    count: 'client:nexus_client_http_request_duration_seconds_count:rate5m',
    bucket: 'client:nexus_client_http_request_duration_seconds_bucket:rate5m',
    key: 'method',
    buckets: HTTP_CLIENT_DURATION_BUCKETS,
    threshold: 5,
  },
} as const;
type SourceName = keyof typeof SOURCES;

/** The five providers' source; other GenAI providers seen in the traffic (e.g. anthropic) must name theirs. */
const DEFAULT_SOURCE: Record<string, SourceName> = {
  openai: 'genai',
  openrouter: 'genai',
  exa: 'http',
  twilio: 'http',
  apollo: 'http',
};

/**
 * Errors that are the caller's doing, not the provider's: 4xx statuses (as the HTTP conventions' error.type)
 * and the OpenAI clients' error classes for them (openai-node src/core/error.ts, the same names in
 * openai-python). Rate limits are the account's own quota, watched by the rate-limit gauges and alerts.
 * A cancelled call (APIUserAbortError) is the app's choice.
 */
export const DEFAULT_IGNORED_ERROR_TYPES = [
  '4[0-9][0-9]',
  'BadRequestError',
  'AuthenticationError',
  'PermissionDeniedError',
  'NotFoundError',
  'ConflictError',
  'UnprocessableEntityError',
  'RateLimitError',
  'APIUserAbortError',
];

/** The SRE workbook's windows for a 30-day budget: page on 2 % of it in an hour or 5 % in six hours, ticket on 10 % in three days. */
export const BURN_RATES = [
  { severity: 'critical', long: 3600, short: 300, factor: 14.4 },
  { severity: 'critical', long: 6 * 3600, short: 1800, factor: 6 },
  { severity: 'warning', long: 24 * 3600, short: 2 * 3600, factor: 3 },
  { severity: 'warning', long: 3 * 24 * 3600, short: 6 * 3600, factor: 1 },
] as const;
export const PERIOD_SECONDS = 30 * 24 * 3600;
const MAX_FACTOR = Math.max(...BURN_RATES.map((b) => b.factor));
/**
 * Bad calls the long window must hold before a burn-rate alert fires (the SRE workbook's low-traffic problem:
 * 1 failed call among 3 in an hour is a 33 % error ratio, 33× a 1 % budget). Five: one or two failed calls,
 * or one call retried and counted per attempt (HTTP durations measure each attempt; the OpenAI clients retry
 * twice), never page on their own, while an outage of even one call a minute reaches five within minutes.
 */
export const DEFAULT_MIN_BAD_CALLS = 5;

const percent = z.number().gt(0).lt(100);
const regex = z
  .string()
  .min(1)
  .refine((s) => !/["\\]$|"/.test(s) && isRegex(s), 'must be a regular expression without double quotes');
const wholeCalls = 'must be a whole number of calls, 0 or more (0: no minimum)';
const minBadCalls = z.number(wholeCalls).int(wholeCalls).nonnegative(wholeCalls).default(DEFAULT_MIN_BAD_CALLS);
const labelValue = z.string().regex(/^[A-Za-z0-9_.:-]+$/, 'must be a label value of letters, digits, _ . : -');

const providerSchema = z.strictObject({
  source: z.enum(['genai', 'http']).optional(),
  availability: z
    .strictObject({
      objective: percent.default(99),
      ignoreErrorTypes: z.array(regex).default(DEFAULT_IGNORED_ERROR_TYPES),
      minBadCalls,
    })
    .prefault({}),
  latency: z
    .strictObject({
      objective: percent.default(95),
      thresholdSeconds: z.number().positive().optional(),
      operations: z.record(labelValue, z.number().positive()).default({}),
      minBadCalls,
    })
    .prefault({}),
});
const definitionsSchema = z.strictObject({
  providers: z.record(
    z.string().regex(/^[a-z0-9_.-]+$/, 'must be a provider name: lower-case letters, digits, _ . -'),
    providerSchema.prefault({})
  ),
});
export type SloDefinitions = z.output<typeof definitionsSchema>;

function isRegex(s: string): boolean {
  try {
    new RegExp(s);
    return true;
  } catch {
    return false;
  }
}

export class SloDefinitionError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[]
  ) {
    super(`invalid SLO definitions in ${source}:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
}

/** Parses and validates the definitions: every problem, with its key path, or the definitions. */
export function parseSloDefinitions(text: string, source = 'slos.yml'): SloDefinitions {
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0)
    throw new SloDefinitionError(
      source,
      doc.errors.map((e) => `YAML syntax: ${e.message.split('\n')[0]}`)
    );
  const parsed = definitionsSchema.safeParse(doc.toJS() ?? {});
  if (!parsed.success)
    throw new SloDefinitionError(
      source,
      parsed.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`)
    );
  const problems: string[] = [];
  for (const [provider, p] of Object.entries(parsed.data.providers)) {
    const at = `providers.${provider}`;
    const sourceName = p.source ?? DEFAULT_SOURCE[provider];
    if (!sourceName) {
      problems.push(
        `${at}.source: is required for a provider other than ${Object.keys(DEFAULT_SOURCE).join(', ')} (genai or http)`
      );
      continue;
    }
    const src = SOURCES[sourceName];
    const thresholds: Array<[string, number]> = [
      [`${at}.latency.thresholdSeconds`, p.latency.thresholdSeconds ?? src.threshold],
      ...Object.entries(p.latency.operations).map(([op, t]): [string, number] => [`${at}.latency.operations.${op}`, t]),
    ];
    for (const [where, t] of thresholds) {
      if (!(src.buckets as readonly number[]).includes(t)) {
        problems.push(
          `${where}: ${t} s is not a bucket boundary of ${src.histogram} (${src.buckets.join(', ')}); the share of calls faster than it cannot be counted`
        );
      }
    }
    for (const [kind, objective] of [
      ['availability', p.availability.objective],
      ['latency', p.latency.objective],
    ] as const) {
      // Below this the fastest burn rate needs more than every call to be bad: the page could never fire.
      const floor = 100 * (1 - 1 / MAX_FACTOR);
      if (objective <= floor)
        problems.push(
          `${at}.${kind}.objective: ${objective} % leaves an error budget so large that a ${MAX_FACTOR}× burn is impossible; use more than ${floor.toFixed(2)}`
        );
    }
  }
  if (problems.length > 0) throw new SloDefinitionError(source, problems);
  return parsed.data;
}

/** A Prometheus duration: 3600 → 1h, 4320 → 1h12m. */
export function promDuration(seconds: number): string {
  if (!Number.isInteger(seconds) || seconds <= 0)
    throw new Error(`a window of ${seconds} s is not a whole number of seconds`);
  const units: Array<[string, number]> = [
    ['d', 86400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ];
  let rest = seconds;
  let out = '';
  for (const [u, n] of units) {
    if (rest >= n) {
      out += `${Math.floor(rest / n)}${u}`;
      rest %= n;
    }
  }
  return out;
}

/** `le` as Prometheus 2 (10) and 3 (10.0) spell a whole-number boundary. */
function leMatcher(threshold: number): string {
  return Number.isInteger(threshold) ? `le=~"${threshold}|${threshold}\\\\.0"` : `le="${threshold}"`;
}

interface RecordingRule {
  record: string;
  expr: string;
  labels?: Record<string, string>;
}
interface AlertingRule {
  alert: string;
  expr: string;
  for: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

const RATE = 'rate5m';
const calls = `slo:nexus_slo_calls:${RATE}`;
const errors = `slo:nexus_slo_errors:${RATE}`;
const objective = 'slo:nexus_slo_objective:ratio';
const minBad = 'slo:nexus_slo_min_bad_calls:count';
const ratio = (window: string) => `slo:nexus_slo_errors:ratio_${window === '5m' ? RATE : `rate${window}`}`;

/** The rules file for the definitions; `scale` > 1 shortens every window and `for:` by that factor (tests only). */
export function generateSloRules(defs: SloDefinitions, opts: { scale?: number } = {}): string {
  const scale = opts.scale ?? 1;
  const w = (seconds: number) => promDuration(Math.round(seconds / scale));
  // Rule names keep the unscaled window, so dashboards and alerts read the same series either way.
  const name = (seconds: number) => promDuration(seconds);
  const perProvider: RecordingRule[] = [];
  const objectives: RecordingRule[] = [];
  const minimums: RecordingRule[] = [];

  for (const [provider, p] of Object.entries(defs.providers)) {
    const src = SOURCES[p.source ?? DEFAULT_SOURCE[provider]!];
    const sel = (extra: string) => `{provider="${provider}"${extra}}`;
    // The SLO's labels: provider and slo; latency SLOs also operation (the HTTP method for http sources).
    const byKey = (expr: string) =>
      src.key === 'operation'
        ? `sum by (provider, operation) (${expr})`
        : `sum by (provider, operation) (label_replace(${expr}, "operation", "$1", "method", "(.*)"))`;

    const ignored = p.availability.ignoreErrorTypes.length
      ? `, error_type!~"${p.availability.ignoreErrorTypes.join('|').replace(/\\/g, '\\\\')}"`
      : '';
    // Calls that failed through the caller's own doing are not valid events: in neither count.
    const valid = `sum by (provider) (${src.count}${sel(ignored)})`;
    perProvider.push(
      { record: calls, expr: valid, labels: { slo: 'availability' } },
      {
        // `or 0 *`: no failed call is a zero, not an absent series, so the ratios exist from the first call.
        record: errors,
        expr: `sum by (provider) (${src.count}${sel(`, error_type!=""${ignored}`)})\nor\n0 * ${valid}`,
        labels: { slo: 'availability' },
      }
    );
    objectives.push({
      record: objective,
      expr: `vector(${round(p.availability.objective / 100)})`,
      labels: { provider, slo: 'availability' },
    });
    minimums.push({
      record: minBad,
      expr: `vector(${p.availability.minBadCalls})`,
      labels: { provider, slo: 'availability' },
    });

    // Latency: successful calls only (failures are the availability SLO's), per operation, each operation
    // against its own threshold and the others against the provider's.
    const special = Object.entries(p.latency.operations);
    const groups: Array<{ match: string; threshold: number }> = [
      ...special.map(([op, t]) => ({ match: `, ${src.key}="${op}"`, threshold: t })),
      {
        match: special.length ? `, ${src.key}!~"${special.map(([op]) => op.replace(/\./g, '\\\\.')).join('|')}"` : '',
        threshold: p.latency.thresholdSeconds ?? src.threshold,
      },
    ];
    for (const g of groups) {
      const labels = { slo: 'latency', threshold: String(g.threshold) };
      const all = byKey(`${src.bucket}${sel(`, error_type=""${g.match}, le="+Inf"`)}`);
      const fast = byKey(`${src.bucket}${sel(`, error_type=""${g.match}, ${leMatcher(g.threshold)}`)}`);
      perProvider.push(
        { record: calls, expr: all, labels },
        { record: errors, expr: `${all}\n-\n${fast}`, labels: { ...labels } }
      );
    }
    objectives.push({
      record: objective,
      expr: `vector(${round(p.latency.objective / 100)})`,
      labels: { provider, slo: 'latency' },
    });
    minimums.push({ record: minBad, expr: `vector(${p.latency.minBadCalls})`, labels: { provider, slo: 'latency' } });
  }

  const windows = [...new Set([...BURN_RATES.flatMap((b) => [b.short, b.long]), PERIOD_SECONDS])].sort((a, b) => a - b);
  const ratios: RecordingRule[] = windows.map((s) =>
    s === 300
      ? { record: ratio('5m'), expr: `${errors} / ${calls}` }
      : // A ratio of sums over the window: every 5-minute rate weighs by its traffic, as rate() over the window would.
        { record: ratio(name(s)), expr: `sum_over_time(${errors}[${w(s)}]) / sum_over_time(${calls}[${w(s)}])` }
  );
  const budget = `on (provider, slo) group_left () (1 - ${objective})`;
  const remaining: RecordingRule = {
    record: 'slo:nexus_slo_error_budget_remaining:ratio',
    expr: `1 - ${ratio(name(PERIOD_SECONDS))} / ${budget}`,
  };

  // Bad calls in a window, each counted once: the 5-minute rates taken every 5 minutes, times 300 s. Unlike
  // the average rate times the window, this does not read high while the series is younger than the window.
  const badCalls = (seconds: number) =>
    `sum_over_time(${errors}[${w(seconds)}:${w(300)}]) * ${Math.round(300 / scale)}`;
  const alert = (severity: 'critical' | 'warning'): AlertingRule => {
    const fast = severity === 'critical';
    const alertName = fast ? 'NexusProviderSLOFastBurn' : 'NexusProviderSLOSlowBurn';
    const pairs = BURN_RATES.filter((b) => b.severity === severity);
    const expr = pairs
      .map(
        (b) =>
          `(\n  ${ratio(name(b.long))} > ${budget.replace('(1 - ', `(${b.factor} * (1 - `)})\n  and\n  ${ratio(name(b.short))} > ${budget.replace('(1 - ', `(${b.factor} * (1 - `)})\n  and\n  ${badCalls(b.long)} >= on (provider, slo) group_left () ${minBad}\n)`
      )
      .join('\nor\n');
    const windowsText = pairs.map((b) => `${b.factor}× over ${name(b.long)} and ${name(b.short)}`).join(', or ');
    return {
      alert: alertName,
      expr,
      // Long enough to skip the first minutes of a new service, short against the windows.
      for: w(fast ? 120 : 900),
      labels: { severity },
      annotations: {
        summary: fast ? 'A provider SLO burns its error budget fast.' : 'A provider SLO burns its error budget.',
        description: `The {{ $labels.slo }} SLO of {{ $labels.provider }}{{ with $labels.operation }} ({{ . }}){{ end }} is burning its 30-day error budget ${fast ? 'fast' : 'steadily'} (${windowsText}): {{ $value | humanizePercentage }} of calls {{ if eq $labels.slo "latency" }}slower than {{ $labels.threshold }} s{{ else }}failed{{ end }} over the longer window.`,
        runbook_url: `docs/runbooks.md#${alertName.toLowerCase()}`,
      },
    };
  };

  const groups = [
    { name: 'nexus.slo', rules: [...perProvider, ...ratios, ...objectives, ...minimums, remaining] },
    { name: 'nexus.slo.alerts', rules: [alert('critical'), alert('warning')] },
  ];
  const header = [
    `# Generated by scripts/slo.ts from ${relative(ROOT, SLO_DEFINITIONS)}${scale !== 1 ? ` with every window divided by ${scale} (tests only)` : ''}. Do not edit: change the`,
    '# definitions and run `npm run generate`. docs/slos.md explains the series.',
    '#',
    '#   slo:nexus_slo_calls:rate5m, slo:nexus_slo_errors:rate5m   calls and bad calls per second, per SLO',
    '#       {provider, slo="availability"}: bad = failed, except the error types the caller causes',
    '#       {provider, slo="latency", operation, threshold}: successful calls; bad = slower than threshold (s)',
    '#   slo:nexus_slo_errors:ratio_rate<window>   share of bad calls over 5m … 30d (ratio of sums of the 5m rates)',
    '#   slo:nexus_slo_objective:ratio             the objective, e.g. 0.99; the error budget is 1 − objective',
    '#   slo:nexus_slo_error_budget_remaining:ratio   share of the 30-day budget left (negative when overspent)',
    '#   slo:nexus_slo_min_bad_calls:count         bad calls the long window must hold before a burn-rate alert fires',
    '',
  ].join('\n');
  return header + stringify({ groups }, { lineWidth: 0 });
}

function round(x: number): number {
  return Number(x.toFixed(6));
}

export function readSloDefinitions(path = SLO_DEFINITIONS): SloDefinitions {
  return parseSloDefinitions(readFileSync(path, 'utf8'), relative(ROOT, path));
}
