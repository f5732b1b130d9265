// The HTTP layer, kept thin: it only reads what the exporter already has. /metrics never calls a
// provider; it writes the cached exposition (gzip-compressed when the scraper accepts it).
import express, { type Express } from 'express';
import type { Exporter } from '../exporter.js';
import { acceptsGzip, sendExposition } from '../metrics/prometheus.js';
import { adminApi } from './api/index.js';
import { metricsAuth } from './api/auth.js';

export function createApp(exporter: Exporter, mount?: (app: Express) => void): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use((_req, res, next) => {
    res.set('x-content-type-options', 'nosniff');
    next();
  });

  // Only /metrics is protected (metricsAuth); health probes stay open for orchestrators.
  app.get('/metrics', metricsAuth(exporter.config.metricsAuth, exporter.log), async (req, res, next) => {
    try {
      sendExposition(res, await exporter.prometheus.exposition(acceptsGzip(req.get('accept-encoding'))));
    } catch (e) {
      next(e);
    }
  });
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', (_req, res) => {
    const { ready, checks } = exporter.readiness();
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', checks });
  });
  app.get('/', (_req, res) => {
    res.type('html').send('<html><head><title>Nexus exporter</title></head><body><h1>Nexus exporter</h1><p><a href="/metrics">Metrics</a> · <a href="/readyz">Readiness</a></p></body></html>');
  });
  app.use('/api/v1', adminApi(exporter));
  // OTLP/HTTP metrics from the apps (receiver/), only when `receiver.enabled`.
  exporter.receiver?.mount(app);
  mount?.(app);
  return app;
}
