// What the exporter's counters must say at the end of the soak, computed from the simulators' own data
// (their day-by-day usage functions, as the collector tests do), not from what the exporter read; and
// the comparison with a scraped exposition. Amounts are summed with the exporter's exact decimals and
// compared as the double the exposition prints: equal, not "close".
//
// Every account polled since the start of the simulated UTC month (its first start seeds from there), so
// each counter is the month's total as the provider serves it at the frozen end of the clock:
//   OpenAI      costs per line item and project, tokens per model and type, requests per usage endpoint
//   OpenRouter  /activity of the published days of the month, per model
//   Exa         each key's billing lines of the month (the paid probes included: they are billed searches)
//   Twilio      daily records of the cost categories, `other` = the rest of totalprice, per account and
//               subaccount; request counts; Monitor alerts by code and level
//   Apollo      no counters (rate limits and credits are gauges)
//
// And every balance, credit and rate-limit gauge, against the simulators' current values (the clock
// has stopped, so they hold still while the polls catch up), exactly:
//   OpenRouter  prepaid balance (total_credits − total_usage of /credits), the key's limit_remaining
//   Twilio      prepaid balance (Balance.json)
//   Apollo      credits left and granted per credit type; limit and remaining of every endpoint and
//               window api_usage_stats lists. The usage_stats endpoints' own windows (read from the
//               headers of the exporter's own calls) count every call of every account polling the
//               simulator, so a scrape shows the count after that account's last call: their limit is
//               exact, their remaining lies between the simulator's (every call so far) and limit − 1
//               (the account called at least once); the frozen clock opens no new window meanwhile.
//   OpenAI, Exa no such gauges (any exposed is a mismatch)
import { decimal, toNumber, type Decimal } from '../../exporter/src/metrics/decimal.js';
import { DAY_SECONDS, utcDayStart, utcMonthStart } from '../../exporter/src/providers/values.js';
import type { ProviderName, SpendScope } from '../../exporter/src/providers/types.js';
import { DEFAULT_COST_CATEGORIES } from '../../exporter/src/providers/twilio/collector.js';
import type { Simulator } from '../../exporter/src/simulators/base.js';
import { OPENAI_MODELS, type OpenAISimulator } from '../../exporter/src/simulators/openai.js';
import type { OpenRouterSimulator } from '../../exporter/src/simulators/openrouter.js';
import type { ExaSimulator } from '../../exporter/src/simulators/exa.js';
import type { TwilioSimulator } from '../../exporter/src/simulators/twilio.js';
import { USAGE_STATS, type ApolloSimulator } from '../../exporter/src/simulators/apollo.js';

/** The counters compared: every cost, token, request (and reported-error) counter of the catalogue. */
export const COUNTERS = [
  'nexus_cost_usd_total',
  'nexus_tokens_total',
  'nexus_usage_requests_total',
  'nexus_provider_reported_errors_total',
] as const;

type Labels = Record<string, string>;

/** `metric{a="1",b="2"}` with the labels sorted: one key per series. */
export function seriesKey(metric: string, labels: Labels): string {
  const inner = Object.keys(labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`)
    .join(',');
  return `${metric}{${inner}}`;
}

class Totals {
  readonly values = new Map<string, Decimal>();
  constructor(
    private readonly account: Labels,
    private readonly scope?: SpendScope
  ) {}
  add(metric: (typeof COUNTERS)[number], labels: Labels, value: number | string | Decimal): void {
    // Cost carries the account's scope (what its configuration covers), as the exporter adds it.
    const scoped = metric === 'nexus_cost_usd_total' && this.scope ? { ...labels, scope: this.scope } : labels;
    const key = seriesKey(metric, { ...this.account, ...scoped });
    this.values.set(key, (this.values.get(key) ?? 0n) + (typeof value === 'bigint' ? value : decimal(value)));
  }
}

function monthDays(now: Date): number[] {
  const days: number[] = [];
  for (let d = utcMonthStart(now); d <= utcDayStart(now); d += DAY_SECONDS) days.push(d);
  return days;
}

function openai(sim: OpenAISimulator, t: Totals, now: Date): void {
  for (const d of monthDays(now)) {
    for (const c of sim.costs(d)) t.add('nexus_cost_usd_total', { category: c.lineItem, project: c.project }, c.usd);
    const rows = sim.usage(d);
    let requests = 0;
    for (const r of rows) {
      const endpoint = OPENAI_MODELS.find((m) => m.model === r.model)!.endpoint;
      if (endpoint === 'completions') {
        const parts = {
          input: r.input - r.cached - r.audioIn,
          cached_input: r.cached,
          audio_input: r.audioIn,
          output: r.output - r.audioOut,
          audio_output: r.audioOut,
        };
        for (const [type, n] of Object.entries(parts)) t.add('nexus_tokens_total', { model: r.model, type }, n);
      } else if (endpoint === 'embeddings' || endpoint === 'moderations') {
        t.add('nexus_tokens_total', { model: r.model, type: 'input' }, r.input);
      }
      t.add('nexus_usage_requests_total', { category: endpoint }, r.requests);
      requests += r.requests;
    }
    if (rows.length > 0) {
      // The simulator's derived endpoints (sessions and tool calls follow the day's model traffic).
      const elapsed = Math.max(0, Math.min(1, (now.getTime() / 1000 - d) / DAY_SECONDS));
      t.add(
        'nexus_usage_requests_total',
        { category: 'code_interpreter_sessions' },
        Math.round(rows.length * 3 * elapsed)
      );
      t.add('nexus_usage_requests_total', { category: 'file_search_calls' }, Math.round(requests / 20));
      t.add('nexus_usage_requests_total', { category: 'web_search_calls' }, Math.round(requests / 20));
    }
  }
}

function openrouter(sim: OpenRouterSimulator, t: Totals, now: Date): void {
  const month = utcMonthStart(now);
  for (const d of sim.publishedDays(now)) {
    if (d < month) continue;
    for (const r of sim.rows(d, now)) {
      t.add('nexus_tokens_total', { model: r.model, type: 'input' }, r.prompt);
      t.add('nexus_tokens_total', { model: r.model, type: 'output' }, r.completion - r.reasoning);
      t.add('nexus_tokens_total', { model: r.model, type: 'reasoning' }, r.reasoning);
      t.add('nexus_usage_requests_total', { category: r.model }, r.requests);
      t.add('nexus_cost_usd_total', { category: r.model, project: 'none' }, r.usd);
    }
  }
}

function exa(sim: ExaSimulator, t: Totals, now: Date): void {
  const nowSec = Math.floor(now.getTime() / 1000);
  for (const key of sim.options.keys) {
    for (const line of sim.usage(key.id, utcMonthStart(now), nowSec).lines) {
      t.add('nexus_cost_usd_total', { category: line.priceName, project: key.id }, line.amountUsd);
    }
  }
}

function twilio(sim: TwilioSimulator, t: Totals, now: Date): void {
  const accounts: Array<[sid: string, project: string]> = [
    [sim.options.accountSid, 'none'],
    ...(sim.options.subaccounts ?? []).map((s): [string, string] => [s.sid, s.sid]),
  ];
  for (const [sid, project] of accounts) {
    for (const d of monthDays(now)) {
      const total = decimal(String(sim.day(d, 'totalprice', false, sid).price));
      let covered = 0n;
      for (const category of DEFAULT_COST_CATEGORIES) {
        const v = sim.day(d, category, false, sid);
        const usd = decimal(String(v.price));
        covered += usd;
        t.add('nexus_cost_usd_total', { category, project }, usd);
        t.add('nexus_usage_requests_total', { category }, v.count ?? 0);
      }
      if (total - covered > 0n) t.add('nexus_cost_usd_total', { category: 'other', project }, total - covered);
    }
  }
  for (const a of sim.alerts(utcMonthStart(now), Number.MAX_SAFE_INTEGER)) {
    if (a.level === 'error' || a.level === 'warning')
      t.add('nexus_provider_reported_errors_total', { code: a.code, level: a.level }, 1);
  }
}

/** The month's counters of one account of `provider` on `sim`, as of the simulator's clock. */
export function expectedCounters(
  provider: ProviderName,
  account: string,
  sim: Simulator,
  scope?: SpendScope
): Map<string, Decimal> {
  const t = new Totals({ provider, account }, scope);
  const now = sim.now();
  if (provider === 'openai') openai(sim as OpenAISimulator, t, now);
  else if (provider === 'openrouter') openrouter(sim as OpenRouterSimulator, t, now);
  else if (provider === 'exa') exa(sim as ExaSimulator, t, now);
  else if (provider === 'twilio') twilio(sim as TwilioSimulator, t, now);
  return t.values;
}

/** Parses the sample lines of a Prometheus text exposition: series key → value. */
export function parseExposition(text: string, metrics: readonly string[] = COUNTERS): Map<string, number> {
  const out = new Map<string, number>();
  const wanted = new Set(metrics);
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const brace = line.indexOf('{');
    const space = line.lastIndexOf(' ');
    const name = brace >= 0 && brace < space ? line.slice(0, brace) : line.slice(0, space);
    if (!wanted.has(name)) continue;
    const labels: Labels = {};
    if (brace >= 0 && brace < space) {
      const inner = line.slice(brace + 1, line.lastIndexOf('}'));
      // name="value" pairs; values escape \, " and newlines.
      for (const m of inner.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
        labels[m[1]!] = m[2]!.replace(/\\(.)/g, (_s, c: string) => (c === 'n' ? '\n' : c));
      }
    }
    out.set(seriesKey(name, labels), Number(line.slice(space + 1)));
  }
  return out;
}

export interface CounterMismatch {
  series: string;
  expected: number;
  actual: number | undefined;
}

export interface CounterComparison {
  /** Series compared (the union of expected and exposed). */
  series: number;
  mismatches: CounterMismatch[];
  /** Sums per metric, expected and exposed, for the report. */
  totals: Record<string, { expected: number; actual: number }>;
}

/**
 * Compares the exposed counters of one account with the expected ones. A series absent on one side
 * counts as 0 there (a counter created at zero, or a simulator row of zero tokens).
 */
export function compareCounters(
  expected: Map<string, Decimal>,
  exposed: Map<string, number>,
  account: { provider: string; account: string }
): CounterComparison {
  const mine = (key: string) =>
    key.includes(`account=${JSON.stringify(account.account)}`) &&
    key.includes(`provider=${JSON.stringify(account.provider)}`);
  const keys = new Set([...expected.keys(), ...[...exposed.keys()].filter(mine)]);
  const mismatches: CounterMismatch[] = [];
  const totals: CounterComparison['totals'] = {};
  const sums = new Map<string, { expected: Decimal; actual: Decimal }>();
  for (const key of [...keys].sort()) {
    const want = toNumber(expected.get(key) ?? 0n);
    const got = exposed.get(key);
    if (want !== (got ?? 0)) mismatches.push({ series: key, expected: want, actual: got });
    const metric = key.slice(0, key.indexOf('{'));
    const s = sums.get(metric) ?? { expected: 0n, actual: 0n };
    s.expected += expected.get(key) ?? 0n;
    s.actual += got === undefined ? 0n : decimal(got);
    sums.set(metric, s);
  }
  for (const [metric, s] of sums) totals[metric] = { expected: toNumber(s.expected), actual: toNumber(s.actual) };
  return { series: keys.size, mismatches, totals };
}

// ---- gauges ----

/** The gauges compared: every balance, credit and rate-limit gauge of the catalogue. */
export const GAUGES = [
  'nexus_balance_usd',
  'nexus_credits_remaining',
  'nexus_credits_limit',
  'nexus_rate_limit_remaining',
  'nexus_rate_limit_limit',
] as const;

/** An exact value, or bounds with the reason a value cannot be exact. */
export type ExpectedGauge = Decimal | { min: number; max: number; why: string };

function apolloGauges(
  sim: ApolloSimulator,
  put: (metric: (typeof GAUGES)[number], labels: Labels, value: ExpectedGauge) => void
): void {
  const own = new Set([USAGE_STATS.api, USAGE_STATS.credits].map((a) => `${USAGE_STATS.controller}/${a}`));
  for (const r of sim.rateLimits()) {
    if (own.has(r.endpoint)) continue;
    put('nexus_rate_limit_limit', { endpoint: r.endpoint, window: r.window }, decimal(r.limit));
    put(
      'nexus_rate_limit_remaining',
      { endpoint: r.endpoint, window: r.window },
      decimal(Math.max(0, r.limit - r.consumed))
    );
  }
  for (const endpoint of own) {
    for (const [window, w] of Object.entries(sim.usageStatsWindows(endpoint))) {
      put('nexus_rate_limit_limit', { endpoint, window }, decimal(w.limit));
      put(
        'nexus_rate_limit_remaining',
        { endpoint, window },
        {
          min: Math.max(0, w.limit - w.consumed),
          max: w.limit - 1,
          why: "the exporter's own calls, counted up to its last one",
        }
      );
    }
  }
  for (const c of sim.credits()) {
    put('nexus_credits_limit', { credit_type: c.type }, decimal(c.limit));
    put('nexus_credits_remaining', { credit_type: c.type }, decimal(Math.max(0, c.leftOver)));
  }
}

/** The balance, credit and rate-limit gauges one account of `provider` on `sim` must show now. */
export function expectedGauges(provider: ProviderName, account: string, sim: Simulator): Map<string, ExpectedGauge> {
  const out = new Map<string, ExpectedGauge>();
  const put = (metric: (typeof GAUGES)[number], labels: Labels, value: ExpectedGauge) =>
    out.set(seriesKey(metric, { provider, account, ...labels }), value);
  if (provider === 'openrouter') {
    const or = sim as OpenRouterSimulator;
    const { totalCredits, totalUsage } = or.credits();
    put('nexus_balance_usd', { kind: 'prepaid' }, decimal(String(totalCredits)) - decimal(String(totalUsage)));
    const key = or.keyInfo();
    if (key.limit !== null && key.limit_remaining !== null)
      put('nexus_balance_usd', { kind: 'key_limit_remaining' }, decimal(String(key.limit_remaining)));
  } else if (provider === 'twilio') {
    const tw = sim as TwilioSimulator;
    // As Balance.json serves it; a subaccount or a balance in another currency has none.
    if (!tw.options.subaccount && (tw.options.currency ?? 'USD') === 'USD')
      put('nexus_balance_usd', { kind: 'prepaid' }, decimal(tw.balance().toFixed(5)));
  } else if (provider === 'apollo') {
    apolloGauges(sim as ApolloSimulator, put);
  }
  return out;
}

export interface GaugeMismatch {
  series: string;
  expected: number | string | undefined;
  actual: number | undefined;
}

export interface GaugeComparison {
  /** Series compared (the union of expected and exposed). */
  series: number;
  /** Of them, compared within bounds rather than exactly. */
  bounded: number;
  mismatches: GaugeMismatch[];
}

/**
 * Compares the exposed balance, credit and rate-limit gauges of one account with the expected ones:
 * a series on one side only is a mismatch (a gauge has no zero to start from), an exact value must
 * be equal as the exposition prints it, a bounded one within its bounds.
 */
export function compareGauges(
  expected: Map<string, ExpectedGauge>,
  exposed: Map<string, number>,
  account: { provider: string; account: string }
): GaugeComparison {
  const gauges = new Set<string>(GAUGES);
  const mine = (key: string) =>
    gauges.has(key.slice(0, key.indexOf('{'))) &&
    key.includes(`account=${JSON.stringify(account.account)}`) &&
    key.includes(`provider=${JSON.stringify(account.provider)}`);
  const keys = new Set([...expected.keys(), ...[...exposed.keys()].filter(mine)]);
  const mismatches: GaugeMismatch[] = [];
  let bounded = 0;
  for (const key of [...keys].sort()) {
    const want = expected.get(key);
    const got = exposed.get(key);
    if (typeof want === 'object') {
      bounded++;
      if (got === undefined || got < want.min || got > want.max)
        mismatches.push({ series: key, expected: `${want.min}…${want.max} (${want.why})`, actual: got });
    } else if (want === undefined || got === undefined || toNumber(want) !== got) {
      mismatches.push({ series: key, expected: want === undefined ? undefined : toNumber(want), actual: got });
    }
  }
  return { series: keys.size, bounded, mismatches };
}
