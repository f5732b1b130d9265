// Value parsers shared by the provider modules. Tolerant where providers vary in practice, strict where
// a wrong value would make money wrong:
// - money and counts arrive as JSON numbers or as strings ("0.1739150000000000000000000000", "-12.50");
//   both are accepted everywhere, and money is kept exact (`money`, metrics/decimal.ts);
// - dates arrive with or without a time part ("2026-08-23", "2026-08-23 00:00:00"); the UTC day is taken;
//   a date in any other notation (a new format, epoch milliseconds) fails: it must never land on a wrong day;
// - `null` stands for "unlimited" or "none" where the provider documents it (`optionalNumeric`);
// - anything else (NaN, "1,5", an impossible date, a currency other than USD) fails the source with a
//   message naming the field.
import { z } from 'zod';
import { decimal, type Decimal } from '../metrics/decimal.js';

const NUMERIC = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;

/** A number, or a string holding one. */
export const numeric = z.union([
  z.number().refine(Number.isFinite, 'must be a finite number'),
  z.string().regex(NUMERIC, 'must be a number or a numeric string').transform(Number),
]);

/** Like `numeric`, but null and absent become undefined (optional token fields, unpriced records). */
export const optionalNumeric = numeric.nullish().transform((v) => v ?? undefined);

/** An amount of money, exact: a number or a numeric string, as a Decimal (10^-12 units). */
export const money = z
  .union([
    z.number().refine(Number.isFinite, 'must be a finite number'),
    z.string().regex(NUMERIC, 'must be a number or a numeric string'),
  ])
  .transform((v, ctx): Decimal => {
    try {
      return decimal(v);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: (e as Error).message });
      return z.NEVER;
    }
  });

/** Like `money`, but null and absent become undefined. */
export const optionalMoney = money.nullish().transform((v) => v ?? undefined);

const DAY_TEXT = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
/** ISO 8601 / RFC 3339 date-time with seconds and a zone: `2026-08-23T14:05:11+00:00`, `2026-08-23T14:05:11Z`. */
const INSTANT_TEXT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;

/** Unix ms of a date as DAY_TEXT reads it (a time without a zone is UTC); undefined for anything else. */
function parseDate(text: string): number | undefined {
  const m = DAY_TEXT.exec(text.trim());
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(year, month - 1, day);
  const check = new Date(ms);
  // Date.UTC rolls 2026-02-31 over into March; such a date is not a real day.
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day)
    return undefined;
  if (m[4] === undefined) return ms;
  const [hour, minute, second] = [Number(m[4]), Number(m[5]), Number(m[6] ?? 0)];
  if (hour > 23 || minute > 59 || second > 60) return undefined;
  let offsetMinutes = 0;
  const zone = m[7];
  if (zone && zone !== 'Z') {
    const z = /^([+-])(\d{2}):?(\d{2})$/.exec(zone)!;
    offsetMinutes = (z[1] === '-' ? -1 : 1) * (Number(z[2]) * 60 + Number(z[3]));
  }
  return ms + (hour * 60 + minute - offsetMinutes) * 60_000 + second * 1000;
}

/**
 * Start (Unix seconds) of the UTC day of a date as providers write it: `2026-08-23`,
 * `2026-08-23 00:00:00`, `2026-08-23T14:05:11+00:00`; a time without a zone is UTC. Undefined for
 * anything else, including impossible dates such as 2026-02-31.
 */
export function utcDayOf(text: string): number | undefined {
  const ms = parseDate(text);
  return ms === undefined ? undefined : utcDayStart(new Date(ms));
}

/**
 * Unix seconds (whole) of an ISO 8601 date-time with seconds and a zone, `2026-08-23T14:05:11+00:00`
 * or `…Z`; undefined for anything else (a date alone, no zone, another notation, an impossible date).
 */
export function instantOf(text: string): number | undefined {
  if (!INSTANT_TEXT.test(text)) return undefined;
  const ms = parseDate(text);
  return ms === undefined ? undefined : Math.floor(ms / 1000);
}

/** A date with or without a time part, as the start of its UTC day (see `utcDayOf`). */
export const utcDay = z.string().transform((v, ctx) => {
  const day = utcDayOf(v);
  if (day === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: `must be a date such as 2026-08-23 or 2026-08-23 00:00:00, got ${JSON.stringify(v.slice(0, 40))}`,
    });
    return z.NEVER;
  }
  return day;
});

/** An ISO 8601 date-time with a zone, as Unix seconds (see `instantOf`). */
export const instant = z.string().transform((v, ctx) => {
  const at = instantOf(v);
  if (at === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: `must be a date-time such as 2026-08-23T14:05:11+00:00, got ${JSON.stringify(v.slice(0, 40))}`,
    });
    return z.NEVER;
  }
  return at;
});

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
