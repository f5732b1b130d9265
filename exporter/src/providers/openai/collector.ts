// OpenAI: the Costs API (daily buckets by line item and project) for cost and spend, the Usage API
// (daily buckets by model) for tokens and requests, and the Projects API for project names. Each is a
// source of its own (`openai.costs`, `openai.usage.<endpoint>`, `openai.projects`): one that fails
// keeps its last good data while the others apply. Every poll re-reads a trailing look-back window;
// the ledger turns re-read buckets into counter deltas.
import type { z } from 'zod';
import type { Decimal } from '../../metrics/decimal.js';
import type { Collector, GaugeSample, PollContext, SourceContext, UsageRecord } from '../types.js';
import { DAY_SECONDS, describeZodError, utcDayStart, utcMonthStart } from '../values.js';
import {
  costUsd,
  costsPage,
  projectsPage,
  tokenParts,
  usagePage,
  type CostResult,
  type Page,
  type UsageResult,
} from './parse.js';
import type { OpenAIAccount } from './index.js';

/** Usage endpoints: path segment, whether it accepts group_by=model, and the field counted as requests. */
export const USAGE_ENDPOINTS = [
  { name: 'completions', byModel: true, requests: 'num_model_requests' },
  { name: 'embeddings', byModel: true, requests: 'num_model_requests' },
  { name: 'moderations', byModel: true, requests: 'num_model_requests' },
  { name: 'images', byModel: true, requests: 'num_model_requests' },
  { name: 'audio_speeches', byModel: true, requests: 'num_model_requests' },
  { name: 'audio_transcriptions', byModel: true, requests: 'num_model_requests' },
  { name: 'code_interpreter_sessions', byModel: false, requests: 'num_sessions' },
  { name: 'file_search_calls', byModel: false, requests: 'num_requests' },
  { name: 'web_search_calls', byModel: true, requests: 'num_requests' },
] as const;

export type UsageEndpointName = (typeof USAGE_ENDPOINTS)[number]['name'];

const MAX_PAGES = 50;
/** Longest project name kept in a label. */
const MAX_NAME = 128;

export class OpenAICollector implements Collector {
  constructor(private readonly account: OpenAIAccount) {}

  private get auth(): Record<string, string> {
    return { authorization: `Bearer ${this.account.adminKey}` };
  }

  async probe(ctx: PollContext): Promise<void> {
    if (this.account.projectKey) {
      await ctx.http.request({
        endpoint: '/models',
        path: 'models',
        headers: { authorization: `Bearer ${this.account.projectKey}` },
      });
    } else {
      await ctx.http.request({
        endpoint: '/organization/projects',
        path: 'organization/projects',
        query: { limit: 1 },
        headers: this.auth,
      });
    }
  }

  async poll(ctx: PollContext): Promise<void> {
    const lookback = this.account.lookbackDays * DAY_SECONDS;
    if (this.account.projectKey || !this.account.projectNames) {
      try {
        await this.probe(ctx);
      } catch (e) {
        // The probe is timed and counted; the data sources decide whether the poll failed.
        ctx.log.debug({ err: e }, 'probe failed');
      }
    }
    if (this.account.projectNames)
      await ctx.source('openai.projects', { bucket: 'none' }, async () => ({ gauges: await this.projectNames(ctx) }));
    await ctx.source('openai.costs', { bucket: 'day' }, (s) => this.readCosts(ctx, s, lookback));
    for (const endpoint of USAGE_ENDPOINTS) {
      if (!this.account.usageEndpoints.includes(endpoint.name)) continue;
      await ctx.source(`openai.usage.${endpoint.name}`, { bucket: 'day' }, async (s) => {
        const start = s.windowStart(lookback);
        const path = `organization/usage/${endpoint.name}`;
        const buckets = await this.readAll(ctx, `/${path}`, path, usagePage, {
          start_time: start,
          bucket_width: '1d',
          group_by: endpoint.byModel ? ['model'] : undefined,
          limit: this.account.pageSize,
        });
        // Older organisations lack the newer endpoints: nothing to read, nothing failed.
        if (!buckets) return {};
        const usage: UsageRecord[] = [];
        for (const b of buckets) {
          for (const r of b.results as UsageResult[]) {
            const records = usageRecords(endpoint, b.start_time, r);
            if (typeof records === 'string') throw ctx.http.badResponse(`/${path}`, records);
            usage.push(...records);
          }
        }
        return { usage, window: start };
      });
    }
  }

  /** Costs: always from the start of the month, so the month's spend gauges are exact; the counter takes deltas only. */
  private async readCosts(ctx: PollContext, s: SourceContext, lookback: number) {
    const start = Math.min(s.windowStart(lookback), utcMonthStart(ctx.now));
    const costs = (await this.readAll(ctx, '/organization/costs', 'organization/costs', costsPage, {
      start_time: start,
      bucket_width: '1d',
      group_by: ['line_item', 'project_id'],
      limit: this.account.pageSize,
    }))!;
    const today = utcDayStart(ctx.now);
    const month = utcMonthStart(ctx.now);
    const spend = { day: new Map<string, Decimal>(), month: new Map<string, Decimal>() };
    const addSpend = (period: keyof typeof spend, project: string, usd: Decimal) =>
      spend[period].set(project, (spend[period].get(project) ?? 0n) + usd);
    const usage: UsageRecord[] = [];
    for (const b of costs) {
      for (const r of b.results as CostResult[]) {
        let usd: Decimal | undefined;
        try {
          usd = costUsd(r);
        } catch (e) {
          throw ctx.http.badResponse('/organization/costs', (e as Error).message);
        }
        if (usd === undefined) continue;
        const project = r.project_id ?? 'none';
        if (b.start_time >= month) addSpend('month', project, usd);
        if (b.start_time === today) addSpend('day', project, usd);
        usage.push({
          bucketStart: b.start_time,
          metric: 'nexus_cost_usd_total',
          labels: { category: r.line_item ?? 'unattributed', project },
          value: usd,
        });
      }
    }
    const gauges: GaugeSample[] = [];
    for (const period of ['day', 'month'] as const) {
      let total = 0n;
      for (const [project, usd] of spend[period]) {
        total += usd;
        gauges.push({ metric: 'nexus_project_spend_usd', labels: { period, project }, value: usd });
      }
      gauges.push({ metric: 'nexus_spend_usd', labels: { period }, value: total });
    }
    return { gauges, usage, window: start };
  }

  /** Every project of the organization, archived ones too (their costs stay), as info series. */
  private async projectNames(ctx: PollContext): Promise<GaugeSample[]> {
    const gauges: GaugeSample[] = [];
    let after: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const res = await ctx.http.request({
        endpoint: '/organization/projects',
        path: 'organization/projects',
        query: { limit: 100, include_archived: 'true', after },
        headers: this.auth,
      });
      const parsed = projectsPage.safeParse(res.body);
      if (!parsed.success) throw ctx.http.badResponse('/organization/projects', describeZodError(parsed.error));
      for (const p of parsed.data.data) {
        if (p.name)
          gauges.push({
            metric: 'nexus_project_info',
            labels: { project: p.id, name: p.name.slice(0, MAX_NAME) },
            value: 1,
          });
      }
      const last = parsed.data.last_id ?? parsed.data.data.at(-1)?.id;
      if (!parsed.data.has_more || !last) return gauges;
      if (last === after) throw ctx.http.badResponse('/organization/projects', 'pagination cursor repeated');
      after = last;
    }
    throw ctx.http.badResponse('/organization/projects', `more than ${MAX_PAGES} pages`);
  }

  /** Reads every page of a bucketed endpoint. Any failure throws: a half-read window is never applied. */
  private async readAll<S extends z.ZodType<Page<unknown>>>(
    ctx: PollContext,
    endpoint: string,
    path: string,
    schema: S,
    query: Record<string, string | number | readonly string[] | undefined>
  ): Promise<Page<unknown>['data'] | undefined> {
    const buckets: Page<unknown>['data'] = [];
    let cursor: string | undefined;
    const seen = new Set<string>();
    for (let pageNo = 0; pageNo < MAX_PAGES; pageNo++) {
      const res = await ctx.http.request({
        endpoint,
        path,
        query: { ...query, page: cursor },
        headers: this.auth,
        allowStatus: [404],
      });
      if (res.status === 404) {
        // Older organisations or API versions lack the newer usage endpoints; costs must exist.
        if (endpoint === '/organization/costs') throw ctx.http.badResponse(endpoint, 'HTTP 404');
        return undefined;
      }
      const parsed = schema.safeParse(res.body);
      if (!parsed.success) throw ctx.http.badResponse(endpoint, describeZodError(parsed.error));
      const page = parsed.data as Page<unknown>;
      for (const b of page.data) {
        const problem = bucketProblem(b, Number(query.start_time), ctx.now);
        if (problem) throw ctx.http.badResponse(endpoint, problem);
      }
      buckets.push(...page.data);
      if (!page.has_more || !page.next_page) return buckets;
      if (seen.has(page.next_page)) throw ctx.http.badResponse(endpoint, 'pagination cursor repeated');
      seen.add(page.next_page);
      cursor = page.next_page;
    }
    throw ctx.http.badResponse(endpoint, `more than ${MAX_PAGES} pages`);
  }
}

/**
 * Why a daily bucket cannot be booked, or undefined: its start must be a UTC midnight from the
 * start asked for up to today (a day later at most, for a provider's clock ahead of ours) and its end
 * after it within a day, in Unix seconds. Epoch milliseconds or any other unit would otherwise book
 * usage to a day thousands of years away.
 */
export function bucketProblem(
  b: { start_time: number; end_time: number },
  start: number,
  now: Date
): string | undefined {
  const latest = utcDayStart(now) + DAY_SECONDS;
  const day = b.start_time % DAY_SECONDS === 0 && b.start_time >= start && b.start_time <= latest;
  if (day && b.end_time > b.start_time && b.end_time <= b.start_time + DAY_SECONDS) return undefined;
  return `bucket start_time ${b.start_time}, end_time ${b.end_time}: not a UTC day from ${start} to ${latest} in Unix seconds`;
}

function usageRecords(
  endpoint: (typeof USAGE_ENDPOINTS)[number],
  bucketStart: number,
  r: UsageResult
): UsageRecord[] | string {
  const out: UsageRecord[] = [];
  const model = r.model ?? (endpoint.byModel ? 'unknown' : endpoint.name);
  const parts = tokenParts(r);
  if (typeof parts === 'string') return parts;
  for (const [type, value] of parts)
    out.push({ bucketStart, metric: 'nexus_tokens_total', labels: { model, type }, value });
  const requests = r[endpoint.requests];
  if (requests !== undefined) {
    out.push({
      bucketStart,
      metric: 'nexus_usage_requests_total',
      labels: { category: endpoint.name },
      value: requests,
      identity: model,
    });
  }
  return out;
}
