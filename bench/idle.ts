// The idle benchmark: the exporter started the way users start it, polling five providers × three
// accounts on the demo simulators (which run in this process), with a gzip scrape every 15 s, as
// Prometheus would. Measured from outside the process (/proc), so measuring adds nothing to it.
//   cli   the `nexus-exporter` command (exporter/bin/nexus-exporter.js, what npm links and `npx` runs),
//         whose shebang carries the runtime settings (exporter/src/runtime.ts), as `npm start` and the
//         Docker image do
//   node  `node exporter/dist/cli.js`: the same without them
//   zero  the bin with no account at all: the floor under the accounts
//   args  with --node-args=...: `node <args> exporter/dist/cli.js`, for experiments
// All run side by side against the same simulators. Phases: started (answering /healthz), after every
// account's first poll, and at the end; in between, after a warm-up of several poll cycles, RSS is
// sampled every second. Then a heap snapshot of `cli` says which objects hold its heap, and probe
// processes that only import modules say what each library costs.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import type { Agent } from 'node:http';
import { NODE_FLAGS, RUNTIME_ENV, V8_RUNTIME_FLAGS, launchPrefix } from '../exporter/src/runtime.js';
import { DEMO_PROVIDERS } from '../exporter/src/simulators/demo.js';
import type { Simulator } from '../exporter/src/simulators/base.js';
import { tempDir } from '../exporter/src/testing/harness.js';
import { summarizeSnapshot, type HeapSummary } from './lib/heap.js';
import { newAgent, scrape } from './lib/load.js';
import { procCpuMs, procMemory } from './lib/proc.js';
import { mb, summarize } from './lib/stats.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const CLI = join(ROOT, 'exporter/dist/cli.js');
const BIN = join(ROOT, 'exporter/bin/nexus-exporter.js');
const POLL_SECONDS = 60;
const SCRAPE_SECONDS = 15;
/** Libraries every exporter loads (exporter/package.json), measured by probes that import them. */
export const LIBRARIES = ['zod', 'pino', 'prom-client', 'yaml', 'p-retry', 'proxy-addr'] as const;

export interface Phase {
  /** Seconds since the process started. */
  atSeconds: number;
  rssMb: number;
  anonMb: number;
  fileMb: number;
  /** From the process's own /metrics (prom-client's Node.js metrics). */
  heapUsedMb: number;
  heapTotalMb: number;
  newSpaceMb: number;
  externalMb: number;
}

export interface VariantResult {
  name: string;
  description: string;
  /** The command, with the config path shortened. */
  command: string;
  accounts: number;
  series: number;
  phases: { started: Phase; firstPolls?: Phase; end: Phase };
  window: {
    seconds: number;
    samples: number;
    rssMb: { median: number; max: number; min: number };
    polls: number;
    failedPolls: number;
    cpuPercent: number;
  };
  peakRssMb: number;
  /** Size of /metrics at the end (identity and gzip): the rendered exposition the exporter holds. */
  expositionBytes: { identity: number; gzip: number };
}

export interface ProbeResult {
  name: string;
  imports: string[];
  rssMb: number;
  anonMb: number;
  fileMb: number;
  heapUsedMb: number;
}

export interface IdleResult {
  flags: readonly string[];
  /** V8 flags the exporter sets on itself when it starts (in every variant); absent in older results. */
  v8Flags?: readonly string[];
  env: Readonly<Record<string, string>>;
  /** Processes per probe (the figure is their median). */
  probeRuns: number;
  pollIntervalSeconds: number;
  scrapeIntervalSeconds: number;
  warmupPollCycles: number;
  variants: VariantResult[];
  probes: ProbeResult[];
  heap?: HeapSummary & { variant: string };
}

interface Running {
  name: string;
  description: string;
  command: string;
  child: ChildProcess;
  url: string;
  accounts: number;
  startedAt: number;
  agent: Agent;
  rss: number[];
  phases: Partial<VariantResult['phases']>;
  nextScrape: number;
  lastMetrics?: Metrics;
  cpuAtWindow?: number;
  pollsAtWindow?: { success: number; failure: number };
  exited?: number | null;
}

interface Metrics {
  values: Map<string, number>;
  polls: { success: number; failure: number };
  series: number;
  identityBytes?: number;
  gzipBytes: number;
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Builds the exporter the way users do (`npm run build`), so that the measured CLI is the shipped one. */
export function buildExporter(): void {
  const r = spawnSync('npm', ['run', 'build', '-w', 'exporter'], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0 || !existsSync(CLI)) throw new Error(`npm run build failed:\n${r.stdout}${r.stderr}`);
  // npm sets the bin's mode when it installs the package; the build does it too, but do not depend on it.
  if ((statSync(CLI).mode & 0o111) === 0) chmodSync(CLI, 0o755);
}

/** The parts of /metrics the benchmark reads. */
function parseMetrics(text: string, gzipBytes: number): Metrics {
  const values = new Map<string, number>();
  const polls = { success: 0, failure: 0 };
  let series = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line === '') continue;
    const space = line.lastIndexOf(' ');
    const key = line.slice(0, space);
    const value = Number(line.slice(space + 1));
    if (key.startsWith('nexus_provider_polls_total{')) {
      if (key.includes('result="success"')) polls.success += value;
      else if (key.includes('result="failure"')) polls.failure += value;
    } else if (key.startsWith('nexus_exporter_series{')) {
      series += value;
    } else if (key.startsWith('nodejs_') || key.startsWith('process_')) {
      values.set(key, value);
    }
  }
  return { values, polls, series, gzipBytes };
}

async function readMetrics(r: Running): Promise<Metrics> {
  const res = await scrape(`${r.url}/metrics`, { gzip: true, agent: r.agent, keepBody: true });
  if (res.status !== 200) throw new Error(`${r.name}: /metrics answered ${res.status}`);
  const m = parseMetrics(gunzipSync(res.body!).toString('utf8'), res.bytes);
  r.lastMetrics = m;
  return m;
}

async function phase(r: Running): Promise<Phase> {
  const m = await readMetrics(r);
  const p = procMemory(r.child.pid!);
  const v = (k: string) => mb(m.values.get(k) ?? Number.NaN);
  return {
    atSeconds: (performance.now() - r.startedAt) / 1000,
    rssMb: mb(p.rss),
    anonMb: mb(p.anon),
    fileMb: mb(p.file),
    heapUsedMb: v('nodejs_heap_size_used_bytes'),
    heapTotalMb: v('nodejs_heap_size_total_bytes'),
    newSpaceMb: v('nodejs_heap_space_size_total_bytes{space="new"}'),
    externalMb: v('nodejs_external_memory_bytes'),
  };
}

function start(
  name: string,
  description: string,
  argv: string[],
  config: string,
  accounts: number,
  env: Record<string, string> = {}
): Running {
  // The bench's own settings (if any) must not reach the exporter: only what the variant says.
  const childEnv: NodeJS.ProcessEnv = { ...process.env, NEXUS_LOG_LEVEL: 'warn' };
  for (const k of ['NODE_OPTIONS', ...Object.keys(RUNTIME_ENV)]) delete childEnv[k];
  Object.assign(childEnv, env);
  const child = spawn(argv[0]!, [...argv.slice(1), '--config', config], {
    cwd: ROOT,
    env: childEnv,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return {
    name,
    description,
    command: [...argv, '--config', 'nexus.yaml']
      .map((a) => (a === process.execPath ? 'node' : a.replace(ROOT, '')))
      .join(' '),
    child,
    url: '',
    accounts,
    startedAt: performance.now(),
    agent: newAgent(),
    rss: [],
    phases: {},
    nextScrape: 0,
  };
}

/** Waits until the process answers /healthz at `url`. */
async function answering(r: Running, url: string, timeoutMs = 60_000): Promise<void> {
  r.url = url;
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (r.child.exitCode !== null) throw new Error(`${r.name} exited with ${r.child.exitCode}`);
    try {
      if ((await scrape(`${url}/healthz`, { gzip: false, agent: r.agent })).status === 200) return;
    } catch {
      // not listening yet
    }
    if (performance.now() > deadline) throw new Error(`${r.name} did not answer within ${timeoutMs} ms`);
    await sleep(100);
  }
}

/**
 * A process that imports `imports` and nothing else, then reports its memory after full collections.
 * `request:http` and `request:fetch` are not modules: one request to a loopback server with node:http
 * (as the exporter calls providers) or with the global fetch (which loads Node's undici).
 */
const PROBE = `
import { readFileSync } from 'node:fs';
import { createServer, get } from 'node:http';
for (const m of JSON.parse(process.argv[2])) {
  if (!m.startsWith('request:')) {
    await import(m);
    continue;
  }
  const server = createServer((_req, res) => res.end('{}'));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = 'http://127.0.0.1:' + server.address().port + '/';
  if (m === 'request:fetch') await (await fetch(url)).text();
  else await new Promise((resolve, reject) => get(url, (res) => res.resume().on('end', resolve)).on('error', reject));
  await new Promise((resolve) => server.close(resolve));
}
for (let i = 0; i < 2; i++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 200)); }
const status = readFileSync('/proc/self/status', 'utf8');
const kb = (k) => Number(new RegExp('^' + k + ':\\\\s+(\\\\d+)', 'm').exec(status)[1]) * 1024;
process.stdout.write(JSON.stringify({ rss: kb('VmRSS'), anon: kb('RssAnon'), file: kb('RssFile'), heapUsed: process.memoryUsage().heapUsed }));
`;

export function probes(quick: boolean): ProbeResult[] {
  // Under node_modules, so that bare specifiers resolve to the workspace's packages.
  const dir = join(ROOT, 'node_modules/.cache/nexus-bench');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'probe.mjs');
  writeFileSync(file, PROBE);
  const dist = (p: string) => pathToFileURL(join(ROOT, 'exporter/dist', p)).href;
  const exporter = [...LIBRARIES, dist('config/load.js'), dist('server/listen.js')];
  const list: Array<{ name: string; imports: string[] }> = [
    { name: 'Node.js alone', imports: [] },
    { name: 'the libraries', imports: [...LIBRARIES] },
    ...LIBRARIES.map((lib) => ({ name: `the libraries but ${lib}`, imports: LIBRARIES.filter((l) => l !== lib) })),
    { name: 'everything nexus-exporter imports', imports: exporter },
    { name: 'with express and the admin API', imports: [...exporter, dist('server/api/index.js')] },
    { name: 'with the OpenTelemetry SDK (OTLP)', imports: [...exporter, dist('metrics/otlp.js')] },
    { name: 'with the OTLP receiver enabled', imports: [...exporter, dist('receiver/index.js')] },
    {
      name: 'with the OTLP receiver after its first request (express, protobufjs)',
      imports: [...exporter, dist('receiver/index.js'), dist('receiver/http.js')],
    },
    { name: 'with a request over node:http', imports: [...exporter, 'request:http'] },
    { name: 'with a request over the global fetch (undici)', imports: [...exporter, 'request:fetch'] },
  ];
  const runs = quick ? 1 : 3;
  return list.map(({ name, imports }) => {
    const samples: Array<{ rss: number; anon: number; file: number; heapUsed: number }> = [];
    for (let i = 0; i < runs; i++) {
      const r = spawnSync(process.execPath, [...NODE_FLAGS, '--expose-gc', file, JSON.stringify(imports)], {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, NODE_OPTIONS: '', ...RUNTIME_ENV },
      });
      if (r.status !== 0) throw new Error(`probe "${name}" failed:\n${r.stderr}`);
      samples.push(JSON.parse(r.stdout) as (typeof samples)[number]);
    }
    const med = (k: keyof (typeof samples)[number]) => mb(summarize(samples.map((s) => s[k])).median);
    return {
      name,
      imports: imports.map((i) => i.replace(pathToFileURL(ROOT).href, '')),
      rssMb: med('rss'),
      anonMb: med('anon'),
      fileMb: med('file'),
      heapUsedMb: med('heapUsed'),
    };
  });
}

/** The newest .heapsnapshot in `dir` once its writer is done (its size stops changing). */
async function snapshotIn(dir: string, timeoutMs = 120_000): Promise<string> {
  const deadline = performance.now() + timeoutMs;
  let last = -1;
  for (;;) {
    const file = readdirSync(dir).find((f) => f.endsWith('.heapsnapshot'));
    if (file) {
      const size = statSync(join(dir, file)).size;
      if (size > 0 && size === last) return join(dir, file);
      last = size;
    }
    if (performance.now() > deadline) throw new Error('no heap snapshot was written');
    await sleep(1000);
  }
}

/** Objects whose retained size the heap summary reports (see docs/performance.md). */
export const HEAP_OWNERS = [
  'AccountPoller',
  'Ledger',
  'MetricsModel',
  'SnapshotExposition',
  'PrometheusOutput',
  'Registry',
];

export async function idleBench(opts: { quick: boolean; nodeArgs: string[] }): Promise<IdleResult> {
  log('idle: building the exporter (npm run build)');
  buildExporter();
  log('idle: import probes');
  const probeResults = probes(opts.quick);
  log('idle: five providers × three accounts, side by side: cli, node, zero' + (opts.nodeArgs.length ? ', args' : ''));
  const sims: Simulator[] = [];
  const providers: Record<string, Array<Record<string, unknown>>> = {};
  const dir = await tempDir('nexus-bench-idle-');
  const running: Running[] = [];
  try {
    for (const d of DEMO_PROVIDERS) {
      const { simulator, account } = await d.start();
      sims.push(simulator);
      providers[d.provider] = [1, 2, 3].map((n) => ({
        ...account,
        account: `demo-${n}`,
        pollIntervalSeconds: POLL_SECONDS,
      }));
    }
    const accounts = Object.values(providers).reduce((n, l) => n + l.length, 0);
    const variants: Array<{
      name: string;
      description: string;
      argv: string[];
      accounts: boolean;
      env?: Record<string, string>;
    }> = [
      {
        name: 'cli',
        description: `the \`nexus-exporter\` command (its shebang: \`${launchPrefix()}\`), as \`npm start\` and the Docker image run it`,
        argv: [BIN],
        accounts: true,
      },
      {
        name: 'node',
        description: '`node exporter/dist/cli.js`, without the runtime settings',
        argv: [process.execPath, CLI],
        accounts: true,
      },
      { name: 'zero', description: 'the command with no accounts configured', argv: [BIN], accounts: false },
      ...(opts.nodeArgs.length
        ? [
            {
              name: 'args',
              description: `\`node ${opts.nodeArgs.join(' ')} exporter/dist/cli.js\``,
              argv: [process.execPath, ...opts.nodeArgs, CLI],
              accounts: true,
            },
          ]
        : []),
    ];
    const snapshotDir = join(dir.path, 'snapshots');
    mkdirSync(snapshotDir);
    for (const [i, v] of variants.entries()) {
      const port = 19_000 + Math.floor(Math.random() * 900) * 10 + i;
      const listen = `127.0.0.1:${port}`;
      const config = join(dir.path, `${v.name}.yaml`);
      // JSON is YAML.
      writeFileSync(
        config,
        JSON.stringify({ listen, stateDir: join(dir.path, `state-${v.name}`), providers: v.accounts ? providers : {} })
      );
      // Only `cli` gets the snapshot signal, which costs nothing until the snapshot after the window.
      const env: Record<string, string> =
        v.name === 'cli' ? { NODE_OPTIONS: `--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=${snapshotDir}` } : {};
      const r = start(v.name, v.description, v.argv, config, v.accounts ? accounts : 0, env);
      running.push(r);
      await answering(r, `http://${listen}`);
      r.phases.started = await phase(r);
    }
    const withAccounts = running.filter((r) => r.accounts > 0);
    // Every account's first poll.
    const firstDeadline = performance.now() + 120_000;
    for (const r of withAccounts) {
      for (;;) {
        const m = await readMetrics(r);
        if (m.polls.success + m.polls.failure >= r.accounts) break;
        if (performance.now() > firstDeadline)
          throw new Error(`${r.name}: the first polls did not finish within 2 minutes`);
        await sleep(500);
      }
      r.phases.firstPolls = await phase(r);
    }
    const cycles = opts.quick ? 1 : 3;
    const warmupEnd = performance.now() + cycles * POLL_SECONDS * 1000;
    log(`idle: warm-up, ${cycles} poll cycle${cycles > 1 ? 's' : ''}`);
    await sleep(warmupEnd - performance.now());
    // The window: until 10 minutes after the start (1 minute after the warm-up with --quick).
    const windowEnd = opts.quick
      ? performance.now() + 60_000
      : Math.max(running[0]!.startedAt + 600_000, performance.now() + 120_000);
    log(`idle: sampling RSS every second for ${Math.round((windowEnd - performance.now()) / 1000)} s`);
    const windowStart = performance.now();
    for (const r of running) {
      r.cpuAtWindow = procCpuMs(r.child.pid!);
      r.pollsAtWindow = { ...(await readMetrics(r)).polls };
      r.nextScrape = performance.now() + SCRAPE_SECONDS * 1000;
    }
    while (performance.now() < windowEnd) {
      const tick = performance.now();
      for (const r of running) {
        if (r.child.exitCode !== null) throw new Error(`${r.name} exited with ${r.child.exitCode}`);
        if (tick >= r.nextScrape) {
          // A Prometheus scrape (gzip); its figures say how many polls the window saw.
          await readMetrics(r);
          r.nextScrape += SCRAPE_SECONDS * 1000;
        }
        r.rss.push(procMemory(r.child.pid!).rss);
      }
      await sleep(Math.max(0, 1000 - (performance.now() - tick)));
    }
    const windowSeconds = (performance.now() - windowStart) / 1000;
    const results: VariantResult[] = [];
    for (const r of running) {
      const cpuMs = procCpuMs(r.child.pid!) - r.cpuAtWindow!;
      const end = await phase(r);
      const m = r.lastMetrics!;
      const identity = await scrape(`${r.url}/metrics`, { gzip: false, agent: r.agent });
      const s = summarize(r.rss);
      results.push({
        name: r.name,
        description: r.description,
        command: r.command,
        accounts: r.accounts,
        series: m.series,
        phases: { started: r.phases.started!, firstPolls: r.phases.firstPolls, end },
        window: {
          seconds: windowSeconds,
          samples: s.n,
          rssMb: { median: mb(s.median), max: mb(s.max), min: mb(s.min) },
          polls: m.polls.success - r.pollsAtWindow!.success,
          failedPolls: m.polls.failure - r.pollsAtWindow!.failure,
          cpuPercent: (cpuMs / 1000 / windowSeconds) * 100,
        },
        peakRssMb: mb(procMemory(r.child.pid!).peak),
        expositionBytes: { identity: identity.bytes, gzip: m.gzipBytes },
      });
    }
    // Last, since writing a snapshot costs memory: which objects hold the heap of `cli`.
    let heap: IdleResult['heap'];
    const cli = running.find((r) => r.name === 'cli');
    if (cli) {
      log('idle: heap snapshot of cli');
      cli.child.kill('SIGUSR2');
      heap = { variant: 'cli', ...summarizeSnapshot(await snapshotIn(snapshotDir), HEAP_OWNERS) };
    }
    return {
      flags: NODE_FLAGS,
      v8Flags: V8_RUNTIME_FLAGS,
      env: RUNTIME_ENV,
      probeRuns: opts.quick ? 1 : 3,
      pollIntervalSeconds: POLL_SECONDS,
      scrapeIntervalSeconds: SCRAPE_SECONDS,
      warmupPollCycles: cycles,
      variants: results,
      probes: probeResults,
      heap,
    };
  } finally {
    await Promise.all(
      running.map(async (r) => {
        r.agent.destroy();
        if (r.child.exitCode !== null) return;
        const exited = new Promise((resolve) => r.child.once('exit', resolve));
        r.child.kill('SIGTERM');
        const timer = setTimeout(() => r.child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      })
    );
    await Promise.all(sims.map((s) => s.stop()));
    await dir.remove();
  }
}
