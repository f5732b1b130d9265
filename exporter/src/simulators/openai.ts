// A fake OpenAI admin API, built from the documented Usage, Costs and Projects APIs: Bearer admin-key
// auth (project keys get the documented missing-scope error), required and validated parameters, daily
// buckets aligned to UTC with empty buckets included, opaque `next_page` cursors, money sometimes as a
// string with trailing zeros, the 2026 field set of the completions result, projects paged by `after`
// (archived ones with include_archived), late revisions, and endpoints that an organisation may lack.
// Usage accrues through the current day, so the demo's counters move.
//
// Sources: github.com/openai/openai-openapi openapi.yaml at f85dbe223d40e1a31cba812ab2d755c7e98a92a3
// (2026-08-21): paths /organization/costs, /organization/usage/*, /organization/projects; schemas
// UsageResponse, UsageCompletionsResult (input_tokens includes cached and cache-write tokens of every
// modality; input_audio_tokens is uncached audio; no reasoning-token field exists), CostsResult,
// ProjectListResponse. Error bodies: the spec's Error schema; the missing-scope text as reported by
// OpenAI's users (community threads on the Usage API).
//
// It also answers POST /v1/chat/completions (non-streaming) for apps under test, shaped as
// CreateChatCompletionRequest / CreateChatCompletionResponse / CompletionUsage in openai/openai-openapi
// openapi.yaml (commit f85dbe2, 2026-08-21; the response is that schema's documented example), and
// adds each answer's usage to the day's usage buckets, so the Usage and Costs APIs include it.
import type { Request, Response } from 'express';
import { DAY_SECONDS, utcDayStart } from '../providers/values.js';
import { Simulator, decodeCursor, encodeCursor, hash01 } from './base.js';

export interface OpenAISimOptions {
  adminKey: string;
  projectKey?: string;
  /** Send every third amount as a string such as "0.0273510000000000000000000000". */
  stringAmounts?: boolean;
  /** Usage endpoints that answer 404, as for an organisation on an older API version. */
  missingEndpoints?: string[];
  /** Daily spend scale in USD for the busiest model (the demo's data volume). */
  scale?: number;
  /** Time a chat completion takes, uniformly in [min, max] ms (default 0: answer at once). */
  chatLatencyMs?: [number, number];
}

interface ModelSpec {
  model: string;
  endpoint: 'completions' | 'embeddings' | 'moderations' | 'images' | 'audio_speeches' | 'audio_transcriptions';
  /** USD per 1M input / output tokens (or per image, per 1M characters, per minute). */
  inputPrice: number;
  outputPrice: number;
  /** Relative daily volume, so the demo's cost mix looks like a real organisation's. */
  volume: number;
}

export const OPENAI_MODELS: ModelSpec[] = [
  { model: 'gpt-4o-mini-2024-07-18', endpoint: 'completions', inputPrice: 0.15, outputPrice: 0.6, volume: 3 },
  { model: 'gpt-4o-2024-08-06', endpoint: 'completions', inputPrice: 2.5, outputPrice: 10, volume: 0.5 },
  { model: 'o3-mini-2025-01-31', endpoint: 'completions', inputPrice: 1.1, outputPrice: 4.4, volume: 0.4 },
  { model: 'gpt-4o-audio-preview-2024-12-17', endpoint: 'completions', inputPrice: 2.5, outputPrice: 10, volume: 0.1 },
  { model: 'text-embedding-3-small', endpoint: 'embeddings', inputPrice: 0.02, outputPrice: 0, volume: 5 },
  { model: 'omni-moderation-latest', endpoint: 'moderations', inputPrice: 0, outputPrice: 0, volume: 1 },
  { model: 'gpt-image-1', endpoint: 'images', inputPrice: 0.04, outputPrice: 0, volume: 0.2 },
  { model: 'tts-1', endpoint: 'audio_speeches', inputPrice: 15, outputPrice: 0, volume: 0.02 },
  { model: 'whisper-1', endpoint: 'audio_transcriptions', inputPrice: 0.006, outputPrice: 0, volume: 0.3 },
];

export const OPENAI_PROJECTS = ['proj_2Ykq8uJ0mZc4Vt1bHnR7aLsW', 'proj_Bq7rT1mVx9QwLk3ZpA0sNcYe'];

/** The organization's projects as /organization/projects lists them; the archived one has no usage. */
export const OPENAI_PROJECT_LIST = [
  { id: OPENAI_PROJECTS[0]!, name: 'Default project', archived: false },
  { id: OPENAI_PROJECTS[1]!, name: 'search-prod', archived: false },
  { id: 'proj_Xo3pL8sWq1ZkT6vYc2NdE9Rb', name: 'Old experiments', archived: true },
];

export interface UsageRow {
  model: string;
  project: string;
  /** input_tokens: every input token, cached and audio included. */
  input: number;
  /** output_tokens: every output token, audio included. */
  output: number;
  /** input_cached_tokens, part of `input`. */
  cached: number;
  /** input_audio_tokens (uncached audio), part of `input`. */
  audioIn: number;
  /** output_audio_tokens, part of `output`. */
  audioOut: number;
  requests: number;
}

type UsageCounts = Omit<UsageRow, 'model' | 'project'>;

/** Adds the token and request counts of `from` to `into`. */
function addUsage(into: UsageCounts, from: UsageCounts): void {
  into.input += from.input;
  into.output += from.output;
  into.cached += from.cached;
  into.audioIn += from.audioIn;
  into.audioOut += from.audioOut;
  into.requests += from.requests;
}

export interface CostRow {
  lineItem: string;
  project: string;
  usd: number;
}

const USAGE_ENDPOINTS = [
  'completions',
  'embeddings',
  'moderations',
  'images',
  'audio_speeches',
  'audio_transcriptions',
  'vector_stores',
  'code_interpreter_sessions',
  'file_search_calls',
  'web_search_calls',
];

export class OpenAISimulator extends Simulator {
  /** Extra USD per (day, line item, project), added by `reviseCost`: late revisions of closed buckets. */
  private readonly costRevisions = new Map<string, number>();
  /** Usage of the chat completions answered, per day and `model|project`: added to the usage buckets. */
  private readonly liveUsage = new Map<number, Map<string, UsageCounts>>();
  private chatCount = 0;
  /** Days before this one have no usage (an organisation that started recently). */
  firstDay = 0;

  /** The `dates` fault: bucket `start_time` and `end_time` in epoch milliseconds where the spec says Unix seconds. */
  protected override readonly dateDrift = {
    start_time: (v: unknown) => Number(v) * 1000,
    end_time: (v: unknown) => Number(v) * 1000,
  };

  constructor(readonly options: OpenAISimOptions) {
    super('openai', (status, message) => ({
      error: {
        message,
        type: status === 429 ? 'requests' : status >= 500 ? 'server_error' : 'invalid_request_error',
        param: null,
        code: status === 401 ? 'invalid_api_key' : status === 429 ? 'rate_limit_exceeded' : null,
      },
    }));
  }

  protected routes(): void {
    const v1 = '/v1';
    this.app.get(`${v1}/models`, (req, res) => {
      if (!this.authorize(req, res, 'any')) return;
      res.json({
        object: 'list',
        data: OPENAI_MODELS.map((m) => ({
          id: m.model,
          object: 'model',
          created: 1721172741,
          owned_by: 'system',
          shutdown_date: null,
        })),
      });
    });
    this.app.get(`${v1}/organization/projects`, (req, res) => {
      if (!this.authorize(req, res, 'admin')) return;
      const limit = req.query.limit === undefined ? 20 : Number(req.query.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 100)
        return this.badParam(res, 'limit', "Invalid 'limit': must be between 1 and 100.");
      const archived = String(req.query.include_archived ?? 'false') === 'true';
      const all = OPENAI_PROJECT_LIST.filter((p) => archived || !p.archived).map((p) => ({
        id: p.id,
        object: 'organization.project',
        name: p.name,
        created_at: 1711471533,
        archived_at: p.archived ? 1730419200 : null,
        status: p.archived ? 'archived' : 'active',
        external_key_id: null,
      }));
      const after = req.query.after === undefined ? -1 : all.findIndex((p) => p.id === req.query.after);
      if (req.query.after !== undefined && after < 0)
        return this.badParam(res, 'after', "Invalid 'after': no such project.");
      const data = all.slice(after + 1, after + 1 + limit);
      res.json({
        object: 'list',
        data,
        first_id: data[0]?.id ?? null,
        last_id: data.at(-1)?.id ?? null,
        has_more: after + 1 + limit < all.length,
      });
    });
    this.app.get(`${v1}/organization/costs`, (req, res) => this.bucketed(req, res, 'costs'));
    this.app.post(`${v1}/chat/completions`, (req, res) => void this.chatCompletion(req, res));
    this.app.get(`${v1}/organization/usage/:endpoint`, (req, res) => {
      const endpoint = String(req.params.endpoint);
      if (!USAGE_ENDPOINTS.includes(endpoint) || this.options.missingEndpoints?.includes(endpoint)) {
        if (!this.authorize(req, res, 'admin')) return;
        return this.fail(res, 404, `Invalid URL (GET /v1/organization/usage/${endpoint})`);
      }
      this.bucketed(req, res, endpoint);
    });
  }

  /** Adds `usd` to one cost line of a (usually closed) day: what a late revision looks like. */
  reviseCost(dayStart: number, lineItem: string, project: string, usd: number): void {
    const key = `${dayStart}|${lineItem}|${project}`;
    this.costRevisions.set(key, (this.costRevisions.get(key) ?? 0) + usd);
  }

  /** Fraction of the day that has elapsed on the simulator's clock (1 for past days, 0 for future ones). */
  private elapsed(dayStart: number): number {
    if (dayStart < this.firstDay) return 0;
    const now = this.now().getTime() / 1000;
    return Math.max(0, Math.min(1, (now - dayStart) / DAY_SECONDS));
  }

  /** What the organisation used on one day, per model and project. Deterministic for a given clock. */
  usage(dayStart: number): UsageRow[] {
    const f = this.elapsed(dayStart);
    const scale = this.options.scale ?? 1;
    const rows: UsageRow[] = [];
    if (f === 0) return this.withLiveUsage(dayStart, rows);
    for (const m of OPENAI_MODELS) {
      for (const project of OPENAI_PROJECTS) {
        const h = hash01(`${dayStart}|${m.model}|${project}`);
        if (project !== OPENAI_PROJECTS[0] && h < 0.3) continue; // not every project uses every model
        const weekday = [0.6, 1, 1.1, 1.05, 1, 0.95, 0.5][new Date(dayStart * 1000).getUTCDay()]!;
        const base = scale * m.volume * weekday * (0.5 + h);
        const input = Math.round(base * 2_000_000 * f);
        const output = m.endpoint === 'completions' ? Math.round(input * (0.1 + 0.1 * h)) : 0;
        const audio = m.model.includes('audio');
        rows.push({
          model: m.model,
          project,
          input,
          output,
          cached: m.endpoint === 'completions' ? Math.round(input * 0.4 * h) : 0,
          audioIn: audio ? Math.round(input * 0.3) : 0,
          audioOut: audio ? Math.round(output * 0.5) : 0,
          requests: Math.max(f > 0 ? 1 : 0, Math.round(input / 1500)),
        });
      }
    }
    return this.withLiveUsage(dayStart, rows);
  }

  /** The day's rows plus the usage of the chat completions answered that day. */
  private withLiveUsage(dayStart: number, rows: UsageRow[]): UsageRow[] {
    for (const [key, u] of this.liveUsage.get(dayStart) ?? []) {
      const [model, project] = key.split('|') as [string, string];
      const row = rows.find((r) => r.model === model && r.project === project);
      if (!row) {
        rows.push({ model, project, ...u });
        continue;
      }
      addUsage(row, u);
    }
    return rows;
  }

  /**
   * POST /v1/chat/completions: validates the request as the API does (a model it serves and at least
   * one message), answers with a chat.completion whose usage is derived from the messages, and books
   * that usage to the key's project on today's bucket.
   */
  private async chatCompletion(req: Request, res: Response): Promise<void> {
    const key = /^Bearer (.+)$/.exec(req.get('authorization') ?? '')?.[1];
    if (!key)
      return this.fail(
        res,
        401,
        "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."
      );
    if (key !== this.options.projectKey)
      return this.fail(
        res,
        401,
        `Incorrect API key provided: ${maskKey(key)}. You can find your API key at https://platform.openai.com/account/api-keys.`
      );
    const body = (req.body ?? {}) as {
      model?: unknown;
      messages?: unknown;
      stream?: unknown;
      max_completion_tokens?: unknown;
      max_tokens?: unknown;
    };
    if (typeof body.model !== 'string' || body.model === '')
      return this.badParam(res, 'model', 'you must provide a model parameter');
    if (!Array.isArray(body.messages) || body.messages.length === 0)
      return this.badParam(res, 'messages', "Missing required parameter: 'messages'.");
    if (body.stream === true)
      return this.badParam(res, 'stream', 'This simulator does not stream; send stream: false.');
    // An alias (gpt-4o-mini) answers with its dated snapshot, as the API does.
    const alias = body.model;
    const spec = OPENAI_MODELS.find(
      (m) =>
        m.endpoint === 'completions' &&
        (m.model === alias ||
          (m.model.startsWith(`${alias}-`) && /^\d{4}-\d{2}-\d{2}$/.test(m.model.slice(alias.length + 1))))
    );
    if (!spec) {
      res.status(404).json({
        error: {
          message: `The model \`${body.model}\` does not exist or you do not have access to it.`,
          type: 'invalid_request_error',
          param: null,
          code: 'model_not_found',
        },
      });
      return;
    }
    const [min, max] = this.options.chatLatencyMs ?? [0, 0];
    const n = this.chatCount++;
    if (max > 0) await new Promise((r) => setTimeout(r, min + (max - min) * hash01(`chat|${n}`)));
    if (res.destroyed) return;
    const text = body.messages
      .map((m) =>
        m && typeof m === 'object' && typeof (m as { content?: unknown }).content === 'string'
          ? (m as { content: string }).content
          : ''
      )
      .join(' ');
    const prompt = Math.max(1, Math.ceil(text.length / 4)) + 3 * body.messages.length;
    const limit = Number(body.max_completion_tokens ?? body.max_tokens ?? Infinity);
    const completion = Math.max(1, Math.min(limit, 20 + Math.floor(180 * hash01(`completion|${n}`))));
    const reasoning = spec.model.startsWith('o3') ? Math.floor(completion * 0.6) : 0;
    const now = this.now();
    const day = utcDayStart(now);
    let daily = this.liveUsage.get(day);
    if (!daily) this.liveUsage.set(day, (daily = new Map()));
    const bookKey = `${spec.model}|${OPENAI_PROJECTS[0]}`;
    // Reasoning tokens are part of output_tokens; the Usage API has no field of their own.
    const booked = daily.get(bookKey) ?? { input: 0, output: 0, cached: 0, audioIn: 0, audioOut: 0, requests: 0 };
    booked.input += prompt;
    booked.output += completion;
    booked.requests += 1;
    daily.set(bookKey, booked);
    res.json({
      id: `chatcmpl-sim${String(n).padStart(8, '0')}`,
      object: 'chat.completion',
      created: Math.floor(now.getTime() / 1000),
      model: spec.model,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'This is a simulated answer.', refusal: null, annotations: [] },
          logprobs: null,
          finish_reason: 'stop',
        },
      ],
      usage: {
        prompt_tokens: prompt,
        completion_tokens: completion,
        total_tokens: prompt + completion,
        prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
        completion_tokens_details: {
          reasoning_tokens: reasoning,
          audio_tokens: 0,
          accepted_prediction_tokens: 0,
          rejected_prediction_tokens: 0,
        },
      },
      service_tier: 'default',
      system_fingerprint: 'fp_nexus_sim',
    });
  }

  /** The cost lines of one day, as the Costs API groups them by line item and project. */
  costs(dayStart: number): CostRow[] {
    const rows: CostRow[] = [];
    for (const u of this.usage(dayStart)) {
      const spec = OPENAI_MODELS.find((m) => m.model === u.model)!;
      rows.push({ lineItem: `${u.model}, input`, project: u.project, usd: round10((u.input / 1e6) * spec.inputPrice) });
      if (u.output > 0)
        rows.push({
          lineItem: `${u.model}, output`,
          project: u.project,
          usd: round10((u.output / 1e6) * spec.outputPrice),
        });
    }
    for (const [key, usd] of this.costRevisions) {
      const [day, lineItem, project] = key.split('|') as [string, string, string];
      if (Number(day) !== dayStart) continue;
      const row = rows.find((r) => r.lineItem === lineItem && r.project === project);
      if (row) row.usd = round10(row.usd + usd);
      else rows.push({ lineItem, project, usd: round10(usd) });
    }
    return rows;
  }

  private authorize(req: Request, res: Response, need: 'admin' | 'any'): boolean {
    const header = req.get('authorization') ?? '';
    const m = /^Bearer (.+)$/.exec(header);
    if (!m) {
      this.fail(
        res,
        401,
        "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."
      );
      return false;
    }
    const key = m[1]!;
    if (key === this.options.projectKey && need === 'any') return true;
    if (key === this.options.adminKey) return true;
    if (key.startsWith('sk-proj-') && key === this.options.projectKey) {
      this.fail(
        res,
        401,
        "You have insufficient permissions for this operation. Missing scopes: api.usage.read. Check that you have the correct role in your organization, and if you're using a restricted API key, that it has the necessary scopes."
      );
      return false;
    }
    this.fail(
      res,
      401,
      `Incorrect API key provided: ${maskKey(key)}. You can find your API key at https://platform.openai.com/account/api-keys.`
    );
    return false;
  }

  private bucketed(req: Request, res: Response, endpoint: string): void {
    if (!this.authorize(req, res, 'admin')) return;
    const q = req.query;
    const start = Number(q.start_time);
    if (q.start_time === undefined || !Number.isInteger(start))
      return this.badParam(res, 'start_time', "Missing or invalid required parameter: 'start_time'.");
    const width = String(q.bucket_width ?? '1d');
    const allowed = endpoint === 'costs' ? ['1d'] : ['1m', '1h', '1d'];
    if (!allowed.includes(width))
      return this.badParam(
        res,
        'bucket_width',
        `Invalid value for 'bucket_width': expected one of ${allowed.join(', ')}.`
      );
    if (width !== '1d') return this.badParam(res, 'bucket_width', 'This simulator serves daily buckets only.');
    const [defLimit, maxLimit] = endpoint === 'costs' ? [7, 180] : [7, 31];
    const limit = q.limit === undefined ? defLimit : Number(q.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > maxLimit)
      return this.badParam(res, 'limit', `Invalid 'limit': must be between 1 and ${maxLimit}.`);
    const groupBy = toList(q.group_by ?? q['group_by[]']);
    const nowDay = utcDayStart(this.now());
    const end = q.end_time === undefined ? nowDay + DAY_SECONDS : Math.min(Number(q.end_time), nowDay + DAY_SECONDS);
    const firstBucket = Math.floor(start / DAY_SECONDS) * DAY_SECONDS;
    const offset = q.page === undefined ? 0 : decodeCursor(q.page);
    if (offset === undefined) return this.badParam(res, 'page', "Invalid 'page' cursor.");
    const days: number[] = [];
    for (let d = firstBucket; d < end; d += DAY_SECONDS) days.push(d);
    const pageDays = days.slice(offset, offset + limit);
    const hasMore = offset + limit < days.length;
    let n = 0;
    const data = pageDays.map((d) => ({
      object: 'bucket',
      start_time: d,
      end_time: d + DAY_SECONDS,
      results: endpoint === 'costs' ? this.costResults(d, groupBy, () => n++) : this.usageResults(endpoint, d, groupBy),
    }));
    res.json({ object: 'page', data, has_more: hasMore, next_page: hasMore ? encodeCursor(offset + limit) : null });
  }

  private costResults(day: number, groupBy: string[], counter: () => number) {
    const byLine = groupBy.includes('line_item');
    const byProject = groupBy.includes('project_id');
    const groups = new Map<string, { lineItem: string | null; project: string | null; usd: number }>();
    for (const c of this.costs(day)) {
      const lineItem = byLine ? c.lineItem : null;
      const project = byProject ? c.project : null;
      const key = `${lineItem}|${project}`;
      const g = groups.get(key) ?? { lineItem, project, usd: 0 };
      g.usd = round10(g.usd + c.usd);
      groups.set(key, g);
    }
    return [...groups.values()].map((g) => {
      const asString = this.options.stringAmounts && counter() % 3 === 0;
      return {
        object: 'organization.costs.result',
        amount: { value: asString ? `${g.usd.toFixed(10)}000000000000000000` : g.usd, currency: 'usd' },
        line_item: g.lineItem,
        project_id: g.project,
        api_key_id: null,
        quantity: null,
        quantity_unit: null,
      };
    });
  }

  private usageResults(endpoint: string, day: number, groupBy: string[]) {
    const byModel = groupBy.includes('model');
    const object = `organization.usage.${endpoint
      .replace(/_calls$/, '')
      .replace('file_search', 'file_searches')
      .replace('web_search', 'web_searches')}.result`;
    const rows = this.usage(day);
    if (endpoint === 'vector_stores') return rows.length ? [{ object, usage_bytes: 1_048_576, project_id: null }] : [];
    if (endpoint === 'code_interpreter_sessions') {
      return rows.length
        ? [{ object, num_sessions: Math.round(rows.length * 3 * this.elapsed(day)), project_id: null }]
        : [];
    }
    if (endpoint === 'file_search_calls' || endpoint === 'web_search_calls') {
      const total = rows.reduce((s, r) => s + r.requests, 0);
      return rows.length
        ? [
            {
              object,
              num_requests: Math.round(total / 20),
              ...(endpoint === 'web_search_calls'
                ? { num_model_requests: Math.round(total / 20), model: null, context_level: null }
                : { vector_store_id: null }),
              project_id: null,
              user_id: null,
              api_key_id: null,
            },
          ]
        : [];
    }
    const groups = new Map<string, UsageRow>();
    for (const r of rows) {
      if (OPENAI_MODELS.find((m) => m.model === r.model)!.endpoint !== endpoint) continue;
      const key = byModel ? r.model : '';
      const g = groups.get(key) ?? { ...r, input: 0, output: 0, cached: 0, audioIn: 0, audioOut: 0, requests: 0 };
      addUsage(g, r);
      groups.set(key, g);
    }
    return [...groups.values()].map((g) => {
      const common = {
        num_model_requests: g.requests,
        project_id: null,
        user_id: null,
        api_key_id: null,
        model: byModel ? g.model : null,
      };
      switch (endpoint) {
        case 'completions':
          // The 2026 field set: input = cached + cache writes (none here) + uncached; uncached = text + audio + image.
          return {
            object,
            ...common,
            input_tokens: g.input,
            output_tokens: g.output,
            input_cached_tokens: g.cached,
            input_cache_write_tokens: 0,
            input_uncached_tokens: g.input - g.cached,
            input_text_tokens: g.input - g.cached - g.audioIn,
            output_text_tokens: g.output - g.audioOut,
            input_cached_text_tokens: g.cached,
            input_audio_tokens: g.audioIn,
            input_cached_audio_tokens: 0,
            output_audio_tokens: g.audioOut,
            input_image_tokens: 0,
            input_cached_image_tokens: 0,
            output_image_tokens: 0,
            batch: null,
            service_tier: null,
          };
        case 'embeddings':
        case 'moderations':
          return { object, ...common, input_tokens: g.input };
        case 'images':
          return { object, ...common, images: Math.round(g.input / 1e5), size: null, source: null };
        case 'audio_speeches':
          return { object, ...common, characters: g.input };
        default:
          return { object, ...common, seconds: Math.round(g.input / 1000) };
      }
    });
  }

  private badParam(res: Response, param: string, message: string): void {
    res.status(400).json({ error: { message, type: 'invalid_request_error', param, code: null } });
  }
}

function toList(v: unknown): string[] {
  if (v === undefined) return [];
  const arr = Array.isArray(v) ? v : [v];
  return arr.flatMap((x) => String(x).split(',')).filter(Boolean);
}

function round10(n: number): number {
  return Math.round(n * 1e10) / 1e10;
}

function maskKey(key: string): string {
  return key.length > 8 ? `${key.slice(0, 8)}****${key.slice(-4)}` : '****';
}
