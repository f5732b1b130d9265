// A benchmark target: one child process per measured server, so that its RSS and CPU are its own and
// not the load generator's. The parent (run.ts) passes a JSON spec as argv[2] and talks over IPC:
// the child sends {type: 'ready', url} once listening, then answers {id, cmd} with {id, result}.
//   nexus  the real exporter (runExporter, express, /metrics) holding synthetic accounts
//   live   nexus plus an OpenAI simulator account polled every second and a synthetic swap every second
//   bare   what a straightforward exporter does: prom-client Gauge/Counter objects, registry.metrics() per scrape
//   floor  an HTTP server writing an already rendered buffer of the same exposition
//   otlp   the exporter's OTLP output over a model of synthetic accounts, exporting on command
//   receiver  the real exporter with synthetic provider data and the OTLP receiver enabled (or not)
// (The idle benchmark runs the built CLI itself, not a target: idle.ts.)
// Each mode imports only what it uses, so that a mode's RSS does not include modules it never runs.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Counter, Gauge, Histogram } from 'prom-client';
import type { MetricName } from '../exporter/src/metrics/catalog.js';
import type { MetricsModel } from '../exporter/src/metrics/model.js';
import type { ExporterConfig } from '../exporter/src/config/schema.js';
import type { OpenAISimulator } from '../exporter/src/simulators/openai.js';
import { accountHealth, accountSamples, owner, shapeFor, type Shape } from './synthetic.js';

export type TargetSpec =
  | { mode: 'nexus' | 'live' | 'bare' | 'floor'; series: number }
  | { mode: 'otlp'; series: number; endpoint: string }
  | { mode: 'receiver'; series: number; receiver: boolean };

export interface ProcessStats {
  rss: number;
  /** Peak RSS (VmHWM), when /proc is available. */
  peakRss?: number;
  heapUsed: number;
  cpuMs: number;
  /** CPU of the main thread alone (the event loop: JavaScript and the GC work done on it), when /proc has it. */
  mainThreadCpuMs?: number;
}

type Handler = (msg: Record<string, unknown>) => unknown;
const handlers = new Map<string, Handler>();
const cleanups: Array<() => Promise<void> | void> = [];

/** CPU only (process and main thread), cheap enough to ask between requests. */
function cpuStats(): { cpuMs: number; mainThreadCpuMs?: number } {
  const cpu = process.cpuUsage();
  let mainThreadCpuMs: number | undefined;
  try {
    // schedstat: nanoseconds on a CPU, for the thread whose id is the process id (the main thread).
    mainThreadCpuMs = Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
  } catch {
    // not Linux
  }
  return { cpuMs: (cpu.user + cpu.system) / 1000, mainThreadCpuMs };
}

function stats(): ProcessStats {
  const m = process.memoryUsage();
  const cpu = process.cpuUsage();
  let peakRss: number | undefined;
  try {
    const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    if (kb) peakRss = Number(kb) * 1024;
  } catch {
    // not Linux
  }
  return {
    rss: m.rss,
    peakRss,
    heapUsed: m.heapUsed,
    cpuMs: (cpu.user + cpu.system) / 1000,
    mainThreadCpuMs: cpuStats().mainThreadCpuMs,
  };
}

/** Fills a model with the synthetic accounts' data and health. */
function fill(model: MetricsModel, shape: Shape): void {
  for (let i = 0; i < shape.accounts; i++) {
    model.swapSnapshot(owner(i), accountSamples(i, shape));
    const h = accountHealth(i);
    for (const g of h.gauges) model.setHealth(g.metric, g.labels, g.value);
    for (const c of h.counters) model.incHealth(c.metric, c.labels, c.value);
    for (const [labels, seconds] of h.durations) model.observeDuration(labels, seconds);
  }
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  });
}

async function nexus(series: number, live: boolean): Promise<string> {
  const [{ configSchema }, { silentLogger }, { runExporter }, { OpenAISimulator }] = await Promise.all([
    import('../exporter/src/config/schema.js'),
    import('../exporter/src/log.js'),
    import('../exporter/src/server/listen.js'),
    import('../exporter/src/simulators/openai.js'),
  ]);
  const shape = shapeFor(series);
  const stateDir = mkdtempSync(join(tmpdir(), 'nexus-bench-'));
  cleanups.push(() => rmSync(stateDir, { recursive: true, force: true }));
  let sim: OpenAISimulator | undefined;
  const providers: Record<string, unknown> = {};
  if (live) {
    const adminKey = 'sk-admin-bench-000000000000000000';
    sim = new OpenAISimulator({ adminKey, stringAmounts: true, scale: 5 });
    const url = await sim.start();
    providers.openai = [{ account: 'live', adminKey, baseUrl: `${url}/v1`, pollIntervalSeconds: 3600 }];
    cleanups.push(() => sim!.stop());
  }
  const config = configSchema.parse({ listen: '127.0.0.1:0', stateDir, providers }) as ExporterConfig;
  const running = await runExporter(config, { log: silentLogger, ephemeral: true });
  cleanups.unshift(() => running.close());
  const { model } = running.exporter;
  fill(model, shape);
  let generation = 0;
  let next = 0;
  const swap = () => {
    const i = next++ % shape.accounts;
    if (i === 0) generation++;
    model.swapSnapshot(owner(i), accountSamples(i, shape, generation));
    return model.dataVersion;
  };
  handlers.set('swap', () => ({ dataVersion: swap() }));
  handlers.set('render-stats', () => running.exporter.prometheus.stats);
  if (live) {
    const poller = running.exporter.pollers.get('openai/live')!;
    let polls = 0;
    let swaps = 0;
    let pollTimer: NodeJS.Timeout | undefined;
    let swapTimer: NodeJS.Timeout | undefined;
    handlers.set('live-start', () => {
      pollTimer = setInterval(() => void poller.pollNow().then(() => polls++), 1000);
      setTimeout(() => {
        swapTimer = setInterval(() => {
          swap();
          swaps++;
        }, 1000);
      }, 500);
      return { dataVersion: model.dataVersion };
    });
    handlers.set('live-stop', () => {
      clearInterval(pollTimer);
      clearInterval(swapTimer);
      return {
        polls,
        swaps,
        dataVersion: model.dataVersion,
        simulatorRequests: sim!.requestCount,
        render: running.exporter.prometheus.stats,
      };
    });
  }
  return running.url;
}

async function bare(series: number): Promise<string> {
  const [
    { Counter, Gauge, Histogram, Registry, collectDefaultMetrics },
    { CATALOG, HTTP_DURATION_BUCKETS, labelNames },
    { PROMETHEUS_CONTENT_TYPE, acceptsGzip },
    { gzip: gzipAsync },
    { promisify },
  ] = await Promise.all([
    import('prom-client'),
    import('../exporter/src/metrics/catalog.js'),
    import('../exporter/src/metrics/prometheus.js'),
    import('node:zlib'),
    import('node:util'),
  ]);
  const shape = shapeFor(series);
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const gauges = new Map<string, Gauge>();
  const counters = new Map<string, Counter>();
  let histogram: Histogram | undefined;
  for (const def of CATALOG) {
    if (def.part === 'receiver') continue; // off unless enabled, as in the exporter
    const common = { name: def.name, help: def.help, labelNames: labelNames(def), registers: [registry] };
    if (def.type === 'histogram') histogram = new Histogram({ ...common, buckets: HTTP_DURATION_BUCKETS });
    else if (def.type === 'counter') counters.set(def.name, new Counter(common));
    else gauges.set(def.name, new Gauge(common));
  }
  const set = (metric: MetricName, labels: Record<string, string>, value: number) => {
    const c = counters.get(metric);
    if (c) c.inc(labels, value);
    else gauges.get(metric)!.set(labels, value);
  };
  for (let i = 0; i < shape.accounts; i++) {
    for (const s of accountSamples(i, shape)) set(s.metric, s.labels, s.value);
    const h = accountHealth(i);
    for (const s of [...h.gauges, ...h.counters]) set(s.metric, s.labels, s.value);
    for (const [labels, seconds] of h.durations) histogram!.observe(labels, seconds);
  }
  const gzip = promisify(gzipAsync);
  const server = createServer((req, res) => {
    void (async () => {
      const text = await registry.metrics();
      res.setHeader('content-type', PROMETHEUS_CONTENT_TYPE);
      if (acceptsGzip(req.headers['accept-encoding'])) {
        res.setHeader('content-encoding', 'gzip');
        res.end(await gzip(text));
      } else {
        res.end(text);
      }
    })();
  });
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  return listen(server);
}

async function floor(series: number): Promise<string> {
  const [{ MetricsModel }, { PROMETHEUS_CONTENT_TYPE, PrometheusOutput, acceptsGzip }, { gzipSync }] =
    await Promise.all([
      import('../exporter/src/metrics/model.js'),
      import('../exporter/src/metrics/prometheus.js'),
      import('node:zlib'),
    ]);
  const model = new MetricsModel();
  fill(model, shapeFor(series));
  const text = Buffer.from(await new PrometheusOutput(model).render());
  const gz = gzipSync(text);
  const server = createServer((req, res) => {
    res.setHeader('content-type', PROMETHEUS_CONTENT_TYPE);
    if (acceptsGzip(req.headers['accept-encoding'])) {
      res.setHeader('content-encoding', 'gzip');
      res.end(gz);
    } else {
      res.end(text);
    }
  });
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  return listen(server);
}

async function otlp(series: number, endpoint: string): Promise<string> {
  const [{ MetricsModel }, { OtlpOutput }, { VERSION }] = await Promise.all([
    import('../exporter/src/metrics/model.js'),
    import('../exporter/src/metrics/otlp.js'),
    import('../exporter/src/version.js'),
  ]);
  const model = new MetricsModel();
  // Before filling: the OTLP histogram records call durations as they are observed. No protocol: the
  // default users get, http/protobuf (config/otlp.ts); the report shows the Content-Type sent.
  const output = new OtlpOutput(model, { endpoint, intervalSeconds: 3600 }, VERSION);
  fill(model, shapeFor(series));
  handlers.set('export', async () => {
    const cpu = process.cpuUsage();
    const started = performance.now();
    await output.flush();
    const used = process.cpuUsage(cpu);
    return { cpuMs: (used.user + used.system) / 1000, wallMs: performance.now() - started };
  });
  cleanups.push(() => output.shutdown());
  return endpoint;
}

/** The exporter with `series` synthetic provider series, and the OTLP receiver when `receiver`. */
async function receiverTarget(series: number, receiver: boolean): Promise<string> {
  const [{ configSchema }, { silentLogger }, { runExporter }] = await Promise.all([
    import('../exporter/src/config/schema.js'),
    import('../exporter/src/log.js'),
    import('../exporter/src/server/listen.js'),
  ]);
  const stateDir = mkdtempSync(join(tmpdir(), 'nexus-bench-'));
  cleanups.push(() => rmSync(stateDir, { recursive: true, force: true }));
  const config = configSchema.parse({
    listen: '127.0.0.1:0',
    stateDir,
    receiver: { enabled: receiver, maxSeries: 20_000 },
  }) as ExporterConfig;
  const running = await runExporter(config, { log: silentLogger, ephemeral: true });
  cleanups.unshift(() => running.close());
  fill(running.exporter.model, shapeFor(series));
  handlers.set('render-stats', () => running.exporter.prometheus.stats);
  handlers.set('receiver-stats', () => {
    const r = running.exporter.receiver;
    if (!r) return undefined;
    return {
      series: r.ingestor.series.size,
      streams: r.ingestor.streamCount,
      accepted: r.stats.accepted,
      dropped: Object.fromEntries(r.stats.dropped),
      requests: Object.fromEntries(r.stats.requests),
    };
  });
  return running.url;
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '{}') as TargetSpec;
  handlers.set('stats', () => stats());
  handlers.set('cpu', () => cpuStats());
  // With --expose-gc (investigations): memory after a full collection, by V8 heap space.
  handlers.set('heap', async () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    const { getHeapSpaceStatistics } = await import('node:v8');
    const spaces = getHeapSpaceStatistics();
    return {
      ...process.memoryUsage(),
      used: Object.fromEntries(spaces.map((s) => [s.space_name, s.space_used_size])),
      committed: Object.fromEntries(spaces.map((s) => [s.space_name, s.physical_space_size])),
    };
  });
  handlers.set('stop', async () => {
    for (const c of cleanups) await c();
    setImmediate(() => process.exit(0));
    return {};
  });
  let url: string;
  switch (spec.mode) {
    case 'nexus':
    case 'live':
      url = await nexus(spec.series, spec.mode === 'live');
      break;
    case 'bare':
      url = await bare(spec.series);
      break;
    case 'floor':
      url = await floor(spec.series);
      break;
    case 'otlp':
      url = await otlp(spec.series, spec.endpoint);
      break;
    case 'receiver':
      url = await receiverTarget(spec.series, spec.receiver);
      break;
  }
  process.on('message', (msg: Record<string, unknown>) => {
    const handler = handlers.get(String(msg.cmd));
    void (async () => {
      try {
        if (!handler) throw new Error(`unknown command ${String(msg.cmd)}`);
        process.send!({ id: msg.id, result: await handler(msg) });
      } catch (e) {
        process.send!({ id: msg.id, error: e instanceof Error ? e.message : String(e) });
      }
    })();
  });
  process.on('disconnect', () => process.exit(0));
  process.send!({ type: 'ready', url });
}

await main();
