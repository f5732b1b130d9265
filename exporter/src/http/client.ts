// The one way the exporter talks to a provider: an HTTP call with a per-call timeout, retries with
// exponential backoff and jitter on 5xx and network errors (p-retry), Retry-After honoured on 429,
// every attempt timed and every failure classified. Collectors get a ProviderHttp bound to one
// provider account. The transport is node:http(s) with keep-alive rather than the global fetch: the
// exporter makes a few plain JSON calls per minute, and fetch's undici costs megabytes of RSS
// (docs/performance.md).
import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import pRetry, { AbortError } from 'p-retry';
import { StringDecoder } from 'node:string_decoder';
import { setTimeout as sleep } from 'node:timers/promises';
import { excerpt } from '../log.js';
import { MAX_TIMER_MS } from '../timers.js';
import { CallAborted, ProviderError, parseRetryAfter, reasonForStatus, type ErrorReason } from './errors.js';

export interface HttpSettings {
  timeoutSeconds: number;
  /** Retries after the first attempt, for 5xx, timeouts, network errors and short 429s. */
  retries: number;
  backoffSeconds: number;
  /** A 429 asking to wait longer than this fails the call instead of blocking the poll. */
  maxRetryAfterSeconds: number;
}

export const DEFAULT_HTTP: HttpSettings = {
  timeoutSeconds: 30,
  retries: 2,
  backoffSeconds: 1,
  maxRetryAfterSeconds: 60,
};

/** Receives every attempt's timing and every failure; the poll engine turns these into metrics. */
export interface HttpObserver {
  onCall(endpoint: string, code: string, seconds: number): void;
  onError(endpoint: string, reason: ErrorReason): void;
}

export interface RequestSpec {
  /** Stable, low-cardinality name of the call for the `endpoint` label, e.g. `/organization/costs`. */
  endpoint: string;
  /** Path relative to the account's base URL, or an absolute URL (a next-page link, another host). */
  path: string;
  method?: 'GET' | 'POST';
  query?: Record<string, string | number | boolean | readonly string[] | undefined>;
  headers?: Record<string, string>;
  body?: unknown;
  /** Statuses returned to the caller instead of thrown, e.g. 404 for an endpoint an account lacks. */
  allowStatus?: readonly number[];
}

/** Response headers, read by name (case-insensitive), like fetch's Headers. */
export interface ResponseHeaders {
  get(name: string): string | null;
}

export interface HttpResponse<T = unknown> {
  status: number;
  headers: ResponseHeaders;
  body: T;
}

/** Larger answers are refused: no documented usage page comes near it. */
export const MAX_BODY_BYTES = 32 * 1024 * 1024;

const agents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: 4 }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: 4 }),
};

class BodyTooLarge extends Error {}

interface RawResponse {
  status: number;
  headers: ResponseHeaders;
  text: string;
}

function send(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: string | undefined,
  timeoutMs: number,
  abort?: AbortSignal
): Promise<RawResponse> {
  // One signal per request for its timeout and the exporter's shutdown, let go when it settles.
  // AbortSignal.any([timeout, abort]) would do the same, but on Node 20 each call leaves memory on the
  // long-lived shutdown signal for good: a slow leak in an exporter that calls providers all day.
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')),
    timeoutMs
  ).unref();
  const onAbort = () => controller.abort(abort!.reason);
  if (abort?.aborted) onAbort();
  else abort?.addEventListener('abort', onAbort, { once: true });
  return exchange(url, method, headers, body, controller.signal).finally(() => {
    clearTimeout(timer);
    abort?.removeEventListener('abort', onAbort);
  });
}

function exchange(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: string | undefined,
  signal: AbortSignal
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const transport = url.protocol === 'https:' ? https : http;
    const req = transport.request(
      url,
      { method, headers, agent: agents[url.protocol as keyof typeof agents], signal },
      (res) => {
        // Decoded as it arrives, so that no read buffer outlives its chunk and no body-sized buffer is
        // allocated outside the V8 heap (malloc would keep such memory long after the poll).
        const decoder = new StringDecoder('utf8');
        let text = '';
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BODY_BYTES) req.destroy(new BodyTooLarge(`body larger than ${MAX_BODY_BYTES} bytes`));
          else text += decoder.write(chunk);
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: headerReader(res.headers), text: text + decoder.end() })
        );
        res.on('error', reject);
      }
    );
    req.on('error', reject);
    req.end(body);
  });
}

function headerReader(raw: IncomingHttpHeaders): ResponseHeaders {
  return {
    get(name) {
      const v = raw[name.toLowerCase()];
      if (v === undefined) return null;
      return Array.isArray(v) ? v.join(', ') : v;
    },
  };
}

export type ErrorMessageOf = (body: unknown) => string | undefined;

/** Message in the common error envelopes: `{error:{message}}`, `{error:"..."}`, `{message}`. */
export const defaultErrorMessage: ErrorMessageOf = (body) => {
  if (!body || typeof body !== 'object') return undefined;
  const b = body as Record<string, unknown>;
  const err = b.error;
  if (err && typeof err === 'object' && typeof (err as Record<string, unknown>).message === 'string') {
    return (err as Record<string, string>).message;
  }
  if (typeof err === 'string') return err;
  if (typeof b.message === 'string') return b.message;
  return undefined;
};

export class ProviderHttp {
  constructor(
    private readonly baseUrl: string,
    private readonly settings: HttpSettings,
    private readonly observer: HttpObserver,
    private readonly errorMessage: ErrorMessageOf = defaultErrorMessage,
    /** Aborts calls in flight and the waits between retries (shutdown); they fail with CallAborted. */
    private readonly signal?: AbortSignal
  ) {}

  url(path: string, query?: RequestSpec['query']): URL {
    const url = /^https?:\/\//.test(path)
      ? new URL(path)
      : new URL(`${this.baseUrl.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`);
    for (const [k, v] of Object.entries(query ?? {})) {
      if (v === undefined) continue;
      if (Array.isArray(v)) for (const item of v) url.searchParams.append(k, item);
      else url.searchParams.set(k, String(v));
    }
    return url;
  }

  async request<T = unknown>(spec: RequestSpec): Promise<HttpResponse<T>> {
    const url = this.url(spec.path, spec.query);
    const { retries, backoffSeconds, maxRetryAfterSeconds } = this.settings;
    const { signal } = this;
    try {
      return await pRetry(() => this.attempt<T>(spec, url), {
        signal,
        retries,
        minTimeout: backoffSeconds * 1000,
        maxTimeout: MAX_TIMER_MS,
        factor: 2,
        randomize: true,
        onFailedAttempt: async (error) => {
          // Wait as long as the provider asked before the next attempt (p-retry adds its backoff on top).
          // p-retry calls this even when shouldRetry said no, so the bound is checked here too.
          const e = error as unknown as ProviderError;
          const wait = e.reason === 'rate_limited' ? e.retryAfterSeconds : undefined;
          if (wait && wait <= maxRetryAfterSeconds && error.retriesLeft > 0)
            await sleep(wait * 1000, undefined, { signal });
        },
        shouldRetry: (error) => {
          if (error instanceof CallAborted) return false;
          const e = error as unknown as ProviderError;
          if (e.reason === 'rate_limited') return (e.retryAfterSeconds ?? Infinity) <= maxRetryAfterSeconds;
          return e.reason === 'server' || e.reason === 'timeout' || e.reason === 'network';
        },
      });
    } catch (e) {
      if (signal?.aborted) throw new CallAborted(`${spec.endpoint}: call aborted (shutting down)`);
      if (e instanceof AbortError && e.cause) throw e.cause;
      throw e;
    }
  }

  private async attempt<T>(spec: RequestSpec, url: URL): Promise<HttpResponse<T>> {
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    const headers: Record<string, string> = {
      accept: 'application/json',
      'user-agent': 'nexus-exporter',
      ...spec.headers,
    };
    let body: string | undefined;
    if (spec.body !== undefined) {
      body = JSON.stringify(spec.body);
      headers['content-type'] ??= 'application/json';
    }
    let res: RawResponse;
    try {
      res = await send(url, spec.method ?? 'GET', headers, body, this.settings.timeoutSeconds * 1000, this.signal);
    } catch (err) {
      // Not the provider's failure: nothing is timed or counted.
      if (this.signal?.aborted) throw new CallAborted(`${spec.endpoint}: call aborted (shutting down)`);
      if (err instanceof BodyTooLarge) {
        this.observer.onCall(spec.endpoint, 'bad_response', seconds());
        throw this.fail('bad_response', spec.endpoint, err.message);
      }
      const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
      const reason: ErrorReason = timedOut ? 'timeout' : 'network';
      this.observer.onCall(spec.endpoint, reason, seconds());
      throw this.fail(
        reason,
        spec.endpoint,
        timedOut ? `no answer within ${this.settings.timeoutSeconds}s` : `connection failed: ${causeOf(err)}`
      );
    }
    this.observer.onCall(spec.endpoint, String(res.status), seconds());

    const { text } = res;
    const parsed = parseJson(text);
    const ok = (res.status >= 200 && res.status < 300) || spec.allowStatus?.includes(res.status);
    if (!ok) {
      const detail = parsed.ok ? this.errorMessage(parsed.value) : undefined;
      const reason = reasonForStatus(res.status);
      const retryAfter = reason === 'rate_limited' ? parseRetryAfter(res.headers.get('retry-after')) : undefined;
      throw this.fail(
        reason,
        spec.endpoint,
        `HTTP ${res.status}${detail ? `: ${excerpt(detail)}` : ''}`,
        res.status,
        retryAfter
      );
    }
    if (!parsed.ok) {
      const what = /^\s*</.test(text) ? 'an HTML page' : text.trim() === '' ? 'an empty body' : 'malformed JSON';
      throw this.fail('bad_response', spec.endpoint, `HTTP ${res.status} with ${what} instead of JSON`, res.status);
    }
    return { status: res.status, headers: res.headers, body: parsed.value as T };
  }

  private fail(
    reason: ErrorReason,
    endpoint: string,
    message: string,
    status?: number,
    retryAfter?: number
  ): ProviderError {
    const err = new ProviderError(reason, endpoint, `${endpoint}: ${message}`, status, retryAfter);
    this.observer.onError(endpoint, reason);
    err.counted = true;
    return err;
  }

  /** For collectors: a body that parsed as JSON but is not what the API documents. */
  badResponse(endpoint: string, problem: string): ProviderError {
    return this.fail('bad_response', endpoint, `unexpected response: ${problem}`);
  }
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

function causeOf(err: unknown): string {
  const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  return e.code ?? e.cause?.code ?? e.cause?.message ?? e.message ?? String(err);
}
