// The one metrics model: every metric the exporter exposes, with its type, unit and labels. The
// Prometheus renderer, the OTLP instruments, the docs/metrics.md reference test and the dashboard and
// rule name checks all read this table. A metric name appears as a literal only here.

export type MetricType = 'counter' | 'gauge' | 'histogram';

/**
 * `data` metrics come from provider snapshots and change only when a poll completes; `health` metrics
 * describe the exporter's own calls and polls; `receiver` metrics are what the OTLP receiver takes in
 * from the apps (receiver/), present only when it is enabled. They are rendered and cached separately.
 */
export type MetricPart = 'data' | 'health' | 'info' | 'receiver';

export interface MetricDef {
  name: string;
  type: MetricType;
  help: string;
  /** Labels besides `provider` and `account`, which every provider metric carries. */
  labels: readonly string[];
  /** UCUM unit for OTLP; `{...}` annotations are dropped by the OTLP→Prometheus translation. */
  unit: string;
  part: MetricPart;
  /** False for the few metrics that are not per provider account. */
  perAccount: boolean;
}

export const HTTP_DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

const m = <const D extends MetricDef>(def: D) => def;

export const CATALOG = [
  m({
    name: 'nexus_cost_usd_total',
    type: 'counter',
    part: 'data',
    perAccount: true,
    unit: '{USD}',
    labels: ['category', 'project', 'scope'],
    help: 'Cost the provider reports, in US dollars, accumulated idempotently from its usage buckets; scope says whether the account covers the whole provider account or only the configured key(s).',
  }),
  m({
    name: 'nexus_spend_usd',
    type: 'gauge',
    part: 'data',
    perAccount: true,
    unit: '{USD}',
    labels: ['period', 'scope'],
    help: 'Spend the provider reports for the current UTC period (day, week or month), in US dollars; scope says whether it covers the account or only the configured key.',
  }),
  m({
    name: 'nexus_project_spend_usd',
    type: 'gauge',
    part: 'data',
    perAccount: true,
    unit: '{USD}',
    labels: ['period', 'project'],
    help: 'Spend for the current UTC period per project, key or subaccount, in US dollars; the parts of nexus_spend_usd where the provider reports them.',
  }),
  m({
    name: 'nexus_project_info',
    type: 'gauge',
    part: 'data',
    perAccount: true,
    unit: '',
    labels: ['project', 'name'],
    help: 'The name of a project, key or subaccount whose id is the project label; the value is always 1.',
  }),
  m({
    name: 'nexus_tokens_total',
    type: 'counter',
    part: 'data',
    perAccount: true,
    unit: '{token}',
    labels: ['model', 'type'],
    help: 'Tokens the provider reports, by model and token type.',
  }),
  m({
    name: 'nexus_usage_requests_total',
    type: 'counter',
    part: 'data',
    perAccount: true,
    unit: '{request}',
    labels: ['category'],
    help: "Requests as the provider's usage data counts them, by usage category.",
  }),
  m({
    name: 'nexus_provider_reported_errors_total',
    type: 'counter',
    part: 'data',
    perAccount: true,
    unit: '{error}',
    labels: ['code', 'level'],
    help: "Errors the provider reports in the account's own traffic (Twilio Monitor alerts), by error code and level.",
  }),
  m({
    name: 'nexus_balance_usd',
    type: 'gauge',
    part: 'data',
    perAccount: true,
    unit: '{USD}',
    labels: ['kind'],
    help: 'Money left to spend, in US dollars: prepaid balance or the remaining limit of a key.',
  }),
  m({
    name: 'nexus_credits_remaining',
    type: 'gauge',
    part: 'data',
    perAccount: true,
    unit: '{credit}',
    labels: ['credit_type'],
    help: 'Non-monetary credits left, by credit type.',
  }),
  m({
    name: 'nexus_credits_limit',
    type: 'gauge',
    part: 'data',
    perAccount: true,
    unit: '{credit}',
    labels: ['credit_type'],
    help: 'Non-monetary credits granted for the current period, by credit type.',
  }),
  m({
    name: 'nexus_rate_limit_remaining',
    type: 'gauge',
    part: 'data',
    perAccount: true,
    unit: '{request}',
    labels: ['endpoint', 'window'],
    help: 'Requests left in the current rate-limit window, by endpoint and window.',
  }),
  m({
    name: 'nexus_rate_limit_limit',
    type: 'gauge',
    part: 'data',
    perAccount: true,
    unit: '{request}',
    labels: ['endpoint', 'window'],
    help: 'Requests allowed per rate-limit window, by endpoint and window.',
  }),
  m({
    name: 'nexus_budget_usd',
    type: 'gauge',
    part: 'data',
    perAccount: true,
    unit: '{USD}',
    labels: ['period'],
    help: 'Configured budget for the period, in US dollars.',
  }),
  m({
    name: 'nexus_provider_request_duration_seconds',
    type: 'histogram',
    part: 'health',
    perAccount: true,
    unit: 's',
    labels: ['endpoint', 'code'],
    help: 'Duration of every HTTP call the exporter makes to a provider, by endpoint and status code.',
  }),
  m({
    name: 'nexus_provider_errors_total',
    type: 'counter',
    part: 'health',
    perAccount: true,
    unit: '{error}',
    labels: ['endpoint', 'reason'],
    help: 'Failed calls to a provider, every attempt including retries, by endpoint and reason (auth, rate_limited, server, timeout, network, bad_response, client).',
  }),
  m({
    name: 'nexus_provider_up',
    type: 'gauge',
    part: 'health',
    perAccount: true,
    unit: '',
    labels: [],
    help: 'Whether the last poll of the provider account read every source (1) or not (0): the minimum of nexus_provider_source_up.',
  }),
  m({
    name: 'nexus_provider_source_up',
    type: 'gauge',
    part: 'health',
    perAccount: true,
    unit: '',
    labels: ['source'],
    help: 'Whether the last read of a source (an endpoint or a group of endpoints) of the provider account succeeded (1) or failed (0); a failed source keeps serving its last good data.',
  }),
  m({
    name: 'nexus_source_info',
    type: 'gauge',
    part: 'health',
    perAccount: true,
    unit: '',
    labels: ['source', 'bucket', 'delivery'],
    help: "How a source's data arrives: bucket is the width of the provider's usage buckets it reads (hour, day, month; none for values that are true now, and events), delivery whether the bucket in progress is reported as it grows (live) or only closed buckets (closed); the value is always 1.",
  }),
  m({
    name: 'nexus_source_data_timestamp_seconds',
    type: 'gauge',
    part: 'health',
    perAccount: true,
    unit: 's',
    labels: ['source'],
    help: "Unix time up to which a source's data is complete as of its last good read: the read itself for live sources (or the earlier time the provider says its data is up to date, Twilio's as_of), the end of the newest bucket read for sources that report closed buckets only. time() minus it is the data's age.",
  }),
  m({
    name: 'nexus_provider_last_success_timestamp_seconds',
    type: 'gauge',
    part: 'health',
    perAccount: true,
    unit: 's',
    labels: [],
    help: 'Unix time of the last poll of the provider account that read every source.',
  }),
  m({
    name: 'nexus_provider_polls_total',
    type: 'counter',
    part: 'health',
    perAccount: true,
    unit: '{poll}',
    labels: ['result'],
    help: 'Polls of the provider account, by result (success: every source read, partial: some, failure: none, skipped).',
  }),
  m({
    name: 'nexus_provider_poll_duration_seconds',
    type: 'gauge',
    part: 'health',
    perAccount: true,
    unit: 's',
    labels: [],
    help: 'Wall time of the last poll of the provider account, including retries.',
  }),
  m({
    name: 'nexus_provider_poll_interval_seconds',
    type: 'gauge',
    part: 'health',
    perAccount: true,
    unit: 's',
    labels: [],
    help: 'Configured poll interval of the provider account; staleness alerts scale with it.',
  }),
  m({
    name: 'nexus_provider_circuit_open',
    type: 'gauge',
    part: 'health',
    perAccount: true,
    unit: '',
    labels: [],
    help: 'Whether polling of the provider account is paused after repeated failures (1) or not (0).',
  }),
  m({
    name: 'nexus_exporter_series',
    type: 'gauge',
    part: 'health',
    perAccount: true,
    unit: '{series}',
    labels: [],
    help: "Series in the provider account's current snapshot, after the cardinality limits.",
  }),
  m({
    name: 'nexus_exporter_state_write_errors_total',
    type: 'counter',
    part: 'health',
    perAccount: false,
    unit: '{error}',
    labels: [],
    help: 'Failed writes to the state directory (checkpoints and the credential store).',
  }),
  // The apps' own OpenTelemetry metrics, received over OTLP (receiver/semconv.ts has the conventions).
  m({
    name: 'nexus_client_operation_duration_seconds',
    type: 'histogram',
    part: 'receiver',
    perAccount: false,
    unit: 's',
    labels: ['provider', 'model', 'operation', 'error_type', 'service'],
    help: "Duration of the apps' own GenAI client operations (gen_ai.client.operation.duration), by provider, model, operation, error type (empty on success) and service.",
  }),
  m({
    name: 'nexus_client_tokens_total',
    type: 'counter',
    part: 'receiver',
    perAccount: false,
    unit: '{token}',
    labels: ['provider', 'model', 'operation', 'type', 'service'],
    help: "Tokens used by the apps' own GenAI client operations (gen_ai.client.token.usage), by provider, model, operation, token type and service.",
  }),
  m({
    name: 'nexus_client_http_request_duration_seconds',
    type: 'histogram',
    part: 'receiver',
    perAccount: false,
    unit: 's',
    labels: ['provider', 'method', 'error_type', 'service'],
    help: "Duration of the apps' own HTTP client requests to provider hosts (http.client.request.duration), by provider, method, error type (empty on success) and service.",
  }),
  m({
    name: 'nexus_receiver_requests_total',
    type: 'counter',
    part: 'receiver',
    perAccount: false,
    unit: '{request}',
    labels: ['code'],
    help: 'OTLP export requests received on /v1/metrics, by HTTP status code of the answer.',
  }),
  m({
    name: 'nexus_receiver_accepted_points_total',
    type: 'counter',
    part: 'receiver',
    perAccount: false,
    unit: '{point}',
    labels: [],
    help: 'Data points received over OTLP and counted into the client metrics.',
  }),
  m({
    name: 'nexus_receiver_dropped_points_total',
    type: 'counter',
    part: 'receiver',
    perAccount: false,
    unit: '{point}',
    labels: ['reason'],
    help: 'Data points received over OTLP and not counted, by reason (ignored, unsupported, invalid, duplicate, no_value, series_limit).',
  }),
  m({
    name: 'nexus_receiver_series',
    type: 'gauge',
    part: 'receiver',
    perAccount: false,
    unit: '{series}',
    labels: [],
    help: 'Client metric series the receiver holds (at most receiver.maxSeries).',
  }),
  m({
    name: 'nexus_receiver_streams',
    type: 'gauge',
    part: 'receiver',
    perAccount: false,
    unit: '{stream}',
    labels: [],
    help: 'Sender streams whose last point the receiver remembers to count cumulative points once (at most receiver.maxStreams).',
  }),
  m({
    name: 'nexus_exporter_build_info',
    type: 'gauge',
    part: 'info',
    perAccount: false,
    unit: '',
    labels: ['version', 'nodejs_version'],
    help: 'Build information of the exporter; the value is always 1.',
  }),
] as const;

export type MetricName = (typeof CATALOG)[number]['name'];
type ByType<T extends MetricType> = Extract<(typeof CATALOG)[number], { type: T }>['name'];
export type CounterName = ByType<'counter'>;
export type GaugeName = ByType<'gauge'>;

const byName = new Map<string, MetricDef>(CATALOG.map((d) => [d.name, d]));

export function metricDef(name: MetricName): MetricDef {
  const def = byName.get(name);
  if (!def) throw new Error(`unknown metric ${name}`);
  return def;
}

/** The labels a series of this metric carries, in order. */
export function labelNames(def: MetricDef): string[] {
  return def.perAccount ? ['provider', 'account', ...def.labels] : [...def.labels];
}

/** Checks the catalog the way prom-client checks a metric at construction: fail at startup, not at scrape. */
export function validateCatalog(defs: readonly MetricDef[] = CATALOG): void {
  const seen = new Set<string>();
  for (const d of defs) {
    if (!/^nexus_[a-z_]+[a-z]$/.test(d.name)) throw new Error(`metric ${d.name}: invalid name`);
    if (seen.has(d.name)) throw new Error(`metric ${d.name}: defined twice`);
    seen.add(d.name);
    if (!d.help.endsWith('.')) throw new Error(`metric ${d.name}: help must be a sentence`);
    if (d.type === 'counter' && !d.name.endsWith('_total')) throw new Error(`metric ${d.name}: counters end in _total`);
    if (d.type !== 'counter' && d.name.endsWith('_total'))
      throw new Error(`metric ${d.name}: only counters end in _total`);
    if (d.unit === 's' && !/_seconds(_total)?$/.test(d.name))
      throw new Error(`metric ${d.name}: unit s needs _seconds`);
  }
}
