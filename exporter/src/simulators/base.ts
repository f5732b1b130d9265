// Shared machinery of the provider simulators: a real HTTP server on loopback, a controllable clock,
// a request log, and fault injection (status codes with the provider's own error body, 429 with
// Retry-After, slow answers, HTML, truncated JSON, dropped connections, dates in a format the provider
// does not document), programmatic or over HTTP:
//   POST   /_sim/faults  {"fault": {...}, "times": 1, "path": "costs"}   inject (a path ending in `$`
//                                                                      matches the end of the path only)
//   DELETE /_sim/faults                                                 clear
//   GET    /_sim/requests                                               what was called (the most recent
//                                                                      MAX_LOGGED_REQUESTS)
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { setLongTimeout } from '../timers.js';

export type Fault =
  | { kind: 'status'; status: number; retryAfter?: number | string; message?: string }
  | { kind: 'slow'; ms: number }
  | { kind: 'html'; status?: number }
  | { kind: 'truncated' }
  | { kind: 'drop' }
  /** A 200 whose body never ends within reason (a runaway proxy or a wrong URL serving a file). */
  | { kind: 'oversized'; bytes: number }
  /**
   * The answer as usual, but its dates in a format the provider does not document (API drift): each
   * simulator's `dateDrift` says which fields and what the drifted form is; `field` limits it to one.
   */
  | { kind: 'dates'; field?: string };

interface ArmedFault {
  fault: Fault;
  remaining: number;
  path?: string;
  /** Matching requests to let through before the fault fires (fail the second page, say). */
  after: number;
}

export interface LoggedRequest {
  method: string;
  path: string;
  query: Record<string, unknown>;
  body: unknown;
  at: number;
}

/**
 * The request log keeps the most recent this many requests: a simulator serving the demo runs for
 * weeks, and tests and benchmarks look at the calls of one poll (tens to a few hundred).
 */
export const MAX_LOGGED_REQUESTS = 1000;

/** Builds the provider's own error body for a status code. */
export type ErrorBody = (status: number, message: string) => unknown;

export abstract class Simulator {
  readonly app: Express = express();
  /** The most recent MAX_LOGGED_REQUESTS requests, oldest first (tests may empty it). */
  readonly requests: LoggedRequest[] = [];
  /** Requests received since the start, including those the log no longer holds. */
  requestCount = 0;
  /** The simulator's clock; tests set it, the demo leaves it at real time. */
  now: () => Date = () => new Date();
  private faults: ArmedFault[] = [];
  private server?: Server;
  baseUrl = '';

  constructor(
    readonly name: string,
    protected readonly errorBody: ErrorBody
  ) {
    this.app.disable('x-powered-by');
    this.app.set('query parser', 'extended');
    this.app.use(express.json());
    this.app.post('/_sim/faults', (req, res) => {
      const { fault, times, path, after } = req.body as { fault: Fault; times?: number; path?: string; after?: number };
      this.inject(fault, { times, path, after });
      res.status(204).end();
    });
    this.app.delete('/_sim/faults', (_req, res) => {
      this.clearFaults();
      res.status(204).end();
    });
    this.app.get('/_sim/requests', (_req, res) => {
      res.json(this.requests);
    });
    this.app.use((req, res, next) => void this.faultMiddleware(req, res, next));
    this.routes();
    this.app.use((req, res) => {
      res.status(404).json(this.errorBody(404, `Unknown request URL: ${req.method} ${req.path}`));
    });
  }

  /** Registers the provider's endpoints on `this.app`. */
  protected abstract routes(): void;

  /**
   * The `dates` fault: the date fields of the provider's answers that the exporter reads, by JSON key,
   * each with a plausible undocumented form of its value (epoch milliseconds where seconds are
   * documented, another date notation). None by default.
   */
  protected readonly dateDrift: Record<string, (value: unknown) => unknown> = {};

  /** `body` with every field named in `dateDrift` (or only `field`) in its drifted form, at any depth. */
  driftDates(body: unknown, field?: string): unknown {
    if (Array.isArray(body)) return body.map((v) => this.driftDates(v, field));
    if (body === null || typeof body !== 'object') return body;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(body)) {
      const drift =
        (field === undefined || field === k) && v !== null && v !== undefined ? this.dateDrift[k] : undefined;
      out[k] = drift ? drift(v) : this.driftDates(v, field);
    }
    return out;
  }

  /**
   * Makes `times` matching requests (path containing `path`, or ending with it when it ends in `$`,
   * so that `/key$` spares `/keys`; or any) fail with `fault`, after letting
   * `after` matching requests through.
   */
  inject(fault: Fault, opts: { times?: number; path?: string; after?: number } = {}): void {
    this.faults.push({ fault, remaining: opts.times ?? 1, path: opts.path, after: opts.after ?? 0 });
  }

  clearFaults(): void {
    this.faults = [];
  }

  /**
   * The requests received since `requestCount` was `mark`, oldest first. Throws when the log no
   * longer holds all of them (more than MAX_LOGGED_REQUESTS since, or the log was emptied).
   */
  requestsSince(mark: number): LoggedRequest[] {
    const n = this.requestCount - mark;
    if (n < 0 || n > this.requests.length)
      throw new Error(`${this.name} simulator: ${n} requests since the mark, the log holds ${this.requests.length}`);
    return this.requests.slice(this.requests.length - n);
  }

  /** Requests whose path contains `fragment` (all when omitted). */
  calls(fragment = ''): LoggedRequest[] {
    return this.requests.filter((r) => r.path.includes(fragment));
  }

  async start(port = 0, host = '127.0.0.1'): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server = this.app.listen(port, host, (err?: Error) => (err ? reject(err) : resolve()));
    });
    const { port: actual } = this.server!.address() as AddressInfo;
    this.baseUrl = `http://${host}:${actual}`;
    return this.baseUrl;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Sends `body` with the given status; helper for routes. */
  protected fail(res: Response, status: number, message: string, headers: Record<string, string> = {}): void {
    res.status(status).set(headers).json(this.errorBody(status, message));
  }

  private async faultMiddleware(req: Request, res: Response, next: NextFunction): Promise<void> {
    if (req.path.startsWith('/_sim/')) return next();
    if (this.requests.length >= MAX_LOGGED_REQUESTS)
      this.requests.splice(0, this.requests.length - MAX_LOGGED_REQUESTS + 1);
    this.requests.push({
      method: req.method,
      path: req.path,
      query: { ...req.query },
      body: req.body,
      at: this.now().getTime(),
    });
    this.requestCount++;
    const armed = this.faults.find(
      (f) =>
        f.remaining > 0 &&
        (!f.path || (f.path.endsWith('$') ? req.path.endsWith(f.path.slice(0, -1)) : req.path.includes(f.path)))
    );
    if (!armed) return next();
    if (armed.after > 0) {
      armed.after--;
      return next();
    }
    armed.remaining--;
    this.faults = this.faults.filter((f) => f.remaining > 0);
    const { fault } = armed;
    switch (fault.kind) {
      case 'status': {
        const headers: Record<string, string> = {};
        if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter);
        return this.fail(res, fault.status, fault.message ?? defaultMessage(fault.status), headers);
      }
      case 'slow':
        // Any delay, however long (a plain setTimeout fires after 1 ms beyond 24.8 days); a client that
        // gives up (or stop()) ends the wait, so no timer outlives its request.
        await new Promise<void>((resolve) => {
          const timer = setLongTimeout(resolve, fault.ms);
          res.once('close', () => {
            timer.clear();
            resolve();
          });
        });
        if (res.destroyed || res.writableEnded) return;
        return next();
      case 'html':
        res
          .status(fault.status ?? 200)
          .type('html')
          .send('<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>');
        return;
      case 'truncated':
        res.status(200).type('json').send('{"object":"page","data":[{"object":"bucket","start_time":17');
        return;
      case 'drop':
        req.socket.destroy();
        return;
      case 'dates': {
        const json = res.json.bind(res);
        res.json = (body: unknown) => json(res.statusCode < 300 ? this.driftDates(body, fault.field) : body);
        return next();
      }
      case 'oversized': {
        res.status(200).type('json');
        const chunk = Buffer.alloc(1024 * 1024, 0x20);
        for (let sent = 0; sent < fault.bytes && !res.destroyed; sent += chunk.length) {
          if (!res.write(chunk)) await new Promise((r) => res.once('drain', r));
        }
        res.end();
        return;
      }
    }
  }
}

function defaultMessage(status: number): string {
  if (status === 401) return 'Invalid authentication credentials.';
  if (status === 403) return 'You do not have access to this resource.';
  if (status === 429) return 'Rate limit reached. Please try again later.';
  if (status >= 500) return 'The server had an error while processing your request.';
  return 'Bad request.';
}

/** A deterministic pseudo-random number in [0, 1) from a string: stable demo data without a seed file. */
export function hash01(key: string): number {
  let h = 2166136261;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return ((h >>> 0) % 1_000_003) / 1_000_003;
}

/** Decodes an opaque page cursor made by `encodeCursor`. */
export function decodeCursor(cursor: unknown): number | undefined {
  if (typeof cursor !== 'string') return undefined;
  const m = /^page_(.+)$/.exec(cursor);
  if (!m) return undefined;
  const n = Number(Buffer.from(m[1]!, 'base64url').toString('utf8'));
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}

export function encodeCursor(offset: number): string {
  return `page_${Buffer.from(String(offset)).toString('base64url')}`;
}
