// Pure parsers for the Twilio bodies the collector reads: Usage Records pages (2010 API, relative
// `next_page_uri`; dates as `YYYY-MM-DD`, `as_of` as `YYYY-MM-DDTHH:MM:SS+00:00`), Balance.json, the Accounts list, Monitor v1 Alerts pages (absolute
// `meta.next_page_url`) and the error envelope. Twilio sends price, count, usage and balance as decimal
// strings although the spec types price as a number; both are accepted, and money is kept exact.
// Spec: twilio/twilio-oai spec/json/twilio_api_v2010.json and twilio_monitor_v1.json.
import { z } from 'zod';
import type { ErrorMessageOf } from '../../http/client.js';
import { instant, money, optionalMoney, optionalNumeric, utcDay } from '../values.js';

/** `count` is null for money-only categories, and has been seen as an empty string. */
const looseNumeric = z.union([z.literal('').transform(() => undefined), optionalNumeric]);
const looseMoney = z.union([z.literal('').transform(() => undefined), optionalMoney]);

// Records and alerts keep only the fields read (zod strips the rest: URIs, descriptions, alert texts),
// since a poll holds every page of them until it ends.
const usageRecord = z.object({
  category: z.string().min(1),
  /** Start of the record's first UTC (GMT) day, Unix seconds. */
  start_date: utcDay,
  end_date: utcDay,
  /**
   * Unix seconds up to which the record is up to date: documented as `YYYY-MM-DDTHH:MM:SS+00:00`
   * (GMT); absent or null on some records. Any other form fails the page, like any unknown date.
   */
  as_of: instant.nullish().transform((v) => v ?? undefined),
  count: looseNumeric,
  price: looseMoney,
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
    balance: money,
    currency: z.string().min(1),
  })
  .passthrough();

const accountBody = z
  .object({
    sid: z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'must be an Account SID'),
    friendly_name: z.string().nullish(),
    owner_account_sid: z.string().nullish(),
    status: z.string().nullish(),
  })
  .passthrough();

/** `GET /Accounts.json`: the account and its subaccounts. */
export const accountsPage = z
  .object({
    accounts: z.array(accountBody),
    next_page_uri: z.string().nullish(),
  })
  .passthrough();

export type AccountBody = z.output<typeof accountBody>;

const alert = z.object({
  sid: z.string().min(2),
  error_code: z
    .union([z.string(), z.number()])
    .nullish()
    .transform((v) => (v === null || v === undefined ? undefined : String(v))),
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

/** Twilio's error envelope: `{"code": 20003, "message": "Authenticate", "more_info": …, "status": 401}`. */
export const twilioErrorMessage: ErrorMessageOf = (body) => {
  if (!body || typeof body !== 'object') return undefined;
  const b = body as Record<string, unknown>;
  if (typeof b.message !== 'string') return undefined;
  const code = typeof b.code === 'number' || typeof b.code === 'string' ? `Twilio error ${b.code}: ` : '';
  const detail = typeof b.detail === 'string' ? ` (${b.detail})` : '';
  return `${code}${b.message}${detail}`;
};
