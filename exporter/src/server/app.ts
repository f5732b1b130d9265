// The HTTP layer, kept thin: it only reads what the exporter already has. /metrics never calls a
// provider; it writes the cached exposition (gzip-compressed when the scraper accepts it). These few
// read-only routes are plain node:http. The admin API under /api/v1 and the OTLP receiver's
// POST /v1/metrics are express apps, loaded only when they are enabled (the receiver's only on its first
// request): express, the admin code and protobufjs are megabytes of an idle exporter's memory
// (docs/performance.md), and most exporters never turn them on.
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Exporter } from '../exporter.js';
import { acceptsGzip, sendExposition } from '../metrics/prometheus.js';
import { adminToken, metricsAuth, setSecurityHeaders } from './api/auth.js';
import { ApiError, sendError } from './api/errors.js';

const ADMIN_PREFIX = '/api/v1';
const OTLP_PATH = '/v1/metrics';

const INDEX =
  '<html><head><title>Nexus exporter</title></head><body><h1>Nexus exporter</h1><p><a href="/metrics">Metrics</a> · <a href="/readyz">Readiness</a></p></body></html>';

/** The exporter's request listener. Resolves once the admin API, when enabled, is loaded. */
export async function createApp(exporter: Exporter): Promise<RequestListener> {
  // Before anything is served: a token that is too short stops the start (adminToken throws).
  const admin = adminToken(exporter.config) ? (await import('./api/index.js')).adminApp(exporter) : adminDisabled;
  const guard = metricsAuth(exporter.config.metricsAuth, exporter.log);

  const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void | Promise<void>> = {
    // Only /metrics is protected (metricsAuth); health probes stay open for orchestrators.
    '/metrics': async (req, res) => {
      if (guard(req, res))
        sendExposition(res, await exporter.prometheus.exposition(acceptsGzip(req.headers['accept-encoding'])));
    },
    '/healthz': (_req, res) => send(res, 200, 'application/json; charset=utf-8', JSON.stringify({ status: 'ok' })),
    '/readyz': (_req, res) => {
      const { ready, checks } = exporter.readiness();
      send(
        res,
        ready ? 200 : 503,
        'application/json; charset=utf-8',
        JSON.stringify({ status: ready ? 'ready' : 'not ready', checks })
      );
    },
    '/': (_req, res) => send(res, 200, 'text/html; charset=utf-8', INDEX),
  };

  return (req, res) => {
    res.setHeader('x-content-type-options', 'nosniff');
    const path = pathOf(req.url ?? '/');
    if (path === ADMIN_PREFIX || path.startsWith(`${ADMIN_PREFIX}/`)) {
      admin(req, res);
      return;
    }
    // OTLP/HTTP metrics from the apps (receiver/), only when `receiver.enabled`.
    if (path === OTLP_PATH && exporter.receiver) {
      exporter.receiver.handle(req, res);
      return;
    }
    const route = routes[path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path];
    if (!route) return send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
    }
    void (async () => {
      try {
        await route(req, res);
      } catch (e) {
        exporter.log.error({ err: e, path }, 'request failed');
        if (res.headersSent) res.destroy();
        else send(res, 500, 'text/plain; charset=utf-8', 'internal error; see the exporter log\n');
      }
    })();
  };
}

/** The admin API's answer when it is off, in its own error shape, without loading it. */
function adminDisabled(_req: IncomingMessage, res: ServerResponse): void {
  setSecurityHeaders(res);
  sendError(
    res,
    new ApiError('NOT_FOUND', 'the admin API is disabled; set NEXUS_ADMIN_TOKEN or admin.token to enable it')
  );
}

function pathOf(url: string): string {
  const end = url.search(/[?#]/);
  return end === -1 ? url : url.slice(0, end);
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.statusCode = status;
  res.setHeader('content-type', contentType);
  res.setHeader('content-length', Buffer.byteLength(body));
  res.end(body);
}
