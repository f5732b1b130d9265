// Apollo.io: rate limits per endpoint and window (api_usage_stats) and credits per credit type
// (credit_usage_stats), both POST with the key in X-Api-Key and free of credits, each a source of its
// own (`apollo.rate_limits`, `apollo.credits`). The rate-limit headers of every call are read as well:
// they are the freshest numbers for the usage_stats endpoints themselves, and win over the listing
// when both describe the same endpoint and window (one series each, never a sum): the credits call's
// headers belong to the credits source, so the listing leaves that endpoint out. Everything here is a
// gauge; nothing is bucketed.
import type { HttpResponse } from '../../http/client.js';
import { excerpt } from '../../log.js';
import type { Collector, GaugeSample, PollContext } from '../types.js';
import { describeZodError } from '../values.js';
import {
  apiUsageStats,
  creditUsageStats,
  endpointName,
  headerWindows,
  remainingOf,
  WINDOWS,
  type RateWindow,
  type WindowValue,
} from './parse.js';
import type { ApolloAccount } from './index.js';

const CALLS = {
  rateLimits: {
    endpoint: '/usage_stats/api_usage_stats',
    path: 'usage_stats/api_usage_stats',
    name: 'api/v1/usage_stats/api_usage_stats',
  },
  credits: {
    endpoint: '/usage_stats/credit_usage_stats',
    path: 'usage_stats/credit_usage_stats',
    name: 'api/v1/usage_stats/credit_usage_stats',
  },
} as const;

/** A ceiling on endpoint label values, far above Apollo's ~50 endpoints, in case the listing changes shape. */
export const MAX_ENDPOINTS = 200;

const CREDIT_TYPE = /^[a-z0-9_]{1,64}$/;

export class ApolloCollector implements Collector {
  constructor(private readonly account: ApolloAccount) {}

  private async call(ctx: PollContext, which: keyof typeof CALLS): Promise<HttpResponse> {
    const { endpoint, path } = CALLS[which];
    return ctx.http.request({
      endpoint,
      path,
      method: 'POST',
      body: {},
      headers: { 'x-api-key': this.account.apiKey, 'cache-control': 'no-cache' },
    });
  }

  async probe(ctx: PollContext): Promise<void> {
    await this.call(ctx, this.account.credits ? 'credits' : 'rateLimits');
  }

  async poll(ctx: PollContext): Promise<void> {
    const wanted = (endpoint: string) =>
      !this.account.rateLimitEndpoints || this.account.rateLimitEndpoints.includes(endpoint);
    if (this.account.rateLimits) {
      await ctx.source('apollo.rate_limits', { bucket: 'none' }, async () => {
        const limits = new Map<string, { endpoint: string; window: RateWindow; value: WindowValue }>();
        const put = (endpoint: string, window: RateWindow, value: WindowValue) =>
          limits.set(`${endpoint}\n${window}`, { endpoint, window, value });
        const res = await this.call(ctx, 'rateLimits');
        const parsed = apiUsageStats.safeParse(res.body);
        if (!parsed.success) throw ctx.http.badResponse(CALLS.rateLimits.endpoint, describeZodError(parsed.error));
        let skipped = 0;
        let endpoints = 0;
        for (const [key, stats] of Object.entries(parsed.data)) {
          const endpoint = endpointName(key);
          if (!endpoint || endpoints >= MAX_ENDPOINTS) {
            skipped++;
            continue;
          }
          // The credits call's own headers describe that endpoint, in the credits source.
          if (!wanted(endpoint) || (this.account.credits && endpoint === CALLS.credits.name)) continue;
          endpoints++;
          for (const window of WINDOWS) {
            const w = stats?.[window];
            if (!w) continue;
            const value = remainingOf(w);
            if (value) put(endpoint, window, value);
          }
        }
        if (skipped > 0)
          ctx.log.warn(
            { skipped },
            'api_usage_stats keys that are not ["api/v1/<controller>", "<action>"] pairs, or beyond the endpoint cap, were skipped'
          );
        // Headers are read after the body: they describe the call just made, later than the listing.
        if (wanted(CALLS.rateLimits.name))
          for (const [window, value] of headerEntries(res)) put(CALLS.rateLimits.name, window, value);
        return {
          gauges: [...limits.values()].flatMap(({ endpoint, window, value }) => rateGauges(endpoint, window, value)),
        };
      });
    }
    if (this.account.credits) {
      await ctx.source('apollo.credits', { bucket: 'none' }, async () => {
        const res = await this.call(ctx, 'credits');
        const parsed = creditUsageStats.safeParse(res.body);
        if (!parsed.success) throw ctx.http.badResponse(CALLS.credits.endpoint, describeZodError(parsed.error));
        const gauges: GaugeSample[] = [];
        for (const [type, c] of Object.entries(parsed.data.credit_usage_stats)) {
          if (!CREDIT_TYPE.test(type)) {
            ctx.log.warn({ type: excerpt(type, 64) }, 'credit type with an unexpected name skipped');
            continue;
          }
          // A null entry or a null limit is unlimited: there is nothing to run out of.
          const value = c ? remainingOf(c) : undefined;
          if (!value) continue;
          gauges.push(
            { metric: 'nexus_credits_remaining', labels: { credit_type: type }, value: value.remaining },
            { metric: 'nexus_credits_limit', labels: { credit_type: type }, value: value.limit }
          );
        }
        if (wanted(CALLS.credits.name))
          for (const [window, value] of headerEntries(res))
            gauges.push(...rateGauges(CALLS.credits.name, window, value));
        return { gauges };
      });
    }
  }
}

function headerEntries(res: HttpResponse): Array<[RateWindow, WindowValue]> {
  return Object.entries(headerWindows(res.headers)) as Array<[RateWindow, WindowValue]>;
}

function rateGauges(endpoint: string, window: RateWindow, value: WindowValue): GaugeSample[] {
  return [
    { metric: 'nexus_rate_limit_limit', labels: { endpoint, window }, value: value.limit },
    { metric: 'nexus_rate_limit_remaining', labels: { endpoint, window }, value: value.remaining },
  ];
}
