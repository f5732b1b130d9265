import type { Budget, BudgetWithSource, ProviderEntry, ProviderName } from '../../api/exporter.types';

export interface BudgetRow {
  /** Stable React key; not sent. */
  key: string;
  /** Added on this page and not saved yet. */
  isNew?: boolean;
  /** Empty until chosen in a new row. */
  provider: ProviderName | '';
  account: string;
  period: Budget['period'];
  /** As typed. */
  amount: string;
  source: 'config' | 'api';
}

let nextKey = 0;
export const newKey = () => `row-${nextKey++}`;

export function toRows(budgets: BudgetWithSource[]): BudgetRow[] {
  return budgets.map((b) => ({
    key: newKey(),
    provider: b.provider,
    account: b.account,
    period: b.period,
    amount: String(b.amountUsd),
    source: b.source,
  }));
}

/** The rows the PUT replaces (config-file budgets are the file's) and, per sent index, the row key. */
export function toRequest(rows: BudgetRow[]): { budgets: Budget[]; keys: string[] } {
  const editable = rows.filter((r) => r.source === 'api');
  return {
    budgets: editable.map((r) => ({
      provider: r.provider as ProviderName,
      account: r.account,
      period: r.period,
      amountUsd: Number(r.amount),
    })),
    keys: editable.map((r) => r.key),
  };
}

export function rowErrors(rows: BudgetRow[]): Record<string, Record<string, string>> {
  const errors: Record<string, Record<string, string>> = {};
  const seen = new Set<string>();
  for (const r of rows) {
    const e: Record<string, string> = {};
    const amount = Number(r.amount);
    if (r.amount.trim() === '') {
      e.amountUsd = 'Required';
    } else if (!Number.isFinite(amount) || amount <= 0) {
      e.amountUsd = 'Enter an amount greater than 0';
    }
    if (!r.provider) {
      e.provider = 'Required';
    }
    if (!r.account) {
      e.account = 'Required';
    }
    const id = `${r.provider}/${r.account}/${r.period}`;
    if (r.provider && r.account && seen.has(id)) {
      e.period = `Duplicate ${r.period} budget for ${r.provider}/${r.account}`;
    }
    seen.add(id);
    if (Object.keys(e).length > 0) {
      errors[r.key] = e;
    }
  }
  return errors;
}

/**
 * Maps the exporter's field errors (`budgets[2].amountUsd`, `budgets[0]`) to rows, by the index in the
 * request. Errors that name no row are returned under `''`.
 */
export function mapApiErrors(
  details: Array<{ field: string; message: string }>,
  keys: string[]
): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const d of details) {
    const m = /^budgets\[(\d+)\](?:\.(\w+))?$/.exec(d.field);
    const key = m ? (keys[Number(m[1])] ?? '') : '';
    const field = m?.[2] ?? 'row';
    out[key] = { ...out[key], [field]: d.message };
  }
  return out;
}

/** A new row: nothing chosen yet, so nothing is wrong yet. */
export function emptyRow(): BudgetRow {
  return { key: newKey(), isNew: true, provider: '', account: '', period: 'month', amount: '', source: 'api' };
}

export function accountOptions(providers: ProviderEntry[], provider: ProviderName | '') {
  return (providers.find((p) => p.provider === provider)?.accounts ?? []).map((a) => ({
    label: a.account,
    value: a.account,
  }));
}
