// Exa: usage and cost come only from the Team Management API (a service key; the API is enabled per
// team on request). Its usage endpoint answers one total per requested period, broken down by price —
// it has no buckets (`group_by` is documented as not changing the shape). So the collector asks for
// whole UTC months and treats each month as one bucket: the ledger turns the growing month-to-date
// breakdown into `nexus_cost_usd_total` increments, and re-reading the previous month while it is
// inside the look-back picks up what the billing system books after the month has turned. Each key is
// a source of its own (`exa.usage:<key id>`), so a deleted or failing key leaves the others current;
// the key list (`exa.keys`) gives the key names. The series carry the key id in `project`.
// Without a service key Exa has no usage source; the only call is the optional paid probe, a
// one-result search whose `costDollars` is the exporter's own spend.
import type { Decimal } from '../../metrics/decimal.js';
import type { Collector, GaugeSample, PollContext, SourceBatch, SourceContext, UsageRecord } from '../types.js';
import { DAY_SECONDS, describeZodError, utcDayOf, utcDayStart, utcMonthStart } from '../values.js';
import {
  keyList,
  keyUsage,
  parseCostDollars,
  priceCategory,
  searchResponse,
  type ExaCost,
  type KeyUsage,
} from './parse.js';
import type { ExaAccount } from './index.js';

export const USAGE_SOURCE = 'exa.usage';
export const KEYS_SOURCE = 'exa.keys';
export const PROBE_SOURCE = 'exa.probe';
export const PROBE_CATEGORY = 'exporter_probe';
const MAX_NAME = 128;
/** Each key costs two or three calls per poll: a bound on what one account may cost. */
export const MAX_KEYS = 200;

/** What the paid probe asks: one result of a neural search, the cheapest documented search price. */
export const PROBE_REQUEST = { query: 'prometheus exporter', numResults: 1, type: 'neural' } as const;

export class ExaCollector implements Collector {
  /** ctx.now of the last successful paid probe, Unix seconds. */
  private lastProbeAt?: number;
  /** The team's keys as last listed, used while the list cannot be read. */
  private knownKeys?: string[];

  constructor(private readonly account: ExaAccount) {}

  /** With a service key, listing the keys is free; otherwise the only authenticated call is a paid search. */
  async probe(ctx: PollContext): Promise<void> {
    if (this.account.serviceKey) await this.listKeys(ctx);
    else await this.paidSearch(ctx);
  }

  async poll(ctx: PollContext): Promise<void> {
    if (this.account.serviceKey) {
      let listed: Array<{ id: string; name?: string }> | undefined;
      await ctx.source(KEYS_SOURCE, { bucket: 'none' }, async () => {
        listed = await this.listKeys(ctx);
        const read = this.account.apiKeyIds;
        return {
          gauges: listed
            .filter((k) => k.name && (!read || read.includes(k.id)))
            .map((k) => ({
              metric: 'nexus_project_info',
              labels: { project: k.id, name: k.name!.slice(0, MAX_NAME) },
              value: 1,
            })),
        };
      });
      if (listed) this.knownKeys = listed.map((k) => k.id);
      const keys = this.account.apiKeyIds ?? this.knownKeys ?? [];
      if (keys.length > MAX_KEYS)
        ctx.log.warn(
          { keys: keys.length },
          `more than ${MAX_KEYS} keys: only the first ${MAX_KEYS} are read; list the ones you need in apiKeyIds`
        );
      for (const keyId of keys.slice(0, MAX_KEYS)) {
        await ctx.source(`${USAGE_SOURCE}:${keyId}`, { bucket: 'month' }, (s) => this.readKey(ctx, s, keyId));
      }
    }
    if (!this.account.paidProbe) return;
    if (this.account.serviceKey) {
      if (!this.probeDue(ctx)) return;
      // The billing data already contains the probe's cost; the probe only checks the search API.
      // It is timed and counted either way; the usage sources decide whether the poll failed.
      try {
        await this.paidSearch(ctx);
        this.lastProbeAt = Math.floor(ctx.now.getTime() / 1000);
      } catch (e) {
        ctx.log.debug({ err: e }, 'paid probe failed');
      }
      return;
    }
    await ctx.source(PROBE_SOURCE, { bucket: 'none' }, async () => {
      // Not due: the last probe succeeded and its cost is counted; nothing to read.
      if (!this.probeDue(ctx)) return {};
      const now = Math.floor(ctx.now.getTime() / 1000);
      const cost = await this.paidSearch(ctx);
      this.lastProbeAt = now;
      // Each probe is its own bucket, and the window starts at it: older probe buckets are final and
      // pruned, so every probe's cost is added exactly once.
      return {
        usage: [
          {
            bucketStart: now,
            metric: 'nexus_cost_usd_total',
            labels: { category: PROBE_CATEGORY, project: 'none' },
            value: cost.totalUsd,
          },
        ],
        window: now,
      };
    });
  }

  private probeDue(ctx: PollContext): boolean {
    return (
      this.lastProbeAt === undefined ||
      ctx.now.getTime() / 1000 - this.lastProbeAt >= this.account.paidProbeIntervalSeconds
    );
  }

  private get adminHeaders(): Record<string, string> {
    return { 'x-api-key': this.account.serviceKey! };
  }

  private adminUrl(path: string): string {
    return `${this.account.adminBaseUrl.replace(/\/+$/, '')}/${path}`;
  }

  private async listKeys(ctx: PollContext): Promise<Array<{ id: string; name?: string }>> {
    const res = await ctx.http.request({
      endpoint: '/api-keys',
      path: this.adminUrl('api-keys'),
      headers: this.adminHeaders,
    });
    const parsed = keyList.safeParse(res.body);
    if (!parsed.success) throw ctx.http.badResponse('/api-keys', describeZodError(parsed.error));
    return parsed.data.apiKeys;
  }

  private async keyUsage(ctx: PollContext, keyId: string, startDate: string, endDate?: string): Promise<KeyUsage> {
    const endpoint = '/api-keys/{id}/usage';
    // Up to now, in the first second of a day or month: Exa refuses a period whose start is not before
    // its end (whole seconds), and nothing can have been billed in it yet.
    if (endDate === undefined && Math.floor(ctx.now.getTime() / 1000) <= Date.parse(`${startDate}T00:00:00Z`) / 1000) {
      return { total_cost_usd: 0n, cost_breakdown: [], period: undefined, api_key_id: undefined };
    }
    const res = await ctx.http.request({
      endpoint,
      path: this.adminUrl(`api-keys/${encodeURIComponent(keyId)}/usage`),
      query: { start_date: startDate, end_date: endDate },
      headers: this.adminHeaders,
    });
    const parsed = keyUsage.safeParse(res.body);
    if (!parsed.success) throw ctx.http.badResponse(endpoint, describeZodError(parsed.error));
    const problem = periodProblem(parsed.data.period, startDate);
    if (problem) throw ctx.http.badResponse(endpoint, problem);
    return parsed.data;
  }

  /** One key: its months in the window by price (cost), and its month and today (spend). */
  private async readKey(ctx: PollContext, s: SourceContext, keyId: string): Promise<SourceBatch> {
    const thisMonth = utcMonthStart(ctx.now);
    const windowStart = s.windowStart(this.account.lookbackDays * DAY_SECONDS);
    const months: number[] = [];
    for (let m = utcMonthStart(new Date(windowStart * 1000)); m <= thisMonth; m = nextMonth(m)) months.push(m);

    // Summed per bucket and labels: two price lines with one name must not overwrite each other's checkpoint.
    const records = new Map<string, UsageRecord & { value: Decimal }>();
    let spendMonth: Decimal = 0n;
    for (const month of months) {
      // The current month up to now (end_date defaults to now); a past month up to its last second.
      const end = month === thisMonth ? undefined : isoSecond(nextMonth(month) - 1);
      const usage = await this.keyUsage(ctx, keyId, isoDay(month), end);
      if (month === thisMonth) spendMonth = usage.total_cost_usd;
      for (const line of usage.cost_breakdown) {
        // The key id, not its name, is the project: a renamed key would otherwise split its month across two series.
        const labels = { category: priceCategory(line), project: keyId };
        const id = `${month}\n${labels.category}`;
        const record = records.get(id);
        if (record) record.value += line.amount_usd;
        else records.set(id, { bucketStart: month, metric: 'nexus_cost_usd_total', labels, value: line.amount_usd });
      }
    }
    const spendDay = (await this.keyUsage(ctx, keyId, isoDay(utcDayStart(ctx.now)))).total_cost_usd;
    // Summed over the keys read; a subset of keys (apiKeyIds) is not the team's spend: scope="key" (index.ts).
    const gauges: GaugeSample[] = [
      { metric: 'nexus_spend_usd', labels: { period: 'day' }, value: spendDay },
      { metric: 'nexus_spend_usd', labels: { period: 'month' }, value: spendMonth },
      { metric: 'nexus_project_spend_usd', labels: { period: 'day', project: keyId }, value: spendDay },
      { metric: 'nexus_project_spend_usd', labels: { period: 'month', project: keyId }, value: spendMonth },
    ];
    return { gauges, usage: [...records.values()], window: months[0]! };
  }

  private async paidSearch(ctx: PollContext): Promise<ExaCost> {
    const res = await ctx.http.request({
      endpoint: '/search',
      path: 'search',
      method: 'POST',
      headers: { 'x-api-key': this.account.apiKey! },
      body: PROBE_REQUEST,
    });
    const parsed = searchResponse.safeParse(res.body);
    if (!parsed.success) throw ctx.http.badResponse('/search', describeZodError(parsed.error));
    // Seen in the wild: a 200 whose body is an error (e.g. NO_MORE_CREDITS).
    if (parsed.data.tag || parsed.data.error)
      throw ctx.http.badResponse('/search', `error in a 200 answer: ${parsed.data.tag ?? parsed.data.error}`);
    const cost = parseCostDollars(parsed.data.costDollars);
    if (typeof cost === 'string') throw ctx.http.badResponse('/search', cost);
    return cost;
  }
}

/**
 * Why a usage answer's `period` (Unix seconds) is not the one asked for from `startDate`
 * (YYYY-MM-DD), or undefined: a total for another period would be booked to the wrong month. An
 * answer without a period is taken as the period asked for.
 */
export function periodProblem(
  period: { start: number; end: number } | undefined,
  startDate: string
): string | undefined {
  if (!period) return undefined;
  if (utcDayStart(new Date(period.start * 1000)) === utcDayOf(startDate) && period.end >= period.start)
    return undefined;
  return `period ${isoSecond(period.start)} to ${isoSecond(period.end)} is not the period asked for, from ${startDate}`;
}

function nextMonth(monthStart: number): number {
  const d = new Date(monthStart * 1000);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) / 1000;
}

function isoDay(seconds: number): string {
  return new Date(seconds * 1000).toISOString().slice(0, 10);
}

function isoSecond(seconds: number): string {
  return `${new Date(seconds * 1000).toISOString().slice(0, 19)}Z`;
}
