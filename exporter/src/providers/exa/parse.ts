// Pure parsers for Exa: the Team Management API (key list, per-key usage from the billing system) and
// the `costDollars` object of search-API answers, which exists in two documented shapes:
//   current (Public API 2.0): {total, search?: {neural?, keyword?}, summary?, contents?: {text?, highlights?, summary?}}
//   legacy (openapi-spec repo): {total, breakDown: [{search, contents, breakdown: {neuralSearch, deepSearch, ...}}],
//                                perRequestPrices, perPagePrices}
// `total` is the authoritative figure in both; the parts are optional (deep modes may appear only in the total).
import { z } from 'zod';
import type { Decimal } from '../../metrics/decimal.js';
import { describeZodError, instant, money, optionalNumeric } from '../values.js';

const optionalText = z
  .string()
  .nullish()
  .transform((v) => v ?? undefined);

/** `GET /api-keys`. */
export const keyList = z.object({
  apiKeys: z.array(z.object({ id: z.string().min(1).max(128), name: optionalText }).loose()),
});

/**
 * `GET /api-keys/{id}/usage`: one total for the requested period, broken down by price. `period` is
 * the period the total covers, ISO 8601 date-times (`2025-01-01T00:00:00Z`), as Unix seconds.
 */
export const keyUsage = z.object({
  api_key_id: optionalText,
  period: z
    .object({ start: instant, end: instant })
    .nullish()
    .transform((v) => v ?? undefined),
  total_cost_usd: money,
  // Documented as possibly empty for a period without usage; absent and null are read the same way.
  cost_breakdown: z
    .array(z.object({ price_id: optionalText, price_name: optionalText, quantity: optionalNumeric, amount_usd: money }))
    .nullish()
    .transform((v) => v ?? []),
});

export type KeyUsage = z.output<typeof keyUsage>;

/** The label of a billing line: its display name, or its id when it has none. */
export function priceCategory(line: KeyUsage['cost_breakdown'][number]): string {
  return line.price_name ?? line.price_id ?? 'unattributed';
}

/** A `/search` answer as far as the probe needs it; a 200 that carries an error tag is not a result. */
export const searchResponse = z.object({
  requestId: z.string().optional(),
  results: z.array(z.unknown()).optional(),
  costDollars: z.unknown(),
  error: z.string().optional(),
  tag: z.string().optional(),
});

/** Normalised parts: `search.neural`, `search.keyword`, `search.deep`, `contents.text`, `contents.highlights`, `contents.summary`, `summary`. */
export interface ExaCost {
  shape: 'current' | 'legacy';
  totalUsd: Decimal;
  parts: Record<string, number>;
}

const currentShape = z.object({
  total: money,
  search: z.object({ neural: optionalNumeric, keyword: optionalNumeric }).loose().nullish(),
  summary: optionalNumeric,
  contents: z
    .object({ text: optionalNumeric, highlights: optionalNumeric, summary: optionalNumeric })
    .loose()
    .nullish(),
});

const legacyShape = z.object({
  total: money,
  breakDown: z.array(
    z.object({
      search: optionalNumeric,
      contents: optionalNumeric,
      breakdown: z.record(z.string(), optionalNumeric).nullish(),
    })
  ),
  perRequestPrices: z.record(z.string(), optionalNumeric).nullish(),
  perPagePrices: z.record(z.string(), optionalNumeric).nullish(),
});

/** Legacy breakdown keys → the current names. Older clients also saw keywordSearch. */
const LEGACY_PARTS: Record<string, string> = {
  neuralSearch: 'search.neural',
  keywordSearch: 'search.keyword',
  deepSearch: 'search.deep',
  contentText: 'contents.text',
  contentHighlight: 'contents.highlights',
  contentSummary: 'contents.summary',
};

/** Parses either documented `costDollars` shape; a string names the problem when it is neither. */
export function parseCostDollars(value: unknown): ExaCost | string {
  if (value === undefined || value === null) return 'costDollars is missing';
  if (value && typeof value === 'object' && 'breakDown' in value) {
    const parsed = legacyShape.safeParse(value);
    if (!parsed.success) return `costDollars: ${describeZodError(parsed.error)}`;
    const parts: Record<string, number> = {};
    for (const entry of parsed.data.breakDown) {
      for (const [key, usd] of Object.entries(entry.breakdown ?? {})) {
        if (usd !== undefined) addPart(parts, LEGACY_PARTS[key] ?? key, usd);
      }
    }
    return { shape: 'legacy', totalUsd: parsed.data.total, parts };
  }
  const parsed = currentShape.safeParse(value);
  if (!parsed.success) return `costDollars: ${describeZodError(parsed.error)}`;
  const { search, summary, contents } = parsed.data;
  const parts: Record<string, number> = {};
  if (search?.neural !== undefined) addPart(parts, 'search.neural', search.neural);
  if (search?.keyword !== undefined) addPart(parts, 'search.keyword', search.keyword);
  if (summary !== undefined) addPart(parts, 'summary', summary);
  if (contents?.text !== undefined) addPart(parts, 'contents.text', contents.text);
  if (contents?.highlights !== undefined) addPart(parts, 'contents.highlights', contents.highlights);
  if (contents?.summary !== undefined) addPart(parts, 'contents.summary', contents.summary);
  return { shape: 'current', totalUsd: parsed.data.total, parts };
}

function addPart(parts: Record<string, number>, name: string, usd: number): void {
  parts[name] = (parts[name] ?? 0) + usd;
}
