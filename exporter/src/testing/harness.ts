// Test helpers: a poller wired to a fresh metrics model, against a simulator on loopback. Real HTTP,
// real ledger (optionally persisted in a temp dir); nothing is stubbed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_HTTP, type HttpSettings } from '../http/client.js';
import { silentLogger, type Logger } from '../log.js';
import { DEFAULT_LIMITS, type LimitSettings } from '../metrics/limiter.js';
import { MetricsModel } from '../metrics/model.js';
import { CATALOG, type MetricName } from '../metrics/catalog.js';
import { AccountPoller, type AccountConfig } from '../poll/poller.js';
import { PROVIDERS } from '../providers/index.js';
import type { Labels, ProviderName } from '../providers/types.js';

/** Fast retries so error-path tests do not wait seconds. */
export const TEST_HTTP: HttpSettings = {
  ...DEFAULT_HTTP,
  timeoutSeconds: 2,
  retries: 2,
  backoffSeconds: 0.01,
  maxRetryAfterSeconds: 1,
};

export interface Harness {
  model: MetricsModel;
  poller: AccountPoller;
  /** Sum of the series of `metric` whose labels include `match`. */
  value(metric: MetricName, match?: Labels): number;
  /** The series of `metric` whose labels include `match`. */
  series(metric: MetricName, match?: Labels): Array<{ labels: Labels; value: number }>;
  /** Every provider-data series (cost, spend, tokens, balances...) keyed by name and labels, to compare before and after a poll. */
  dataSnapshot(): Record<string, number>;
}

const DATA_METRICS = CATALOG.filter((d) => d.part === 'data').map((d) => d.name as MetricName);

export interface HarnessOptions {
  stateDir?: string;
  now?: () => Date;
  http?: Partial<HttpSettings>;
  limits?: LimitSettings;
  model?: MetricsModel;
  /** Where the poller logs (silent by default). */
  log?: Logger;
}

export async function harness(
  provider: ProviderName,
  account: Record<string, unknown>,
  opts: HarnessOptions = {}
): Promise<Harness> {
  const module = PROVIDERS[provider];
  if (!module) throw new Error(`provider ${provider} not registered`);
  const parsed = module.accountSchema.parse(account) as AccountConfig;
  const model = opts.model ?? new MetricsModel();
  const poller = new AccountPoller(provider, parsed, module, {
    model,
    log: opts.log ?? silentLogger,
    http: { ...TEST_HTTP, ...opts.http },
    polling: { jitter: 0, breakerFailures: 5, breakerCooldownSeconds: 60 },
    limits: opts.limits ?? DEFAULT_LIMITS,
    stateDir: opts.stateDir,
    now: opts.now,
  });
  await poller.init();
  const series = (metric: MetricName, match: Labels = {}) =>
    model.series(metric).filter((s) => Object.entries(match).every(([k, v]) => s.labels[k] === v));
  return {
    model,
    poller,
    series,
    value: (metric, match) => series(metric, match).reduce((sum, s) => sum + s.value, 0),
    dataSnapshot: () => {
      const out: Record<string, number> = {};
      for (const metric of DATA_METRICS)
        for (const s of model.series(metric)) out[`${metric}${JSON.stringify(s.labels)}`] = s.value;
      return out;
    },
  };
}

export async function tempDir(prefix = 'nexus-test-'): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** Asserts two money amounts agree to a millionth of a cent (floating-point sums differ in the last bits). */
export function closeTo(actual: number, expected: number, epsilon = 1e-8): boolean {
  return Math.abs(actual - expected) <= epsilon * Math.max(1, Math.abs(expected));
}

/**
 * The error-path contract when every source fails: after a good poll, a poll that fails (`fail` arms
 * the fault) counts exactly one error with `reason` at `endpoint`, marks the account down and changes
 * no provider data; once `recover` clears the fault the next poll succeeds. Returns the data as it was
 * before the failure.
 */
export async function assertFailedPollKeepsLastGoodData(
  h: Harness,
  expected: { endpoint: string; reason: string },
  fault: { fail(): void; recover(): void }
): Promise<Record<string, number>> {
  const good = h.dataSnapshot();
  fault.fail();
  assert.equal(await h.poller.pollNow(), false, 'the poll fails');
  assert.deepEqual(h.dataSnapshot(), good, 'the last good data is kept');
  assert.equal(h.value('nexus_provider_up'), 0);
  assert.equal(
    h.value('nexus_provider_errors_total', expected),
    1,
    `one ${expected.reason} error at ${expected.endpoint}`
  );
  assert.equal(h.value('nexus_provider_errors_total'), 1, 'nothing else is counted');
  fault.recover();
  assert.equal(await h.poller.pollNow(), true, 'the next poll recovers');
  assert.equal(h.value('nexus_provider_up'), 1);
  return good;
}

/** A series of `dataSnapshot()`: its metric and labels. */
export type SeriesFilter = (metric: MetricName, labels: Labels) => boolean;

function parseSeriesKey(key: string): [MetricName, Labels] {
  const brace = key.indexOf('{');
  return [key.slice(0, brace) as MetricName, JSON.parse(key.slice(brace)) as Labels];
}

/**
 * The error-path contract of one source: after a good poll (and a clock that moved, so that fresh
 * data differs), a poll in which `source` fails counts exactly one error with `reason` at `endpoint`,
 * marks the source and the account down, and keeps the series the source owns (`owned`) at their last
 * good values; the caller checks that the other sources' series moved on (the returned `during`
 * snapshot). Once `recover` clears the fault the next poll succeeds. Returns the snapshots before and
 * during the failure.
 */
export async function assertFailedSourceKeepsLastGoodData(
  h: Harness,
  expected: { endpoint: string; reason: string; source: string },
  fault: { fail(): void; recover(): void },
  owned: SeriesFilter
): Promise<{ before: Record<string, number>; during: Record<string, number> }> {
  const before = h.dataSnapshot();
  const mine = Object.keys(before).filter((k) => owned(...parseSeriesKey(k)));
  assert.ok(mine.length > 0, `the test names series that ${expected.source} owns`);
  fault.fail();
  assert.equal(await h.poller.pollNow(), false, 'the poll is not a success');
  const during = h.dataSnapshot();
  for (const k of mine) assert.equal(during[k], before[k], `${k} keeps its last good value`);
  assert.equal(h.value('nexus_provider_up'), 0);
  assert.equal(h.value('nexus_provider_source_up', { source: expected.source }), 0, `${expected.source} is down`);
  const others = h.series('nexus_provider_source_up').filter((s) => s.labels.source !== expected.source);
  assert.ok(others.length > 0 && others.every((s) => s.value === 1), 'the other sources are up');
  assert.equal(h.value('nexus_provider_polls_total', { result: 'partial' }), 1);
  assert.equal(
    h.value('nexus_provider_errors_total', { endpoint: expected.endpoint, reason: expected.reason }),
    1,
    `one ${expected.reason} error at ${expected.endpoint}`
  );
  assert.equal(h.value('nexus_provider_errors_total'), 1, 'nothing else is counted');
  fault.recover();
  assert.equal(await h.poller.pollNow(), true, 'the next poll recovers');
  assert.equal(h.value('nexus_provider_up'), 1);
  assert.equal(h.value('nexus_provider_source_up', { source: expected.source }), 1);
  return { before, during };
}

/**
 * A real tmpfs of `sizeKiB` (a small disk that fills up), or the reason there is none: mounting needs
 * root (CI runs as root). Tests skip with that reason rather than pass without the real disk.
 */
export async function smallTmpfs(
  sizeKiB: number
): Promise<{ path: string; remove(): Promise<void> } | { skip: string }> {
  if (process.getuid?.() !== 0) return { skip: 'needs root to mount a small tmpfs (CI runs as root)' };
  const dir = await tempDir('nexus-tmpfs-');
  const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKiB}k,mode=0700`, 'tmpfs', dir.path], {
    encoding: 'utf8',
  });
  if (mount.status !== 0) {
    await dir.remove();
    return { skip: `cannot mount a tmpfs here: ${(mount.stderr || mount.error?.message || '').trim()}` };
  }
  return {
    path: dir.path,
    remove: async () => {
      spawnSync('umount', ['-l', dir.path]);
      await dir.remove();
    },
  };
}

/**
 * A TCP server that reads requests and never answers: a hung provider (or OTLP collector). `sockets`
 * are the connections that have sent a request.
 */
export async function silentServer(): Promise<{ url: string; sockets: Socket[]; close(): Promise<void> }> {
  const sockets: Socket[] = [];
  const all = new Set<Socket>();
  const server = createServer((s) => {
    all.add(s);
    s.once('data', () => sockets.push(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    sockets,
    close: async () => {
      for (const s of all) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}
