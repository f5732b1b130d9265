// OpenRouter: `/key` for the key's spend today, this week and this month and the rest of its limit;
// with a management key also `/credits` (prepaid balance) and `/activity` (tokens, requests and cost
// per completed UTC day and model, accounted through the ledger). `/activity` changes at most once a
// day, so it is read at most once per `activityIntervalSeconds`; the polls in between send nothing for
// it (the ledger keeps its totals), so no answer is held from one poll to the next. It is read last,
// so a read always reaches the ledger: nothing after it can fail the poll.
import type { Collector, GaugeSample, PollContext, UsageBatch, UsageRecord } from '../types.js';
import { DAY_SECONDS, describeZodError, utcDayStart } from '../values.js';
import { activityResponse, creditsResponse, keyResponse, sumByDayAndModel, type DayModelActivity } from './parse.js';
import type { OpenRouterAccount } from './index.js';

export const ACTIVITY_SOURCE = 'openrouter.activity';

/** `/activity` serves the last 30 completed UTC days; an older window start would read as revisions to nothing. */
const ACTIVITY_DAYS = 30;

interface ActivityRead {
  windowStart: number;
  records: UsageRecord[];
}

export class OpenRouterCollector implements Collector {
  /** ctx.now of the last /activity read, Unix seconds. */
  private lastActivityAt?: number;

  constructor(private readonly account: OpenRouterAccount) {}

  async probe(ctx: PollContext): Promise<void> {
    await this.readKey(ctx);
  }

  async poll(ctx: PollContext): Promise<UsageBatch> {
    const batch: UsageBatch = { gauges: [], usage: [], windows: {} };
    const key = await this.readKey(ctx);
    batch.gauges.push(
      { metric: 'nexus_spend_usd', labels: { period: 'day' }, value: key.usage_daily },
      { metric: 'nexus_spend_usd', labels: { period: 'week' }, value: key.usage_weekly },
      { metric: 'nexus_spend_usd', labels: { period: 'month' }, value: key.usage_monthly },
    );
    if (key.limit !== undefined && key.limit_remaining !== undefined) {
      batch.gauges.push({ metric: 'nexus_balance_usd', labels: { kind: 'key_limit_remaining' }, value: key.limit_remaining });
    }
    if (!this.account.managementKey) return batch;

    batch.gauges.push(await this.readCredits(ctx));
    // Last: once /activity is read, nothing else in this poll can fail and leave the read unused.
    const activity = await this.activity(ctx);
    if (activity) {
      batch.usage.push(...activity.records);
      batch.windows[ACTIVITY_SOURCE] = activity.windowStart;
    }
    return batch;
  }

  private async readKey(ctx: PollContext) {
    const res = await ctx.http.request({ endpoint: '/key', path: 'key', headers: bearer(this.account.apiKey) });
    const parsed = keyResponse.safeParse(res.body);
    if (!parsed.success) throw ctx.http.badResponse('/key', describeZodError(parsed.error));
    return parsed.data.data;
  }

  private async readCredits(ctx: PollContext): Promise<GaugeSample> {
    const res = await ctx.http.request({ endpoint: '/credits', path: 'credits', headers: bearer(this.account.managementKey!) });
    const parsed = creditsResponse.safeParse(res.body);
    if (!parsed.success) throw ctx.http.badResponse('/credits', describeZodError(parsed.error));
    const { total_credits, total_usage } = parsed.data.data;
    return { metric: 'nexus_balance_usd', labels: { kind: 'prepaid' }, value: total_credits - total_usage };
  }

  /** The /activity records when a read is due, else undefined. */
  private async activity(ctx: PollContext): Promise<ActivityRead | undefined> {
    const now = ctx.now.getTime() / 1000;
    const last = this.lastActivityAt;
    // A new UTC day may bring a newly completed day, so the interval does not hold across midnight.
    if (last !== undefined && now - last < this.account.activityIntervalSeconds && utcDayStart(ctx.now) === utcDayStart(new Date(last * 1000))) {
      return undefined;
    }
    const today = utcDayStart(ctx.now);
    const windowStart = Math.max(
      ctx.windowStart(ACTIVITY_SOURCE, this.account.lookbackDays * DAY_SECONDS),
      today - ACTIVITY_DAYS * DAY_SECONDS,
    );
    const res = await ctx.http.request({ endpoint: '/activity', path: 'activity', headers: bearer(this.account.managementKey!) });
    const parsed = activityResponse.safeParse(res.body);
    if (!parsed.success) throw ctx.http.badResponse('/activity', describeZodError(parsed.error));
    const sums = sumByDayAndModel(parsed.data.data);
    if (typeof sums === 'string') throw ctx.http.badResponse('/activity', sums);
    const records = sums.filter((s) => s.dayStart >= windowStart).flatMap(activityRecords);
    this.lastActivityAt = now;
    return { windowStart, records };
  }
}

/**
 * Tokens by model and type (reasoning tokens are part of the completion tokens, as in OpenRouter's
 * usage objects), requests and cost with the model as the category. `/activity` has no project; BYOK
 * inference is billed by the upstream provider, not OpenRouter, so it is not counted as cost here.
 */
function activityRecords(a: DayModelActivity): UsageRecord[] {
  const base = { source: ACTIVITY_SOURCE, bucketStart: a.dayStart };
  const out: UsageRecord[] = [];
  const tokens: Array<[number | undefined, string]> = [[a.promptTokens, 'input'], [a.completionTokens, 'output'], [a.reasoningTokens, 'reasoning']];
  for (const [value, type] of tokens) {
    if (value !== undefined) out.push({ ...base, metric: 'nexus_tokens_total', labels: { model: a.model, type }, value });
  }
  if (a.requests !== undefined) out.push({ ...base, metric: 'nexus_usage_requests_total', labels: { category: a.model }, value: a.requests });
  if (a.usd !== undefined) out.push({ ...base, metric: 'nexus_cost_usd_total', labels: { category: a.model, project: 'none' }, value: a.usd });
  return out;
}

function bearer(key: string): Record<string, string> {
  return { authorization: `Bearer ${key}` };
}
