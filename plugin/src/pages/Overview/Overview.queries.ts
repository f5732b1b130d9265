// The Overview page's PromQL. Metric names are the exporter's (exporter/src/metrics/catalog.ts); the
// `slo:` series are recorded by provisioning/prometheus/rules/nexus-slo.yml (scripts/slo.ts).
// Series are first reduced to one per (provider, account[, period]) with max, like the recording rules
// do, so two exporter replicas or extra target labels cannot double the numbers.

/** Error budget burn rate over the last hour: 1 spends the 30-day budget in 30 days, 14.4 pages. */
const SLO_BURN_1H =
  'slo:nexus_slo_errors:ratio_rate1h / on (provider, slo) group_left () (1 - slo:nexus_slo_objective:ratio)';

const perAccount = (metric: string, selector = '') => `max by (provider, account) (${metric}${selector})`;

/**
 * Spend per provider without counting a key twice (docs/metrics.md, "Totals that do not double count"): the
 * account-wide accounts (`scope="account"`), or, for a provider that has none, its key-only accounts
 * (`scope="key"`: OpenRouter without a management key, Exa with apiKeyIds), whose spend an account-wide
 * account of the same organization already includes.
 */
const providerSpend = (period: string) =>
  `sum by (provider) (${perAccount('nexus_spend_usd', `{period="${period}", scope!="key"}`)}) or ` +
  `sum by (provider) (${perAccount('nexus_spend_usd', `{period="${period}", scope="key"}`)})`;

/** Key-only accounts of a provider that has an account-wide one: a part of its figure, shown, never added. */
const keyParts = (period: string) =>
  `${perAccount('nexus_spend_usd', `{period="${period}", scope="key"}`)} and on (provider) nexus_spend_usd{period="${period}", scope!="key"}`;

export const OVERVIEW_QUERIES = {
  spendToday: `sum(${providerSpend('day')})`,
  spendMonth: `sum(${providerSpend('month')})`,
  /** The highest month budget use of any account, 0..1+. */
  budgetUsed: `max(${perAccount('nexus_spend_usd', '{period="month"}')} / ${perAccount('nexus_budget_usd', '{period="month"}')} > 0)`,
  moneyLeft: `sum(max by (provider, account, kind) (nexus_balance_usd))`,
  /** Per account and credit type: credit types are not interchangeable, so they are never added up. */
  creditsLeft: 'max by (provider, account, credit_type) (nexus_credits_remaining)',
  creditsLimit: 'max by (provider, account, credit_type) (nexus_credits_limit)',
  errors1h: 'sum(increase(nexus_provider_errors_total[1h]))',
  latencyP95: 'histogram_quantile(0.95, sum by (le) (rate(nexus_provider_request_duration_seconds_bucket[15m])))',
  up: perAccount('nexus_provider_up'),
  providerToday: providerSpend('day'),
  providerMonth: providerSpend('month'),
  keyPartsToday: keyParts('day'),
  keyPartsMonth: keyParts('month'),
  /** Providers whose figures are the sum of key-only accounts: no account-wide account covers them. */
  keyOnlyProviders:
    'group by (provider) (nexus_spend_usd{scope="key"}) unless on (provider) nexus_spend_usd{scope!="key"}',
  // Provider SLOs over the apps' real traffic, per provider and SLO; a latency SLO shows its worst operation.
  sloObjective: 'slo:nexus_slo_objective:ratio',
  sloGood30d: '1 - max by (provider, slo) (slo:nexus_slo_errors:ratio_rate30d)',
  sloBudgetLeft: 'min by (provider, slo) (slo:nexus_slo_error_budget_remaining:ratio)',
  sloBurn1h: `max by (provider, slo) (${SLO_BURN_1H})`,
  sloAlerts:
    'max by (provider, slo, alertname) (ALERTS{alertname=~"NexusProviderSLO(Fast|Slow)Burn", alertstate="firing"})',
} as const;

/** The SLO queries: they have series whenever the SLO rules are loaded, so they do not count as Nexus data. */
export const SLO_QUERIES = ['sloObjective', 'sloGood30d', 'sloBudgetLeft', 'sloBurn1h', 'sloAlerts'] as const;

export type OverviewQuery = keyof typeof OVERVIEW_QUERIES;
