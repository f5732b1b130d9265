// A fake Exa with both hosts on one server. The search API: `x-api-key` or Bearer auth, validated
// `/search` bodies, `{requestId, error, tag}` errors, `costDollars` in the current or the legacy
// shape. The Team Management API under /team-management: a service key in `x-api-key` only (an
// ordinary key is "Unauthorized"), `{"error": "..."}` errors, the key list, and per-key usage for any
// period as one total with a breakdown by price, from a billing system that books usage some time
// after it happens; a deleted key is gone from the list and its usage answers 404. Usage accrues
// through the day, and every search served is billed to its key.
//
// Sources (Exa publishes no spec repository for these; the reference pages embed the OpenAPI files):
// - exa.ai/docs/reference/team-management/get-api-key-usage (read 2026-11-29): GET
//   /api-keys/{id}/usage, its parameters, example body and error messages;
// - exa.ai/docs/reference/team-management/list-api-keys and get-api-key (read 2026-11-29): the key
//   object {id, name, rateLimit, budgetCents, isOverBudget, teamId, createdAt};
// - exa.ai/docs/reference (Exa Public API 2.0.0) and github.com/exa-labs/openapi-spec
//   exa-openapi-spec.yaml at 57d9178 (2026-04-03): /search, the current and legacy costDollars
//   shapes and the {requestId, error, tag} error body.
import { randomBytes } from 'node:crypto';
import type { Request, Response } from 'express';
import { DAY_SECONDS, utcDayStart, utcMonthStart } from '../providers/values.js';
import { Simulator, hash01 } from './base.js';

export const EXA_ADMIN_PREFIX = '/team-management';

export interface ExaSimKey {
  /** UUID, as the Team Management API identifies keys. */
  id: string;
  name: string;
  secret: string;
  budgetCents?: number | null;
}

export interface ExaSimOptions {
  serviceKey?: string;
  keys: ExaSimKey[];
  /** Which documented `costDollars` shape /search answers with. */
  costShape?: 'current' | 'legacy';
  /** Usage scale (1 ≈ $10 a day for the first key). */
  scale?: number;
  /**
   * A price change: from `at` (Unix seconds) searches bill under a new price id with the same display
   * name, so one period's breakdown holds two "Neural Search" lines.
   */
  repricing?: { at: number; priceId: string; unitUsd: number };
}

/** Billing prices: USD per unit and the busiest key's units on an average weekday. */
export const EXA_PRICES = [
  { id: 'price_neural_search', name: 'Neural Search', unitUsd: 0.007, perDay: 700 },
  { id: 'price_content_retrieval', name: 'Content Retrieval', unitUsd: 0.001, perDay: 2000 },
  { id: 'price_answer', name: 'Answer', unitUsd: 0.005, perDay: 150 },
  { id: 'price_deep_search', name: 'Deep Search', unitUsd: 0.012, perDay: 40 },
] as const;

const SEARCH_PRICE = EXA_PRICES[0];
const SEARCH_TYPES = ['auto', 'neural', 'keyword', 'fast', 'instant', 'deep', 'deep-reasoning'];
const TEAM_ID = '660e8400-e29b-41d4-a716-446655440000';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const LOOKBACK_LIMIT_DAYS = 180;

export interface BillingLine {
  priceId: string;
  priceName: string;
  quantity: number;
  amountUsd: number;
}

export interface ServedSearch {
  keyId: string;
  /** Unix seconds. */
  at: number;
  usd: number;
  requestId: string;
}

export class ExaSimulator extends Simulator {
  /** Seconds before the billing system shows usage. */
  billingLagSeconds = 0;
  /** Every search answered, with what it cost. */
  readonly searches: ServedSearch[] = [];

  /** Deletes a key: it leaves the list, and its usage answers 404. */
  deleteKey(id: string): void {
    const i = this.options.keys.findIndex((k) => k.id === id);
    if (i >= 0) this.options.keys.splice(i, 1);
  }

  /** The `dates` fault: the usage answer's `period.start` and `period.end` as epoch milliseconds instead of ISO 8601. */
  protected override readonly dateDrift = {
    start: (v: unknown) => Date.parse(String(v)),
    end: (v: unknown) => Date.parse(String(v)),
  };

  constructor(readonly options: ExaSimOptions) {
    super('exa', (status, message) => ({ requestId: requestId(), error: message, tag: tagFor(status) }));
  }

  protected routes(): void {
    this.app.post('/search', (req, res) => this.search(req, res));
    const admin = EXA_ADMIN_PREFIX;
    this.app.get(`${admin}/api-keys`, (req, res) => {
      if (!this.authorizeAdmin(req, res)) return;
      const one = req.query.api_key_id;
      if (one === undefined) return void res.json({ apiKeys: this.options.keys.map((k) => this.keyObject(k)) });
      const key = this.options.keys.find((k) => k.id === one);
      if (!key) return this.fail(res, 404, 'API key not found');
      res.json({ apiKey: { ...this.keyObject(key), teamId: TEAM_ID } });
    });
    this.app.get(`${admin}/api-keys/:id`, (req, res) => {
      const key = this.adminKey(req, res);
      if (key) res.json({ apiKey: { ...this.keyObject(key), teamId: TEAM_ID } });
    });
    this.app.get(`${admin}/api-keys/:id/usage`, (req, res) => this.usageRoute(req, res));
    this.app.use(admin, (_req, res) => {
      res.status(404).json({ error: 'Not found' });
    });
  }

  /**
   * What the billing system reports for one key over [start, end) (Unix seconds), as of now: usage
   * after `now - billingLagSeconds` is not booked yet. Lines without usage are left out.
   */
  usage(keyId: string, start: number, end: number): { totalUsd: number; lines: BillingLine[] } {
    const index = this.options.keys.findIndex((k) => k.id === keyId);
    const booked = Math.min(end, this.now().getTime() / 1000 - this.billingLagSeconds);
    const lines: BillingLine[] = [];
    for (const line of this.priceLines()) {
      const from = Math.max(start, line.from);
      const to = Math.min(booked, line.to);
      let quantity = 0;
      let usd = 0;
      if (to > from && index >= 0) {
        for (let day = utcDayStart(new Date(from * 1000)); day < to; day += DAY_SECONDS) {
          const daily = this.dailyUnits(index, line.price.id, line.price.perDay, day);
          quantity += accrued(daily, day, to) - accrued(daily, day, from);
        }
        usd = quantity * line.unitUsd;
        if (line.price.id === SEARCH_PRICE.id) {
          for (const s of this.searches) {
            if (s.keyId !== keyId || s.at < from || s.at >= to) continue;
            quantity += 1;
            usd += s.usd;
          }
        }
      }
      if (quantity > 0)
        lines.push({ priceId: line.priceId, priceName: line.price.name, quantity, amountUsd: round6(usd) });
    }
    return { totalUsd: round6(lines.reduce((s, l) => s + l.amountUsd, 0)), lines };
  }

  /** The billing lines and when each applies; a repricing splits the search price in two. */
  private priceLines() {
    const always = { from: -Infinity, to: Infinity };
    const r = this.options.repricing;
    return EXA_PRICES.flatMap((price) =>
      r && price.id === SEARCH_PRICE.id
        ? [
            { price, priceId: price.id as string, unitUsd: price.unitUsd as number, from: -Infinity, to: r.at },
            { price, priceId: r.priceId, unitUsd: r.unitUsd, from: r.at, to: Infinity },
          ]
        : [{ price, priceId: price.id as string, unitUsd: price.unitUsd as number, ...always }]
    );
  }

  /** A key's units of one price on one day, when the day is complete. */
  private dailyUnits(keyIndex: number, priceId: string, perDay: number, day: number): number {
    const weekday = [0.4, 1, 1.1, 1.05, 1, 0.9, 0.45][new Date(day * 1000).getUTCDay()]!;
    const keyShare = keyIndex === 0 ? 1 : 0.3 / keyIndex;
    const h = hash01(`${day}|${keyIndex}|${priceId}`);
    return Math.round((this.options.scale ?? 1) * perDay * weekday * keyShare * (0.5 + h));
  }

  private usageRoute(req: Request, res: Response): void {
    const key = this.adminKey(req, res);
    if (!key) return;
    const { start_date: startDate, end_date: endDate, group_by: groupBy } = req.query;
    if (groupBy !== undefined && !['hour', 'day', 'month'].includes(String(groupBy))) {
      return this.fail(res, 400, 'Invalid group_by parameter. Must be one of: hour, day, month');
    }
    const now = Math.floor(this.now().getTime() / 1000);
    const start = startDate === undefined ? now - 30 * DAY_SECONDS : parseIsoDate(startDate, false);
    const end = endDate === undefined ? now : parseIsoDate(endDate, true);
    if (start === undefined || end === undefined) {
      return this.fail(res, 400, 'Invalid date format. Use ISO 8601 format (YYYY-MM-DD or YYYY-MM-DDTHH:mm:ss)');
    }
    if (start >= end) return this.fail(res, 400, 'start_date must be before end_date');
    if (start < now - LOOKBACK_LIMIT_DAYS * DAY_SECONDS) {
      return this.fail(res, 400, 'Date range too far in the past. start_date must be within the last 6 months.');
    }
    const { totalUsd, lines } = this.usage(key.id, start, end);
    res.json({
      api_key_id: key.id,
      api_key_name: key.name,
      team_id: TEAM_ID,
      period: { start: isoSecond(start), end: isoSecond(Math.min(end, now) - (endDate === undefined ? 0 : 1)) },
      total_cost_usd: totalUsd,
      cost_breakdown: lines.map((l) => ({
        price_id: l.priceId,
        price_name: l.priceName,
        quantity: l.quantity,
        amount_usd: l.amountUsd,
      })),
      metadata: { generated_at: isoSecond(now) },
    });
  }

  private search(req: Request, res: Response): void {
    const header = req.get('x-api-key') ?? /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '')?.[1];
    if (!header)
      return this.fail(res, 401, 'Missing API key. Provide it in the x-api-key header or as a Bearer token.');
    const key = this.options.keys.find((k) => k.secret === header);
    if (!key) return this.fail(res, 401, 'Invalid API key');
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (typeof body.query !== 'string' || body.query.trim() === '') {
      return this.searchError(
        res,
        400,
        `Invalid request body: query: Invalid input: expected string, received ${body.query === undefined ? 'undefined' : typeof body.query}`,
        'INVALID_REQUEST_BODY'
      );
    }
    const type = body.type === undefined ? 'auto' : String(body.type);
    if (!SEARCH_TYPES.includes(type))
      return this.searchError(
        res,
        400,
        `Invalid request body: type: Invalid option: expected one of ${SEARCH_TYPES.join('|')}`,
        'INVALID_REQUEST_BODY'
      );
    const numResults = body.numResults === undefined ? 10 : Number(body.numResults);
    if (!Number.isInteger(numResults) || numResults < 1)
      return this.searchError(res, 400, 'numResults must be a positive integer', 'INVALID_NUM_RESULTS');
    if (numResults > 100) return this.searchError(res, 400, 'numResults must be at most 100', 'NUM_RESULTS_EXCEEDED');

    const deep = type.startsWith('deep');
    // $7 per 1,000 searches with up to 10 results, $1 per 1,000 for each further result; deep $12.
    const usd = round6((deep ? 0.012 : SEARCH_PRICE.unitUsd) + Math.max(0, numResults - 10) * 0.001);
    const id = requestId();
    this.searches.push({ keyId: key.id, at: Math.floor(this.now().getTime() / 1000), usd, requestId: id });
    const results = Array.from({ length: numResults }, (_, i) => {
      const h = hash01(`${body.query}|${i}`);
      const slug = Math.floor(h * 1e6).toString(36);
      return {
        id: `https://example.org/articles/${slug}`,
        url: `https://example.org/articles/${slug}`,
        title: `Result ${i + 1} for ${String(body.query).slice(0, 40)}`,
        publishedDate: new Date(Date.UTC(2024, 0, 1) + Math.floor(h * 600) * DAY_SECONDS * 1000).toISOString(),
        author: null,
        score: Math.round((0.4 - i * 0.01) * 1000) / 1000,
      };
    });
    res.set('x-request-id', id).json({
      requestId: id,
      searchType: deep ? type : 'neural',
      results,
      searchTime: Math.round((180 + 300 * hash01(id)) * 10) / 10,
      costDollars: this.costDollars(usd, deep),
    });
  }

  private costDollars(usd: number, deep: boolean) {
    if (this.options.costShape === 'legacy') {
      return {
        total: usd,
        breakDown: [
          {
            search: usd,
            contents: 0,
            breakdown: {
              neuralSearch: deep ? 0 : usd,
              deepSearch: deep ? usd : 0,
              contentText: 0,
              contentHighlight: 0,
              contentSummary: 0,
            },
          },
        ],
        perRequestPrices: {
          neuralSearch_1_25_results: 0.007,
          neuralSearch_26_100_results: 0.025,
          neuralSearch_100_plus_results: 1,
          deepSearch_1_25_results: 0.015,
          deepSearch_26_100_results: 0.075,
        },
        perPagePrices: { contentText: 0.001, contentHighlight: 0.001, contentSummary: 0.001 },
      };
    }
    // Deep modes appear only in the total, as the current docs warn.
    return deep ? { total: usd } : { total: usd, search: { neural: usd } };
  }

  private keyObject(k: ExaSimKey) {
    const budgetCents = k.budgetCents ?? null;
    const now = this.now().getTime() / 1000;
    const spentCents = budgetCents === null ? 0 : this.usage(k.id, utcMonthStart(this.now()), now).totalUsd * 100;
    return {
      id: k.id,
      name: k.name,
      rateLimit: 600,
      budgetCents,
      isOverBudget: budgetCents !== null && spentCents > budgetCents,
      createdAt: '2025-03-04T09:12:44Z',
    };
  }

  private authorizeAdmin(req: Request, res: Response): boolean {
    if (this.options.serviceKey && req.get('x-api-key') === this.options.serviceKey) return true;
    this.fail(res, 401, 'Unauthorized');
    return false;
  }

  private adminKey(req: Request, res: Response): ExaSimKey | undefined {
    if (!this.authorizeAdmin(req, res)) return undefined;
    const id = String(req.params.id);
    if (!UUID.test(id)) return void this.fail(res, 400, 'Invalid API key ID format.');
    const key = this.options.keys.find((k) => k.id === id);
    if (!key) return void this.fail(res, 404, 'API key not found');
    return key;
  }

  private searchError(res: Response, status: number, message: string, tag: string): void {
    res.status(status).json({ requestId: requestId(), error: message, tag });
  }

  /** The two hosts answer errors in different envelopes. */
  protected override fail(res: Response, status: number, message: string, headers: Record<string, string> = {}): void {
    if (res.req.path.startsWith(EXA_ADMIN_PREFIX)) return void res.status(status).set(headers).json({ error: message });
    super.fail(res, status, message, headers);
  }
}

/** Units accrued by time `t` of a day whose complete total is `daily`, spread evenly over the day. */
function accrued(daily: number, day: number, t: number): number {
  return Math.floor(daily * Math.max(0, Math.min(1, (t - day) / DAY_SECONDS)));
}

/** ISO date or date-time → Unix seconds; an end date is inclusive (a bare date covers its whole day). */
function parseIsoDate(value: unknown, inclusiveEnd: boolean): number | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}:\d{2}:\d{2})(?:\.\d+)?(Z|[+-]\d{2}:\d{2})?)?$/.exec(value);
  if (!m) return undefined;
  const ms = Date.parse(m[2] ? `${m[1]}T${m[2]}${m[3] ?? 'Z'}` : `${m[1]}T00:00:00Z`);
  if (Number.isNaN(ms)) return undefined;
  const seconds = Math.floor(ms / 1000);
  if (!inclusiveEnd) return seconds;
  return seconds + (m[2] ? 1 : DAY_SECONDS);
}

function tagFor(status: number): string {
  if (status === 400) return 'INVALID_REQUEST';
  if (status === 401) return 'INVALID_API_KEY';
  if (status === 402) return 'NO_MORE_CREDITS';
  if (status === 403) return 'INSUFFICIENT_SCOPE';
  if (status === 404) return 'NOT_FOUND';
  if (status === 429) return 'RATE_LIMIT_EXCEEDED';
  return 'DEFAULT_ERROR';
}

function requestId(): string {
  return randomBytes(16).toString('hex');
}

function isoSecond(seconds: number): string {
  return `${new Date(seconds * 1000).toISOString().slice(0, 19)}Z`;
}

function round6(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}
