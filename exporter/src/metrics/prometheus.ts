// /metrics: three parts, rendered separately and written one after the other:
//   - data: provider snapshots, budgets and build info (exposition.ts). Each account snapshot is
//     rendered once, after a poll swaps it in; a data version is a list of cached segments, so one
//     account's poll does not re-render the other accounts' series.
//   - health: calls, errors, polls, through prom-client; re-rendered only when one of them changed.
//   - process: prom-client's default process and Node.js metrics, small, rendered per scrape.
// A scrape writes cached buffers plus the fresh process part. With gzip the data and health parts are
// kept deflated as well and only the process part is compressed per scrape (exposition.ts explains
// how the pieces form one gzip member). Nothing here calls a provider.
import type { ServerResponse } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { CATALOG, HTTP_DURATION_BUCKETS, labelNames, type MetricDef, type MetricName } from './catalog.js';
import { SnapshotExposition, gzipFromPieces, gzipPart, type GzipPart, type SnapshotRenderStats } from './exposition.js';
import type { MetricsModel } from './model.js';
import { labelsKey } from '../poll/ledger.js';
import type { Labels } from '../providers/types.js';

export const PROMETHEUS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

/** A rendered exposition: buffers to write in order, and their total length. */
export interface Exposition {
  parts: Buffer[];
  length: number;
  gzip: boolean;
}

export interface RenderStats extends SnapshotRenderStats {
  /** Times the health registry was rendered (once per health change that a scrape saw). */
  healthRenders: number;
  /** Times the process registry was rendered (once per scrape). */
  processRenders: number;
}

/** A part of /metrics rendered by its owner (the OTLP receiver's series), asked for its text per scrape. */
export interface ExpositionPart {
  /** The text, in buffers to write in order. */
  render(): Buffer[];
}

export class PrometheusOutput {
  private readonly health = new Registry();
  private readonly process = new Registry();
  private readonly data = new SnapshotExposition(CATALOG.filter((d) => d.part === 'data' || d.part === 'info'));
  private readonly parts: ExpositionPart[] = [];
  private healthCache?: { version: number; text: Buffer; gzip?: GzipPart };
  private readonly counts = { healthRenders: 0, processRenders: 0 };

  constructor(private readonly model: MetricsModel) {
    for (const def of CATALOG) if (def.part === 'health') registerHealth(this.health, model, def);
    collectDefaultMetrics({ register: this.process });
  }

  /** Adds a part written after the health metrics (the receiver's, when it is enabled). */
  attach(part: ExpositionPart): void {
    this.parts.push(part);
  }

  /** How often each part was rendered: a scrape of unchanged data renders only the process part. */
  get stats(): RenderStats {
    return { ...this.data.stats, ...this.counts };
  }

  /** The full exposition, gzip-compressed or not. */
  async exposition(gzip: boolean): Promise<Exposition> {
    const health = await this.healthPart();
    const processText = Buffer.from(await this.process.metrics());
    this.counts.processRenders++;
    // Synchronous from here on, so the data part is one coherent version of the model.
    const version = this.model.dataVersion;
    const snapshots = this.model.snapshotList();
    const attached = this.parts.flatMap((p) => p.render());
    if (!gzip)
      return exposition([...this.data.textOf(version, snapshots).parts, health.text, ...attached, processText], false);
    return exposition(
      gzipFromPieces([
        this.data.gzipOf(version, snapshots),
        (health.gzip ??= gzipPart(health.text)),
        ...attached.map(gzipPart),
        gzipPart(processText),
      ]),
      true
    );
  }

  /** The full exposition as text (`once`, tests). */
  async render(): Promise<string> {
    return Buffer.concat((await this.exposition(false)).parts).toString('utf8');
  }

  private async healthPart(): Promise<{ text: Buffer; gzip?: GzipPart }> {
    const version = this.model.healthVersion;
    if (this.healthCache?.version !== version) {
      this.healthCache = { version, text: Buffer.from(await this.health.metrics()) };
      this.counts.healthRenders++;
    }
    return this.healthCache;
  }
}

function exposition(parts: Buffer[], gzip: boolean): Exposition {
  const nonEmpty = parts.filter((p) => p.length > 0);
  return { parts: nonEmpty, length: nonEmpty.reduce((n, p) => n + p.length, 0), gzip };
}

/** Health metrics are prom-client metrics whose collect() reads the model; the histogram records calls. */
function registerHealth(registry: Registry, model: MetricsModel, def: MetricDef): void {
  const common = { name: def.name, help: def.help, labelNames: labelNames(def), registers: [registry] };
  const name = def.name as MetricName;
  if (def.type === 'histogram') {
    const h = new Histogram({ ...common, buckets: HTTP_DURATION_BUCKETS });
    // prom-client removes a series by its full label set only, so the sets observed are kept to
    // remove every series of an account (each endpoint and code) when it is deleted.
    const observed = new Map<string, Labels>();
    model.onDuration((labels, seconds) => {
      h.observe(labels, seconds);
      const key = labelsKey(labels);
      if (!observed.has(key)) observed.set(key, labels);
    });
    model.onRemove((account) => {
      for (const [key, labels] of observed) {
        if (labels.provider !== account.provider || labels.account !== account.account) continue;
        h.remove(labels);
        observed.delete(key);
      }
    });
  } else if (def.type === 'counter') {
    new Counter({
      ...common,
      collect() {
        this.reset();
        for (const s of model.series(name)) this.inc(s.labels, s.value);
      },
    });
  } else {
    new Gauge({
      ...common,
      collect() {
        this.reset();
        for (const s of model.series(name)) this.set(s.labels, s.value);
      },
    });
  }
}

/**
 * Whether a request's Accept-Encoding asks for gzip: gzip (or x-gzip, or *) with q > 0 and at least
 * the quality of identity, which when not listed gets the lowest listed quality (as `negotiator` does).
 */
export function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  let gzip: number | undefined;
  let identity: number | undefined;
  let star: number | undefined;
  let lowest = 1;
  for (const item of header.split(',')) {
    const [coding = '', ...params] = item.split(';');
    const name = coding.trim().toLowerCase();
    if (!name) continue;
    let q = 1;
    for (const p of params) {
      const m = /^\s*q\s*=\s*([0-9.]+)\s*$/i.exec(p);
      if (m) q = Number(m[1]);
    }
    if (!Number.isFinite(q)) q = 0;
    lowest = Math.min(lowest, q);
    if (name === 'gzip' || name === 'x-gzip') gzip = Math.max(gzip ?? 0, q);
    else if (name === 'identity') identity = q;
    else if (name === '*') star = q;
  }
  const qGzip = gzip ?? star ?? 0;
  return qGzip > 0 && qGzip >= (identity ?? star ?? lowest);
}

/** Writes an exposition as the whole response: a buffer write, no re-encoding, no ETag hashing. */
export function sendExposition(res: ServerResponse, e: Exposition): void {
  res.statusCode = 200;
  res.setHeader('content-type', PROMETHEUS_CONTENT_TYPE);
  res.setHeader('content-length', e.length);
  res.setHeader('vary', 'Accept-Encoding');
  if (e.gzip) res.setHeader('content-encoding', 'gzip');
  res.cork();
  for (const part of e.parts) res.write(part);
  res.end();
}
