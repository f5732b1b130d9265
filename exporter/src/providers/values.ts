// Value parsers shared by the provider modules. Providers send money and counts as JSON numbers or
// as strings ("0.1739150000000000000000000000", "-12.50"); both are accepted everywhere.
import { z } from 'zod';

const NUMERIC = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;

/** A number, or a string holding one. */
export const numeric = z.union([
  z.number().refine(Number.isFinite, 'must be a finite number'),
  z.string().regex(NUMERIC, 'must be a number or a numeric string').transform(Number),
]);

/** Like `numeric`, but null and absent become undefined (optional token fields, unpriced records). */
export const optionalNumeric = numeric.nullish().transform((v) => v ?? undefined);

/** Formats a zod error as `path: message; ...` for a bad_response error. */
export function describeZodError(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.length ? i.path.join('.') : '(body)'}: ${i.message}`)
    .join('; ');
}

export const DAY_SECONDS = 86_400;

export function utcDayStart(date: Date): number {
  return Math.floor(date.getTime() / 1000 / DAY_SECONDS) * DAY_SECONDS;
}

export function utcMonthStart(date: Date): number {
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1) / 1000;
}

/** Monday 00:00 UTC of the ISO week containing `date`. */
export function utcWeekStart(date: Date): number {
  const day = (date.getUTCDay() + 6) % 7;
  return utcDayStart(date) - day * DAY_SECONDS;
}
