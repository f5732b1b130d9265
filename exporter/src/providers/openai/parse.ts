// Pure parsers for the OpenAI Usage, Costs and Projects APIs: response body → typed records. Only
// `input_tokens`, `output_tokens` and `num_model_requests` are guaranteed on completions; every other
// field is optional (the field set changed between 2025 and 2026). Money may be a JSON string and is
// kept exact. Spec: openai/openai-openapi openapi.yaml (UsageCompletionsResult, CostsResult, Project).
import { z } from 'zod';
import type { Decimal } from '../../metrics/decimal.js';
import { money, optionalNumeric } from '../values.js';

const groupField = z
  .string()
  .nullish()
  .transform((v) => v ?? undefined);

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
  })
  .passthrough();

const costResult = z
  .object({
    object: z.string(),
    amount: z.object({ value: money, currency: z.string().optional() }).nullish(),
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
export type Page<R> = {
  data: Array<{ start_time: number; end_time: number; results: R[] }>;
  has_more: boolean;
  next_page?: string | null;
};

/**
 * The token counts of a usage result as disjoint parts, so that `sum without (type)` is the total the
 * API reports (input_tokens + output_tokens). The spec defines input_tokens as every input token,
 * cached and cache-write included, of every modality; input_cached_tokens (every modality) and
 * input_audio_tokens (uncached audio) are parts of it, output_audio_tokens a part of output_tokens:
 *   input         input_tokens − input_cached_tokens − input_audio_tokens (uncached text and image input, cache writes included)
 *   cached_input  input_cached_tokens
 *   audio_input   input_audio_tokens
 *   output        output_tokens − output_audio_tokens (text and image output, reasoning included)
 *   audio_output  output_audio_tokens
 * A part larger than its whole is not a count we can split: a string names the problem.
 */
export function tokenParts(r: UsageResult): Array<[type: string, tokens: number]> | string {
  const out: Array<[string, number]> = [];
  if (r.input_tokens !== undefined) {
    const cached = r.input_cached_tokens ?? 0;
    const audio = r.input_audio_tokens ?? 0;
    const rest = r.input_tokens - cached - audio;
    if (rest < 0)
      return `input_cached_tokens (${cached}) and input_audio_tokens (${audio}) exceed input_tokens (${r.input_tokens})`;
    out.push(['input', rest]);
    if (r.input_cached_tokens !== undefined) out.push(['cached_input', cached]);
    if (r.input_audio_tokens !== undefined) out.push(['audio_input', audio]);
  }
  if (r.output_tokens !== undefined) {
    const audio = r.output_audio_tokens ?? 0;
    const rest = r.output_tokens - audio;
    if (rest < 0) return `output_audio_tokens (${audio}) exceed output_tokens (${r.output_tokens})`;
    out.push(['output', rest]);
    if (r.output_audio_tokens !== undefined) out.push(['audio_output', audio]);
  }
  return out;
}

/** `GET /organization/projects`: one page of the organization's projects. */
export const projectsPage = z.object({
  data: z.array(
    z.object({ id: z.string().min(1), name: z.string().nullish(), status: z.string().nullish() }).passthrough()
  ),
  has_more: z.boolean(),
  last_id: z.string().nullish(),
});

/** Cost in US dollars, exact; OpenAI documents lower-case `usd`, some answers say `USD`. Other currencies are rejected. */
export function costUsd(r: CostResult): Decimal | undefined {
  if (!r.amount) return undefined;
  const currency = (r.amount.currency ?? 'usd').toLowerCase();
  if (currency !== 'usd') throw new Error(`cost in unsupported currency ${r.amount.currency ?? ''}`);
  return r.amount.value;
}
