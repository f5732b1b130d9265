// Pure parsers for the Apollo.io usage-stats bodies and rate-limit headers. api_usage_stats is keyed by
// a stringified JSON array `["api/v1/<controller>", "<action>"]`, each with up to three windows; a
// window that is not limited for the endpoint is absent or null, or has a null limit. Counts may
// arrive as strings. Reference: docs.apollo.io/reference/view-api-usage-stats and
// view-credit-usage-stats (updated 2026-08-21); their example shows `left_over` equal to `limit`
// while `consumed > 0`, so `left_over` alone is not trusted (see remainingOf).
import { z } from 'zod';
import type { ErrorMessageOf, ResponseHeaders } from '../../http/client.js';
import { optionalNumeric, utcDay } from '../values.js';

export const WINDOWS = ['minute', 'hour', 'day'] as const;
export type RateWindow = (typeof WINDOWS)[number];

const windowStats = z
  .object({
    limit: optionalNumeric,
    consumed: optionalNumeric,
    left_over: optionalNumeric,
  })
  .passthrough();

const endpointStats = z
  .object({ minute: windowStats.nullish(), hour: windowStats.nullish(), day: windowStats.nullish() })
  .passthrough()
  .nullable();

export const apiUsageStats = z.record(z.string(), endpointStats);

export const creditUsageStats = z
  .object({
    credit_usage_stats: z.record(z.string(), windowStats.nullable()),
    // The cycle the credits are counted in (YYYY-MM-DD). Not reported, but a date in another form
    // means the answer changed shape, and the credits are not trusted to be the current cycle's.
    current_credit_cycle: z
      .object({ start_date: utcDay, end_date: utcDay })
      .passthrough()
      .refine((c) => c.end_date >= c.start_date, 'end_date is before start_date')
      .nullish(),
  })
  .passthrough();

export interface WindowValue {
  limit: number;
  remaining: number;
}

const CONTROLLER = /^api\/v\d+\/[a-z0-9_]+(\/[a-z0-9_]+)*$/;
const ACTION = /^[a-z0-9_]+$/;

/**
 * `["api/v1/contacts", "search"]` → `api/v1/contacts/search`, Apollo's own name for the endpoint, or
 * undefined for a key of any other shape (so a label value can never be an id or free text).
 */
export function endpointName(key: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(key);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== 2) return undefined;
  const [controller, action] = parsed as unknown[];
  if (typeof controller !== 'string' || typeof action !== 'string') return undefined;
  if (!CONTROLLER.test(controller) || !ACTION.test(action)) return undefined;
  return `${controller}/${action}`;
}

/**
 * Limit and what is left of a window (or a credit type): the smaller of `left_over` and
 * `limit − consumed`, never below zero. Apollo's own example reports `left_over` equal to `limit` after
 * requests were consumed, so neither figure alone is trusted to show the headroom. Undefined for an
 * unlimited window (no limit) or one without either figure.
 */
export function remainingOf(w: { limit?: number; consumed?: number; left_over?: number }): WindowValue | undefined {
  if (w.limit === undefined) return undefined;
  const candidates = [w.left_over, w.consumed === undefined ? undefined : w.limit - w.consumed].filter(
    (v): v is number => v !== undefined
  );
  if (candidates.length === 0) return undefined;
  return { limit: w.limit, remaining: Math.max(0, Math.min(...candidates)) };
}

const HEADERS: Record<RateWindow, { limit: string; used: string; left: string }> = {
  minute: { limit: 'x-rate-limit-minute', used: 'x-minute-usage', left: 'x-minute-requests-left' },
  hour: { limit: 'x-rate-limit-hourly', used: 'x-hourly-usage', left: 'x-hourly-requests-left' },
  day: { limit: 'x-rate-limit-24-hour', used: 'x-24-hour-usage', left: 'x-24-hour-requests-left' },
};

/**
 * The rate-limit windows of the endpoint just called, from its response headers. A window whose limit
 * header is empty or absent is not limited and is left out; so is one with unreadable numbers.
 */
export function headerWindows(headers: ResponseHeaders): Partial<Record<RateWindow, WindowValue>> {
  const out: Partial<Record<RateWindow, WindowValue>> = {};
  const int = (name: string) => {
    const v = headers.get(name)?.trim();
    return v && /^\d+$/.test(v) ? Number(v) : undefined;
  };
  for (const window of WINDOWS) {
    const h = HEADERS[window];
    const limit = int(h.limit);
    if (limit === undefined) continue;
    const value = remainingOf({ limit, left_over: int(h.left), consumed: int(h.used) });
    if (value) out[window] = value;
  }
  return out;
}

/** Apollo's errors: `{"error": "...", "error_code": "API_INACCESSIBLE"}`, or `{"message": "..."}` on 429. */
export const apolloErrorMessage: ErrorMessageOf = (body) => {
  if (!body || typeof body !== 'object') return undefined;
  const b = body as Record<string, unknown>;
  if (typeof b.error === 'string') return typeof b.error_code === 'string' ? `${b.error} (${b.error_code})` : b.error;
  if (typeof b.message === 'string') return b.message;
  return undefined;
};
