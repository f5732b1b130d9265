// OpenAI: the Costs API (daily buckets by line item and project) for cost and spend, the Usage API
// (daily buckets by model) for tokens and requests, and a cheap authenticated call timed as a probe.
// Every poll re-reads a trailing look-back window; the ledger turns re-read buckets into counter deltas.
import type { z } from 'zod';
import type { Collector, PollContext, UsageBatch, UsageRecord } from '../types.js';
import { DAY_SECONDS, describeZodError, utcDayStart, utcMonthStart } from '../values.js';
import { TOKEN_FIELDS, costUsd, costsPage, usagePage, type CostResult, type Page, type UsageResult } from './parse.js';
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

export class OpenAICollector implements Collector {
  constructor(private readonly account: OpenAIAccount) {}

  private get auth(): Record<string, string> {
    return { authorization: `Bearer ${this.account.adminKey}` };
  }

  async probe(ctx: PollContext): Promise<void> {
    if (this.account.projectKey) {
      await ctx.http.request({ endpoint: '/models', path: 'models', headers: { authorization: `Bearer ${this.account.projectKey}` } });
    } else {
      await ctx.http.request({ endpoint: '/organization/projects', path: 'organization/projects', query: { limit: 1 }, headers: this.auth });
    }
  }

  async poll(ctx: PollContext): Promise<UsageBatch> {
    const batch: UsageBatch = { gauges: [], usage: [], windows: {} };
    const lookback = this.account.lookbackDays * DAY_SECONDS;
    try {
      await this.probe(ctx);
    } catch (e) {
      // The probe is timed and counted; the data calls decide whether the poll failed.
      ctx.log.debug({ err: e }, 'probe failed');
    }

    // Costs: always from the start of the month (one page of at most 31 daily buckets), so the month's
    // spend gauge is exact; the counter takes deltas only.
    const costsStart = Math.min(ctx.windowStart('openai.costs', lookback), utcMonthStart(ctx.now));
    const costs = (await this.readAll(ctx, '/organization/costs', 'organization/costs', costsPage, {
      start_time: costsStart,
      bucket_width: '1d',
      group_by: ['line_item', 'project_id'],
      limit: this.account.pageSize,
    }))!;
    batch.windows['openai.costs'] = costsStart;
    const today = utcDayStart(ctx.now);
    const month = utcMonthStart(ctx.now);
    let spendDay = 0;
    let spendMonth = 0;
    for (const b of costs) {
      for (const r of b.results as CostResult[]) {
        let usd: number | undefined;
        try {
          usd = costUsd(r);
        } catch (e) {
          throw ctx.http.badResponse('/organization/costs', (e as Error).message);
        }
        if (usd === undefined) continue;
        if (b.start_time >= month) spendMonth += usd;
        if (b.start_time === today) spendDay += usd;
        batch.usage.push({
          source: 'openai.costs',
          bucketStart: b.start_time,
          metric: 'nexus_cost_usd_total',
          labels: { category: r.line_item ?? 'unattributed', project: r.project_id ?? 'none' },
          value: usd,
        });
      }
    }
    batch.gauges.push(
      { metric: 'nexus_spend_usd', labels: { period: 'day' }, value: spendDay },
      { metric: 'nexus_spend_usd', labels: { period: 'month' }, value: spendMonth },
    );

    for (const endpoint of USAGE_ENDPOINTS) {
      if (!this.account.usageEndpoints.includes(endpoint.name)) continue;
      const source = `openai.usage.${endpoint.name}`;
      const start = ctx.windowStart(source, lookback);
      const path = `organization/usage/${endpoint.name}`;
      const buckets = await this.readAll(ctx, `/${path}`, path, usagePage, {
        start_time: start,
        bucket_width: '1d',
        group_by: endpoint.byModel ? ['model'] : undefined,
        limit: this.account.pageSize,
      });
      if (!buckets) continue;
      batch.windows[source] = start;
      for (const b of buckets) {
        for (const r of b.results as UsageResult[]) batch.usage.push(...usageRecords(source, endpoint, b.start_time, r));
      }
    }
    return batch;
  }

  /** Reads every page of a bucketed endpoint. Any failure throws: a half-read window is never applied. */
  private async readAll<S extends z.ZodType<Page<unknown>>>(
    ctx: PollContext,
    endpoint: string,
    path: string,
    schema: S,
    query: Record<string, string | number | readonly string[] | undefined>,
  ): Promise<Page<unknown>['data'] | undefined> {
    const buckets: Page<unknown>['data'] = [];
    let cursor: string | undefined;
    const seen = new Set<string>();
    for (let pageNo = 0; pageNo < MAX_PAGES; pageNo++) {
      const res = await ctx.http.request({ endpoint, path, query: { ...query, page: cursor }, headers: this.auth, allowStatus: [404] });
      if (res.status === 404) {
        // Older organisations or API versions lack the newer usage endpoints; costs must exist.
        if (endpoint === '/organization/costs') throw ctx.http.badResponse(endpoint, 'HTTP 404');
        return undefined;
      }
      const parsed = schema.safeParse(res.body);
      if (!parsed.success) throw ctx.http.badResponse(endpoint, describeZodError(parsed.error));
      const page = parsed.data as Page<unknown>;
      buckets.push(...page.data);
      if (!page.has_more || !page.next_page) return buckets;
      if (seen.has(page.next_page)) throw ctx.http.badResponse(endpoint, 'pagination cursor repeated');
      seen.add(page.next_page);
      cursor = page.next_page;
    }
    throw ctx.http.badResponse(endpoint, `more than ${MAX_PAGES} pages`);
  }
}

function usageRecords(
  source: string,
  endpoint: (typeof USAGE_ENDPOINTS)[number],
  bucketStart: number,
  r: UsageResult,
): UsageRecord[] {
  const out: UsageRecord[] = [];
  const model = r.model ?? (endpoint.byModel ? 'unknown' : endpoint.name);
  for (const [field, type] of TOKEN_FIELDS) {
    const value = r[field];
    if (value !== undefined) out.push({ source, bucketStart, metric: 'nexus_tokens_total', labels: { model, type }, value });
  }
  const requests = r[endpoint.requests];
  if (requests !== undefined) {
    out.push({ source, bucketStart, metric: 'nexus_usage_requests_total', labels: { category: endpoint.name }, value: requests, identity: model });
  }
  return out;
}
