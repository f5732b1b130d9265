// The soak benchmark (`npm run bench -- --only=soak`): the exporter as a child process of its own (its
// config file, state directory and admin API, as a user runs it; bench/lib/soak-child.ts), polling one
// account of each of the five providers' simulators (which run here) through a simulated day on an
// accelerated clock, while faults of every kind are injected at random, /metrics and the other endpoints
// are scraped, and accounts are created, changed and deleted through the admin API. Then the clock stops,
// the faults are cleared, the polls catch up, and every cost, token, request and reported-error counter
// of every account left is compared with the simulators' own totals (exactly), and every balance,
// credit and rate-limit gauge with the simulators' current values (soak-truth.ts says which are exact).
//
// Checks (any failing one makes the run fail): the exporter never exits; every scrape and admin call
// gets the answer it should; every account catches up; every counter equals the simulators' total; every
// balance, credit and rate-limit gauge equals the simulators' current value; the
// RSS is flat (median of the last quarter of the run at most RSS_GROWTH_BOUND above the median of the
// second: the first quarter is start-up and warm-up); each error reason a fault should cause is counted;
// no state write fails; SIGTERM stops it with code 0.
//
// Wall clock and simulated clock: bench/lib/soak-clock.ts. The exporter's timers (poll intervals,
// Retry-After, timeouts, the breaker) stay on real time: a poll interval of 10 or 15 s (the smallest the
// providers' schemas allow) is factor times as long in simulated time (20–30 minutes for a day in 12).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import type { ProviderName, SpendScope } from '../exporter/src/providers/types.js';
import type { Simulator } from '../exporter/src/simulators/base.js';
import { DEMO_PROVIDERS } from '../exporter/src/simulators/demo.js';
import { tempDir } from '../exporter/src/testing/harness.js';
import { clockEnd, makeClock, rng, type ClockSpec, type Rng } from './lib/soak-clock.js';
import { FAULT_KINDS, FaultInjector, SOAK_HTTP } from './lib/soak-faults.js';
import {
  COUNTERS,
  GAUGES,
  compareCounters,
  compareGauges,
  expectedCounters,
  expectedGauges,
  parseExposition,
  type CounterComparison,
  type ExpectedGauge,
  type GaugeComparison,
} from './lib/soak-truth.js';
import { summarize } from './lib/stats.js';

/** The most the RSS may grow from the second quarter of the run to the last (median to median). */
export const RSS_GROWTH_BOUND = 0.1;
/** Poll intervals (real seconds): the smallest each provider's account schema allows. */
const POLL_SECONDS: Record<ProviderName, number> = { openai: 10, openrouter: 15, exa: 15, twilio: 10, apollo: 10 };
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const CACHE = `${ROOT}node_modules/.cache/nexus-bench/`;

export interface SoakOptions {
  seed: number;
  /** Simulated hours the run covers. */
  simulatedHours: number;
  /** Wall seconds they take (the faulty part of the run; the catch-up comes after). */
  wallSeconds: number;
  /** Simulated start (UTC, ISO 8601): mid-month, so that the month does not turn during the run. */
  simStart: string;
  /** Faults armed per wall second (0: none, a baseline). */
  faultsPerSecond: number;
  /** Fault kinds (FAULT_KINDS names) left out, e.g. to tell which one a finding comes from. */
  excludeFaults?: string[];
  /** Accounts per provider created and deleted through the admin API, besides the configured one. */
  churnAccounts: number;
  /** How long the polls may take to catch up once the faults stop. */
  catchUpSeconds: number;
  /** Keep the state directory and the exporter's log even when the run passes. */
  keep?: boolean;
  /** Run the exporter as compiled JavaScript (the bench) rather than under tsx (the test). */
  compiled: boolean;
  nodeArgs?: string[];
  /** Environment settings for the exporter (the runtime's MALLOC_MMAP_THRESHOLD_ in the bench). */
  nodeEnv?: Record<string, string>;
  log?: (line: string) => void;
}

export const DEFAULT_SOAK: SoakOptions = {
  seed: 1,
  simulatedHours: 24,
  wallSeconds: 720,
  // 06:00 UTC: away from OpenRouter's /activity publication (02:00 with the demo's two-hour lag) and
  // from midnight, so that the last /activity read before the clock stops has every published day.
  simStart: '2026-11-10T06:00:00Z',
  faultsPerSecond: 1,
  churnAccounts: 1,
  catchUpSeconds: 120,
  compiled: true,
};

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export interface SoakResult {
  options: SoakOptions;
  wallSeconds: { total: number; span: number; catchUp: number };
  simulated: {
    start: string;
    end: string;
    hours: number;
    factor: number;
    secondsPerPoll: { min: number; max: number };
  };
  polls: Record<string, number>;
  faults: Record<string, number>;
  faultsTotal: number;
  scrapes: { metrics: number; other: number; errors: number; firstErrors: string[] };
  adminWrites: Record<string, number>;
  adminErrors: string[];
  providerErrors: Record<string, number>;
  stateWriteErrors: number;
  rssMb: {
    start: number;
    median: number;
    max: number;
    end: number;
    q2Median: number;
    q4Median: number;
    samples: number;
  };
  /**
   * nodejs_heap_size_used_bytes and nodejs_external_memory_bytes from the scrapes, and the heap used just
   * after each major GC (by the quarter of the run it fell in) — what the exporter holds; the scraped
   * figure adds the garbage awaiting the next major GC (not checked).
   */
  heapMb: {
    q2Median: number;
    q4Median: number;
    externalQ2Median: number;
    externalQ4Median: number;
    samples: number;
    afterMajorGcQ2Median: number;
    afterMajorGcQ4Median: number;
    majorGcs: number;
  };
  counters: Array<{ provider: string; account: string } & CounterComparison>;
  gauges: Array<{ provider: string; account: string } & GaugeComparison>;
  exit: { crashed: boolean; code: number | null; signal: string | null };
  checks: Check[];
  ok: boolean;
  /** The last exposition and the expected counters (tests re-check the comparison with them). */
  final?: {
    exposition: string;
    expected: Array<{ provider: ProviderName; account: string; values: Map<string, bigint> }>;
    expectedGauges: Array<{ provider: ProviderName; account: string; values: Map<string, ExpectedGauge> }>;
  };
}

/**
 * Whether RSS samples (taken at a steady rate through the run) are flat: the median of the last quarter
 * is at most RSS_GROWTH_BOUND above the median of the second. The first quarter is left out: start-up,
 * the first polls (which seed a month of data) and V8 growing its heap to its working size. Medians,
 * not maxima: a poll's burst or a 33 MiB answer that is read and dropped is not growth. A leak of a
 * few kilobytes per poll or per scrape grows the later quarters past the bound within the run.
 */
export function rssFlat(samples: readonly number[]): { q2: number; q4: number; flat: boolean } {
  const quarter = (q: number) =>
    summarize(samples.slice(Math.floor((samples.length * (q - 1)) / 4), Math.floor((samples.length * q) / 4))).median;
  const q2 = quarter(2);
  const q4 = quarter(4);
  return { q2, q4, flat: samples.length >= 8 && q4 <= q2 * (1 + RSS_GROWTH_BOUND) };
}

/** The median heap of the samples taken in quarter `q` (1–4) of the wall span [start, end). */
function quarterMedian(
  samples: ReadonlyArray<{ at: number; heapUsed: number }>,
  start: number,
  end: number,
  q: number
): number {
  const from = start + ((end - start) * (q - 1)) / 4;
  const to = start + ((end - start) * q) / 4;
  const inQuarter = samples.filter((s) => s.at >= from && s.at < to).map((s) => s.heapUsed);
  return inQuarter.length > 0 ? summarize(inQuarter).median : Number.NaN;
}

// ---- HTTP ----

interface Answer {
  status: number;
  body: Buffer;
  headers: Record<string, string | string[] | undefined>;
}

function call(
  agent: Agent,
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: unknown; timeoutMs?: number } = {}
): Promise<Answer> {
  const body = opts.body === undefined ? undefined : Buffer.from(JSON.stringify(opts.body));
  const headers: Record<string, string> = {
    ...opts.headers,
    ...(body ? { 'content-type': 'application/json', 'content-length': String(body.length) } : {}),
  };
  return new Promise((resolve, reject) => {
    const req = request(url, { method: opts.method ?? 'GET', headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), headers: res.headers }));
      res.on('error', reject);
    });
    req.setTimeout(opts.timeoutMs ?? 30_000, () =>
      req.destroy(new Error(`${opts.method ?? 'GET'} ${url}: no answer within ${(opts.timeoutMs ?? 30_000) / 1000} s`))
    );
    req.on('error', reject);
    req.end(body);
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// ---- the exporter process ----

interface ExporterProcess {
  child: ChildProcess;
  url: string;
  exited: Promise<{ code: number | null; signal: string | null }>;
  /** The last lines of its stderr (logs), for a crash report. */
  tail(): string;
  /** Heap used just after each major GC (soak-child.ts reports them on stderr), with the wall time. */
  majorGcs: Array<{ at: number; heapUsed: number }>;
}

/** The child's entry point: compiled JavaScript when `compiled` (and it builds), else TypeScript under tsx. */
function exporterEntry(compiled: boolean, log: (l: string) => void): { file: string; execArgv: string[] } {
  const source = fileURLToPath(new URL('./lib/soak-child.ts', import.meta.url));
  if (compiled) {
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    const result = spawnSync(process.execPath, [tsc, '-p', `${ROOT}bench/tsconfig.soak.json`], { encoding: 'utf8' });
    const file = `${CACHE}bench/lib/soak-child.js`;
    if (existsSync(file)) {
      if (result.status !== 0)
        log(`soak: tsc reported errors (the child was still emitted): ${result.stdout.slice(0, 500)}`);
      // ES modules, and the exporter's package.json (version.ts reads it), as bench/lib/build.ts does.
      writeFileSync(`${CACHE}package.json`, '{ "type": "module" }\n');
      mkdirSync(`${CACHE}exporter`, { recursive: true });
      copyFileSync(`${ROOT}exporter/package.json`, `${CACHE}exporter/package.json`);
      return { file, execArgv: [] };
    }
    log(
      `soak: could not compile the exporter; running it under tsx (its RSS includes the loader):\n${result.stdout}${result.stderr}`
    );
  }
  return { file: source, execArgv: ['--import', 'tsx'] };
}

async function startExporter(
  entry: { file: string; execArgv: string[] },
  configPath: string,
  clock: ClockSpec,
  logPath: string,
  nodeArgs: string[],
  nodeEnv: Record<string, string>
): Promise<ExporterProcess> {
  const child = spawn(
    process.execPath,
    [...entry.execArgv, ...nodeArgs, entry.file, configPath, JSON.stringify(clock)],
    { stdio: ['ignore', 'pipe', 'pipe'], cwd: ROOT, env: { ...process.env, ...nodeEnv } }
  );
  const logFile = createWriteStream(logPath);
  const lines: string[] = [];
  const majorGcs: ExporterProcess['majorGcs'] = [];
  let partial = '';
  child.stderr!.on('data', (c: Buffer) => {
    logFile.write(c);
    const text = partial + c.toString('utf8');
    const parts = text.split('\n');
    partial = parts.pop()!;
    for (const line of parts) {
      if (!line.startsWith('{"soakMajorGc":')) continue;
      const gc = JSON.parse(line) as { soakMajorGc: number; at: number };
      majorGcs.push({ at: gc.at, heapUsed: gc.soakMajorGc });
    }
    lines.push(...parts);
    if (lines.length > 40) lines.splice(0, lines.length - 40);
  });
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      logFile.end();
      resolve({ code, signal });
    });
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(
      () => reject(new Error(`the exporter did not start within 60 s:\n${lines.join('\n')}`)),
      60_000
    );
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      resolve((JSON.parse(out.slice(0, nl)) as { url: string }).url);
    });
    void exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`the exporter exited with ${code} before listening:\n${lines.join('\n')}`));
    });
  });
  return { child, url, exited, tail: () => [...lines, partial].join('\n'), majorGcs };
}

/** Resident set size of a process, from /proc (Linux); undefined elsewhere. */
function rssOf(pid: number): number | undefined {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

// ---- counters seen across scrapes (a deleted and re-created account starts its health counters again) ----

class IncreaseTracker {
  private readonly last = new Map<string, number>();
  readonly total = new Map<string, number>();

  /** Adds each series' increase since the last scrape (a lower value is a reset) under `group(labels)`. */
  observe(series: Map<string, number>, group: (key: string) => string): void {
    for (const [key, value] of series) {
      const before = this.last.get(key) ?? 0;
      const increase = value >= before ? value - before : value;
      this.last.set(key, value);
      if (increase > 0) this.total.set(group(key), (this.total.get(group(key)) ?? 0) + increase);
    }
  }
}

const label = (key: string, name: string) => new RegExp(`${name}="([^"]*)"`).exec(key)?.[1] ?? '';

// ---- the run ----

interface Account {
  provider: ProviderName;
  account: string;
  /** The `scope` label of its cost counters (the admin API's spendScope). */
  spendScope: SpendScope | null;
}

export async function runSoak(options: Partial<SoakOptions> = {}): Promise<SoakResult> {
  const opts: SoakOptions = { ...DEFAULT_SOAK, ...options };
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const r = rng(opts.seed);
  const dir = await tempDir('nexus-soak-');
  const sims = new Map<ProviderName, Simulator>();
  const accountFields = new Map<ProviderName, Record<string, unknown>>();
  const spanMs = opts.wallSeconds * 1000;
  const factor = (opts.simulatedHours * 3_600_000) / spanMs;
  let exporter: ExporterProcess | undefined;
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  let keep = true;
  try {
    // Simulators: the demo's (realistic volumes, an OpenRouter publication lag, Exa's billing lag and
    // paid probe, Twilio subaccounts and alerts), on the soak's clock.
    const clock: ClockSpec = {
      simStartMs: Date.parse(opts.simStart),
      wallStartMs: Date.now(),
      wallSpanMs: spanMs,
      factor,
    };
    if (Number.isNaN(clock.simStartMs)) throw new Error(`--start: not a date: ${opts.simStart}`);
    const now = makeClock(clock);
    for (const d of DEMO_PROVIDERS) {
      const { simulator, account } = await d.start();
      simulator.now = now;
      sims.set(d.provider, simulator);
      const { account: _name, ...fields } = account;
      accountFields.set(d.provider, { ...fields, pollIntervalSeconds: POLL_SECONDS[d.provider] });
    }
    const adminToken = randomBytes(24).toString('hex');
    const config = {
      listen: '127.0.0.1:0',
      stateDir: join(dir.path, 'state'),
      logLevel: 'warn',
      admin: { token: adminToken },
      http: SOAK_HTTP,
      polling: { jitter: 0.1, breakerFailures: 5, breakerCooldownSeconds: 15 },
      providers: Object.fromEntries([...accountFields].map(([p, fields]) => [p, [{ account: 'soak', ...fields }]])),
    };
    const configPath = join(dir.path, 'nexus.yaml');
    writeFileSync(configPath, JSON.stringify(config, null, 2)); // JSON is YAML
    const entry = exporterEntry(opts.compiled, log);
    log(
      `soak: seed ${opts.seed}; ${opts.simulatedHours} simulated hours in ${opts.wallSeconds} s (×${factor.toFixed(0)}), from ${opts.simStart}; exporter ${entry.file.endsWith('.js') ? 'compiled' : 'under tsx'}, logs in ${join(dir.path, 'exporter.log')}`
    );
    clock.wallStartMs = Date.now();
    exporter = await startExporter(
      entry,
      configPath,
      clock,
      join(dir.path, 'exporter.log'),
      opts.nodeArgs ?? [],
      opts.nodeEnv ?? {}
    );
    const ex = exporter;
    let crashed = false;
    let stopping = false;
    void ex.exited.then(() => {
      if (!stopping) crashed = true;
    });
    const auth = { authorization: `Bearer ${adminToken}` };
    const endAt = clock.wallStartMs + spanMs;

    // Scrapes: /metrics every 250 ms (alternately gzip), /healthz, /readyz and the account list now and then.
    const scrapes = { metrics: 0, other: 0, errors: 0, firstErrors: [] as string[] };
    const scrapeError = (what: string) => {
      scrapes.errors++;
      if (scrapes.firstErrors.length < 10) scrapes.firstErrors.push(what);
    };
    const polls = new IncreaseTracker();
    const errors = new IncreaseTracker();
    let lastExposition = '';
    // The exporter's own view of its memory (prom-client's process metrics), to tell a growing heap
    // from pages the allocator keeps.
    const heap: number[] = [];
    const external: number[] = [];
    const scrapeMetrics = async (gzip: boolean): Promise<string | undefined> => {
      const a = await call(agent, `${ex.url}/metrics`, { headers: gzip ? { 'accept-encoding': 'gzip' } : {} });
      scrapes.metrics++;
      if (a.status !== 200) {
        scrapeError(`/metrics answered ${a.status}`);
        return undefined;
      }
      const text = (gzip && a.headers['content-encoding'] === 'gzip' ? gunzipSync(a.body) : a.body).toString('utf8');
      const health = parseExposition(text, ['nexus_provider_polls_total', 'nexus_provider_errors_total']);
      const only = (prefix: string) => new Map([...health].filter(([k]) => k.startsWith(prefix)));
      polls.observe(only('nexus_provider_polls_total'), (k) => label(k, 'result'));
      errors.observe(only('nexus_provider_errors_total'), (k) => label(k, 'reason'));
      lastExposition = text;
      if (Date.now() < endAt) {
        const mem = parseExposition(text, ['nodejs_heap_size_used_bytes', 'nodejs_external_memory_bytes']);
        heap.push(mem.get('nodejs_heap_size_used_bytes{}') ?? Number.NaN);
        external.push(mem.get('nodejs_external_memory_bytes{}') ?? Number.NaN);
      }
      return text;
    };
    const scrapeLoop = async () => {
      for (let i = 0; Date.now() < endAt && !crashed; i++) {
        try {
          await scrapeMetrics(i % 2 === 1);
          if (i % 4 === 0) {
            for (const [path, headers, ok] of [
              ['/healthz', {}, [200]],
              ['/readyz', {}, [200, 503]],
              ['/api/v1/providers', auth, [200]],
            ] as const) {
              const a = await call(agent, `${ex.url}${path}`, { headers });
              scrapes.other++;
              if (!(ok as readonly number[]).includes(a.status)) scrapeError(`${path} answered ${a.status}`);
            }
          }
        } catch (e) {
          scrapeError((e as Error).message);
        }
        await sleep(250);
      }
    };

    // Admin writes: churn accounts created, changed and deleted; now and then a write that must be refused.
    const churn = new Map<string, boolean>(); // provider/name → exists
    for (const p of sims.keys()) for (let n = 1; n <= opts.churnAccounts; n++) churn.set(`${p}/churn-${n}`, false);
    const adminWrites: Record<string, number> = {};
    const adminErrors: string[] = [];
    const adminWrite = async (r2: Rng) => {
      const key = r2.pick([...churn.keys()]);
      const [provider, name] = key.split('/') as [ProviderName, string];
      const exists = churn.get(key)!;
      const url = `${ex.url}/api/v1/providers/${provider}/accounts/${name}`;
      let kind: string;
      let expected: number[];
      let a: Answer;
      const roll = r2.next();
      if (roll < 0.08) {
        kind = 'PUT refused (invalid)';
        expected = [400];
        a = await call(agent, url, {
          method: 'PUT',
          headers: auth,
          body: { ...accountFields.get(provider), pollIntervalSeconds: 1 },
        });
      } else if (roll < 0.12) {
        kind = 'PUT refused (config account)';
        expected = [409];
        a = await call(agent, `${ex.url}/api/v1/providers/${provider}/accounts/soak`, {
          method: 'PUT',
          headers: auth,
          body: { pollIntervalSeconds: 60 },
        });
      } else if (exists && roll < 0.5) {
        kind = 'DELETE';
        expected = [204];
        a = await call(agent, url, { method: 'DELETE', headers: auth });
        if (a.status === 204) churn.set(key, false);
      } else {
        kind = exists ? 'PUT update' : 'PUT create';
        expected = [exists ? 200 : 201];
        a = await call(agent, url, {
          method: 'PUT',
          headers: auth,
          body: {
            ...accountFields.get(provider),
            pollIntervalSeconds: r2.int(POLL_SECONDS[provider], POLL_SECONDS[provider] + 5),
          },
        });
        if (a.status === 200 || a.status === 201) churn.set(key, true);
      }
      adminWrites[kind] = (adminWrites[kind] ?? 0) + 1;
      if (!expected.includes(a.status) && adminErrors.length < 10)
        adminErrors.push(`${kind} ${provider}/${name}: ${a.status} ${a.body.toString('utf8').slice(0, 200)}`);
      else if (!expected.includes(a.status)) adminErrors.push('…');
    };
    const adminRng = rng(opts.seed ^ 0x5eed);
    const adminLoop = async () => {
      while (churn.size > 0 && Date.now() < endAt - 2000 && !crashed) {
        try {
          await adminWrite(adminRng);
        } catch (e) {
          adminErrors.push((e as Error).message);
        }
        await sleep(adminRng.int(300, 1500));
      }
    };

    // Faults: armed at random until 3 s before the clock stops.
    const injector = new FaultInjector(sims, r, opts.excludeFaults);
    const faultLoop = async () => {
      while (opts.faultsPerSecond > 0 && Date.now() < endAt - 3000 && !crashed) {
        injector.injectOne();
        await sleep((1000 / opts.faultsPerSecond) * (0.5 + r.next()));
      }
    };

    // RSS of the exporter, once a second; progress now and then.
    const rss: number[] = [];
    const rssLoop = async () => {
      let lastLog = Date.now();
      while (Date.now() < endAt && !crashed) {
        const v = rssOf(ex.child.pid!);
        if (v !== undefined) rss.push(v);
        if (Date.now() - lastLog > 30_000) {
          lastLog = Date.now();
          log(
            `soak: ${((Date.now() - clock.wallStartMs) / 1000).toFixed(0)} s, simulated ${now().toISOString()}, polls ${JSON.stringify(Object.fromEntries(polls.total))}, faults ${[...injector.injected.values()].reduce((a, b) => a + b, 0)}, RSS ${((v ?? 0) / 1048576).toFixed(0)} MB`
          );
        }
        await sleep(1000);
      }
    };

    await Promise.all([scrapeLoop(), adminLoop(), faultLoop(), rssLoop()]);
    const spanEnd = Date.now();

    // The clock has stopped; clear the faults and let every account poll successfully twice.
    injector.clear();
    const checks: Check[] = [];
    const accounts: Account[] = [];
    let caughtUp = false;
    let lagging: string[] = [];
    if (!crashed) {
      const list = JSON.parse(
        (await call(agent, `${ex.url}/api/v1/providers`, { headers: auth })).body.toString('utf8')
      ) as {
        providers: Array<{
          provider: ProviderName;
          accounts: Array<{ account: string; enabled: boolean; spendScope: SpendScope | null }>;
        }>;
      };
      for (const p of list.providers)
        for (const a of p.accounts)
          if (a.enabled) accounts.push({ provider: p.provider, account: a.account, spendScope: a.spendScope });
      const successes = async () => {
        const text = await scrapeMetrics(false);
        const s = parseExposition(text ?? '', ['nexus_provider_polls_total']);
        return new Map(
          accounts.map((a) => [
            `${a.provider}/${a.account}`,
            s.get(
              `nexus_provider_polls_total{account=${JSON.stringify(a.account)},provider=${JSON.stringify(a.provider)},result="success"}`
            ) ?? 0,
          ])
        );
      };
      const base = await successes();
      const deadline = Date.now() + opts.catchUpSeconds * 1000;
      while (Date.now() < deadline && !crashed) {
        const current = await successes();
        lagging = [...base].filter(([k, v]) => (current.get(k) ?? 0) < v + 2).map(([k]) => k);
        if (lagging.length === 0) {
          caughtUp = true;
          break;
        }
        await sleep(500);
      }
    }
    const catchUpEnd = Date.now();
    checks.push({
      name: 'polls caught up once the faults stopped',
      ok: caughtUp,
      detail: caughtUp
        ? `every account (${accounts.length}) polled successfully twice within ${((catchUpEnd - spanEnd) / 1000).toFixed(1)} s`
        : `still lagging after ${opts.catchUpSeconds} s: ${lagging.join(', ')}`,
    });

    // The counters against the simulators' totals.
    const counters: SoakResult['counters'] = [];
    const expectedAll: NonNullable<SoakResult['final']>['expected'] = [];
    let exposition = '';
    if (!crashed) {
      exposition = (await scrapeMetrics(false)) ?? '';
      const exposed = parseExposition(exposition, COUNTERS);
      for (const a of accounts) {
        if (a.provider === 'apollo') continue; // no counters
        const values = expectedCounters(a.provider, a.account, sims.get(a.provider)!, a.spendScope ?? undefined);
        expectedAll.push({ ...a, values });
        counters.push({ ...a, ...compareCounters(values, exposed, a) });
      }
    }
    // The gauges against the simulators' current values (the clock has stopped: they hold still).
    const gauges: SoakResult['gauges'] = [];
    const expectedGaugesAll: NonNullable<SoakResult['final']>['expectedGauges'] = [];
    if (!crashed) {
      const exposed = parseExposition(exposition, GAUGES);
      for (const a of accounts) {
        const values = expectedGauges(a.provider, a.account, sims.get(a.provider)!);
        expectedGaugesAll.push({ ...a, values });
        gauges.push({ ...a, ...compareGauges(values, exposed, a) });
      }
    }
    const mismatched = counters.filter((c) => c.mismatches.length > 0);
    const compared = counters.reduce((n, c) => n + c.series, 0);
    checks.push({
      name: "every cost, token, request and reported-error counter equals the simulators' total",
      ok: !crashed && counters.length >= 4 && mismatched.length === 0 && compared > 0,
      detail:
        mismatched.length === 0
          ? `${compared} series of ${counters.length} accounts, all equal`
          : mismatched
              .map(
                (c) =>
                  `${c.provider}/${c.account}: ${c.mismatches.length} of ${c.series} differ, e.g. ${c.mismatches
                    .slice(0, 3)
                    .map((m) => `${m.series} expected ${m.expected} got ${m.actual}`)
                    .join('; ')}`
              )
              .join(' | '),
    });

    const gaugesOff = gauges.filter((g) => g.mismatches.length > 0);
    const gaugeSeries = gauges.reduce((n, g) => n + g.series, 0);
    checks.push({
      name: "every balance, credit and rate-limit gauge equals the simulators' current value",
      ok:
        !crashed &&
        gaugesOff.length === 0 &&
        new Set(gauges.filter((g) => g.series > 0).map((g) => g.provider)).size >= 3,
      detail:
        gaugesOff.length === 0
          ? `${gaugeSeries} series of ${gauges.filter((g) => g.series > 0).length} accounts (${gauges.reduce((n, g) => n + g.bounded, 0)} within bounds), all equal`
          : gaugesOff
              .map(
                (g) =>
                  `${g.provider}/${g.account}: ${g.mismatches.length} of ${g.series} differ, e.g. ${g.mismatches
                    .slice(0, 3)
                    .map((m) => `${m.series} expected ${m.expected} got ${m.actual}`)
                    .join('; ')}`
              )
              .join(' | '),
    });

    const stateWriteErrors =
      parseExposition(exposition || lastExposition, ['nexus_exporter_state_write_errors_total']).get(
        'nexus_exporter_state_write_errors_total{}'
      ) ?? Number.NaN;
    checks.push({
      name: 'no failed state write',
      ok: stateWriteErrors === 0,
      detail: `nexus_exporter_state_write_errors_total ${stateWriteErrors}`,
    });
    checks.push({
      name: 'scrapes answered',
      ok: scrapes.errors === 0 && scrapes.metrics > 0,
      detail: `${scrapes.metrics} /metrics and ${scrapes.other} other requests, ${scrapes.errors} failed${scrapes.firstErrors.length ? `: ${scrapes.firstErrors.join('; ')}` : ''}`,
    });
    const writes = Object.values(adminWrites).reduce((a, b) => a + b, 0);
    checks.push({
      name: 'admin writes answered as they should',
      ok: adminErrors.length === 0 && (writes > 0 || opts.churnAccounts === 0),
      detail: `${writes} writes, ${adminErrors.length} unexpected answers${adminErrors.length ? `: ${adminErrors.join('; ')}` : ''}`,
    });

    // Each reason a fault should cause was counted (kinds armed at least three times; one may have
    // been armed on a path polled only once in a while, or queued behind another).
    const providerErrors = Object.fromEntries([...errors.total].sort());
    const missing = [
      ...new Set(
        FAULT_KINDS.filter((k) => k.reason && (injector.injected.get(k.name) ?? 0) >= 3).map((k) => k.reason!)
      ),
    ].filter((reason) => !(providerErrors[reason]! > 0));
    checks.push({
      name: 'the injected faults were counted as errors, by reason',
      ok: missing.length === 0 && Object.keys(providerErrors).length > 0,
      detail:
        missing.length === 0
          ? JSON.stringify(providerErrors)
          : `no ${missing.join(', ')} error counted (counted: ${JSON.stringify(providerErrors)})`,
    });

    // RSS: the last quarter against the second.
    const { q2, q4, flat } = rssFlat(rss);
    const mb = (b: number) => Math.round((b / 1048576) * 10) / 10;
    checks.push({
      name: `RSS flat: median of the last quarter ≤ median of the second quarter + ${RSS_GROWTH_BOUND * 100} %`,
      ok: flat,
      detail:
        rss.length < 8
          ? `${rss.length} RSS samples (no /proc?)`
          : `${mb(q4)} MB vs ${mb(q2)} MB (${q4 >= q2 ? '+' : ''}${(((q4 - q2) / q2) * 100).toFixed(1)} %)`,
    });

    // Stop it as an operator would.
    stopping = true;
    let exit = { code: null as number | null, signal: null as string | null };
    if (!crashed) {
      ex.child.kill('SIGTERM');
      const timer = setTimeout(() => ex.child.kill('SIGKILL'), 30_000);
      exit = await ex.exited;
      clearTimeout(timer);
    } else {
      exit = await ex.exited;
    }
    checks.unshift({
      name: 'the exporter never exited during the run',
      ok: !crashed,
      detail: crashed ? `exited with ${exit.code ?? exit.signal}; last log lines:\n${ex.tail()}` : 'it ran throughout',
    });
    checks.push({
      name: 'SIGTERM stops it with code 0',
      ok: !crashed && exit.code === 0,
      detail: `exit code ${exit.code}${exit.signal ? `, signal ${exit.signal}` : ''}`,
    });

    // A failed run keeps its state directory and the exporter's log for a look.
    keep = opts.keep === true || !checks.every((c) => c.ok);
    if (keep) log(`soak: kept ${dir.path} (exporter.log, state/) for a look`);
    const faults = Object.fromEntries([...injector.injected].sort((a, b) => b[1] - a[1]));
    const rssSummary = summarize(rss);
    return {
      options: opts,
      wallSeconds: {
        total: (catchUpEnd - clock.wallStartMs) / 1000,
        span: (spanEnd - clock.wallStartMs) / 1000,
        catchUp: (catchUpEnd - spanEnd) / 1000,
      },
      simulated: {
        start: new Date(clock.simStartMs).toISOString(),
        end: clockEnd(clock).toISOString(),
        hours: opts.simulatedHours,
        factor,
        secondsPerPoll: {
          min: Math.min(...Object.values(POLL_SECONDS)) * factor,
          max: Math.max(...Object.values(POLL_SECONDS)) * factor,
        },
      },
      polls: Object.fromEntries(polls.total),
      faults,
      faultsTotal: Object.values(faults).reduce((a, b) => a + b, 0),
      scrapes,
      adminWrites,
      adminErrors,
      providerErrors,
      stateWriteErrors,
      rssMb: {
        start: mb(rss[0] ?? Number.NaN),
        median: mb(rssSummary.median),
        max: mb(rssSummary.max),
        end: mb(rss.at(-1) ?? Number.NaN),
        q2Median: mb(q2),
        q4Median: mb(q4),
        samples: rss.length,
      },
      heapMb: {
        q2Median: mb(rssFlat(heap).q2),
        q4Median: mb(rssFlat(heap).q4),
        externalQ2Median: mb(rssFlat(external).q2),
        externalQ4Median: mb(rssFlat(external).q4),
        samples: heap.length,
        afterMajorGcQ2Median: mb(quarterMedian(ex.majorGcs, clock.wallStartMs, spanEnd, 2)),
        afterMajorGcQ4Median: mb(quarterMedian(ex.majorGcs, clock.wallStartMs, spanEnd, 4)),
        majorGcs: ex.majorGcs.length,
      },
      counters,
      gauges,
      exit: { crashed, ...exit },
      checks,
      ok: checks.every((c) => c.ok),
      final: { exposition, expected: expectedAll, expectedGauges: expectedGaugesAll },
    };
  } finally {
    agent.destroy();
    if (exporter && exporter.child.exitCode === null && exporter.child.signalCode === null) {
      exporter.child.kill('SIGKILL');
      await exporter.exited;
    }
    await Promise.all([...sims.values()].map((s) => s.stop()));
    if (!keep) await dir.remove();
  }
}

/** The soak's figures and checks, for the bench output. */
export function soakReport(r: SoakResult): string {
  const out: string[] = [];
  const n = (v: number) => v.toLocaleString('en-US');
  out.push(
    `\n### Soak: five providers, ${r.simulated.hours} simulated hours, faults, scrapes and admin writes (seed ${r.options.seed})\n`
  );
  out.push(
    `Replay with \`npm run bench -- --only=soak --seed=${r.options.seed}\` (same faults and admin writes; the exporter's own poll jitter and the machine's timing differ).\n`
  );
  out.push('| figure | value |');
  out.push('|---|---|');
  const rows: Array<[string, string]> = [
    [
      'wall time',
      `${r.wallSeconds.total.toFixed(0)} s (${r.wallSeconds.span.toFixed(0)} s with faults, ${r.wallSeconds.catchUp.toFixed(1)} s catching up)`,
    ],
    [
      'simulated',
      `${r.simulated.start} → ${r.simulated.end} (${r.simulated.hours} h, ×${r.simulated.factor.toFixed(0)}; a poll every ${(r.simulated.secondsPerPoll.min / 60).toFixed(0)}–${(r.simulated.secondsPerPoll.max / 60).toFixed(0)} simulated minutes)`,
    ],
    [
      'polls',
      Object.entries(r.polls)
        .map(([k, v]) => `${k} ${n(v)}`)
        .join(', '),
    ],
    [
      'faults injected',
      `${n(r.faultsTotal)}: ${Object.entries(r.faults)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    ],
    [
      'errors counted (nexus_provider_errors_total)',
      Object.entries(r.providerErrors)
        .map(([k, v]) => `${k} ${n(v)}`)
        .join(', ') || 'none',
    ],
    [
      'scrapes',
      `${n(r.scrapes.metrics)} /metrics, ${n(r.scrapes.other)} /healthz, /readyz, /api/v1/providers; ${r.scrapes.errors} failed`,
    ],
    [
      'admin writes',
      Object.entries(r.adminWrites)
        .map(([k, v]) => `${k} ${v}`)
        .join(', '),
    ],
    [
      'exporter RSS MB',
      `start ${r.rssMb.start}, median ${r.rssMb.median}, max ${r.rssMb.max}, end ${r.rssMb.end}; median of the 2nd quarter ${r.rssMb.q2Median}, of the 4th ${r.rssMb.q4Median} (${r.rssMb.samples} samples)`,
    ],
    [
      'exporter heap used / external MB (its own metrics)',
      `median of the 2nd quarter ${r.heapMb.q2Median} / ${r.heapMb.externalQ2Median}, of the 4th ${r.heapMb.q4Median} / ${r.heapMb.externalQ4Median} (${r.heapMb.samples} scrapes)`,
    ],
    [
      'exporter heap used after a major GC MB (what it holds)',
      `median of the 2nd quarter ${r.heapMb.afterMajorGcQ2Median}, of the 4th ${r.heapMb.afterMajorGcQ4Median} (${r.heapMb.majorGcs} major GCs)`,
    ],
  ];
  for (const [k, v] of rows) out.push(`| ${k} | ${v} |`);
  out.push("\nCounters against the simulators' totals (sums per metric; each series is compared on its own):\n");
  out.push('| account | series | metric | simulators | exporter | equal series |');
  out.push('|---|---|---|---|---|---|');
  for (const c of r.counters) {
    for (const [metric, t] of Object.entries(c.totals))
      out.push(
        `| ${c.provider}/${c.account} | ${c.series} | ${metric} | ${t.expected} | ${t.actual} | ${c.mismatches.length === 0 ? 'all' : `${c.series - c.mismatches.length} of ${c.series}`} |`
      );
  }
  out.push("\nBalance, credit and rate-limit gauges against the simulators' current values:\n");
  out.push('| account | series | of them within bounds | equal |');
  out.push('|---|---|---|---|');
  for (const g of r.gauges)
    if (g.series > 0)
      out.push(
        `| ${g.provider}/${g.account} | ${g.series} | ${g.bounded} | ${g.mismatches.length === 0 ? 'all' : `${g.series - g.mismatches.length} of ${g.series}`} |`
      );
  out.push('\nChecks:\n');
  for (const c of r.checks) out.push(`- ${c.ok ? 'ok' : '**FAILED**'}: ${c.name}: ${c.detail}`);
  out.push(`\nSoak ${r.ok ? 'passed' : 'FAILED'}.`);
  return out.join('\n');
}

/** `npm run bench -- --only=soak [--seed=N] [--soak-seconds=S] [--soak-hours=H] [--soak-start=ISO] [--soak-faults=PER_SECOND]` options from argv. */
export function soakOptionsFrom(args: string[], quick: boolean): Partial<SoakOptions> {
  const value = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const num = (name: string) => {
    const v = value(name);
    if (v === undefined) return undefined;
    const parsed = Number(v);
    if (!Number.isFinite(parsed) || parsed <= 0) throw new Error(`--${name}: not a positive number: ${v}`);
    return parsed;
  };
  const seed = num('seed') ?? Math.floor(Math.random() * 2 ** 31);
  return {
    seed,
    wallSeconds: num('soak-seconds') ?? (quick ? 120 : DEFAULT_SOAK.wallSeconds),
    simulatedHours: num('soak-hours') ?? DEFAULT_SOAK.simulatedHours,
    simStart: value('soak-start') ?? DEFAULT_SOAK.simStart,
    faultsPerSecond: value('soak-faults') === '0' ? 0 : (num('soak-faults') ?? DEFAULT_SOAK.faultsPerSecond),
  };
}

/**
 * The soak as a part of `npm run bench`: runs it, prints its figures and checks, makes the run exit
 * non-zero when a check fails, and returns the figures for bench/results.json.
 */
export async function soakBench(
  args: string[],
  quick: boolean,
  nodeArgs: string[],
  nodeEnv: Record<string, string>,
  log: (line: string) => void
): Promise<Record<string, unknown>> {
  const result = await runSoak({ ...soakOptionsFrom(args, quick), nodeArgs, nodeEnv, log });
  console.log(soakReport(result));
  if (!result.ok) process.exitCode = 1;
  const { final: _final, ...figures } = result;
  return figures as unknown as Record<string, unknown>;
}
