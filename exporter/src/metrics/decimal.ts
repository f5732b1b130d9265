// Exact decimal amounts. Providers send money as "0.1739150000000000000000000000" or 0.015, and adding
// such amounts as floats drifts: a month of cost lines sums to 2885.8550000000005. Amounts are kept as
// integers of 10^-12 (picodollars for money) in a bigint, added exactly, and turned into the closest
// double only for output, which then prints as the decimal it is: 2885.855.
export type Decimal = bigint;

/** Decimal places kept; digits beyond are rounded half away from zero. */
export const DECIMAL_PLACES = 12;
const UNIT = 10n ** BigInt(DECIMAL_PLACES);
const TEXT = /^([-+])?(\d*)(?:\.(\d*))?(?:[eE]([-+]?\d{1,4}))?$/;
/** Beyond this many integer digits a value is not an amount of money or tokens but a broken answer. */
const MAX_INTEGER_DIGITS = 24;

/** Parses a number, or a string holding one (exponents allowed), into an exact decimal. Throws on anything else. */
export function decimal(value: number | string): Decimal {
  if (typeof value === 'number' && !Number.isFinite(value)) throw new Error(`not a finite number: ${value}`);
  // A double's shortest round-trip text is the decimal the provider wrote (0.1 stays 0.1).
  const text = typeof value === 'number' ? String(value) : value.trim();
  const m = TEXT.exec(text);
  const whole = m?.[2] ?? '';
  const fraction = m?.[3] ?? '';
  if (!m || (whole === '' && fraction === ''))
    throw new Error(`not a decimal number: ${JSON.stringify(text.slice(0, 40))}`);
  const digits = BigInt(`${whole}${fraction}` || '0');
  const shift = DECIMAL_PLACES - fraction.length + Number(m[4] ?? 0);
  let scaled: bigint;
  if (shift >= 0) {
    if (digits !== 0n && digits.toString().length + shift - DECIMAL_PLACES > MAX_INTEGER_DIGITS)
      throw new Error(`number too large: ${text.slice(0, 40)}`);
    scaled = digits * 10n ** BigInt(shift);
  } else {
    const divisor = 10n ** BigInt(-shift);
    scaled = (digits + divisor / 2n) / divisor;
  }
  return m[1] === '-' ? -scaled : scaled;
}

/** Rounds to `places` decimal places (fewer than DECIMAL_PLACES), half away from zero. */
export function roundDecimal(value: Decimal, places: number): Decimal {
  const step = 10n ** BigInt(DECIMAL_PLACES - places);
  const abs = value < 0n ? -value : value;
  const rounded = ((abs + step / 2n) / step) * step;
  return value < 0n ? -rounded : rounded;
}

/** The closest double to an exact decimal: parsing its decimal text rounds once, correctly. */
export function toNumber(value: Decimal): number {
  return Number(formatDecimal(value));
}

/** Plain decimal text without trailing zeros: `2885.855`, `-0.5`, `12`. */
export function formatDecimal(value: Decimal): string {
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const whole = abs / UNIT;
  const fraction = (abs % UNIT).toString().padStart(DECIMAL_PLACES, '0').replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}

/** Exact sum of numbers (or decimals), as a double: for gauges that add provider amounts. */
export function exactSum(values: Iterable<number | Decimal>): number {
  let sum = 0n;
  for (const v of values) sum += typeof v === 'bigint' ? v : decimal(v);
  return toNumber(sum);
}
