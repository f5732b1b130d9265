// Synthetic provider data for the benchmarks: accounts × models × categories, shaped like what the
// pollers produce (same metrics, labels and label order, within the default cardinality caps of 100
// values per label), so it goes through the real metrics model. Label values come out of JSON.parse,
// as they do from a provider's answer, and labels objects are built as poller.ts seriesLabels builds
// them (V8's layout of strings and objects is much of the exporter's memory). Deterministic: account
// i at generation g always gives the same samples.
import type { Labels } from '../exporter/src/providers/types.js';
import type { Sample } from '../exporter/src/metrics/model.js';
import type { MetricName } from '../exporter/src/metrics/catalog.js';

const PROVIDERS = ['openai', 'openrouter', 'exa', 'twilio', 'apollo'] as const;
const FAMILIES = [
  'gpt-4o-mini-2024-07-18',
  'anthropic/claude-3.5-sonnet',
  'o3-mini-2025-01-31',
  'text-embedding-3-small',
  'meta-llama/llama-3.1-70b-instruct',
  'google/gemini-2.0-flash',
];
const TOKEN_TYPES = ['input', 'output', 'cached_input', 'reasoning'];
const PROJECTS = ['proj_2Ykq8uJ0mZc4Vt1bHnR7aLsW', 'proj_Bq7rT1mVx9QwLk3ZpA0sNcYe', 'proj_0Hc5fWmQ8rLz2VtKp4NsXb7D'];
/** Per-account series that do not depend on the number of models. */
const FIXED_PER_ACCOUNT = 20;
/** Series per (account, model): 4 token types, cost per project (the model is the category), 1 request count. */
const PER_MODEL = TOKEN_TYPES.length + PROJECTS.length + 1;

export interface Shape {
  accounts: number;
  modelsPerAccount: number;
  /** Data series this shape produces. */
  series: number;
}

/** Accounts and models for about `series` data series: 4 × 29 at 1k, 13 × 94 at 10k, 125 × 98 at 100k. */
export function shapeFor(series: number): Shape {
  const accounts = Math.max(1, Math.round(series <= 1000 ? 4 : series / 800));
  const modelsPerAccount = Math.max(1, Math.round((series / accounts - FIXED_PER_ACCOUNT) / PER_MODEL));
  return { accounts, modelsPerAccount, series: accounts * (modelsPerAccount * PER_MODEL + FIXED_PER_ACCOUNT) };
}

export function accountLabels(i: number): Labels {
  return { provider: PROVIDERS[i % PROVIDERS.length]!, account: `team-${String(i).padStart(4, '0')}` };
}

export function owner(i: number): string {
  const l = accountLabels(i);
  return `${l.provider}/${l.account}`;
}

/** A value that looks like money or a count and changes with the generation (a new poll). */
function value(i: number, k: number, generation: number, scale: number): number {
  const base = ((i * 7919 + k * 104_729) % 100_000) / 100;
  return Math.round((base + generation * 0.37) * scale * 1e6) / 1e6;
}

/** The data snapshot of account `i` at `generation`. */
export function accountSamples(i: number, shape: Shape, generation = 0): Sample[] {
  const raw: Array<{ metric: MetricName; labels: Labels; value: number }> = [];
  let k = 0;
  for (let m = 0; m < shape.modelsPerAccount; m++) {
    const model = `${FAMILIES[m % FAMILIES.length]}-v${m}`;
    for (const type of TOKEN_TYPES)
      raw.push({
        metric: 'nexus_tokens_total',
        labels: { model, type },
        value: Math.round(value(i, k++, generation, 1e4)),
      });
    for (const project of PROJECTS)
      raw.push({
        metric: 'nexus_cost_usd_total',
        labels: { category: model, project },
        value: value(i, k++, generation, 1),
      });
    raw.push({
      metric: 'nexus_usage_requests_total',
      labels: { category: model },
      value: Math.round(value(i, k++, generation, 100)),
    });
  }
  for (const period of ['day', 'week', 'month'])
    raw.push({ metric: 'nexus_spend_usd', labels: { period }, value: value(i, k++, generation, 1) });
  raw.push({ metric: 'nexus_balance_usd', labels: { kind: 'prepaid' }, value: value(i, k++, generation, 10) });
  for (const credit_type of ['export_credits', 'email_credits']) {
    raw.push({
      metric: 'nexus_credits_remaining',
      labels: { credit_type },
      value: Math.round(value(i, k++, generation, 10)),
    });
    raw.push({ metric: 'nexus_credits_limit', labels: { credit_type }, value: 10_000 });
  }
  for (const endpoint of ['api/v1/mixed_people/search', 'api/v1/people/match']) {
    for (const window of ['minute', 'hour', 'day']) {
      raw.push({ metric: 'nexus_rate_limit_limit', labels: { endpoint, window }, value: 600 });
      raw.push({
        metric: 'nexus_rate_limit_remaining',
        labels: { endpoint, window },
        value: Math.round(value(i, k++, generation, 1)),
      });
    }
  }
  // As parsed from a provider's answer, then labelled with the account as poller.ts seriesLabels does.
  const a = accountLabels(i);
  return (JSON.parse(JSON.stringify(raw)) as typeof raw).map((r) => ({
    metric: r.metric,
    labels: Object.assign({}, a, r.labels),
    value: r.value,
  }));
}

export interface HealthSeries {
  gauges: Sample[];
  counters: Sample[];
  /** Provider call durations to observe (labels include endpoint and code). */
  durations: Array<[Labels, number]>;
}

/** What a poller records about its own calls and polls for account `i`. */
export function accountHealth(i: number): HealthSeries {
  const a = accountLabels(i);
  const gauges: Sample[] = [
    { metric: 'nexus_provider_up', labels: a, value: 1 },
    { metric: 'nexus_provider_circuit_open', labels: a, value: 0 },
    { metric: 'nexus_provider_last_success_timestamp_seconds', labels: a, value: 1_780_000_000 + i },
    { metric: 'nexus_provider_poll_duration_seconds', labels: a, value: 0.25 + i / 1000 },
  ];
  const counters: Sample[] = ['success', 'failure', 'skipped'].map((result, r) => ({
    metric: 'nexus_provider_polls_total',
    labels: { ...a, result },
    value: r === 0 ? 100 + i : 0,
  }));
  const durations: Array<[Labels, number]> = [];
  for (const endpoint of ['/organization/costs', '/organization/usage/completions', '/models']) {
    for (let n = 0; n < 5; n++) durations.push([{ ...a, endpoint, code: '200' }, 0.05 + ((i + n) % 7) / 10]);
  }
  return { gauges, counters, durations };
}
