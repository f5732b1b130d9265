// Twilio: Usage Records for spend (Today and ThisMonth of `totalprice`) and for cost and counts per
// category (Daily records over a re-read look-back window), Balance.json for the prepaid balance, and
// Monitor alerts (errors in the account's own traffic) counted once per alert SID.
//
// Categories overlap: `totalprice` is everything and a roll-up contains its children (`sms` contains
// `sms-outbound`, which contains `sms-outbound-longcode`). The spend gauges therefore read `totalprice`
// only. The cost counter reads a configured list of non-overlapping categories and counts what they do
// not cover (`totalprice` minus their sum, per day) as `other`, so its series always add up to
// `totalprice` without counting any dollar twice.
import type { z } from 'zod';
import type { Collector, PollContext, UsageBatch } from '../types.js';
import { DAY_SECONDS, describeZodError, utcDayStart } from '../values.js';
import { alertsPage, balanceBody, dayStart, usageRecordsPage, type AlertBody, type UsageRecordBody } from './parse.js';
import type { TwilioAccount } from './index.js';

/**
 * The top-level product families, which do not contain one another. Whatever else the account uses
 * (lookups, Verify, WhatsApp, Studio…) is in `other`.
 */
export const DEFAULT_COST_CATEGORIES = ['calls', 'sms', 'mms', 'phonenumbers', 'recordings', 'transcriptions'] as const;

export const LOG_LEVELS = ['error', 'warning', 'notice', 'debug'] as const;

const MAX_PAGES = 100;
/** Monitor answers alerts of the last 30 days only. */
const ALERT_RETENTION_DAYS = 30;
/** A day's categories may exceed its total by rounding; more than this means they overlap. */
const OVERLAP_TOLERANCE_USD = 0.01;

interface Paged<T> {
  endpoint: string;
  /** Relative to the account's base URL, or absolute (Monitor). */
  path: string;
  query: Record<string, string>;
  schema: z.ZodType<{ items: T[]; next?: string | null }>;
  /** The path a next-page link must point to: its query is followed, its host never is. */
  resource: string;
}

export class TwilioCollector implements Collector {
  constructor(private readonly account: TwilioAccount) {}

  private get headers(): Record<string, string> {
    const user = this.account.apiKeySid ?? this.account.accountSid;
    const password = this.account.apiKeySecret ?? this.account.authToken ?? '';
    return { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` };
  }

  private get accountPath(): string {
    return `Accounts/${this.account.accountSid}`;
  }

  async probe(ctx: PollContext): Promise<void> {
    await ctx.http.request({ endpoint: '/Accounts/{AccountSid}.json', path: `${this.accountPath}.json`, headers: this.headers });
  }

  async poll(ctx: PollContext): Promise<UsageBatch> {
    const batch: UsageBatch = { gauges: [], usage: [], windows: {} };
    const warnings = new Set<string>();
    const subaccounts = { IncludeSubaccounts: String(this.account.includeSubaccounts) };

    // Spend: the total-price category only; summing categories would count roll-ups twice.
    for (const [sub, period] of [['Today', 'day'], ['ThisMonth', 'month']] as const) {
      const records = await this.records(ctx, sub, { Category: 'totalprice', ...subaccounts });
      const usd = this.totalUsd(records, warnings);
      if (usd !== undefined) batch.gauges.push({ metric: 'nexus_spend_usd', labels: { period }, value: usd });
    }

    await this.readCosts(ctx, batch, warnings, subaccounts);
    await this.readBalance(ctx, batch);
    if (this.account.alerts) await this.readAlerts(ctx, batch);

    for (const w of warnings) ctx.log.warn(w);
    return batch;
  }

  /** Daily records of `totalprice` and of each cost category over the window; `other` is the rest of the total. */
  private async readCosts(ctx: PollContext, batch: UsageBatch, warnings: Set<string>, subaccounts: Record<string, string>): Promise<void> {
    const source = 'twilio.usage';
    const start = ctx.windowStart(source, this.account.lookbackDays * DAY_SECONDS);
    const today = utcDayStart(ctx.now);
    const range = { StartDate: isoDay(start), EndDate: isoDay(today), ...subaccounts };
    const days = new Map<number, { total?: number; covered: number }>();
    const inWindow = (r: UsageRecordBody) => {
      const d = dayStart(r.start_date);
      // A bucket before the window would be pruned right after counting and counted again next time.
      return d >= start && d <= today ? d : undefined;
    };

    for (const record of await this.records(ctx, 'Daily', { Category: 'totalprice', ...range })) {
      const d = inWindow(record);
      if (d === undefined) continue;
      const usd = this.usd(record, warnings);
      if (usd !== undefined) days.set(d, { total: usd, covered: 0 });
    }
    for (const category of this.account.costCategories) {
      for (const record of await this.records(ctx, 'Daily', { Category: category, ...range })) {
        if (record.category !== category) throw ctx.http.badResponse('/Usage/Records/Daily.json', `asked for category ${category}, got ${record.category}`);
        const d = inWindow(record);
        if (d === undefined) continue;
        const usd = this.usd(record, warnings);
        if (usd !== undefined) {
          batch.usage.push({ source, bucketStart: d, metric: 'nexus_cost_usd_total', labels: { category, project: 'none' }, value: usd });
          const day = days.get(d);
          if (day) day.covered += usd;
        }
        if (record.count !== undefined) {
          batch.usage.push({ source, bucketStart: d, metric: 'nexus_usage_requests_total', labels: { category }, value: record.count });
        }
      }
    }
    for (const [d, { total, covered }] of days) {
      if (total === undefined) continue;
      const rest = Math.round((total - covered) * 1e10) / 1e10;
      if (rest > 0) batch.usage.push({ source, bucketStart: d, metric: 'nexus_cost_usd_total', labels: { category: 'other', project: 'none' }, value: rest });
      if (rest < -OVERLAP_TOLERANCE_USD) {
        warnings.add(`costCategories add up to more than totalprice on ${isoDay(d)}: some of ${this.account.costCategories.join(', ')} contain one another, so their counters overlap`);
      }
    }
    batch.windows[source] = start;
  }

  private async readBalance(ctx: PollContext, batch: UsageBatch): Promise<void> {
    const endpoint = '/Balance.json';
    const res = await ctx.http.request({ endpoint, path: `${this.accountPath}/Balance.json`, headers: this.headers, allowStatus: [404] });
    if (res.status === 404) {
      ctx.log.debug('no balance: a subaccount has none of its own (its parent\'s balance pays for it)');
      return;
    }
    const parsed = balanceBody.safeParse(res.body);
    if (!parsed.success) throw ctx.http.badResponse(endpoint, describeZodError(parsed.error));
    if (parsed.data.currency.toUpperCase() !== 'USD') {
      // No exchange rates here: a balance in another currency is left out rather than mislabelled.
      ctx.log.debug({ currency: parsed.data.currency }, 'balance is not in USD; nexus_balance_usd is not reported');
      return;
    }
    batch.gauges.push({ metric: 'nexus_balance_usd', labels: { kind: 'prepaid' }, value: parsed.data.balance });
  }

  /** Alerts of the window, each counted once: the alert SID is the checkpoint identity. */
  private async readAlerts(ctx: PollContext, batch: UsageBatch): Promise<void> {
    const source = 'twilio.alerts';
    const today = utcDayStart(ctx.now);
    const start = Math.max(ctx.windowStart(source, this.account.alertLookbackDays * DAY_SECONDS), today - (ALERT_RETENTION_DAYS - 1) * DAY_SECONDS);
    const levels: readonly string[] = this.account.alertLevels;
    const base = this.account.monitorBaseUrl.replace(/\/+$/, '');
    const alerts = await this.paged<AlertBody>(ctx, {
      endpoint: '/Alerts',
      path: `${base}/Alerts`,
      resource: '/Alerts',
      query: {
        StartDate: `${isoDay(start)}T00:00:00Z`,
        PageSize: String(this.account.pageSize),
        ...(levels.length === 1 ? { LogLevel: levels[0]! } : {}),
      },
      schema: alertsPage.transform((p) => ({ items: p.alerts, next: p.meta.next_page_url })),
    });
    const seen = new Set<string>();
    for (const a of alerts) {
      const level = a.log_level.toLowerCase();
      if (!levels.includes(level) || seen.has(a.sid)) continue;
      seen.add(a.sid);
      const created = Date.parse(a.date_created ?? a.date_generated ?? '');
      if (Number.isNaN(created)) throw ctx.http.badResponse('/Alerts', `alert ${a.sid} has no valid date_created`);
      const bucketStart = utcDayStart(new Date(created));
      if (bucketStart < start) continue;
      const code = a.error_code && /^\d{1,6}$/.test(a.error_code) ? a.error_code : 'unknown';
      batch.usage.push({ source, bucketStart, metric: 'nexus_provider_reported_errors_total', labels: { code, level }, value: 1, identity: a.sid });
    }
    batch.windows[source] = start;
    // An alert that vanishes from the window was deleted, not revised: it stays counted.
    (batch.appendOnly ??= []).push(source);
  }

  /** One Usage Records subresource, every page. */
  private records(ctx: PollContext, sub: 'Daily' | 'Today' | 'ThisMonth', query: Record<string, string>): Promise<UsageRecordBody[]> {
    const path = `${this.accountPath}/Usage/Records/${sub}.json`;
    return this.paged<UsageRecordBody>(ctx, {
      endpoint: `/Usage/Records/${sub}.json`,
      path,
      resource: `/${path}`,
      query: { ...query, PageSize: String(this.account.pageSize) },
      schema: usageRecordsPage.transform((p) => ({ items: p.usage_records, next: p.next_page_uri })),
    });
  }

  /**
   * Reads every page. A next-page link (relative in the 2010 API, absolute in Monitor) must point to
   * the resource asked for; its query (PageToken…) is followed on the configured host, so credentials
   * only ever go to the configured base URLs. Any failure throws: a half-read window is never applied.
   */
  private async paged<T>(ctx: PollContext, spec: Paged<T>): Promise<T[]> {
    const items: T[] = [];
    let query = spec.query;
    const seen = new Set<string>();
    for (let page = 0; page < MAX_PAGES; page++) {
      const res = await ctx.http.request({ endpoint: spec.endpoint, path: spec.path, query, headers: this.headers });
      const parsed = spec.schema.safeParse(res.body);
      if (!parsed.success) throw ctx.http.badResponse(spec.endpoint, describeZodError(parsed.error));
      items.push(...parsed.data.items);
      const next = parsed.data.next;
      if (!next) return items;
      if (seen.has(next)) throw ctx.http.badResponse(spec.endpoint, 'next page link repeated');
      seen.add(next);
      let url: URL;
      try {
        url = new URL(next, 'https://api.twilio.com');
      } catch {
        throw ctx.http.badResponse(spec.endpoint, 'next page link is not a URL');
      }
      if (!url.pathname.endsWith(spec.resource)) throw ctx.http.badResponse(spec.endpoint, 'next page link points to another resource');
      query = Object.fromEntries(url.searchParams);
    }
    throw ctx.http.badResponse(spec.endpoint, `more than ${MAX_PAGES} pages`);
  }

  /** Price in USD, or undefined (with a warning) for a record priced in another currency. */
  private usd(record: UsageRecordBody, warnings: Set<string>): number | undefined {
    const unit = (record.price_unit ?? 'usd').toLowerCase();
    if (unit !== 'usd') {
      warnings.add(`usage is priced in ${record.price_unit ?? '?'}, not USD; cost and spend are not reported`);
      return undefined;
    }
    return record.price ?? 0;
  }

  private totalUsd(records: UsageRecordBody[], warnings: Set<string>): number | undefined {
    // No record yet (a new account) is no spend.
    if (records.length === 0) return 0;
    let sum = 0;
    for (const r of records) {
      const usd = this.usd(r, warnings);
      if (usd === undefined) return undefined;
      sum += usd;
    }
    return sum;
  }
}

function isoDay(sec: number): string {
  return new Date(sec * 1000).toISOString().slice(0, 10);
}
