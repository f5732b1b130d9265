// Access control for the admin API and /metrics: bearer tokens (and basic auth for /metrics) compared
// in constant time over SHA-256 digests (equal lengths, so timingSafeEqual never leaks the length),
// wrong credentials rate limited per client IP, and the response headers a JSON API should send.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import proxyaddr from 'proxy-addr';
import { TOKEN68, TOKEN68_MESSAGE, type ExporterConfig } from '../../config/schema.js';
import { registerSecret, type Logger } from '../../log.js';
import { ApiError, sendError } from './errors.js';

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

export function constantTimeEqual(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/** The admin token: `admin.token` in the config file, else NEXUS_ADMIN_TOKEN; undefined turns the API off. */
export function adminToken(config: ExporterConfig, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const token = config.admin.token ?? (env.NEXUS_ADMIN_TOKEN || undefined);
  if (token !== undefined && token.length < 16) throw new Error('NEXUS_ADMIN_TOKEN must be at least 16 characters');
  if (token !== undefined && !TOKEN68.test(token)) throw new Error(`NEXUS_ADMIN_TOKEN ${TOKEN68_MESSAGE}`);
  registerSecret(token);
  return token;
}

/**
 * Counts wrong credentials per client IP in fixed one-minute windows. Once an IP reaches the limit every
 * request from it is refused until the window ends, the right token included: otherwise the answer to a
 * guess would still tell whether it was right.
 */
export class FailureLimiter {
  private readonly entries = new Map<string, { count: number; resetAt: number }>();

  constructor(
    private readonly maxFailures: number,
    private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
    private readonly maxEntries = 10_000
  ) {}

  /** Seconds to wait when `ip` is blocked, else undefined. */
  retryAfter(ip: string): number | undefined {
    const e = this.entries.get(ip);
    if (!e) return undefined;
    const left = e.resetAt - this.now();
    if (left <= 0) {
      this.entries.delete(ip);
      return undefined;
    }
    return e.count >= this.maxFailures ? Math.ceil(left / 1000) : undefined;
  }

  /** Records a failure; returns true when this one reached the limit. */
  fail(ip: string): boolean {
    const now = this.now();
    let e = this.entries.get(ip);
    if (!e || e.resetAt <= now) {
      if (this.entries.size >= this.maxEntries) this.prune(now);
      e = { count: 0, resetAt: now + this.windowMs };
      this.entries.set(ip, e);
    }
    e.count++;
    return e.count === this.maxFailures;
  }

  private prune(now: number): void {
    for (const [ip, e] of this.entries) if (e.resetAt <= now) this.entries.delete(ip);
    // Still full (a flood of distinct addresses): drop the oldest rather than grow without bound.
    while (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }
}

type ClientIp = (req: IncomingMessage) => string;

const peerIp: ClientIp = (req) => req.socket.remoteAddress ?? 'unknown';

/**
 * The client address for rate limiting. Behind Grafana every admin call comes from Grafana's address,
 * so one user's wrong token would lock out everyone; with Grafana listed in `trustedProxies` the address
 * is taken from X-Forwarded-For (which Grafana's proxy appends to) — but only when the peer is trusted,
 * and only up to the first untrusted hop, so a client cannot pick its own address (proxy-addr, as
 * Express' `trust proxy` uses it).
 */
export function clientAddress(trustedProxies: readonly string[]): ClientIp {
  if (trustedProxies.length === 0) return peerIp;
  const trust = proxyaddr.compile([...trustedProxies]);
  return (req) => proxyaddr(req, trust);
}

/** Requires `Authorization: Bearer <token>` on every request the handler guards. */
export function requireBearer(
  token: string,
  limiter: FailureLimiter,
  log: Logger,
  clientIp: ClientIp = peerIp
): RequestHandler {
  return (req, res, next) => {
    const ip = clientIp(req);
    const wait = limiter.retryAfter(ip);
    if (wait !== undefined) {
      return sendError(
        res,
        new ApiError('RATE_LIMITED', 'too many failed authentication attempts; try again later', undefined, {
          'retry-after': String(wait),
        })
      );
    }
    const header = req.get('authorization');
    const m = header === undefined ? undefined : /^Bearer[ ]+(\S+)[ ]*$/i.exec(header);
    const challenge = { 'www-authenticate': 'Bearer realm="nexus-admin"' };
    if (!m) {
      return sendError(
        res,
        new ApiError(
          'UNAUTHORIZED',
          header === undefined
            ? 'missing bearer token (Authorization: Bearer <token>)'
            : 'malformed Authorization header; expected Bearer <token>',
          undefined,
          challenge
        )
      );
    }
    if (!constantTimeEqual(m[1]!, token)) {
      if (limiter.fail(ip))
        log.warn({ ip }, 'admin API: too many wrong tokens from this address; refusing it for a minute');
      return sendError(
        res,
        new ApiError('UNAUTHORIZED', 'invalid bearer token', undefined, {
          ...challenge,
          'www-authenticate': 'Bearer realm="nexus-admin", error="invalid_token"',
        })
      );
    }
    next();
  };
}

/** Headers for a JSON API that no browser should render, frame or cache. */
export function setSecurityHeaders(res: ServerResponse): void {
  res.setHeader('cache-control', 'no-store');
  res.setHeader('content-security-policy', "default-src 'none'; frame-ancestors 'none'");
  res.setHeader('x-frame-options', 'DENY');
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('referrer-policy', 'no-referrer');
  res.setHeader('cross-origin-resource-policy', 'same-origin');
}

export const securityHeaders: RequestHandler = (_req, res, next) => {
  setSecurityHeaders(res);
  next();
};

/** CORS for the configured origins only; answers their preflights before authentication. */
export function cors(origins: readonly string[]): RequestHandler {
  const allowed = new Set(origins);
  return (req, res, next) => {
    const origin = req.get('origin');
    if (allowed.size === 0 || origin === undefined || !allowed.has(origin)) return next();
    res.set({ 'access-control-allow-origin': origin, 'access-control-expose-headers': 'retry-after' });
    res.vary('origin');
    if (req.method === 'OPTIONS' && req.get('access-control-request-method')) {
      res.set({
        'access-control-allow-methods': 'GET, PUT, POST, DELETE',
        'access-control-allow-headers': 'authorization, content-type',
        'access-control-max-age': '600',
      });
      res.status(204).end();
      return;
    }
    next();
  };
}

/**
 * Requests with a body must send JSON, in UTF-8 (RFC 8259 §8.1): a `charset` parameter other than
 * utf-8 is refused, where the body parser would decode utf-16 and other `utf-` charsets.
 */
export const requireJson: RequestHandler = (req, res, next) => {
  const hasBody = req.get('transfer-encoding') !== undefined || (req.get('content-length') ?? '0') !== '0';
  if (req.method === 'PUT' || hasBody) {
    if (!req.is('application/json')) {
      return sendError(
        res,
        new ApiError('UNSUPPORTED_MEDIA_TYPE', 'send the request body as JSON with Content-Type: application/json')
      );
    }
    const charset = /;\s*charset\s*=\s*(?:"([^"]*)"|([^;\s]*))/i.exec(req.get('content-type') ?? '');
    if (charset && !/^utf-8$/i.test(charset[1] ?? charset[2] ?? '')) {
      return sendError(
        res,
        new ApiError('UNSUPPORTED_MEDIA_TYPE', 'the request body must be UTF-8 JSON: send no charset, or charset=utf-8')
      );
    }
  }
  next();
};

/**
 * Optional protection of /metrics with `metricsAuth` from the config (bearer token or basic auth): a
 * guard that returns true to serve the request, or answers 401 or 429 itself and returns false.
 */
export function metricsAuth(
  config: ExporterConfig['metricsAuth'],
  log: Logger
): (req: IncomingMessage, res: ServerResponse) => boolean {
  if (!config) return () => true;
  const limiter = new FailureLimiter(30);
  const expected = config.type === 'bearer' ? config.token : `${config.username}:${config.password}`;
  registerSecret(config.type === 'bearer' ? config.token : config.password);
  registerSecret(expected);
  const scheme = config.type === 'bearer' ? /^Bearer[ ]+(\S+)[ ]*$/i : /^Basic[ ]+([A-Za-z0-9+/=]+)[ ]*$/i;
  const challenge =
    config.type === 'bearer' ? 'Bearer realm="nexus-metrics"' : 'Basic realm="nexus-metrics", charset="UTF-8"';
  const refuse = (res: ServerResponse, status: number, headers: Record<string, string>, text: string) => {
    res.statusCode = status;
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    res.setHeader('content-type', 'text/plain; charset=utf-8');
    res.end(text);
    return false;
  };
  return (req, res) => {
    const ip = peerIp(req);
    const wait = limiter.retryAfter(ip);
    if (wait !== undefined)
      return refuse(res, 429, { 'retry-after': String(wait) }, 'too many failed authentication attempts\n');
    const m = scheme.exec(req.headers.authorization ?? '');
    const given = m ? (config.type === 'bearer' ? m[1]! : Buffer.from(m[1]!, 'base64').toString('utf8')) : undefined;
    if (given !== undefined && constantTimeEqual(given, expected)) return true;
    if (given !== undefined && limiter.fail(ip))
      log.warn({ ip }, '/metrics: too many wrong credentials from this address; refusing it for a minute');
    return refuse(res, 401, { 'www-authenticate': challenge }, 'unauthorized\n');
  };
}
