// Pure parsers for the OpenRouter key, credits and activity endpoints. Every answer is wrapped in
// `{"data": ...}`. Money is USD as JSON numbers today; strings are accepted too, as everywhere.
import { z } from 'zod';
import { numeric, optionalNumeric } from '../values.js';

/** `GET /key`: the calling key's spend. `limit` and `limit_remaining` are null for a key without a cap. */
export const keyResponse = z.object({
  data: z.object({
    usage: numeric,
    usage_daily: numeric,
    usage_weekly: numeric,
    usage_monthly: numeric,
    limit: optionalNumeric,
    limit_remaining: optionalNumeric,
    limit_reset: z.string().nullish(),
    is_management_key: z.boolean().optional(),
  }),
});

/** `GET /credits` (management key): everything ever purchased and used, in USD. */
export const creditsResponse = z.object({
  data: z.object({ total_credits: numeric, total_usage: numeric }),
});

const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

const activityRow = z.object({
  date: z.string().regex(ISO_DAY, 'must be a YYYY-MM-DD date'),
  model: z.string().min(1),
  model_permaslug: z.string().nullish(),
  provider_name: z.string().nullish(),
  endpoint_id: z.string().nullish(),
  prompt_tokens: optionalNumeric,
  completion_tokens: optionalNumeric,
  reasoning_tokens: optionalNumeric,
  requests: optionalNumeric,
  usage: optionalNumeric,
  byok_usage_inference: optionalNumeric,
});

/** `GET /activity` (management key): one row per completed UTC day, model and provider endpoint. */
export const activityResponse = z.object({ data: z.array(activityRow) });

export type ActivityRow = z.output<typeof activityRow>;

/** Unix seconds of 00:00 UTC of a `YYYY-MM-DD` date, or undefined for an impossible date. */
export function dayStartOf(date: string): number | undefined {
  const m = ISO_DAY.exec(date);
  if (!m) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  // Date.UTC rolls 2026-02-31 over into March; such a date is not a real day.
  if (new Date(ms).toISOString().slice(0, 10) !== date) return undefined;
  return ms / 1000;
}

/** One day and model of activity, summed over the provider endpoints that served it. */
export interface DayModelActivity {
  dayStart: number;
  model: string;
  promptTokens?: number;
  completionTokens?: number;
  reasoningTokens?: number;
  requests?: number;
  usd?: number;
}

/**
 * Sums the rows of each (day, model). The API splits a model's day by provider endpoint; the ledger
 * keeps one checkpoint per series and bucket, so two rows with the same labels must become one value.
 */
export function sumByDayAndModel(rows: ActivityRow[]): DayModelActivity[] | string {
  const out = new Map<string, DayModelActivity>();
  for (const row of rows) {
    const dayStart = dayStartOf(row.date);
    if (dayStart === undefined) return `invalid date ${row.date}`;
    const key = `${dayStart}\n${row.model}`;
    let sum = out.get(key);
    if (!sum) out.set(key, (sum = { dayStart, model: row.model }));
    sum.promptTokens = add(sum.promptTokens, row.prompt_tokens);
    sum.completionTokens = add(sum.completionTokens, row.completion_tokens);
    sum.reasoningTokens = add(sum.reasoningTokens, row.reasoning_tokens);
    sum.requests = add(sum.requests, row.requests);
    sum.usd = add(sum.usd, row.usage);
  }
  return [...out.values()];
}

function add(a: number | undefined, b: number | undefined): number | undefined {
  if (b === undefined) return a;
  return (a ?? 0) + b;
}
