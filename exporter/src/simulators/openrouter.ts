// A fake OpenRouter API built from the documented key, keys, credits and activity endpoints: Bearer
// auth with two kinds of key (only a management key may read /keys, /credits and /activity; an
// ordinary key gets the documented 403), the `{"error":{"code","message"}}` envelope, 429s carrying
// X-RateLimit-* headers, /key numbers that are up to a minute stale, /keys paged by `offset` in pages
// of 100 with disabled keys only on request, /activity with completed UTC days only (the last 30,
// optionally published some hours after midnight) split by provider endpoint, and late revisions.
// The account's usage is shared among its keys; /activity and /credits are the whole account's.
// Usage accrues through the current UTC day, so the demo's numbers move.
//
// Sources: github.com/OpenRouterTeam/typescript-sdk .speakeasy/in.openapi.yaml at
// cb9393a896016155780a7fd04d3429ee2317b608 (2026-08-22): operations getCurrentKey (/key), list
// (/keys), getCredits (/credits), getUserActivity (/activity) and their examples and error bodies.
// /activity `date`: the spec says YYYY-MM-DD; the live API answers "2026-08-23 00:00:00", as reported
// in github.com/steipete/CodexBar/issues/3174 (2026-08-24). The live form is served by default; the
// spec form with `activityDates: 'spec'`.
import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import { DAY_SECONDS, utcDayStart, utcMonthStart, utcWeekStart } from '../providers/values.js';
import { Simulator, hash01 } from './base.js';

export interface OpenRouterSimOptions {
  /** The ordinary key whose spend /key reports. */
  apiKey: string;
  managementKey?: string;
  /** A client reported /credits answering an ordinary key although the spec says 403; off by default. */
  creditsAcceptRegularKey?: boolean;
  /** The key's spending cap in USD (null: unlimited) and the period it resets. Default 500 monthly. */
  limit?: number | null;
  limitReset?: 'daily' | 'weekly' | 'monthly' | null;
  /** Spend scale (1 ≈ $10 a day). */
  scale?: number;
  /** First day with usage, Unix seconds; the key's all-time usage counts from here. */
  firstDay?: number;
  /**
   * The account's other keys and their shares of its usage; the configured key has the rest. Without
   * them the configured key is the account's only key.
   */
  otherKeys?: OpenRouterSimKey[];
  /** How /activity writes `date`: `live` ("2026-08-23 00:00:00", the default) or `spec` ("2026-08-23"). */
  activityDates?: 'live' | 'spec';
  /** Credits are bought in blocks of this many USD whenever the balance would drop under $50. */
  topUpUsd?: number;
}

export interface OpenRouterSimKey {
  name: string;
  key: string;
  /** Share of the account's usage. */
  share: number;
  disabled?: boolean;
}

interface ModelSpec {
  model: string;
  permaslug: string;
  /** USD per token, as OpenRouter prices models. */
  prompt: number;
  completion: number;
  providers: string[];
  reasoning?: boolean;
  /** Relative traffic. */
  volume: number;
}

export const OPENROUTER_MODELS: ModelSpec[] = [
  {
    model: 'openai/gpt-4.1',
    permaslug: 'openai/gpt-4.1-2025-04-14',
    prompt: 0.000002,
    completion: 0.000008,
    providers: ['OpenAI', 'Azure'],
    volume: 1,
  },
  {
    model: 'anthropic/claude-sonnet-4',
    permaslug: 'anthropic/claude-4-sonnet-20250522',
    prompt: 0.000003,
    completion: 0.000015,
    providers: ['Anthropic', 'Google Vertex', 'Amazon Bedrock'],
    volume: 0.8,
  },
  {
    model: 'google/gemini-2.5-flash',
    permaslug: 'google/gemini-2.5-flash',
    prompt: 0.0000003,
    completion: 0.0000025,
    providers: ['Google AI Studio', 'Google Vertex'],
    volume: 2,
  },
  {
    model: 'deepseek/deepseek-r1-0528',
    permaslug: 'deepseek/deepseek-r1-0528',
    prompt: 0.0000005,
    completion: 0.00000215,
    providers: ['DeepInfra', 'Novita'],
    reasoning: true,
    volume: 0.6,
  },
  {
    model: 'meta-llama/llama-3.3-70b-instruct:free',
    permaslug: 'meta-llama/llama-3.3-70b-instruct',
    prompt: 0,
    completion: 0,
    providers: ['Chutes'],
    volume: 0.5,
  },
];

/** One /activity row: a day, a model and the provider endpoint that served it. */
export interface ActivityRow {
  day: number;
  model: string;
  permaslug: string;
  provider: string;
  endpointId: string;
  prompt: number;
  completion: number;
  reasoning: number;
  requests: number;
  usd: number;
}

const ACTIVITY_DAYS = 30;
const KEYS_PAGE = 100;
const KEY_CACHE_SECONDS = 60;
const WORKSPACE_ID = '5b0f7e42-3c1d-4e8a-9f26-7d4c1a9e0b35';

export class OpenRouterSimulator extends Simulator {
  /** Hours after midnight UTC before the day that just ended appears in /activity. */
  activityLagHours = 0;
  private readonly revisions = new Map<string, number>();
  private readonly firstDay: number;

  /**
   * The `dates` fault: /activity `date` in RFC 7231 notation ("Mon, 23 Aug 2026 00:00:00 GMT"), neither
   * of the two forms the API has used.
   */
  protected override readonly dateDrift = {
    date: (v: unknown) => new Date(`${String(v).slice(0, 10)}T00:00:00Z`).toUTCString(),
  };

  constructor(readonly options: OpenRouterSimOptions) {
    super('openrouter', (status, message) => ({
      error: { code: status, message, ...(status === 429 ? { metadata: { error_type: 'rate_limit_exceeded' } } : {}) },
    }));
    this.firstDay = options.firstDay ?? Date.UTC(2025, 0, 1) / 1000;
  }

  protected routes(): void {
    const v1 = '/api/v1';
    // `/auth/key` is the older path many clients still call; it answers the same.
    for (const path of [`${v1}/key`, `${v1}/auth/key`]) {
      this.app.get(path, (req, res) => {
        const kind = this.authorize(req, res);
        if (kind) res.json({ data: kind === 'management' ? this.managementKeyInfo() : this.keyInfo() });
      });
    }
    this.app.get(`${v1}/credits`, (req, res) => {
      const kind = this.authorize(req, res);
      if (!kind) return;
      if (kind !== 'management' && !this.options.creditsAcceptRegularKey)
        return this.fail(res, 403, 'Only management keys can perform this operation');
      const { totalCredits, totalUsage } = this.credits();
      res.json({ data: { total_credits: totalCredits, total_usage: totalUsage } });
    });
    this.app.get(`${v1}/activity`, (req, res) => this.activity(req, res));
    this.app.get(`${v1}/keys`, (req, res) => {
      const kind = this.authorize(req, res);
      if (!kind) return;
      if (kind !== 'management') return this.fail(res, 403, 'Only management keys can perform this operation');
      const offset = req.query.offset === undefined ? 0 : Number(req.query.offset);
      if (!Number.isInteger(offset) || offset < 0) return this.fail(res, 400, 'Invalid request parameters');
      const withDisabled = String(req.query.include_disabled ?? 'false') === 'true';
      const keys = this.keys().filter((k) => withDisabled || !k.disabled);
      res.json({ data: keys.slice(offset, offset + KEYS_PAGE).map((k) => this.listedKey(k)) });
    });
    // Public: any key or none answers 200, so it proves reachability, not a valid key.
    this.app.get(`${v1}/models`, (_req, res) => {
      res.json({
        data: OPENROUTER_MODELS.map((m) => ({
          id: m.model,
          canonical_slug: m.permaslug,
          name: m.model,
          created: 1745000000,
          context_length: 131072,
          pricing: { prompt: String(m.prompt), completion: String(m.completion), image: '0', request: '0' },
        })),
      });
    });
  }

  /** Adds `usd` to a model's cost on a (usually completed) day: a late revision. */
  reviseActivity(dayStart: number, model: string, usd: number): void {
    this.accountUsage = undefined;
    const key = `${dayStart}|${model}`;
    this.revisions.set(key, (this.revisions.get(key) ?? 0) + usd);
  }

  /** The activity of one day as of `at`, per model and provider endpoint. Today's rows keep growing. */
  rows(dayStart: number, at: Date = this.now()): ActivityRow[] {
    const f = this.elapsed(dayStart, at);
    const rows: ActivityRow[] = [];
    if (f > 0) {
      const weekday = [0.55, 1, 1.1, 1.05, 1, 0.9, 0.5][new Date(dayStart * 1000).getUTCDay()]!;
      for (const m of OPENROUTER_MODELS) {
        m.providers.forEach((provider, i) => {
          const h = hash01(`${dayStart}|${m.model}|${provider}`);
          if (i > 0 && h < 0.35) return; // fallback providers serve a model only on some days
          const prompt = Math.round((this.options.scale ?? 1) * weekday * m.volume * (0.5 + h) * 400_000 * f);
          const completion = Math.round(prompt * (0.12 + 0.1 * h));
          rows.push({
            day: dayStart,
            model: m.model,
            permaslug: m.permaslug,
            provider,
            endpointId: fakeUuid(`${m.model}|${provider}`),
            prompt,
            completion,
            reasoning: m.reasoning ? Math.round(completion * 0.55) : 0,
            requests: prompt > 0 ? Math.max(1, Math.round(prompt / 1800)) : 0,
            usd: round10(prompt * m.prompt + completion * m.completion),
          });
        });
      }
    }
    for (const [key, usd] of this.revisions) {
      const [day, model] = key.split('|') as [string, string];
      if (Number(day) !== dayStart) continue;
      const row = rows.find((r) => r.model === model);
      if (row) row.usd = round10(row.usd + usd);
      else
        rows.push({
          day: dayStart,
          model,
          permaslug: model,
          provider: 'OpenAI',
          endpointId: fakeUuid(model),
          prompt: 0,
          completion: 0,
          reasoning: 0,
          requests: 0,
          usd: round10(usd),
        });
    }
    return rows;
  }

  /** What one day cost as of `at`. */
  dayCost(dayStart: number, at: Date = this.now()): number {
    return this.rows(dayStart, at).reduce((s, r) => s + r.usd, 0);
  }

  /** Spend from `fromDay` (a day start) through the day containing `at`. */
  spendSince(fromDay: number, at: Date = this.now()): number {
    let sum = 0;
    for (let d = Math.max(fromDay, this.firstDay); d <= utcDayStart(at); d += DAY_SECONDS) sum += this.dayCost(d, at);
    return sum;
  }

  /** The moment /key's numbers were computed: OpenRouter caches them for about a minute. */
  keyCacheTime(): Date {
    const ms = KEY_CACHE_SECONDS * 1000;
    return new Date(Math.floor(this.now().getTime() / ms) * ms);
  }

  /** Every key of the account, the configured one first, with its share of the usage. */
  keys(): OpenRouterSimKey[] {
    const others = this.options.otherKeys ?? [];
    const rest = 1 - others.reduce((s, k) => s + k.share, 0);
    return [{ name: 'Default key', key: this.options.apiKey, share: rest }, ...others];
  }

  /** A key's spend so far in each period, as /key and /keys report it (cached for a minute). */
  keyUsage(key: OpenRouterSimKey = this.keys()[0]!) {
    const at = this.keyCacheTime();
    if (this.accountUsage?.at !== at.getTime()) {
      this.accountUsage = {
        at: at.getTime(),
        usage: this.spendSince(this.firstDay, at),
        daily: this.spendSince(utcDayStart(at), at),
        weekly: this.spendSince(utcWeekStart(at), at),
        monthly: this.spendSince(utcMonthStart(at), at),
      };
    }
    const a = this.accountUsage;
    return {
      usage: round10(a.usage * key.share),
      daily: round10(a.daily * key.share),
      weekly: round10(a.weekly * key.share),
      monthly: round10(a.monthly * key.share),
    };
  }

  /** The account's spend per period at one /key cache time (computing it walks every day since the first). */
  private accountUsage?: { at: number; usage: number; daily: number; weekly: number; monthly: number };

  private listedKey(k: OpenRouterSimKey) {
    const { usage, daily, weekly, monthly } = this.keyUsage(k);
    return {
      hash: createHash('sha256').update(k.key).digest('hex'),
      name: k.name,
      label: maskKey(k.key),
      disabled: k.disabled ?? false,
      limit: null,
      limit_remaining: null,
      limit_reset: null,
      include_byok_in_limit: false,
      usage,
      usage_daily: daily,
      usage_weekly: weekly,
      usage_monthly: monthly,
      byok_usage: 0,
      byok_usage_daily: 0,
      byok_usage_weekly: 0,
      byok_usage_monthly: 0,
      created_at: '2025-08-24T10:30:00Z',
      updated_at: '2025-08-24T15:45:00Z',
      expires_at: null,
      creator_user_id: 'user_2dHFtVWx2n56w6HkM0000000000',
      workspace_id: WORKSPACE_ID,
    };
  }

  /** The `data` object of /key for the ordinary key. */
  keyInfo() {
    const { usage, daily, weekly, monthly } = this.keyUsage();
    const limit = this.options.limit === undefined ? 500 : this.options.limit;
    const reset = this.options.limitReset === undefined ? 'monthly' : this.options.limitReset;
    const counted = reset === 'daily' ? daily : reset === 'weekly' ? weekly : reset === 'monthly' ? monthly : usage;
    return {
      label: maskKey(this.options.apiKey),
      limit,
      limit_remaining: limit === null ? null : round10(Math.max(0, limit - counted)),
      limit_reset: limit === null ? null : reset,
      include_byok_in_limit: false,
      usage,
      usage_daily: daily,
      usage_weekly: weekly,
      usage_monthly: monthly,
      byok_usage: 0,
      byok_usage_daily: 0,
      byok_usage_weekly: 0,
      byok_usage_monthly: 0,
      is_free_tier: false,
      is_management_key: false,
      is_provisioning_key: false,
      creator_user_id: 'user_2dHFtVWx2n56w6HkM0000000000',
      expires_at: null,
      free_model_daily_requests: { used: 10, limit: 1000, remaining: 990 },
      rate_limit: { interval: '10s', note: 'This field is deprecated and safe to ignore.', requests: -1 },
    };
  }

  /** Total credits bought and used. Credits are topped up in blocks, so the balance never runs dry. */
  credits(at: Date = this.now()): { totalCredits: number; totalUsage: number } {
    const totalUsage = round10(this.spendSince(this.firstDay, at));
    const block = this.options.topUpUsd ?? 500;
    return { totalCredits: Math.ceil((totalUsage + 50) / block) * block, totalUsage };
  }

  /** The day starts /activity serves now: completed days of the last 30, once published. */
  publishedDays(at: Date = this.now()): number[] {
    const today = utcDayStart(at);
    const days: number[] = [];
    for (let d = today - ACTIVITY_DAYS * DAY_SECONDS; d < today; d += DAY_SECONDS) {
      if (d + DAY_SECONDS + this.activityLagHours * 3600 <= at.getTime() / 1000) days.push(d);
    }
    return days;
  }

  private managementKeyInfo() {
    return {
      ...this.keyInfo(),
      label: maskKey(this.options.managementKey ?? ''),
      limit: null,
      limit_remaining: null,
      limit_reset: null,
      usage: 0,
      usage_daily: 0,
      usage_weekly: 0,
      usage_monthly: 0,
      is_management_key: true,
      is_provisioning_key: true,
    };
  }

  private activity(req: Request, res: Response): void {
    const kind = this.authorize(req, res);
    if (!kind) return;
    if (kind !== 'management') return this.fail(res, 403, 'Only management keys can perform this operation');
    const { date, api_key_hash: keyHash, group_by: groupBy } = req.query;
    if (groupBy !== undefined && groupBy !== 'workspace')
      return this.fail(res, 400, 'Invalid group_by: must be "workspace"');
    let days = this.publishedDays();
    if (date !== undefined) {
      const day =
        typeof date === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(date) ? Date.parse(`${date}T00:00:00Z`) / 1000 : NaN;
      if (!days.includes(day))
        return this.fail(res, 400, 'Invalid date: must be a completed UTC day within the last 30 days (YYYY-MM-DD)');
      days = [day];
    }
    if (keyHash !== undefined && keyHash !== createHash('sha256').update(this.options.apiKey).digest('hex')) days = [];
    const data = days
      .reverse()
      .flatMap((d) => this.rows(d))
      .map((r) => ({
        date:
          new Date(r.day * 1000).toISOString().slice(0, 10) +
          (this.options.activityDates === 'spec' ? '' : ' 00:00:00'),
        model: r.model,
        model_permaslug: r.permaslug,
        endpoint_id: r.endpointId,
        provider_name: r.provider,
        usage: r.usd,
        byok_usage_inference: 0,
        requests: r.requests,
        prompt_tokens: r.prompt,
        completion_tokens: r.completion,
        reasoning_tokens: r.reasoning,
        ...(groupBy === 'workspace' ? { workspace_id: WORKSPACE_ID } : {}),
      }));
    res.json({ data });
  }

  private authorize(req: Request, res: Response): 'api' | 'management' | undefined {
    const m = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '');
    if (!m) {
      this.fail(res, 401, 'Missing Authentication header');
      return undefined;
    }
    if (m[1] === this.options.apiKey) return 'api';
    if (this.options.managementKey && m[1] === this.options.managementKey) return 'management';
    this.fail(res, 401, 'User not found.');
    return undefined;
  }

  /** OpenRouter's own 429s carry the platform limit headers. */
  protected override fail(res: Response, status: number, message: string, headers: Record<string, string> = {}): void {
    const limits: Record<string, string> =
      status === 429
        ? {
            'x-ratelimit-limit': '20',
            'x-ratelimit-remaining': '0',
            'x-ratelimit-reset': String(this.now().getTime() + 10_000),
          }
        : {};
    super.fail(res, status, message, { ...limits, ...headers });
  }

  private elapsed(dayStart: number, at: Date): number {
    if (dayStart < this.firstDay) return 0;
    return Math.max(0, Math.min(1, (at.getTime() / 1000 - dayStart) / DAY_SECONDS));
  }
}

function fakeUuid(seed: string): string {
  const hex = createHash('sha256').update(seed).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function maskKey(key: string): string {
  return key.length > 12 ? `${key.slice(0, 11)}...${key.slice(-4)}` : '***';
}

function round10(n: number): number {
  return Math.round(n * 1e10) / 1e10;
}
