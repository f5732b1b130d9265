// Where each budget stands, from Prometheus, judged as the alerts judge it. The expressions are the
// recording rules' and the thresholds the alert rules' of provisioning/prometheus/rules (read at build
// time into generated/budgetRules.ts), so the page and the alerts cannot disagree.
import { BUDGET_RULES } from '../../generated/budgetRules';
import { instantQueries, type Sample } from '../../api/prometheus';
import type { BudgetPeriod } from '../../api/exporter.types';

export type Severity = 'ok' | 'warning' | 'critical';

export interface BudgetStatus {
  /** Provider-reported spend in the budget's period so far. */
  spend?: number;
  /**
   * The `scope` of that spend: `key` when it covers only the configured key(s) (OpenRouter without a
   * management key, Exa with apiKeyIds), so it must not be added to an account-wide figure of the same
   * organization.
   */
  scope?: string;
  /** Spend divided by the budget Prometheus has (the ratio recording rule). */
  ratio?: number;
  /** Month-end forecast in USD (monthly budgets only). */
  forecast?: number;
  severity: Severity;
  /** Which alert the state corresponds to, and why, in words. */
  verdict: string;
}

export const BUDGET_STATUS_QUERIES = {
  spend: 'max by (provider, account, period, scope) (nexus_spend_usd)',
  ratio: BUDGET_RULES.ratio.expr,
  forecast: BUDGET_RULES.forecast.expr,
};

const key = (provider: string, account: string, period?: string) => `${provider}/${account}/${period ?? ''}`;

export type StatusIndex = Map<string, Omit<BudgetStatus, 'severity' | 'verdict'>>;

export async function loadBudgetStatus(datasourceUid: string): Promise<{ index: StatusIndex; error?: string }> {
  const r = await instantQueries(datasourceUid, BUDGET_STATUS_QUERIES);
  const index: StatusIndex = new Map();
  const put = (samples: Sample[], field: 'spend' | 'ratio') => {
    for (const s of samples) {
      const k = key(s.labels.provider ?? '', s.labels.account ?? '', s.labels.period);
      const scope = field === 'spend' ? { scope: s.labels.scope } : {};
      index.set(k, { ...index.get(k), [field]: s.value, ...scope });
    }
  };
  // An account reports one scope; should both ever be there, the account-wide spend is the budget's.
  put(
    [...r.spend.samples].sort((a, b) => Number(a.labels.scope === 'account') - Number(b.labels.scope === 'account')),
    'spend'
  );
  put(r.ratio.samples, 'ratio');
  for (const s of r.forecast.samples) {
    const k = key(s.labels.provider ?? '', s.labels.account ?? '', 'month');
    index.set(k, { ...index.get(k), forecast: s.value });
  }
  const error = [r.spend.error, r.ratio.error, r.forecast.error].filter(Boolean).join('; ') || undefined;
  return { index, error };
}

/** The status of one budget: the highest alert threshold its ratio reaches, else the forecast alert. */
export function judge(
  index: StatusIndex,
  b: { provider: string; account: string; period: BudgetPeriod; amountUsd: number }
): BudgetStatus | undefined {
  const found = index.get(key(b.provider, b.account, b.period));
  if (!found || found.spend === undefined) {
    return undefined;
  }
  // The ratio Prometheus has is against the budget it scraped; right after a change the page's amount
  // is newer, so the share is computed from the amount on screen.
  const ratio = b.amountUsd > 0 ? found.spend / b.amountUsd : found.ratio;
  const status: BudgetStatus = { ...found, ratio, severity: 'ok', verdict: 'Within budget' };
  const reached = BUDGET_RULES.thresholds.find((t) => ratio !== undefined && ratio >= t.ratio);
  if (reached) {
    status.severity = reached.severity as Severity;
    status.verdict = reached.ratio >= 1 ? `Over budget (${reached.alert})` : `Almost used up (${reached.alert})`;
  } else if (b.period === 'month' && found.forecast !== undefined && found.forecast > b.amountUsd) {
    status.severity = BUDGET_RULES.forecast.severity as Severity;
    status.verdict = `Forecast over budget (${BUDGET_RULES.forecast.alert})`;
  }
  return status;
}
