// The benchmark suite (`npm run bench`; not part of `npm test`). Writes bench/results.json and prints
// its report (report.ts), the same markdown `npm run bench:readme` puts in docs/performance.md. Every server
// measured runs in a child process of its own and all load goes to 127.0.0.1. Options: --quick
// (shorter runs), --only=scrape,concurrent,poll,otlp,idle,receiver, --node-args='...' (Node flags for the
// targets instead of the exporter's runtime settings, exporter/src/runtime.ts, and without its
// environment; for idle an extra variant).
//   scrape      GET /metrics at about 1k, 10k and 100k series, with and without gzip: Nexus, a bare
//               prom-client registry with the same series, and the floor (a prerendered buffer)
//   concurrent  50 scrapers for 10 s at 10k series while an account polls and snapshots swap
//   poll        provider calls per poll in steady state, per provider, after a warm start
//   otlp        CPU and payload of one OTLP export at 10k series in the default protocol (http/protobuf),
//               to a loopback receiver that decodes it
//   idle        RSS and CPU of the exporter polling five providers × three accounts, started the way
//               users start it, and where its memory goes (idle.ts)
//   receiver    OTLP ingest throughput and memory per series at 1k and 10k active series (receiver.ts)
//   soak        a simulated day of five providers with random faults, scrapes and admin writes (soak.ts; --seed=N)
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, totalmem } from 'node:os';
import { gunzipSync } from 'node:zlib';
import type { RenderStats } from '../exporter/src/metrics/prometheus.js';
import { NODE_FLAGS, RUNTIME_ENV } from '../exporter/src/runtime.js';
import { idleBench } from './idle.js';
import { build } from './lib/build.js';
import { Target } from './lib/child.js';
import { concurrent, newAgent, scrape, sequential } from './lib/load.js';
import { mb, summarize } from './lib/stats.js';
import { pollCosts } from './poll-cost.js';
import { decodeRequest, encodeResponse } from '../exporter/src/receiver/otlp.js';
import { receiverBench } from './receiver.js';
import {
  SERVERS,
  renderReport,
  targets,
  type BenchResults,
  type ConcurrentResult,
  type ConcurrentRow,
  type OtlpResult,
  type ScrapeRow,
} from './report.js';
import { soakBench } from './soak.js';
import { shapeFor } from './synthetic.js';

const args = process.argv.slice(2);
const QUICK = args.includes('--quick');
const ONLY = args
  .find((a) => a.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',');
/** Node flags and environment for the targets: the exporter's runtime settings unless --node-args says otherwise (tuning experiments). */
const CUSTOM_ARGS = args
  .find((a) => a.startsWith('--node-args='))
  ?.slice('--node-args='.length)
  .split(' ')
  .filter(Boolean);
const NODE_ARGS = CUSTOM_ARGS ?? [...NODE_FLAGS];
const NODE_ENV: Record<string, string> = CUSTOM_ARGS ? {} : { ...RUNTIME_ENV };
const start = (spec: Parameters<typeof Target.start>[0]) => Target.start(spec, 120_000, NODE_ARGS, NODE_ENV);
const enabled = (name: string) => !ONLY || ONLY.includes(name);
const SIZES = [1_000, 10_000, 100_000];

const results: BenchResults = {
  startedAt: new Date().toISOString(),
  machine: {
    cpus: cpus().length,
    model: cpus()[0]?.model,
    memoryMb: Math.round(mb(totalmem())),
    node: process.version,
    loadAverageAtStart: loadavg(),
  },
  options: { quick: QUICK, only: ONLY ?? 'all', nodeArgs: NODE_ARGS, nodeEnv: NODE_ENV },
};

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

async function scrapeBench(): Promise<ScrapeRow[]> {
  const rows: ScrapeRow[] = [];
  for (const series of SIZES) {
    for (const server of SERVERS) {
      log(`scrape: ${server} at ${series} series`);
      const target = await start({ mode: server, series });
      try {
        const url = `${target.url}/metrics`;
        const agent = newAgent();
        const big = series >= 100_000;
        const slow = server === 'bare' && big;
        const count = QUICK ? (big ? 20 : 60) : big ? 60 : series >= 10_000 ? 200 : 300;
        const maxMs = QUICK ? 4_000 : slow ? 15_000 : 10_000;
        // Warm-up: the first scrape of each encoding renders; the JIT and the heap settle.
        const warmup = performance.now() + (slow ? 3_000 : 1_500);
        for (let i = 0; i < 3 || performance.now() < warmup; i++)
          for (const gzip of [false, true]) await scrape(url, { gzip, agent });
        const beforeScrapes = server === 'nexus' ? await target.call<RenderStats>('render-stats') : undefined;
        const identity = await sequential(url, { gzip: false, agent, count, maxMs });
        const gzipped = await sequential(url, { gzip: true, agent, count, maxMs });
        if (gzipped.some((r) => r.encoding !== 'gzip')) throw new Error(`${server} did not answer gzip`);
        const st = await target.stats();
        const row: ScrapeRow = {
          series,
          server,
          identity: summarize(identity.map((r) => r.ms)),
          gzip: summarize(gzipped.map((r) => r.ms)),
          bytes: identity.at(-1)!.bytes,
          gzipBytes: gzipped.at(-1)!.bytes,
          rssMb: mb(st.rss),
          peakRssMb: st.peakRss === undefined ? undefined : mb(st.peakRss),
        };
        if (server === 'nexus') {
          const afterScrapes = await target.call<RenderStats>('render-stats');
          // The two encodings agree (the process part aside, which is rendered per scrape).
          const plain = (await scrape(url, { gzip: false, agent, keepBody: true })).body!.toString('utf8');
          const unzipped = gunzipSync((await scrape(url, { gzip: true, agent, keepBody: true })).body!).toString(
            'utf8'
          );
          const cut = (t: string) => t.slice(0, t.indexOf('# HELP process_'));
          if (cut(plain) !== cut(unzipped) || cut(plain).length === 0)
            throw new Error('gzip and identity bodies differ');
          const after: number[] = [];
          for (let i = 0; i < (QUICK ? 5 : big ? 15 : 30); i++) {
            await target.call('swap');
            after.push((await scrape(url, { gzip: true, agent })).ms);
          }
          row.afterSwap = summarize(after);
          row.render = {
            beforeScrapes: beforeScrapes!,
            afterScrapes,
            afterSwaps: await target.call<RenderStats>('render-stats'),
          };
        }
        agent.destroy();
        rows.push(row);
      } finally {
        await target.stop();
      }
    }
  }
  return rows;
}

/** 50 scrapers for `durationMs` per encoding against a running target. */
async function load(server: ConcurrentRow['server'], url: string): Promise<ConcurrentRow[]> {
  const agent = newAgent();
  const warmup = performance.now() + 1_000;
  for (let i = 0; i < 3 || performance.now() < warmup; i++)
    for (const gzip of [true, false]) await scrape(url, { gzip, agent });
  agent.destroy();
  const rows: ConcurrentRow[] = [];
  for (const gzip of [true, false]) {
    const r = await concurrent(url, { gzip, concurrency: 50, durationMs: QUICK ? 4_000 : 10_000 });
    rows.push({
      server,
      encoding: gzip ? 'gzip' : 'identity',
      concurrency: 50,
      seconds: r.elapsedMs / 1000,
      throughput: r.latencies.length / (r.elapsedMs / 1000),
      latency: summarize(r.latencies),
      errors: r.errors,
    });
  }
  return rows;
}

async function concurrentBench(): Promise<ConcurrentResult> {
  log('concurrent: 50 scrapers at 10k series while polling');
  const rows: ConcurrentRow[] = [];
  let live: ConcurrentResult['live'];
  let rssMb: number;
  const target = await start({ mode: 'live', series: 10_000 });
  try {
    await target.call('live-start');
    rows.push(...(await load('nexus', `${target.url}/metrics`)));
    live = await target.call<ConcurrentResult['live']>('live-stop');
    rssMb = mb((await target.stats()).rss);
  } finally {
    await target.stop();
  }
  // The same load against a server that only writes a prerendered buffer: what this machine and load generator allow.
  log('concurrent: the floor under the same load');
  const floor = await start({ mode: 'floor', series: 10_000 });
  try {
    rows.push(...(await load('floor', `${floor.url}/metrics`)));
  } finally {
    await floor.stop();
  }
  return { rows, live, rssMb, series: shapeFor(10_000).series };
}

async function otlpBench(): Promise<OtlpResult> {
  log('otlp: exports at 10k series');
  const payloads: Array<{ bytes: number; contentType?: string; encoding?: string; points?: number }> = [];
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const entry: (typeof payloads)[number] = {
        bytes: body.length,
        contentType: req.headers['content-type'],
        encoding: req.headers['content-encoding'],
      };
      const encoding =
        entry.contentType === 'application/x-protobuf'
          ? 'protobuf'
          : entry.contentType === 'application/json'
            ? 'json'
            : undefined;
      if (payloads.length === 0 && !entry.encoding && encoding) {
        // Count the data points once, with the receiver's decoder (official .proto files), to show the
        // export carries every series.
        let points = 0;
        for (const rm of decodeRequest(body, encoding).resourceMetrics) {
          for (const sm of rm.scopeMetrics)
            for (const m of sm.metrics) points += (m.data ? m[m.data]?.dataPoints.length : 0) ?? 0;
        }
        entry.points = points;
      }
      payloads.push(entry);
      // An ExportMetricsServiceResponse in the request's encoding, as a collector answers.
      res
        .writeHead(200, { 'content-type': entry.contentType ?? 'application/json' })
        .end(encodeResponse(encoding ?? 'json'));
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/v1/metrics`;
  const target = await start({ mode: 'otlp', series: 10_000, endpoint });
  try {
    for (let i = 0; i < 2; i++) await target.call('export');
    const runs: Array<{ cpuMs: number; wallMs: number }> = [];
    for (let i = 0; i < (QUICK ? 8 : 20); i++) runs.push(await target.call('export'));
    const st = await target.stats();
    return {
      series: shapeFor(10_000).series,
      exports: runs.length,
      cpuMs: summarize(runs.map((r) => r.cpuMs)),
      wallMs: summarize(runs.map((r) => r.wallMs)),
      payloadBytes: payloads.at(-1)?.bytes,
      dataPoints: payloads[0]?.points,
      contentType: payloads[0]?.contentType,
      contentEncoding: payloads[0]?.encoding ?? 'none',
      rssMb: mb(st.rss),
    };
  } finally {
    await target.stop();
    await new Promise((r) => receiver.close(r));
  }
}

async function main(): Promise<void> {
  const mode =
    enabled('scrape') || enabled('concurrent') || enabled('otlp') || enabled('receiver') ? build() : undefined;
  if (mode) results.targetsRunAs = mode;
  log(
    `load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(
        ' '
      )}${mode ? `; benchmark targets run as ${mode === 'compiled' ? 'compiled JavaScript' : 'TypeScript under tsx'} with ${[...Object.entries(NODE_ENV).map(([k, v]) => `${k}=${v}`), ...NODE_ARGS].join(' ') || 'no settings'}` : ''}`
  );
  if (loadavg()[0]! > cpus().length / 2) log('warning: the machine is busy; timings will be noisy');
  if (enabled('scrape')) results.scrape = await scrapeBench();
  if (enabled('concurrent')) results.concurrent = await concurrentBench();
  if (enabled('poll')) {
    log('poll: provider calls per poll');
    results.poll = await pollCosts();
  }
  if (enabled('otlp')) results.otlp = await otlpBench();
  if (enabled('idle')) results.idle = await idleBench({ quick: QUICK, nodeArgs: CUSTOM_ARGS ?? [] });
  if (enabled('receiver'))
    results.receiver = await receiverBench(
      (spec, extra = []) => Target.start(spec, 120_000, [...NODE_ARGS, ...extra], NODE_ENV),
      QUICK,
      log
    );
  if (enabled('soak')) results.soak = await soakBench(args, QUICK, NODE_ARGS, NODE_ENV, log);
  results.loadAverageAtEnd = loadavg();
  results.finishedAt = new Date().toISOString();
  results.targets = targets(results);
  writeFileSync(new URL('./results.json', import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
  console.log(renderReport(results));
  log('wrote bench/results.json; `npm run bench:readme` puts this report in docs/performance.md');
}

await main();
