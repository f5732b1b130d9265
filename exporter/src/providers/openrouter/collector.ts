// OpenRouter, one source per endpoint: `/key` (the configured key's spend and the rest of its limit);
// with a management key also `/keys` (every key's spend: the account's spend, per key, and the key
// names), `/credits` (prepaid balance) and `/activity` (tokens, requests and cost per completed UTC
// day and model, accounted through the ledger). Without a management key the spend is the one key's,
// and says so (`scope="key"`: the module's spendScope). `/activity` changes at most once a day, so it
// is read at most once per `activityIntervalSeconds`; the polls in between send nothing for it (the
// ledger keeps its totals), so no answer is held from one poll to the next.
import type { Decimal } from '../../metrics/decimal.js';
import type { Collector, GaugeSample, PollContext, SourceContext, UsageRecord } from '../types.js';
import { DAY_SECONDS, describeZodError, utcDayStart } from '../values.js';
import {
  activityResponse,
  creditsResponse,
  keyResponse,
  keysResponse,
  sumByDayAndModel,
  type DayModelActivity,
  type KeyInfo,
} from './parse.js';
import type { OpenRouterAccount } from './index.js';

export const ACTIVITY_SOURCE = 'openrouter.activity';

/** `/activity` serves the last 30 completed UTC days; an older window start would read as revisions to nothing. */
const ACTIVITY_DAYS = 30;
/** `/keys` answers the most recent 100 keys per call; `offset` pages on. */
const KEYS_PAGE = 100;
const MAX_KEY_PAGES = 100;
const MAX_NAME = 128;
const PERIODS = [
  ['day', 'usage_daily'],
  ['week', 'usage_weekly'],
  ['month', 'usage_monthly'],
] as const;

interface ActivityRead {
  window: number;
  usage: UsageRecord[];
}

export class OpenRouterCollector implements Collector {
  /** ctx.now of the last /activity read, Unix seconds. */
  private lastActivityAt?: number;

  constructor(private readonly account: OpenRouterAccount) {}

  async probe(ctx: PollContext): Promise<void> {
    await this.readKey(ctx);
  }

  async poll(ctx: PollContext): Promise<void> {
    const management = this.account.managementKey;
    await ctx.source('openrouter.key', { bucket: 'none' }, async () => {
      const key = await this.readKey(ctx);
      const gauges: GaugeSample[] = [];
      // With a management key the spend is the account's, from /keys; this key's limit stays useful.
      if (!management)
        for (const [period, field] of PERIODS)
          gauges.push({ metric: 'nexus_spend_usd', labels: { period }, value: key[field] });
      if (key.limit !== undefined && key.limit_remaining !== undefined) {
        gauges.push({
          metric: 'nexus_balance_usd',
          labels: { kind: 'key_limit_remaining' },
          value: key.limit_remaining,
        });
      }
      return { gauges };
    });
    if (!management) return;
    await ctx.source('openrouter.keys', { bucket: 'none' }, async () => ({
      gauges: keyGauges(await this.readKeys(ctx, management)),
    }));
    await ctx.source('openrouter.credits', { bucket: 'none' }, async () => {
      const res = await ctx.http.request({ endpoint: '/credits', path: 'credits', headers: bearer(management) });
      const parsed = creditsResponse.safeParse(res.body);
      if (!parsed.success) throw ctx.http.badResponse('/credits', describeZodError(parsed.error));
      const { total_credits, total_usage } = parsed.data.data;
      return {
        gauges: [{ metric: 'nexus_balance_usd', labels: { kind: 'prepaid' }, value: total_credits - total_usage }],
      };
    });
    // Between reads of /activity the source sends nothing, which changes nothing in the ledger.
    await ctx.source(
      ACTIVITY_SOURCE,
      { bucket: 'day', delivery: 'closed' },
      async (s) => (await this.activity(ctx, s, management)) ?? {}
    );
  }

  private async readKey(ctx: PollContext) {
    const res = await ctx.http.request({ endpoint: '/key', path: 'key', headers: bearer(this.account.apiKey) });
    const parsed = keyResponse.safeParse(res.body);
    if (!parsed.success) throw ctx.http.badResponse('/key', describeZodError(parsed.error));
    return parsed.data.data;
  }

  /** Every key of the account's default workspace, disabled ones too (their spend this month counts). */
  private async readKeys(ctx: PollContext, management: string): Promise<KeyInfo[]> {
    const keys: KeyInfo[] = [];
    const seen = new Set<string>();
    let offset = 0;
    for (let page = 0; page < MAX_KEY_PAGES; page++) {
      const res = await ctx.http.request({
        endpoint: '/keys',
        path: 'keys',
        query: { include_disabled: 'true', offset: offset === 0 ? undefined : offset },
        headers: bearer(management),
      });
      const parsed = keysResponse.safeParse(res.body);
      if (!parsed.success) throw ctx.http.badResponse('/keys', describeZodError(parsed.error));
      offset += parsed.data.data.length;
      for (const k of parsed.data.data) {
        // A key listed twice (a key created between two pages shifts the offsets) counts once.
        if (seen.has(k.hash)) continue;
        seen.add(k.hash);
        keys.push(k);
      }
      if (parsed.data.data.length < KEYS_PAGE) return keys;
    }
    throw ctx.http.badResponse('/keys', `more than ${MAX_KEY_PAGES} pages`);
  }

  /** The /activity records when a read is due, else undefined. */
  private async activity(ctx: PollContext, s: SourceContext, management: string): Promise<ActivityRead | undefined> {
    const now = ctx.now.getTime() / 1000;
    const last = this.lastActivityAt;
    // A new UTC day may bring a newly completed day, so the interval does not hold across midnight.
    if (
      last !== undefined &&
      now - last < this.account.activityIntervalSeconds &&
      utcDayStart(ctx.now) === utcDayStart(new Date(last * 1000))
    ) {
      return undefined;
    }
    const today = utcDayStart(ctx.now);
    const window = Math.max(
      s.windowStart(this.account.lookbackDays * DAY_SECONDS),
      today - ACTIVITY_DAYS * DAY_SECONDS
    );
    const res = await ctx.http.request({ endpoint: '/activity', path: 'activity', headers: bearer(management) });
    const parsed = activityResponse.safeParse(res.body);
    if (!parsed.success) throw ctx.http.badResponse('/activity', describeZodError(parsed.error));
    const usage: UsageRecord[] = [];
    for (const a of sumByDayAndModel(parsed.data.data)) {
      if (a.dayStart < window) continue;
      const records = activityRecords(a);
      if (typeof records === 'string') throw ctx.http.badResponse('/activity', records);
      usage.push(...records);
    }
    this.lastActivityAt = now;
    return { window, usage };
  }
}

/** The account's spend (the sum over its keys), each key's spend, and the key names. */
export function keyGauges(keys: KeyInfo[]): GaugeSample[] {
  const gauges: GaugeSample[] = [];
  for (const [period, field] of PERIODS) {
    let total: Decimal = 0n;
    for (const k of keys) {
      total += k[field];
      gauges.push({ metric: 'nexus_project_spend_usd', labels: { period, project: k.hash }, value: k[field] });
    }
    gauges.push({ metric: 'nexus_spend_usd', labels: { period }, value: total });
  }
  for (const k of keys) {
    const name = k.name || k.label;
    if (name)
      gauges.push({
        metric: 'nexus_project_info',
        labels: { project: k.hash, name: name.slice(0, MAX_NAME) },
        value: 1,
      });
  }
  return gauges;
}

/**
 * Tokens by model as disjoint types (reasoning tokens are part of the completion tokens in
 * OpenRouter's usage objects, so `output` is completion − reasoning and the three add up to
 * prompt + completion), requests, and cost with the model as the category. `/activity` has no
 * project; BYOK inference is billed by the upstream provider, not OpenRouter, so it is not counted.
 */
export function activityRecords(a: DayModelActivity): UsageRecord[] | string {
  const base = { bucketStart: a.dayStart };
  const out: UsageRecord[] = [];
  const reasoning = a.reasoningTokens ?? 0;
  if (a.completionTokens !== undefined && reasoning > a.completionTokens) {
    return `reasoning_tokens (${reasoning}) exceed completion_tokens (${a.completionTokens}) for ${a.model}`;
  }
  const tokens: Array<[number | undefined, string]> = [
    [a.promptTokens, 'input'],
    [a.completionTokens === undefined ? undefined : a.completionTokens - reasoning, 'output'],
    [a.reasoningTokens, 'reasoning'],
  ];
  for (const [value, type] of tokens) {
    if (value !== undefined)
      out.push({ ...base, metric: 'nexus_tokens_total', labels: { model: a.model, type }, value });
  }
  if (a.requests !== undefined)
    out.push({ ...base, metric: 'nexus_usage_requests_total', labels: { category: a.model }, value: a.requests });
  if (a.usd !== undefined)
    out.push({ ...base, metric: 'nexus_cost_usd_total', labels: { category: a.model, project: 'none' }, value: a.usd });
  return out;
}

function bearer(key: string): Record<string, string> {
  return { authorization: `Bearer ${key}` };
}
