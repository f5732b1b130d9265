// Pure parsers for the OpenAI Usage and Costs APIs: response body → typed records. Only
// `input_tokens`, `output_tokens` and `num_model_requests` are guaranteed on completions; every other
// field is optional (the field set changed between 2025 and 2026). Money may be a JSON string.
import { z } from 'zod';
import { numeric, optionalNumeric } from '../values.js';

const groupField = z.string().nullish().transform((v) => v ?? undefined);

const usageResult = z
  .object({
    object: z.string(),
    model: groupField,
    project_id: groupField,
    num_model_requests: optionalNumeric,
    num_requests: optionalNumeric,
    num_sessions: optionalNumeric,
    input_tokens: optionalNumeric,
    output_tokens: optionalNumeric,
    input_cached_tokens: optionalNumeric,
    input_audio_tokens: optionalNumeric,
    output_audio_tokens: optionalNumeric,
    output_reasoning_tokens: optionalNumeric,
  })
  .passthrough();

const costResult = z
  .object({
    object: z.string(),
    amount: z.object({ value: numeric, currency: z.string().optional() }).nullish(),
    line_item: groupField,
    project_id: groupField,
  })
  .passthrough();

const bucket = <T extends z.ZodType>(result: T) =>
  z.object({
    object: z.literal('bucket'),
    start_time: z.number().int(),
    end_time: z.number().int(),
    results: z.array(result),
  });

const page = <T extends z.ZodType>(result: T) =>
  z.object({
    object: z.literal('page'),
    data: z.array(bucket(result)),
    has_more: z.boolean(),
    next_page: z.string().nullish(),
  });

export const usagePage = page(usageResult);
export const costsPage = page(costResult);

export type UsageResult = z.output<typeof usageResult>;
export type CostResult = z.output<typeof costResult>;
export type Page<R> = { data: Array<{ start_time: number; end_time: number; results: R[] }>; has_more: boolean; next_page?: string | null };

/** Token fields and the `type` label each one feeds. Cached input is a subset of input_tokens. */
export const TOKEN_FIELDS = [
  ['input_tokens', 'input'],
  ['output_tokens', 'output'],
  ['input_cached_tokens', 'cached_input'],
  ['output_reasoning_tokens', 'reasoning'],
  ['input_audio_tokens', 'audio_input'],
  ['output_audio_tokens', 'audio_output'],
] as const;

/** Cost in US dollars; OpenAI documents lower-case `usd`, some answers say `USD`. Other currencies are rejected. */
export function costUsd(r: CostResult): number | undefined {
  if (!r.amount) return undefined;
  const currency = (r.amount.currency ?? 'usd').toLowerCase();
  if (currency !== 'usd') throw new Error(`cost in unsupported currency ${r.amount.currency ?? ''}`);
  return r.amount.value;
}
