// Pure parsers for the OpenRouter key, keys, credits and activity endpoints. Every answer is wrapped in
// `{"data": ...}`. Money is USD as JSON numbers today; strings are accepted too, as everywhere, and
// kept exact. Spec: OpenRouterTeam/typescript-sdk .speakeasy/in.openapi.yaml (getCurrentKey, list,
// getCredits, getUserActivity). The spec writes /activity dates as YYYY-MM-DD; the live API has sent
// "2026-08-23 00:00:00" since 2026-08: both are read as the UTC day.
import { z } from 'zod';
import type { Decimal } from '../../metrics/decimal.js';
import { money, optionalMoney, optionalNumeric, utcDay } from '../values.js';

/** `GET /key`: the calling key's spend. `limit` and `limit_remaining` are null for a key without a cap. */
export const keyResponse = z.object({
  data: z.object({
    usage: money,
    usage_daily: money,
    usage_weekly: money,
    usage_monthly: money,
    limit: optionalMoney,
    limit_remaining: optionalMoney,
    limit_reset: z.string().nullish(),
    is_management_key: z.boolean().optional(),
  }),
});

/** `GET /keys` (management key): one page of the account's keys with each key's spend. */
export const keysResponse = z.object({
  data: z.array(
    z.object({
      hash: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'must be a key hash'),
      name: z.string().nullish(),
      label: z.string().nullish(),
      disabled: z.boolean().nullish(),
      usage: money,
      usage_daily: money,
      usage_weekly: money,
      usage_monthly: money,
    })
  ),
});

export type KeyInfo = z.output<typeof keysResponse>['data'][number];

/** `GET /credits` (management key): everything ever purchased and used, in USD. */
export const creditsResponse = z.object({
  data: z.object({ total_credits: money, total_usage: money }),
});

const activityRow = z.object({
  /** Start of the UTC day, Unix seconds. */
  date: utcDay,
  model: z.string().min(1),
  model_permaslug: z.string().nullish(),
  provider_name: z.string().nullish(),
  endpoint_id: z.string().nullish(),
  prompt_tokens: optionalNumeric,
  completion_tokens: optionalNumeric,
  reasoning_tokens: optionalNumeric,
  requests: optionalNumeric,
  usage: optionalMoney,
  byok_usage_inference: optionalMoney,
});

/** `GET /activity` (management key): one row per completed UTC day, model and provider endpoint. */
export const activityResponse = z.object({ data: z.array(activityRow) });

export type ActivityRow = z.output<typeof activityRow>;

/** One day and model of activity, summed over the provider endpoints that served it. */
export interface DayModelActivity {
  dayStart: number;
  model: string;
  promptTokens?: number;
  completionTokens?: number;
  reasoningTokens?: number;
  requests?: number;
  usd?: Decimal;
}

/**
 * Sums the rows of each (day, model). The API splits a model's day by provider endpoint; the ledger
 * keeps one checkpoint per series and bucket, so two rows with the same labels must become one value.
 */
export function sumByDayAndModel(rows: ActivityRow[]): DayModelActivity[] {
  const out = new Map<string, DayModelActivity>();
  for (const row of rows) {
    const dayStart = row.date;
    const key = `${dayStart}\n${row.model}`;
    let sum = out.get(key);
    if (!sum) out.set(key, (sum = { dayStart, model: row.model }));
    sum.promptTokens = add(sum.promptTokens, row.prompt_tokens);
    sum.completionTokens = add(sum.completionTokens, row.completion_tokens);
    sum.reasoningTokens = add(sum.reasoningTokens, row.reasoning_tokens);
    sum.requests = add(sum.requests, row.requests);
    if (row.usage !== undefined) sum.usd = (sum.usd ?? 0n) + row.usage;
  }
  return [...out.values()];
}

function add(a: number | undefined, b: number | undefined): number | undefined {
  if (b === undefined) return a;
  return (a ?? 0) + b;
}
