// Order statistics of repeated measurements.

export interface Summary {
  n: number;
  median: number;
  p99: number;
  min: number;
  max: number;
}

/** Nearest-rank quantile of an ascending array. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil(q * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function summarize(values: readonly number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    n: sorted.length,
    median: quantile(sorted, 0.5),
    p99: quantile(sorted, 0.99),
    min: sorted[0] ?? Number.NaN,
    max: sorted.at(-1) ?? Number.NaN,
  };
}

export const mb = (bytes: number) => bytes / 1024 / 1024;

/** A number for a table cell: 3 significant digits, no exponent. */
export function fmt(n: number | undefined, digits = 3): string {
  if (n === undefined || Number.isNaN(n)) return '—';
  if (n === 0) return '0';
  const magnitude = Math.floor(Math.log10(Math.abs(n)));
  const decimals = Math.max(0, digits - 1 - magnitude);
  return n.toFixed(Math.min(decimals, 3));
}
