// The Overview page's PromQL. Metric names are the exporter's (exporter/src/metrics/catalog.ts).
// Series are first reduced to one per (provider, account[, period]) with max, like the recording rules
// do, so two exporter replicas or extra target labels cannot double the numbers.

const perAccount = (metric: string, selector = '') => `max by (provider, account) (${metric}${selector})`;

export const OVERVIEW_QUERIES = {
  spendToday: `sum(${perAccount('nexus_spend_usd', '{period="day"}')})`,
  spendMonth: `sum(${perAccount('nexus_spend_usd', '{period="month"}')})`,
  /** The highest month budget use of any account, 0..1+. */
  budgetUsed: `max(${perAccount('nexus_spend_usd', '{period="month"}')} / ${perAccount('nexus_budget_usd', '{period="month"}')} > 0)`,
  moneyLeft: `sum(max by (provider, account, kind) (nexus_balance_usd))`,
  /** Per account and credit type: credit types are not interchangeable, so they are never added up. */
  creditsLeft: 'max by (provider, account, credit_type) (nexus_credits_remaining)',
  creditsLimit: 'max by (provider, account, credit_type) (nexus_credits_limit)',
  errors1h: 'sum(increase(nexus_provider_errors_total[1h]))',
  latencyP95: 'histogram_quantile(0.95, sum by (le) (rate(nexus_provider_request_duration_seconds_bucket[15m])))',
  up: perAccount('nexus_provider_up'),
  providerToday: `sum by (provider) (${perAccount('nexus_spend_usd', '{period="day"}')})`,
  providerMonth: `sum by (provider) (${perAccount('nexus_spend_usd', '{period="month"}')})`,
} as const;

export type OverviewQuery = keyof typeof OVERVIEW_QUERIES;
