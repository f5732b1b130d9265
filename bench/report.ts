// The benchmark's report: markdown rendered from bench/results.json alone, so that what `npm run bench`
// prints and what docs/performance.md shows (`npm run bench:readme` writes it between the
// bench:start and bench:end markers; tests/bench-docs.test.ts checks they match) are the same
// figures from the same recorded run. Sections the run did not measure (`--only=...`) are left out.
import type { RenderStats } from '../exporter/src/metrics/prometheus.js';
import type { IdleResult, VariantResult } from './idle.js';
import type { PollCost } from './poll-cost.js';
import { POINTS_PER_REQUEST, type ReceiverResult } from './receiver.js';
import { fmt, summarize, type Summary } from './lib/stats.js';

export const SERVERS = ['nexus', 'bare', 'floor'] as const;
export type Server = (typeof SERVERS)[number];

export interface ScrapeRow {
  series: number;
  server: Server;
  identity: Summary;
  gzip: Summary;
  bytes: number;
  gzipBytes: number;
  rssMb: number;
  peakRssMb?: number;
  /** Nexus: a scrape (gzip) right after one account's snapshot was swapped. */
  afterSwap?: Summary;
  /** Nexus: what the scrapes rendered. */
  render?: { beforeScrapes: RenderStats; afterScrapes: RenderStats; afterSwaps: RenderStats };
}

export interface ConcurrentRow {
  server: 'nexus' | 'floor';
  encoding: 'gzip' | 'identity';
  concurrency: number;
  seconds: number;
  throughput: number;
  latency: Summary;
  errors: number;
}

export interface ConcurrentResult {
  rows: ConcurrentRow[];
  live: { polls: number; swaps: number; simulatorRequests: number; render: RenderStats };
  rssMb: number;
  series: number;
}

export interface OtlpResult {
  series: number;
  exports: number;
  cpuMs: Summary;
  wallMs: Summary;
  payloadBytes?: number;
  dataPoints?: number;
  contentType?: string;
  contentEncoding: string;
  rssMb: number;
}

export interface Target {
  target: string;
  measured: string;
  met: boolean;
}

export interface BenchResults {
  startedAt: string;
  finishedAt?: string;
  machine: { cpus: number; model?: string; memoryMb: number; node: string; loadAverageAtStart: number[] };
  loadAverageAtEnd?: number[];
  options: { quick: boolean; only: string[] | 'all'; nodeArgs: string[]; nodeEnv?: Record<string, string> };
  targetsRunAs?: 'compiled' | 'tsx';
  scrape?: ScrapeRow[];
  concurrent?: ConcurrentResult;
  poll?: { long: PollCost[]; short: PollCost[] };
  otlp?: OtlpResult;
  idle?: IdleResult;
  receiver?: ReceiverResult;
  /** The soak run (bench/soak.ts): its own report is printed as it ends. */
  soak?: Record<string, unknown>;
  targets?: Target[];
}

function table(headers: string[], rows: Array<Array<string | number>>): string {
  const lines = [`| ${headers.join(' | ')} |`, `|${headers.map(() => '---').join('|')}|`];
  for (const r of rows) lines.push(`| ${r.join(' | ')} |`);
  return lines.join('\n');
}

const ms = (s: Summary | undefined) => (s ? `${fmt(s.median)} / ${fmt(s.p99)}` : '—');
const int = (n: number) => Math.round(n).toLocaleString('en-US');
const loads = (l: number[] | undefined) => (l ? l.map((x) => x.toFixed(2)).join(', ') : '—');
const settings = (flags: readonly string[], env: Readonly<Record<string, string>> = {}) => {
  const all = [...Object.entries(env).map(([k, v]) => `${k}=${v}`), ...flags];
  return all.length ? `\`${all.join(' ')}\`` : 'no settings';
};
const serverName = (s: Server) =>
  s === 'nexus' ? 'Nexus' : s === 'bare' ? 'bare prom-client' : 'floor (prerendered buffer)';

function header(r: BenchResults): string {
  const m = r.machine;
  const what = r.options.only === 'all' ? 'all benchmarks' : r.options.only.join(', ');
  return [
    `Recorded run of ${r.startedAt.slice(0, 16).replace('T', ' ')} UTC (${what}${r.options.quick ? ', `--quick`' : ''}): ${m.cpus} × ${m.model ?? 'CPU'}, ${int(m.memoryMb)} MB, Node ${m.node}.`,
    `Load average (1, 5, 15 min) ${loads(m.loadAverageAtStart)} at the start, ${loads(r.loadAverageAtEnd)} at the end.`,
    r.targetsRunAs || r.scrape || r.concurrent || r.otlp
      ? `Scrape, concurrency and OTLP targets ran as ${r.targetsRunAs === 'tsx' ? 'TypeScript under tsx' : 'compiled JavaScript'} with ${settings(r.options.nodeArgs, r.options.nodeEnv)}.`
      : '',
  ]
    .filter(Boolean)
    .join(' ');
}

function scrapeSection(rows: ScrapeRow[]): string {
  const out = ['### GET /metrics, one scraper at a time (ms: median / p99)', ''];
  out.push(
    table(
      [
        'Series',
        'Server',
        '`/metrics` ms',
        'with gzip ms',
        'Bytes',
        'gzip bytes',
        'RSS MB',
        'after one account swapped (gzip ms)',
      ],
      rows.map((row) => [
        int(row.series),
        serverName(row.server),
        ms(row.identity),
        ms(row.gzip),
        int(row.bytes),
        int(row.gzipBytes),
        fmt(row.rssMb),
        ms(row.afterSwap),
      ])
    )
  );
  const nexus = rows.filter((x) => x.server === 'nexus' && x.render);
  if (nexus.length) {
    out.push(
      '',
      'What Nexus rendered during those scrapes: scrapes of unchanged data render only the process part; a swap renders its account again.',
      ''
    );
    out.push(
      table(
        [
          'Series',
          'scrapes',
          'snapshot renders',
          'text assemblies',
          'gzip assemblies',
          'swaps then scrapes',
          'snapshot renders',
          'gzip assemblies',
        ],
        nexus.map((x) => {
          const { beforeScrapes: b, afterScrapes: a, afterSwaps: s } = x.render!;
          return [
            int(x.series),
            x.identity.n + x.gzip.n + 2,
            a.snapshotRenders - b.snapshotRenders,
            a.textAssemblies - b.textAssemblies,
            a.gzipAssemblies - b.gzipAssemblies,
            x.afterSwap!.n,
            s.snapshotRenders - a.snapshotRenders,
            s.gzipAssemblies - a.gzipAssemblies,
          ];
        })
      )
    );
  }
  const largest = Math.max(...rows.map((x) => x.series));
  const at = (s: Server) => rows.find((x) => x.series === largest && x.server === s);
  const [n, b, f] = [at('nexus'), at('bare'), at('floor')];
  if (n && b && f) {
    out.push(
      '',
      `At ${int(largest)} series the median scrape takes Nexus ${fmt(n.identity.median)} ms (${fmt(n.gzip.median)} ms with gzip), the prerendered floor ${fmt(f.identity.median)} ms (${fmt(f.gzip.median)} ms), and the bare registry ${fmt(b.identity.median)} ms (${fmt(b.gzip.median)} ms): ${fmt(b.identity.median / n.identity.median)}× and ${fmt(b.gzip.median / n.gzip.median)}× Nexus's.`
    );
  }
  return out.join('\n');
}

function concurrentSection(c: ConcurrentResult): string {
  const out = [`### 50 concurrent scrapers at ${int(c.series)} series, polls running`, ''];
  out.push(
    table(
      ['Server', 'Encoding', 'Seconds', 'Scrapes/s', 'Median ms', 'p99 ms', 'Errors'],
      c.rows.map((x) => [
        x.server === 'nexus' ? 'Nexus (polling)' : 'floor',
        x.encoding,
        fmt(x.seconds),
        fmt(x.throughput),
        fmt(x.latency.median),
        fmt(x.latency.p99),
        x.errors,
      ])
    )
  );
  out.push(
    '',
    `Meanwhile in Nexus: ${c.live.polls} OpenAI polls (${c.live.simulatorRequests} simulator requests) and ${c.live.swaps} synthetic snapshot swaps; ${c.live.render.textAssemblies} data versions assembled, ${c.live.render.healthRenders} health renders; RSS ${fmt(c.rssMb)} MB. Scrapers and server share the machine's cores, so the latencies are mostly queueing.`
  );
  return out.join('\n');
}

function pollSection(p: { long: PollCost[]; short: PollCost[] }): string {
  const range = (v: number[]) =>
    Math.min(...v) === Math.max(...v)
      ? String(v[0])
      : `${Math.min(...v)}–${Math.max(...v)} (median ${summarize(v).median})`;
  return [
    '### Provider calls per poll (warm start on a seeded ledger, default intervals)',
    '',
    table(
      [
        'Provider',
        'Interval s',
        'Seed poll',
        'First poll after restart',
        'Steady poll (90 d history)',
        'Steady poll (7 d history)',
        'Calls/hour',
        'Poll after 1 day down',
      ],
      p.long.map((x, i) => {
        const s = p.short[i]!;
        return [
          x.provider,
          x.intervalSeconds,
          x.seedCalls,
          x.warmStartCalls,
          range(x.steadyCalls),
          x.historyControlled ? range(s.steadyCalls) : 'n/a',
          x.callsPerHour,
          x.afterDayDownCalls,
        ];
      })
    ),
  ].join('\n');
}

function otlpSection(o: OtlpResult): string {
  return [
    `### OTLP export at ${int(o.series)} series`,
    '',
    table(
      ['Exports', 'Data points', 'CPU ms (median / p99)', 'Wall ms (median / p99)', 'Payload bytes', 'Format'],
      [
        [
          o.exports,
          o.dataPoints ?? '—',
          ms(o.cpuMs),
          ms(o.wallMs),
          int(o.payloadBytes ?? 0),
          `${o.contentType ?? '?'}, ${o.contentEncoding}`,
        ],
      ]
    ),
  ].join('\n');
}

function receiverSection(rc: ReceiverResult): string {
  const out = [
    `### OTLP receiver: protobuf ingest, ${int(POINTS_PER_REQUEST)} GenAI histogram points per request, cumulative, 10k provider series beside`,
    '',
  ];
  out.push(
    table(
      [
        'Active series',
        'Points',
        'Requests',
        'Points/s (wall)',
        'Points per main-thread CPU second (window / median round)',
        'Points per process CPU second (window / median round)',
        'Request ms (median / p99)',
        'Heap bytes per series',
        'RSS bytes per series',
        '/metrics ms (median / p99)',
        '/metrics bytes',
      ],
      rc.rows.map((x) => [
        int(x.activeSeries),
        int(x.points),
        x.requests,
        int(x.pointsPerSecond),
        x.pointsPerMainThreadSecond === undefined
          ? '—'
          : `${int(x.pointsPerMainThreadSecond)} / ${int(x.medianPointsPerMainThreadSecond ?? 0)}`,
        `${int(x.pointsPerCpuSecond)} / ${int(x.medianPointsPerCpuSecond)}`,
        ms(x.request),
        Math.round(x.heapPerSeriesBytes),
        Math.round(x.rssPerSeriesBytes),
        ms(x.scrape),
        int(x.scrapeBytes),
      ])
    )
  );
  const b = rc.renders.before;
  const a = rc.renders.after;
  out.push(
    '',
    `Provider data (10k series) /metrics: receiver off ${ms(rc.providerScrape.off)} ms, on ${ms(rc.providerScrape.on)} ms (median / p99). During the ingest: ${a.snapshotRenders - b.snapshotRenders} snapshot renders, ${a.textAssemblies - b.textAssemblies} text and ${a.gzipAssemblies - b.gzipAssemblies} gzip assemblies, ${a.healthRenders - b.healthRenders} health renders.`
  );
  return out.join('\n');
}

function variantName(v: VariantResult): string {
  return v.name === 'cli'
    ? '`nexus-exporter` (the bin; `npm start`, Docker)'
    : v.name === 'node'
      ? '`node exporter/dist/cli.js` (no settings)'
      : v.name === 'zero'
        ? '`nexus-exporter`, no accounts'
        : `\`${v.command.replace(/ --config nexus\.yaml$/, '')}\``;
}

function idleSection(i: IdleResult): string {
  const out: string[] = [];
  const main = i.variants.find((v) => v.name === 'cli') ?? i.variants[0]!;
  out.push(
    `### Idle: ${main.accounts} accounts (five providers × three), ${int(main.series)} series, polls every ${i.pollIntervalSeconds} s, a gzip scrape every ${i.scrapeIntervalSeconds} s`,
    ''
  );
  out.push(
    `Started side by side against the demo simulators; RSS sampled every second from \`/proc\` for ${fmt(main.window.seconds)} s (${main.window.samples} samples) after a warm-up of ${i.warmupPollCycles} poll cycle${i.warmupPollCycles > 1 ? 's' : ''} past the first polls. The runtime settings (\`exporter/src/runtime.ts\`): ${settings(i.flags, i.env)}${i.v8Flags?.length ? `; in every variant the exporter sets \`${i.v8Flags.join(' ')}\` on itself` : ''}.`,
    ''
  );
  out.push(
    table(
      [
        'Started as',
        'Accounts',
        'RSS MB started',
        'after first polls',
        'window median',
        'window max',
        'window min',
        'peak since start',
        'CPU %',
        'Polls in window (failed)',
      ],
      i.variants.map((v) => [
        variantName(v),
        v.accounts,
        fmt(v.phases.started.rssMb),
        fmt(v.phases.firstPolls?.rssMb),
        fmt(v.window.rssMb.median),
        fmt(v.window.rssMb.max),
        fmt(v.window.rssMb.min),
        fmt(v.peakRssMb),
        fmt(v.window.cpuPercent),
        `${v.window.polls} (${v.window.failedPolls})`,
      ])
    )
  );
  out.push('', '#### Where the memory goes', '');
  const probe = (name: string) => i.probes.find((p) => p.name === name);
  const alone = probe('Node.js alone');
  const libs = probe('the libraries');
  const all = probe('everything nexus-exporter imports');
  const zero = i.variants.find((v) => v.name === 'zero');
  if (alone && libs && all) {
    const stages: Array<[string, number | undefined, string]> = [
      ['Node.js, nothing loaded', alone.rssMb, 'probe'],
      [`+ the libraries (${libs.imports.map((x) => `\`${x}\``).join(', ')})`, libs.rssMb, 'probe'],
      ["+ the exporter's own modules: all that `nexus-exporter` imports", all.rssMb, 'probe'],
      ['+ running: HTTP server, process metrics, no accounts', zero?.window.rssMb.median, '`zero`, window median'],
      [`+ ${main.accounts} accounts polling`, main.window.rssMb.median, `\`${main.name}\`, window median`],
    ];
    let previous: number | undefined;
    out.push(
      table(
        ['Stage', 'RSS MB', 'Added MB', 'Measured by'],
        stages.map(([name, v, how]) => {
          const added = v !== undefined && previous !== undefined ? fmt(v - previous) : '—';
          previous = v ?? previous;
          return [name, fmt(v), added, how];
        })
      )
    );
    out.push(
      '',
      `What each library adds to the others (a probe with all of them against one without it), and what is loaded only when configured (against everything \`nexus-exporter\` imports). Each probe figure is the median of ${i.probeRuns} process${i.probeRuns > 1 ? 'es' : ''}; differences within about a megabyte are run-to-run noise.`,
      ''
    );
    const rows: Array<[string, number]> = [];
    for (const p of i.probes) {
      const m = /^the libraries but (.+)$/.exec(p.name);
      if (m) rows.push([`\`${m[1]}\``, libs.rssMb - p.rssMb]);
    }
    rows.sort((a, b) => b[1] - a[1]);
    const lazy = (name: string, label: string) => {
      const p = probe(name);
      if (p) rows.push([label, p.rssMb - all.rssMb]);
    };
    lazy('with express and the admin API', 'express and the admin API, only with an admin token');
    lazy('with the OpenTelemetry SDK (OTLP)', 'the OpenTelemetry SDK, only with OTLP');
    lazy('with the OTLP receiver enabled', 'the OTLP receiver, only when enabled');
    lazy(
      'with the OTLP receiver after its first request (express, protobufjs)',
      'the OTLP receiver after its first request: express, protobufjs and the OTLP messages'
    );
    const http = probe('with a request over node:http');
    const fetched = probe('with a request over the global fetch (undici)');
    if (http && fetched)
      rows.push([
        'the global `fetch` (undici) for a request, against `node:http`, which the exporter uses',
        fetched.rssMb - http.rssMb,
      ]);
    out.push(
      table(
        ['Module', 'RSS MB added'],
        rows.map(([n, v]) => [n, fmt(v, 2)])
      )
    );
  }
  out.push(
    '',
    "The processes over time (RSS split into anonymous memory and file-backed pages of the node binary; V8 figures from the process's own `/metrics`):",
    ''
  );
  const phaseRow = (v: VariantResult, label: string, p: VariantResult['phases']['started'] | undefined) =>
    p
      ? [
          variantName(v),
          label,
          fmt(p.atSeconds),
          fmt(p.rssMb),
          fmt(p.anonMb),
          fmt(p.fileMb),
          fmt(p.heapUsedMb),
          fmt(p.heapTotalMb),
          fmt(p.newSpaceMb),
          fmt(p.externalMb),
        ]
      : undefined;
  out.push(
    table(
      [
        'Started as',
        'Phase',
        's after start',
        'RSS MB',
        'anonymous',
        'file-backed',
        'V8 heap used',
        'V8 heap committed',
        'young generation',
        'external',
      ],
      i.variants.flatMap((v) =>
        [
          phaseRow(v, 'started', v.phases.started),
          phaseRow(v, 'first polls done', v.phases.firstPolls),
          phaseRow(v, 'end of window', v.phases.end),
        ].filter((x) => x !== undefined)
      )
    )
  );
  if (i.heap) {
    const h = i.heap;
    const r = (name: string) => h.retained[name];
    const pollers = r('AccountPoller');
    const ledgers = r('Ledger');
    out.push(
      '',
      `The heap of \`${h.variant}\` after the window (a heap snapshot; retained sizes through the dominator tree):`,
      ''
    );
    const rows: Array<[string, string]> = [];
    if (pollers && ledgers)
      rows.push(
        [`${pollers.instances} account pollers with their collectors`, fmt(pollers.mb - ledgers.mb, 2)],
        [`their ${ledgers.instances} ledgers (checkpoints and counter totals)`, fmt(ledgers.mb, 2)]
      );
    const model = r('MetricsModel');
    if (model) rows.push([`the metrics model (${int(main.series)} series)`, fmt(model.mb, 2)]);
    rows.push(
      ['compiled code, bytecode and their metadata, all modules', fmt(h.byKind.code ?? 0, 2)],
      ['module sources (strings of 8 KB or more), kept by V8 to compile functions lazily', fmt(h.largeStringsMb, 2)],
      [
        "everything else: the libraries' and Node's objects, smaller strings",
        fmt(h.totalMb - (pollers?.mb ?? 0) - (model?.mb ?? 0) - (h.byKind.code ?? 0) - h.largeStringsMb, 2),
      ],
      ['the reachable heap', fmt(h.totalMb, 2)]
    );
    out.push(table(['Held by', 'MB'], rows));
    out.push(
      '',
      `The rendered exposition it holds is the size of a scrape: ${int(main.expositionBytes.identity)} bytes of text and ${int(main.expositionBytes.gzip)} bytes deflated, outside the V8 heap.`
    );
  }
  return out.join('\n');
}

/** The targets the project set, against this run's figures. */
export function targets(r: BenchResults): Target[] {
  const out: Target[] = [];
  const row = (series: number, server: Server) => r.scrape?.find((x) => x.series === series && x.server === server);
  const n100 = row(100_000, 'nexus');
  const n10 = row(10_000, 'nexus');
  if (n100)
    out.push({
      target: '/metrics at 100k series, median ≤ 25 ms without gzip',
      measured: `${fmt(n100.identity.median)} ms`,
      met: n100.identity.median <= 25,
    });
  if (n10)
    out.push({
      target: '/metrics at 10k series, median ≤ 5 ms',
      measured: `${fmt(n10.identity.median)} ms`,
      met: n10.identity.median <= 5,
    });
  if (r.scrape) {
    const rendered = r.scrape.filter((x) => x.render);
    const rerendered = rendered.some(
      (x) =>
        x.render!.afterScrapes.snapshotRenders !== x.render!.beforeScrapes.snapshotRenders ||
        x.render!.afterScrapes.textAssemblies !== x.render!.beforeScrapes.textAssemblies ||
        x.render!.afterScrapes.gzipAssemblies !== x.render!.beforeScrapes.gzipAssemblies
    );
    const scrapes = rendered.reduce((n, x) => n + x.identity.n + x.gzip.n + 2, 0);
    out.push({
      target: 'rendering happens when data changes, not per scrape',
      measured: rerendered
        ? 'scrapes re-rendered data'
        : `no data rendered in ${int(scrapes)} scrapes of unchanged data`,
      met: !rerendered,
    });
  }
  if (n100)
    out.push({
      target: 'RSS ≤ 150 MB at 100k series',
      measured: `${fmt(n100.rssMb)} MB (peak ${fmt(n100.peakRssMb)} MB)`,
      met: n100.rssMb <= 150,
    });
  const idle = r.idle?.variants.find((v) => v.name === 'cli');
  if (idle) {
    out.push({
      target: 'RSS ≤ 80 MB idle, five providers × three accounts (median)',
      measured: `${fmt(idle.window.rssMb.median)} MB median, ${fmt(idle.window.rssMb.max)} MB max`,
      met: idle.window.rssMb.median <= 80,
    });
  }
  if (r.poll) {
    const { long, short } = r.poll;
    const same = long.every(
      (p, i) => !p.historyControlled || summarize(p.steadyCalls).median === summarize(short[i]!.steadyCalls).median
    );
    const bounded = long.every((p) => Math.max(...p.steadyCalls) <= p.warmStartCalls);
    out.push({
      target: 'steady-state poll: one call per endpoint per interval plus pages of new data only',
      measured:
        same && bounded
          ? 'same calls with 7 and 90 days of history; no steady poll above the warm-start poll'
          : 'calls depend on history',
      met: same && bounded,
    });
  }
  if (r.otlp)
    out.push({
      target: 'OTLP export at 10k series ≤ 100 ms CPU',
      measured: `${fmt(r.otlp.cpuMs.median)} ms median`,
      met: r.otlp.cpuMs.median <= 100,
    });
  if (r.receiver) {
    for (const x of r.receiver.rows) {
      const n = int(x.activeSeries);
      // One core: the main thread, where all receiving happens; without /proc, the whole process.
      const core = x.medianPointsPerMainThreadSecond ?? x.medianPointsPerCpuSecond;
      out.push({
        target: `OTLP ingest ≥ 50,000 data points/s on one core, ${n} active series`,
        measured: `${int(core)} per ${x.medianPointsPerMainThreadSecond === undefined ? 'process' : 'main-thread'} CPU second, median round (process CPU ${int(x.medianPointsPerCpuSecond)}; ${int(x.pointsPerSecond)}/s wall)`,
        met: core >= 50_000,
      });
      out.push({
        target: `receiver memory ≤ 1 KB per active series, ${n} series`,
        measured: `${Math.round(x.heapPerSeriesBytes)} B heap (${Math.round(x.rssPerSeriesBytes)} B RSS)`,
        met: x.heapPerSeriesBytes <= 1024,
      });
    }
    const b = r.receiver.renders.before;
    const a = r.receiver.renders.after;
    const unchanged =
      a.snapshotRenders === b.snapshotRenders &&
      a.textAssemblies === b.textAssemblies &&
      a.gzipAssemblies === b.gzipAssemblies &&
      a.healthRenders === b.healthRenders;
    out.push({
      target: 'provider-data scrape cost unchanged by the receiver',
      measured: `no provider-data render during the ingest: ${unchanged ? 'yes' : 'no'}; /metrics at 10k series ${fmt(r.receiver.providerScrape.off.median)} ms off, ${fmt(r.receiver.providerScrape.on.median)} ms on`,
      met: unchanged,
    });
  }
  return out;
}

/** The whole report, as markdown. */
export function renderReport(r: BenchResults): string {
  const parts = [header(r)];
  if (r.scrape) parts.push(scrapeSection(r.scrape));
  if (r.concurrent) parts.push(concurrentSection(r.concurrent));
  if (r.poll) parts.push(pollSection(r.poll));
  if (r.otlp) parts.push(otlpSection(r.otlp));
  if (r.idle) parts.push(idleSection(r.idle));
  if (r.receiver) parts.push(receiverSection(r.receiver));
  const t = targets(r);
  if (t.length)
    parts.push(
      [
        '### Targets',
        '',
        table(
          ['Target', 'Measured', 'Met'],
          t.map((x) => [x.target, x.measured, x.met ? 'yes' : '**no**'])
        ),
      ].join('\n')
    );
  return `${parts.join('\n\n')}\n`;
}

export const README_START = '<!-- bench:start -->';
export const README_END = '<!-- bench:end -->';

/** The page (docs/performance.md) with the report of `results` between its bench markers (README_START, README_END). */
export function readmeWithReport(readme: string, results: BenchResults): string {
  const start = readme.indexOf(README_START);
  const end = readme.indexOf(README_END);
  if (start === -1 || end < start) throw new Error(`docs/performance.md has no ${README_START} … ${README_END} block`);
  const block = `${README_START}\n<!-- Generated by \`npm run bench:readme\` from bench/results.json; edit neither by hand. -->\n\n${renderReport(results)}\n`;
  return readme.slice(0, start) + block + readme.slice(end);
}
