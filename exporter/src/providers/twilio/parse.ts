// Pure parsers for the Twilio bodies the collector reads: Usage Records pages (2010 API, relative
// `next_page_uri`), Balance.json, Monitor v1 Alerts pages (absolute `meta.next_page_url`) and the
// error envelope. Twilio sends price, count, usage and balance as decimal strings although the spec
// types price as a number; both are accepted.
import { z } from 'zod';
import type { ErrorMessageOf } from '../../http/client.js';
import { numeric, optionalNumeric } from '../values.js';

/** `count` is null for money-only categories, and has been seen as an empty string. */
const looseNumeric = z.union([z.literal('').transform(() => undefined), optionalNumeric]);

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a YYYY-MM-DD date');

// Records and alerts keep only the fields read (zod strips the rest: URIs, descriptions, alert texts),
// since a poll holds every page of them until it ends.
const usageRecord = z.object({
  category: z.string().min(1),
  start_date: day,
  end_date: day,
  count: looseNumeric,
  price: looseNumeric,
  price_unit: z.string().nullish(),
});

export const usageRecordsPage = z
  .object({
    usage_records: z.array(usageRecord),
    next_page_uri: z.string().nullish(),
  })
  .passthrough();

export const balanceBody = z
  .object({
    balance: numeric,
    currency: z.string().min(1),
  })
  .passthrough();

const alert = z.object({
  sid: z.string().min(2),
  error_code: z.union([z.string(), z.number()]).nullish().transform((v) => (v === null || v === undefined ? undefined : String(v))),
  log_level: z.string().min(1),
  date_created: z.string().nullish(),
  date_generated: z.string().nullish(),
});

export const alertsPage = z
  .object({
    alerts: z.array(alert),
    meta: z.object({ next_page_url: z.string().nullish() }).passthrough(),
  })
  .passthrough();

export type UsageRecordBody = z.output<typeof usageRecord>;
export type AlertBody = z.output<typeof alert>;

/** Bucket start (Unix seconds) of a `YYYY-MM-DD` GMT date. */
export function dayStart(date: string): number {
  return Date.parse(`${date}T00:00:00Z`) / 1000;
}

/** Twilio's error envelope: `{"code": 20003, "message": "Authenticate", "more_info": …, "status": 401}`. */
export const twilioErrorMessage: ErrorMessageOf = (body) => {
  if (!body || typeof body !== 'object') return undefined;
  const b = body as Record<string, unknown>;
  if (typeof b.message !== 'string') return undefined;
  const code = typeof b.code === 'number' || typeof b.code === 'string' ? `Twilio error ${b.code}: ` : '';
  const detail = typeof b.detail === 'string' ? ` (${b.detail})` : '';
  return `${code}${b.message}${detail}`;
};
