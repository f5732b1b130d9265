// Twilio: Usage Records for spend (Today and ThisMonth of `totalprice`) and for cost and counts per
// category (Daily records over a re-read look-back window), Balance.json for the prepaid balance, and
// Monitor alerts (errors in the account's own traffic) counted once per alert SID. Each is a source of
// its own (`twilio.spend`, `twilio.usage`, `twilio.balance`, `twilio.alerts`). With `subaccounts`, the
// parent's credentials also read each subaccount's spend and usage (v2010 resources, which parent
// credentials may read) as sources of their own (`twilio.spend:<SID>`, `twilio.usage:<SID>`), with the
// subaccount SID as `project`; `twilio.subaccounts` lists them and their names. The usage records'
// `as_of` (the oldest of a read) is the data timestamp of the spend and usage sources.
//
// Categories overlap: `totalprice` is everything and a roll-up contains its children (`sms` contains
// `sms-outbound`, which contains `sms-outbound-longcode`). The spend gauges therefore read `totalprice`
// only. The cost counter reads a configured list of non-overlapping categories and counts what they do
// not cover (`totalprice` minus their sum, per day) as `other`, so its series always add up to
// `totalprice` without counting any dollar twice.
import type { z } from 'zod';
import type { Decimal } from '../../metrics/decimal.js';
import type { Collector, GaugeSample, PollContext, SourceBatch, SourceContext, UsageRecord } from '../types.js';
import { DAY_SECONDS, describeZodError, utcDayOf, utcDayStart } from '../values.js';
import {
  accountsPage,
  alertsPage,
  balanceBody,
  usageRecordsPage,
  type AccountBody,
  type AlertBody,
  type UsageRecordBody,
} from './parse.js';
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
const OVERLAP_TOLERANCE_USD = 10n ** 10n;
const MAX_NAME = 128;
/** Each subaccount costs 3 + costCategories calls per poll: a bound on what one account may cost. */
export const MAX_SUBACCOUNTS = 200;

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
  /** The subaccounts as last listed (`subaccounts: all`), used while the list cannot be read. */
  private knownSubaccounts?: string[];

  constructor(private readonly account: TwilioAccount) {}

  private get headers(): Record<string, string> {
    const user = this.account.apiKeySid ?? this.account.accountSid;
    const password = this.account.apiKeySecret ?? this.account.authToken ?? '';
    return { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` };
  }

  /**
   * Today's total: a Usage Records read that every key type may make. The Account resource
   * (`/Accounts/{Sid}.json`) is refused to Standard API keys, the kind Twilio recommends.
   */
  async probe(ctx: PollContext): Promise<void> {
    await ctx.http.request({
      endpoint: '/Usage/Records/Today.json',
      path: `Accounts/${this.account.accountSid}/Usage/Records/Today.json`,
      query: { Category: 'totalprice', PageSize: '1' },
      headers: this.headers,
    });
  }

  async poll(ctx: PollContext): Promise<void> {
    const warnings = new Set<string>();
    const own = this.account.accountSid;
    const subaccounts = this.account.subaccounts !== undefined;
    const include = { IncludeSubaccounts: String(this.account.includeSubaccounts) };

    await ctx.source('twilio.spend', { bucket: 'none' }, () =>
      this.readSpend(ctx, own, subaccounts ? 'none' : undefined, include, warnings)
    );
    await ctx.source('twilio.usage', { bucket: 'day' }, (s) => this.readCosts(ctx, s, own, 'none', include, warnings));
    await ctx.source('twilio.balance', { bucket: 'none' }, () => this.readBalance(ctx));
    if (this.account.alerts) await ctx.source('twilio.alerts', { bucket: 'none' }, (s) => this.readAlerts(ctx, s));

    if (subaccounts) {
      const sids = await this.subaccountSids(ctx);
      if (sids.length > MAX_SUBACCOUNTS)
        ctx.log.warn(
          { subaccounts: sids.length },
          `more than ${MAX_SUBACCOUNTS} subaccounts: only the first ${MAX_SUBACCOUNTS} are read; list the ones you need in subaccounts`
        );
      for (const sid of sids.slice(0, MAX_SUBACCOUNTS)) {
        // A subaccount's records are its own: IncludeSubaccounts=false never adds its children twice.
        const alone = { IncludeSubaccounts: 'false' };
        await ctx.source(`twilio.spend:${sid}`, { bucket: 'none' }, () =>
          this.readSpend(ctx, sid, sid, alone, warnings)
        );
        await ctx.source(`twilio.usage:${sid}`, { bucket: 'day' }, (s) =>
          this.readCosts(ctx, s, sid, sid, alone, warnings)
        );
      }
    }
    for (const w of warnings) ctx.log.warn(w);
  }

  /**
   * The subaccounts to read: the configured SIDs, or every subaccount that is not closed. Their names
   * come from the Accounts list, which needs the Auth Token or a Main API key; configured SIDs are
   * read without names when the list is refused.
   */
  private async subaccountSids(ctx: PollContext): Promise<string[]> {
    const configured = this.account.subaccounts;
    if (configured !== 'all' && !this.account.subaccountNames) return configured ?? [];
    let listed: AccountBody[] | undefined;
    await ctx.source('twilio.subaccounts', { bucket: 'none' }, async () => {
      listed = await this.paged<AccountBody>(ctx, {
        endpoint: '/Accounts.json',
        path: 'Accounts.json',
        resource: '/Accounts.json',
        query: { PageSize: String(this.account.pageSize) },
        schema: accountsPage.transform((p) => ({ items: p.accounts, next: p.next_page_uri })),
      });
      const wanted = listed.filter(
        (a) => a.sid !== this.account.accountSid && (configured === 'all' || configured!.includes(a.sid))
      );
      return {
        gauges: wanted
          .filter((a) => a.friendly_name)
          .map((a) => ({
            metric: 'nexus_project_info',
            labels: { project: a.sid, name: a.friendly_name!.slice(0, MAX_NAME) },
            value: 1,
          })),
      };
    });
    if (configured !== 'all') return configured ?? [];
    if (listed) {
      this.knownSubaccounts = listed
        .filter((a) => a.sid !== this.account.accountSid && a.owner_account_sid !== a.sid && a.status !== 'closed')
        .map((a) => a.sid);
    }
    return this.knownSubaccounts ?? [];
  }

  /** Today's and this month's `totalprice`: the account's spend, and its part when `project` is given. */
  private async readSpend(
    ctx: PollContext,
    sid: string,
    project: string | undefined,
    include: Record<string, string>,
    warnings: Set<string>
  ): Promise<SourceBatch> {
    const gauges: GaugeSample[] = [];
    const read: UsageRecordBody[] = [];
    for (const [sub, period] of [
      ['Today', 'day'],
      ['ThisMonth', 'month'],
    ] as const) {
      const records = await this.records(ctx, sid, sub, { Category: 'totalprice', ...include });
      read.push(...records);
      const usd = this.totalUsd(records, warnings);
      if (usd === undefined) continue;
      gauges.push({ metric: 'nexus_spend_usd', labels: { period }, value: usd });
      if (project !== undefined)
        gauges.push({ metric: 'nexus_project_spend_usd', labels: { period, project }, value: usd });
    }
    return { gauges, asOf: oldestAsOf(read) };
  }

  /** Daily records of `totalprice` and of each cost category over the window; `other` is the rest of the total. */
  private async readCosts(
    ctx: PollContext,
    s: SourceContext,
    sid: string,
    project: string,
    include: Record<string, string>,
    warnings: Set<string>
  ): Promise<SourceBatch> {
    const start = s.windowStart(this.account.lookbackDays * DAY_SECONDS);
    const today = utcDayStart(ctx.now);
    const range = { StartDate: isoDay(start), EndDate: isoDay(today), ...include };
    const days = new Map<number, { total?: Decimal; covered: Decimal }>();
    const usage: UsageRecord[] = [];
    const read: UsageRecordBody[] = [];
    const inWindow = (r: UsageRecordBody) => {
      // A bucket before the window would be pruned right after counting and counted again next time.
      return r.start_date >= start && r.start_date <= today ? r.start_date : undefined;
    };

    for (const record of await this.records(ctx, sid, 'Daily', { Category: 'totalprice', ...range })) {
      read.push(record);
      const d = inWindow(record);
      if (d === undefined) continue;
      const usd = this.usd(record, warnings);
      if (usd !== undefined) days.set(d, { total: usd, covered: 0n });
    }
    for (const category of this.account.costCategories) {
      for (const record of await this.records(ctx, sid, 'Daily', { Category: category, ...range })) {
        if (record.category !== category)
          throw ctx.http.badResponse(
            '/Usage/Records/Daily.json',
            `asked for category ${category}, got ${record.category}`
          );
        read.push(record);
        const d = inWindow(record);
        if (d === undefined) continue;
        const usd = this.usd(record, warnings);
        if (usd !== undefined) {
          usage.push({ bucketStart: d, metric: 'nexus_cost_usd_total', labels: { category, project }, value: usd });
          const day = days.get(d);
          if (day) day.covered += usd;
        }
        if (record.count !== undefined) {
          usage.push({
            bucketStart: d,
            metric: 'nexus_usage_requests_total',
            labels: { category },
            value: record.count,
          });
        }
      }
    }
    for (const [d, { total, covered }] of days) {
      if (total === undefined) continue;
      const rest = total - covered;
      if (rest > 0n)
        usage.push({
          bucketStart: d,
          metric: 'nexus_cost_usd_total',
          labels: { category: 'other', project },
          value: rest,
        });
      // Only a closed day tells: today's records grow between the totalprice request and the later
      // category requests, so today's categories may exceed its total without overlapping.
      if (d < today && rest < -OVERLAP_TOLERANCE_USD) {
        warnings.add(
          `costCategories add up to more than totalprice on ${isoDay(d)}: some of ${this.account.costCategories.join(', ')} contain one another, so their counters overlap`
        );
      }
    }
    return { usage, window: start, asOf: oldestAsOf(read) };
  }

  private async readBalance(ctx: PollContext): Promise<SourceBatch> {
    const endpoint = '/Balance.json';
    const res = await ctx.http.request({
      endpoint,
      path: `Accounts/${this.account.accountSid}/Balance.json`,
      headers: this.headers,
      allowStatus: [404],
    });
    if (res.status === 404) {
      ctx.log.debug("no balance: a subaccount has none of its own (its parent's balance pays for it)");
      return {};
    }
    const parsed = balanceBody.safeParse(res.body);
    if (!parsed.success) throw ctx.http.badResponse(endpoint, describeZodError(parsed.error));
    if (parsed.data.currency.toUpperCase() !== 'USD') {
      // No exchange rates here: a balance in another currency is left out rather than mislabelled.
      ctx.log.debug({ currency: parsed.data.currency }, 'balance is not in USD; nexus_balance_usd is not reported');
      return {};
    }
    return { gauges: [{ metric: 'nexus_balance_usd', labels: { kind: 'prepaid' }, value: parsed.data.balance }] };
  }

  /** Alerts of the window, each counted once: the alert SID is the checkpoint identity. */
  private async readAlerts(ctx: PollContext, s: SourceContext): Promise<SourceBatch> {
    const today = utcDayStart(ctx.now);
    const start = Math.max(
      s.windowStart(this.account.alertLookbackDays * DAY_SECONDS),
      today - (ALERT_RETENTION_DAYS - 1) * DAY_SECONDS
    );
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
    const usage: UsageRecord[] = [];
    for (const a of alerts) {
      const level = a.log_level.toLowerCase();
      if (!levels.includes(level) || seen.has(a.sid)) continue;
      seen.add(a.sid);
      const created = a.date_created ?? a.date_generated;
      const bucketStart = utcDayOf(created ?? '');
      if (bucketStart === undefined) {
        throw ctx.http.badResponse(
          '/Alerts',
          created
            ? `alert ${a.sid}: date_created is not a date such as 2026-08-23T14:05:11Z: ${JSON.stringify(created.slice(0, 40))}`
            : `alert ${a.sid} has no date_created`
        );
      }
      if (bucketStart < start) continue;
      const code = a.error_code && /^\d{1,6}$/.test(a.error_code) ? a.error_code : 'unknown';
      usage.push({
        bucketStart,
        metric: 'nexus_provider_reported_errors_total',
        labels: { code, level },
        value: 1,
        identity: a.sid,
      });
    }
    // An alert that vanishes from the window was deleted, not revised: it stays counted.
    return { usage, window: start, appendOnly: true };
  }

  /** One Usage Records subresource of an account, every page. */
  private records(
    ctx: PollContext,
    sid: string,
    sub: 'Daily' | 'Today' | 'ThisMonth',
    query: Record<string, string>
  ): Promise<UsageRecordBody[]> {
    const path = `Accounts/${sid}/Usage/Records/${sub}.json`;
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
      if (!url.pathname.endsWith(spec.resource))
        throw ctx.http.badResponse(spec.endpoint, 'next page link points to another resource');
      query = Object.fromEntries(url.searchParams);
    }
    throw ctx.http.badResponse(spec.endpoint, `more than ${MAX_PAGES} pages`);
  }

  /** Price in USD, or undefined (with a warning) for a record priced in another currency. */
  private usd(record: UsageRecordBody, warnings: Set<string>): Decimal | undefined {
    const unit = (record.price_unit ?? 'usd').toLowerCase();
    if (unit !== 'usd') {
      warnings.add(`usage is priced in ${record.price_unit ?? '?'}, not USD; cost and spend are not reported`);
      return undefined;
    }
    return record.price ?? 0n;
  }

  private totalUsd(records: UsageRecordBody[], warnings: Set<string>): Decimal | undefined {
    // No record yet (a new account) is no spend.
    if (records.length === 0) return 0n;
    let sum = 0n;
    for (const r of records) {
      const usd = this.usd(r, warnings);
      if (usd === undefined) return undefined;
      sum += usd;
    }
    return sum;
  }
}

/**
 * The oldest `as_of` of the records read: the source is up to date as of then. Undefined when no
 * record carries one (the read time stands).
 */
function oldestAsOf(records: UsageRecordBody[]): number | undefined {
  let oldest: number | undefined;
  for (const r of records) if (r.as_of !== undefined && (oldest === undefined || r.as_of < oldest)) oldest = r.as_of;
  return oldest;
}

function isoDay(sec: number): string {
  return new Date(sec * 1000).toISOString().slice(0, 10);
}
