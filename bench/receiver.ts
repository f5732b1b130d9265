// The OTLP receiver under load (`npm run bench -- --only=receiver`): the real exporter in a child
// process (target.ts, mode `receiver`, with 10k series of synthetic provider data), fed protobuf
// ExportMetricsServiceRequests over HTTP on loopback, as the OpenTelemetry SDK sends them: one
// ResourceMetrics per service, 1,000 GenAI duration histogram points per request (the advised
// buckets), cumulative, every series growing each round. Measured at 1k and 10k active series:
//   - ingest throughput over the rounds after the first two (the first creates the series): points per
//     second of wall time, of the target's CPU (all its threads, V8's GC helpers included), and of its
//     main thread's CPU (Linux: the event loop that does all the receiving, i.e. the one core the
//     target is about), for the whole window and as the median of the rounds (steadier on a shared
//     machine);
//   - memory per active series: the target's heap after a full GC, before and after the first round;
//   - the provider-data scrape: /metrics with the receiver off and on (no client series yet), and the
//     render counters across the ingest with scrapes between rounds, which must not move (receiving
//     renders no provider data);
//   - /metrics with the client series in it (rendered per scrape).
// Requests are sent one after another: a stream's points must arrive in order.
import { Agent, request } from 'node:http';
import { encodeRequest } from '../exporter/src/receiver/otlp.js';
import { GENAI_DURATION_BUCKETS } from '../exporter/src/receiver/semconv.js';
import { kv, ns } from '../exporter/src/testing/otlp.js';
import type { RenderStats } from '../exporter/src/metrics/prometheus.js';
import type { Target } from './lib/child.js';
import type { TargetSpec } from './target.js';
import { newAgent, sequential } from './lib/load.js';
import { summarize, type Summary } from './lib/stats.js';

export const POINTS_PER_REQUEST = 1000;
const MODELS = 100;
const PROVIDER_SERIES = 10_000;

export interface ReceiverRow {
  activeSeries: number;
  rounds: number;
  points: number;
  requests: number;
  payloadBytes: number;
  wallMs: number;
  cpuMs: number;
  pointsPerSecond: number;
  pointsPerCpuSecond: number;
  /** Median over the measured rounds of each round's points per CPU second. */
  medianPointsPerCpuSecond: number;
  /** Points per second of the main thread's CPU (whole window, and median round), where /proc has it. */
  pointsPerMainThreadSecond?: number;
  medianPointsPerMainThreadSecond?: number;
  request: Summary;
  heapPerSeriesBytes: number;
  rssPerSeriesBytes: number;
  /** Full /metrics (identity) with the client series in it. */
  scrape: Summary;
  scrapeBytes: number;
  accepted: number;
  dropped: Record<string, number>;
}

export interface ReceiverResult {
  rows: ReceiverRow[];
  /** /metrics with 10k provider series, receiver off and on (before any client series). */
  providerScrape: { off: Summary; on: Summary };
  /** Render counters of the provider data, before and after the ingest: equal when receiving renders nothing. */
  renders: { before: RenderStats; after: RenderStats };
}

interface Heap {
  heapUsed: number;
  rss: number;
}

/** The requests of one round: `series` histogram series (model × service), all at time `timeMs`. */
function round(series: number, round: number, startMs: number, timeMs: number, prefix = 'service'): Buffer[] {
  const services = Math.ceil(series / MODELS);
  const bodies: Buffer[] = [];
  let resourceMetrics: Array<Record<string, unknown>> = [];
  let points = 0;
  const flush = () => {
    if (resourceMetrics.length) bodies.push(encodeRequest({ resourceMetrics }));
    resourceMetrics = [];
    points = 0;
  };
  for (let s = 0; s < services; s++) {
    const dataPoints = [];
    for (let m = 0; m < MODELS && s * MODELS + m < series; m++) {
      const counts = new Array<string>(GENAI_DURATION_BUCKETS.length + 1).fill('0');
      counts[(s + m) % 12] = String(round + 1);
      dataPoints.push({
        attributes: kv({
          'gen_ai.operation.name': 'chat',
          'gen_ai.provider.name': 'openai',
          'gen_ai.request.model': `model-${m}`,
          'gen_ai.response.model': `model-${m}-2026-01-01`,
          'server.address': 'api.openai.com',
          'server.port': 443,
        }),
        startTimeUnixNano: ns(startMs),
        timeUnixNano: ns(timeMs),
        count: String(round + 1),
        sum: (round + 1) * 0.75,
        bucketCounts: counts,
        explicitBounds: GENAI_DURATION_BUCKETS,
      });
    }
    resourceMetrics.push({
      resource: {
        attributes: kv({
          'service.name': `${prefix}-${s}`,
          'service.instance.id': `instance-${s}`,
          'telemetry.sdk.language': 'nodejs',
          'telemetry.sdk.name': 'opentelemetry',
          'telemetry.sdk.version': '2.12.0',
        }),
      },
      scopeMetrics: [
        {
          scope: { name: '@opentelemetry/instrumentation-openai', version: '0.21.0' },
          metrics: [
            {
              name: 'gen_ai.client.operation.duration',
              unit: 's',
              histogram: { aggregationTemporality: 2, dataPoints },
            },
          ],
        },
      ],
    });
    points += dataPoints.length;
    if (points >= POINTS_PER_REQUEST) flush();
  }
  flush();
  return bodies;
}

function post(url: string, agent: Agent, body: Buffer): Promise<{ ms: number; status: number; response: Buffer }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request(
      `${url}/v1/metrics`,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/x-protobuf', 'content-length': String(body.length) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ ms: performance.now() - started, status: res.statusCode ?? 0, response: Buffer.concat(chunks) })
        );
        res.on('error', reject);
      }
    );
    req.setTimeout(60_000, () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

async function heap(target: Target): Promise<Heap> {
  const h = await target.call<{ heapUsed: number; rss: number }>('heap');
  return { heapUsed: h.heapUsed, rss: h.rss };
}

async function scrapes(url: string, count: number): Promise<{ summary: Summary; bytes: number }> {
  const agent = newAgent();
  try {
    const r = await sequential(`${url}/metrics`, { gzip: false, agent, count, maxMs: 20_000, minCount: 5 });
    return { summary: summarize(r.map((x) => x.ms)), bytes: r.at(-1)!.bytes };
  } finally {
    agent.destroy();
  }
}

export async function receiverBench(
  start: (spec: TargetSpec, nodeArgs?: string[]) => Promise<Target>,
  quick: boolean,
  log: (line: string) => void
): Promise<ReceiverResult> {
  const scrapeCount = quick ? 20 : 60;
  log(`receiver: /metrics with ${PROVIDER_SERIES} provider series, receiver off`);
  const off = await start({ mode: 'receiver', series: PROVIDER_SERIES, receiver: false });
  let offScrape: Summary;
  try {
    await scrapes(off.url, 10);
    offScrape = (await scrapes(off.url, scrapeCount)).summary;
  } finally {
    await off.stop();
  }

  const rows: ReceiverRow[] = [];
  let onScrape: Summary | undefined;
  let renders: ReceiverResult['renders'] | undefined;
  for (const active of [1_000, 10_000]) {
    log(`receiver: ingest at ${active} active series`);
    const rounds = quick ? (active >= 10_000 ? 5 : 12) : active >= 10_000 ? 22 : 60;
    const startMs = Date.now() + 60_000; // after the target starts: every first point counts in full
    const payloads = Array.from({ length: rounds }, (_, r) => round(active, r, startMs, startMs + (r + 1) * 10_000));
    const target = await start({ mode: 'receiver', series: PROVIDER_SERIES, receiver: true }, ['--expose-gc']);
    try {
      if (!onScrape) {
        await scrapes(target.url, 10);
        onScrape = (await scrapes(target.url, scrapeCount)).summary;
      }
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      const send = async (bodies: Buffer[]) => {
        const times: number[] = [];
        for (const body of bodies) {
          const r = await post(target.url, agent, body);
          if (r.status !== 200 || r.response.length > 0)
            throw new Error(`the receiver answered ${r.status} ${r.response.toString('hex').slice(0, 200)}`);
          times.push(r.ms);
        }
        return times;
      };
      // A scrape first, so the provider data is rendered once before the render counters are read;
      // and 100 series of another service, so the heap baseline has the receiver's code compiled.
      await scrapes(target.url, 2);
      await send(round(100, 0, startMs, startMs + 1, 'warm-up'));
      const before = await heap(target);
      const rendersBefore = await target.call<RenderStats>('render-stats');
      await send(payloads[0]!); // creates the series and streams
      const after = await heap(target);
      await scrapes(target.url, 2);
      await send(payloads[1]!); // warm-up
      await scrapes(target.url, 2);
      const s0 = await target.call<{ cpuMs: number; mainThreadCpuMs?: number }>('cpu');
      const t0 = performance.now();
      const times: number[] = [];
      const perRound: number[] = [];
      const perRoundMain: number[] = [];
      let before0 = s0;
      for (const bodies of payloads.slice(2)) {
        times.push(...(await send(bodies)));
        const now = await target.call<{ cpuMs: number; mainThreadCpuMs?: number }>('cpu');
        perRound.push(active / ((now.cpuMs - before0.cpuMs) / 1000));
        if (now.mainThreadCpuMs !== undefined && before0.mainThreadCpuMs !== undefined)
          perRoundMain.push(active / ((now.mainThreadCpuMs - before0.mainThreadCpuMs) / 1000));
        before0 = now;
      }
      const wallMs = performance.now() - t0;
      const cpuMs = before0.cpuMs - s0.cpuMs;
      const mainMs =
        before0.mainThreadCpuMs !== undefined && s0.mainThreadCpuMs !== undefined
          ? before0.mainThreadCpuMs - s0.mainThreadCpuMs
          : undefined;
      agent.destroy();
      const full = await scrapes(target.url, quick ? 5 : 10);
      const rendersAfter = await target.call<RenderStats>('render-stats');
      renders ??= { before: rendersBefore, after: rendersAfter };
      const stats = await target.call<{
        series: number;
        streams: number;
        accepted: number;
        dropped: Record<string, number>;
      }>('receiver-stats');
      if (stats.series !== active + 100)
        throw new Error(`the receiver holds ${stats.series} series, not ${active} and 100 of the warm-up`);
      if (stats.accepted !== rounds * active + 100)
        throw new Error(`the receiver accepted ${stats.accepted} points of ${rounds * active + 100}`);
      const measured = payloads.slice(2);
      const points = measured.length * active;
      rows.push({
        activeSeries: active,
        rounds: measured.length,
        points,
        requests: measured.reduce((n, b) => n + b.length, 0),
        payloadBytes: measured.reduce((n, b) => n + b.reduce((m, x) => m + x.length, 0), 0),
        wallMs,
        cpuMs,
        pointsPerSecond: points / (wallMs / 1000),
        pointsPerCpuSecond: points / (cpuMs / 1000),
        medianPointsPerCpuSecond: summarize(perRound).median,
        pointsPerMainThreadSecond: mainMs === undefined ? undefined : (measured.length * active) / (mainMs / 1000),
        medianPointsPerMainThreadSecond: perRoundMain.length ? summarize(perRoundMain).median : undefined,
        request: summarize(times),
        heapPerSeriesBytes: (after.heapUsed - before.heapUsed) / active,
        rssPerSeriesBytes: (after.rss - before.rss) / active,
        scrape: full.summary,
        scrapeBytes: full.bytes,
        accepted: stats.accepted,
        dropped: stats.dropped,
      });
    } finally {
      await target.stop();
    }
  }
  return { rows, providerScrape: { off: offScrape, on: onScrape! }, renders: renders! };
}
