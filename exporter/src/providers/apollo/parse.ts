// Pure parsers for the Apollo.io usage-stats bodies and rate-limit headers. api_usage_stats is keyed by
// a stringified JSON array `["api/v1/<controller>", "<action>"]`, each with up to three windows; a
// window that is not limited for the endpoint is absent. Counts may arrive as strings.
import { z } from 'zod';
import type { ErrorMessageOf, ResponseHeaders } from '../../http/client.js';
import { numeric, optionalNumeric } from '../values.js';

export const WINDOWS = ['minute', 'hour', 'day'] as const;
export type RateWindow = (typeof WINDOWS)[number];

const windowStats = z
  .object({
    limit: numeric,
    consumed: optionalNumeric,
    left_over: optionalNumeric,
  })
  .passthrough();

const endpointStats = z
  .object({ minute: windowStats.optional(), hour: windowStats.optional(), day: windowStats.optional() })
  .passthrough();

export const apiUsageStats = z.record(z.string(), endpointStats);

export const creditUsageStats = z
  .object({
    credit_usage_stats: z.record(
      z.string(),
      z.object({ limit: optionalNumeric, consumed: optionalNumeric, left_over: optionalNumeric }).passthrough(),
    ),
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

/** Remaining requests of a window: `left_over`, else `limit - consumed`. */
export function remainingOf(w: z.output<typeof windowStats>): number | undefined {
  if (w.left_over !== undefined) return w.left_over;
  if (w.consumed !== undefined) return Math.max(0, w.limit - w.consumed);
  return undefined;
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
    const left = int(h.left);
    const used = int(h.used);
    const remaining = left ?? (used !== undefined ? Math.max(0, limit - used) : undefined);
    if (remaining !== undefined) out[window] = { limit, remaining };
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
