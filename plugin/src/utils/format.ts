// Numbers as the pages show them: money always in full with cents ($8,761.23, never $8.76K: a budget
// decision needs the amount, not its order of magnitude), counts with thousands separators, ratios as
// percentages. One formatter each, so every page says the same thing the same way.
const USD = new Intl.NumberFormat('en-US', {
  style: 'currency',
  currency: 'USD',
  minimumFractionDigits: 2,
  maximumFractionDigits: 2,
});
const COUNT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const PERCENT = new Intl.NumberFormat('en-US', { style: 'percent', maximumFractionDigits: 1 });

const known = (v: number | undefined): v is number => v !== undefined && Number.isFinite(v);

export const formatUsd = (v: number | undefined) => (known(v) ? USD.format(v) : '—');
export const formatCount = (v: number | undefined) => (known(v) ? COUNT.format(v) : '—');
export const formatPercent = (ratio: number | undefined) => (known(ratio) ? PERCENT.format(ratio) : '—');

const CREDIT_NAMES: Record<string, string> = {
  ai_credit: 'AI credits',
  power_up_credit: 'Power-up credits',
};

/**
 * A provider's credit type (the `credit_type` label, e.g. Apollo's `direct_dial_credit`) as people say
 * it: "Direct dial credits".
 */
export function creditTypeName(type: string): string {
  if (CREDIT_NAMES[type]) {
    return CREDIT_NAMES[type];
  }
  const words = type
    .replace(/_?credits?$/i, '')
    .replace(/[_-]+/g, ' ')
    .trim();
  return words ? `${words.charAt(0).toUpperCase()}${words.slice(1)} credits` : 'Credits';
}
