// A fake Apollo.io API, built from the documented usage-stats endpoints and rate-limit rules: the key in
// `X-Api-Key` (401 when unknown, 403 when it is not a master key and lacks the endpoint), `POST` only
// (the GET form is a 404), api_usage_stats keyed by a stringified JSON array `["api/v1/<controller>",
// "<action>"]` with `day`/`hour`/`minute` windows (missing when a window is not limited),
// credit_usage_stats per credit type with the current credit cycle, and per-endpoint fixed windows that
// open on the first request. Every answer that passes the limit check carries the `x-rate-limit-*`
// headers; an exhausted window answers 429 with Retry-After and Apollo's `{message}` body. The listing
// serves the forms seen in Apollo's own example and live: `left_over` that still equals `limit` after
// requests were consumed (unless `exactLeftOver`), `null` for a window that is not limited, and a
// credit type without a limit (`limit: null`).
//
// Sources: docs.apollo.io/reference/view-api-usage-stats and /reference/view-credit-usage-stats
// (OpenAPI definitions embedded in the pages, updated 2026-08-21): POST, X-Api-Key, master or scoped
// keys, the response shapes and the example (`"consumed": 500, "left_over": 6000` under
// `"limit": 6000`); docs.apollo.io/reference/rate-limits as transcribed by api-evangelist (page
// updated 2026-08-12): fixed windows opening on the first request, per-plan limits, the rate-limit
// headers, empty headers for unlimited windows, no headers on 401/403/429. Error bodies: Apollo's
// examples quoted in its SDK readmes.
import type { Request, Response } from 'express';
import { DAY_SECONDS, utcMonthStart } from '../providers/values.js';
import { Simulator, hash01 } from './base.js';

export type ApolloPlan = 'free' | 'basic' | 'professional' | 'organization';
export type ApolloWindow = 'minute' | 'hour' | 'day';
type Limits = Partial<Record<ApolloWindow, number>>;

export interface ApolloSimOptions {
  /** Master key: every endpoint. */
  masterKey: string;
  /** A key scoped to some endpoints (Apollo names such as `api/v1/usage_stats/credit_usage_stats`). */
  scopedKeys?: Record<string, string[]>;
  plan?: ApolloPlan;
  /** Limits of the two usage-stats endpoints themselves (unpublished; the plan's defaults otherwise). */
  usageStatsLimits?: Limits;
  /** Whether api_usage_stats lists the usage_stats endpoints too (unknown for the real API). */
  listUsageStats?: boolean;
  /** Background traffic multiplier for the demo. */
  scale?: number;
  /** Serve `left_over = limit − consumed` in the listing instead of the stale `left_over = limit` of Apollo's example. */
  exactLeftOver?: boolean;
}

const WINDOW_SECONDS: Record<ApolloWindow, number> = { minute: 60, hour: 3600, day: DAY_SECONDS };
const WINDOWS: ApolloWindow[] = ['day', 'hour', 'minute'];

const PLAN_LIMITS: Record<ApolloPlan, Required<Limits>> = {
  free: { minute: 50, hour: 200, day: 600 },
  basic: { minute: 200, hour: 400, day: 2000 },
  professional: { minute: 200, hour: 400, day: 2000 },
  organization: { minute: 200, hour: 600, day: 6000 },
};

type Kind = 'general' | 'search' | 'enrich' | 'sync_report' | 'export';

/** The endpoints the team's own apps call, with their background traffic in requests per hour. */
const ENDPOINTS: Array<{ controller: string; action: string; kind: Kind; perHour: number }> = [
  { controller: 'api/v1/contacts', action: 'search', kind: 'search', perHour: 40 },
  { controller: 'api/v1/contacts', action: 'create', kind: 'general', perHour: 12 },
  { controller: 'api/v1/contacts', action: 'update', kind: 'general', perHour: 6 },
  { controller: 'api/v1/mixed_people', action: 'search', kind: 'search', perHour: 90 },
  { controller: 'api/v1/mixed_people', action: 'api_search', kind: 'search', perHour: 30 },
  { controller: 'api/v1/people', action: 'match', kind: 'enrich', perHour: 150 },
  { controller: 'api/v1/people', action: 'bulk_match', kind: 'enrich', perHour: 15 },
  { controller: 'api/v1/organizations', action: 'show', kind: 'general', perHour: 4 },
  { controller: 'api/v1/organizations', action: 'enrich', kind: 'enrich', perHour: 25 },
  { controller: 'api/v1/organizations', action: 'bulk_enrich', kind: 'enrich', perHour: 2 },
  { controller: 'api/v1/organizations', action: 'job_postings', kind: 'general', perHour: 0 },
  { controller: 'api/v1/mixed_companies', action: 'search', kind: 'search', perHour: 20 },
  { controller: 'api/v1/accounts', action: 'search', kind: 'search', perHour: 6 },
  { controller: 'api/v1/emailer_campaigns', action: 'search', kind: 'search', perHour: 1 },
  { controller: 'api/v1/tasks', action: 'search', kind: 'search', perHour: 0 },
  { controller: 'api/v1/users', action: 'search', kind: 'general', perHour: 0.5 },
  { controller: 'api/v1/email_accounts', action: 'index', kind: 'general', perHour: 0.2 },
  { controller: 'api/v1/labels', action: 'index', kind: 'general', perHour: 0 },
  { controller: 'api/v1/reports', action: 'sync_report', kind: 'sync_report', perHour: 0.1 },
  { controller: 'api/v1/conversations', action: 'export', kind: 'export', perHour: 0.05 },
];

export const USAGE_STATS = {
  controller: 'api/v1/usage_stats',
  api: 'api_usage_stats',
  credits: 'credit_usage_stats',
} as const;

/** Credit allowances per cycle on the Organization plan; other plans get a fraction. */
const CREDITS: Array<[string, number]> = [
  ['lead_credit', 12000],
  ['direct_dial_credit', 2400],
  ['export_credit', 24000],
  ['ai_credit', 5000],
  ['power_up_credit', 1000],
  ['conversation_credit', 600],
];
/** Served with `limit: null`. */
export const UNLIMITED_CREDIT = 'inbound_website_visitor_credit';
const PLAN_CREDIT_SHARE: Record<ApolloPlan, number> = { free: 0.01, basic: 0.25, professional: 0.5, organization: 1 };

export interface RateLimitRow {
  /** `controller/action`, e.g. `api/v1/contacts/search`. */
  endpoint: string;
  window: ApolloWindow;
  limit: number;
  consumed: number;
  leftOver: number;
}

export interface CreditRow {
  type: string;
  limit: number;
  consumed: number;
  leftOver: number;
}

interface OpenWindow {
  openedAt: number;
  count: number;
}

export class ApolloSimulator extends Simulator {
  /** Fixed windows of the endpoints actually called here, opened by their first request. */
  private readonly windows = new Map<string, Partial<Record<ApolloWindow, OpenWindow>>>();

  /** The `dates` fault: the credit cycle's `start_date` and `end_date` as US dates ("10/01/2026") instead of YYYY-MM-DD. */
  protected override readonly dateDrift = { start_date: usDate, end_date: usDate };

  constructor(readonly options: ApolloSimOptions) {
    super('apollo', (status, message) =>
      status === 429 ? { message } : { error: message, ...(status === 422 ? { error_code: 'VALIDATION_ERROR' } : {}) }
    );
  }

  protected routes(): void {
    for (const base of ['/api/v1', '/v1']) {
      this.app.post(`${base}/usage_stats/api_usage_stats`, (req, res) => {
        if (!this.gate(req, res, USAGE_STATS.api)) return;
        const body: Record<
          string,
          Partial<Record<ApolloWindow, { limit: number; consumed: number; left_over: number } | null>>
        > = {};
        for (const row of this.rateLimits()) {
          const slash = row.endpoint.lastIndexOf('/');
          const key = JSON.stringify([row.endpoint.slice(0, slash), row.endpoint.slice(slash + 1)]).replace(',', ', ');
          // As in Apollo's example, left_over may not move when requests are consumed.
          const leftOver =
            this.options.exactLeftOver || hash01(`${row.endpoint}|${row.window}|stale`) < 0.5
              ? row.leftOver
              : row.limit;
          const windows = (body[key] ??= Object.fromEntries(WINDOWS.map((w) => [w, null])));
          windows[row.window] = { limit: row.limit, consumed: row.consumed, left_over: leftOver };
        }
        res.json(body);
      });
      this.app.post(`${base}/usage_stats/credit_usage_stats`, (req, res) => {
        if (!this.gate(req, res, USAGE_STATS.credits)) return;
        const now = this.now();
        const start = utcMonthStart(now);
        const end = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1) / 1000 - DAY_SECONDS;
        res.json({
          credit_usage_stats: {
            ...Object.fromEntries(
              this.credits().map((c) => [c.type, { limit: c.limit, consumed: c.consumed, left_over: c.leftOver }])
            ),
            // A credit type without a limit: nothing to run out of.
            [UNLIMITED_CREDIT]: { limit: null, consumed: 12, left_over: null },
          },
          current_credit_cycle: { start_date: isoDay(start), end_date: isoDay(end) },
        });
      });
    }
    this.app.get('/v1/auth/health', (req, res) => {
      res.json({ healthy: true, is_logged_in: this.keyOf(req) !== undefined && this.known(this.keyOf(req)!) });
    });
  }

  // ---- the data, for the routes and for tests computing expected values ----

  /** Limits of one endpoint under the plan; a window that is not limited is absent. */
  limitsOf(kind: Kind | 'usage_stats'): Limits {
    const plan = this.options.plan ?? 'organization';
    const base: Limits = { ...PLAN_LIMITS[plan] };
    const paid = plan !== 'free';
    switch (kind) {
      case 'usage_stats':
        return { ...base, ...this.options.usageStatsLimits };
      case 'search':
        return paid ? { minute: 200, hour: 6000, day: 50000 } : base;
      case 'enrich':
        return paid ? { minute: 1000 } : base;
      case 'sync_report':
        return { ...base, hour: 5 };
      case 'export':
        return { minute: 1, hour: 20, day: 480 };
      default:
        return base;
    }
  }

  /** What api_usage_stats reports right now, one row per endpoint and limited window. */
  rateLimits(): RateLimitRow[] {
    const t = this.now().getTime() / 1000;
    const rows: RateLimitRow[] = [];
    for (const e of ENDPOINTS) {
      const endpoint = `${e.controller}/${e.action}`;
      const limits = this.limitsOf(e.kind);
      for (const window of WINDOWS) {
        const limit = limits[window];
        if (limit === undefined) continue;
        const consumed = this.background(endpoint, window, e.perHour, limit, t);
        rows.push({ endpoint, window, limit, consumed, leftOver: limit - consumed });
      }
    }
    if (this.options.listUsageStats) {
      for (const action of [USAGE_STATS.api, USAGE_STATS.credits]) {
        const endpoint = `${USAGE_STATS.controller}/${action}`;
        for (const [window, w] of Object.entries(this.usageStatsWindows(endpoint)) as Array<
          [ApolloWindow, { limit: number; consumed: number }]
        >) {
          rows.push({ endpoint, window, limit: w.limit, consumed: w.consumed, leftOver: w.limit - w.consumed });
        }
      }
    }
    return rows;
  }

  /** Limit and consumption of a usage_stats endpoint's windows, as its headers report them. */
  usageStatsWindows(endpoint: string): Partial<Record<ApolloWindow, { limit: number; consumed: number }>> {
    const t = this.now().getTime() / 1000;
    const limits = this.limitsOf('usage_stats');
    const open = this.windows.get(endpoint) ?? {};
    const out: Partial<Record<ApolloWindow, { limit: number; consumed: number }>> = {};
    for (const window of WINDOWS) {
      const limit = limits[window];
      if (limit === undefined) continue;
      const w = open[window];
      out[window] = { limit, consumed: w && t < w.openedAt + WINDOW_SECONDS[window] ? w.count : 0 };
    }
    return out;
  }

  /** Credit usage in the current cycle (the calendar month), growing through it. */
  credits(): CreditRow[] {
    const now = this.now();
    const start = utcMonthStart(now);
    const end = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1) / 1000;
    const f = Math.min(1, (now.getTime() / 1000 - start) / (end - start));
    const share = PLAN_CREDIT_SHARE[this.options.plan ?? 'organization'];
    return CREDITS.map(([type, allowance]) => {
      const limit = Math.round(allowance * share);
      const use = type === 'conversation_credit' ? 0 : 0.2 + 0.7 * hash01(`${type}|${start}`);
      const consumed = Math.min(limit, Math.round(limit * use * f * (this.options.scale ?? 1)));
      return { type, limit, consumed, leftOver: limit - consumed };
    });
  }

  /**
   * Background consumption of a fixed window that opened at a per-endpoint offset (windows are not
   * clock-aligned) and fills at a steady rate chosen per window.
   */
  private background(endpoint: string, window: ApolloWindow, perHour: number, limit: number, t: number): number {
    const length = WINDOW_SECONDS[window];
    const offset = Math.floor(hash01(`${endpoint}|${window}|offset`) * length);
    const opened = offset + Math.floor((t - offset) / length) * length;
    const rate = (perHour * (this.options.scale ?? 1) * (0.5 + hash01(`${endpoint}|${window}|${opened}`))) / 3600;
    return Math.min(limit, Math.floor(rate * (t - opened)));
  }

  // ---- HTTP ----

  private keyOf(req: Request): string | undefined {
    const v = req.get('x-api-key');
    return v === undefined || v === '' ? undefined : v;
  }

  private known(key: string): boolean {
    return key === this.options.masterKey || key in (this.options.scopedKeys ?? {});
  }

  /** Authentication, authorisation and the rate-limit check, in that order; sets the rate-limit headers. */
  private gate(req: Request, res: Response, action: string): boolean {
    const endpoint = `${USAGE_STATS.controller}/${action}`;
    const key = this.keyOf(req);
    if (key === undefined || !this.known(key)) {
      this.fail(res, 401, 'Invalid access credentials.');
      return false;
    }
    if (key !== this.options.masterKey && !this.options.scopedKeys?.[key]?.includes(endpoint)) {
      // The older docs: "requires a master API key… you will receive a 403 response".
      res
        .status(403)
        .json(
          action === USAGE_STATS.api
            ? { error: 'Master API key is required to access this endpoint.', error_code: 'API_INACCESSIBLE' }
            : { error: `${endpoint} is not accessible with this api_key`, error_code: 'API_INACCESSIBLE' }
        );
      return false;
    }
    const t = this.now().getTime() / 1000;
    const limits = this.limitsOf('usage_stats');
    const open = this.windows.get(endpoint) ?? {};
    this.windows.set(endpoint, open);
    for (const window of WINDOWS) {
      if (limits[window] === undefined) continue;
      const w = open[window];
      if (!w || t >= w.openedAt + WINDOW_SECONDS[window]) open[window] = { openedAt: t, count: 0 };
    }
    const exhausted = WINDOWS.filter((w) => limits[w] !== undefined && open[w]!.count >= limits[w]!);
    if (exhausted.length > 0) {
      const wait = Math.max(...exhausted.map((w) => Math.ceil(open[w]!.openedAt + WINDOW_SECONDS[w] - t)));
      const w = exhausted[0]!;
      res
        .status(429)
        .set('retry-after', String(Math.max(1, wait)))
        .json({
          message: `The maximum number of api calls allowed for ${USAGE_STATS.controller} is ${limits[w]} times per ${w}. Please upgrade your plan from https://app.apollo.io/#/settings/plans/upgrade.`,
        });
      return false;
    }
    const names: Record<ApolloWindow, [string, string, string]> = {
      minute: ['x-rate-limit-minute', 'x-minute-usage', 'x-minute-requests-left'],
      hour: ['x-rate-limit-hourly', 'x-hourly-usage', 'x-hourly-requests-left'],
      day: ['x-rate-limit-24-hour', 'x-24-hour-usage', 'x-24-hour-requests-left'],
    };
    for (const window of WINDOWS) {
      const [limitHeader, usageHeader, leftHeader] = names[window];
      const limit = limits[window];
      if (limit === undefined) {
        // "If a window is not limited for the endpoint called, its x-rate-limit-* header is empty."
        res.set(limitHeader, '');
        continue;
      }
      const w = open[window]!;
      w.count++;
      res.set({ [limitHeader]: String(limit), [usageHeader]: String(w.count), [leftHeader]: String(limit - w.count) });
    }
    return true;
  }
}

function isoDay(sec: number): string {
  return new Date(sec * 1000).toISOString().slice(0, 10);
}

/** `2026-10-01` → `10/01/2026`. */
function usDate(value: unknown): unknown {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(String(value));
  return m ? `${m[2]}/${m[3]}/${m[1]}` : value;
}
