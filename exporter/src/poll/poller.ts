// Polls one provider account on its own schedule and is the only writer of that account's metrics,
// the way node_exporter's execute() wraps each collector. A poll is a set of sources (an endpoint or a
// group of endpoints): each source's read returns its complete records or throws. A source that is
// read applies its records to the ledger and replaces its gauges; a source that fails keeps its last
// good gauges and checkpoints, counts its error and is marked down, and the account's other sources
// still apply. The snapshot is swapped once per poll. At most one poll is in flight. After repeated
// polls in which nothing could be read a circuit breaker slows polling to one try per cool-down.
import { join } from 'node:path';
import { ProviderHttp, type HttpSettings } from '../http/client.js';
import { ERROR_REASONS, ProviderError } from '../http/errors.js';
import { redact, registerSecret, type Logger } from '../log.js';
import { CATALOG } from '../metrics/catalog.js';
import { decimal, toNumber } from '../metrics/decimal.js';
import { LabelLimiter, OTHER, type LimitSettings } from '../metrics/limiter.js';
import type { MetricsModel, Sample } from '../metrics/model.js';
import { accountSecrets, type AnyProviderModule } from '../providers/module.js';
import type {
  AccountBase,
  Collector,
  GaugeSample,
  Labels,
  PollContext,
  ProviderName,
  SourceBatch,
  SourceShape,
} from '../providers/types.js';
import { DAY_SECONDS, utcDayStart } from '../providers/values.js';
import { setLongTimeout, type LongTimer } from '../timers.js';
import { Ledger, labelsKey } from './ledger.js';

export interface PollingSettings {
  jitter: number;
  breakerFailures: number;
  breakerCooldownSeconds: number;
}

export interface PollerDeps {
  model: MetricsModel;
  log: Logger;
  http: HttpSettings;
  polling: PollingSettings;
  limits: LimitSettings;
  /** Where the ledger is persisted; undefined keeps it in memory (tests, `once`). */
  stateDir?: string;
  now?: () => Date;
  /** Aborted at shutdown: calls in flight end at once and their poll is abandoned, not counted. */
  signal?: AbortSignal;
}

export interface SourceStatus {
  source: string;
  up: boolean;
  /** When the source was last read completely. */
  lastRead?: string;
  lastError?: { at: string; reason: string; message: string };
  /** For a per-project source (`exa.usage:<key id>`), the id after the colon and its name if known. */
  project?: string;
  name?: string;
}

export interface PollerStatus {
  provider: ProviderName;
  account: string;
  enabled: boolean;
  /** The last poll read every source (nexus_provider_up). */
  up: boolean;
  /** The last poll that read every source. */
  lastSuccess?: string;
  /** The last poll that read at least one source. */
  lastRead?: string;
  sources: SourceStatus[];
  /** The result of the last poll (the `result` of nexus_provider_polls_total). */
  lastResult?: PollResult;
  lastError?: { at: string; reason: string; message: string };
  nextPoll?: string;
  circuitOpen: boolean;
  consecutiveFailures: number;
  pollIntervalSeconds: number;
  baseUrl: string;
}

export type AccountConfig = AccountBase & Record<string, unknown>;

/** What the poller keeps per source between polls. */
interface SourceState {
  /** The gauges of the last good read: kept while the source fails. */
  gauges: GaugeSample[];
  up: boolean;
  lastRead?: Date;
  lastError?: SourceStatus['lastError'];
  /** The labels of its nexus_source_info series. */
  info: Labels;
}

/** The labels of a source's nexus_source_info series (besides provider and account). */
function sourceInfo(source: string, shape: SourceShape): Labels {
  return { source, bucket: shape.bucket, delivery: shape.delivery ?? 'live' };
}

/**
 * Unix time up to which a source's data is complete after a good read at `now`: the read itself when
 * the provider reports values as they are (or the bucket in progress as it grows), or the time the
 * provider says its data is up to date (`batch.asOf`, Twilio's `as_of`) when it is earlier; for a source that
 * reports closed buckets only (OpenRouter's /activity), the end of the newest bucket the read returned,
 * or undefined when it returned none (an idle account: the previous value stands).
 */
export function dataTimestamp(shape: SourceShape, now: Date, batch: SourceBatch): number | undefined {
  if (shape.delivery !== 'closed' || shape.bucket === 'none') {
    const read = Math.floor(now.getTime() / 1000);
    // A provider's clock ahead of ours does not make its data newer than the read.
    return batch.asOf === undefined ? read : Math.min(batch.asOf, read);
  }
  let newest: number | undefined;
  for (const r of batch.usage ?? []) if (newest === undefined || r.bucketStart > newest) newest = r.bucketStart;
  if (newest === undefined) return undefined;
  if (shape.bucket === 'hour') return newest + 3600;
  if (shape.bucket === 'day') return utcDayStart(new Date(newest * 1000)) + DAY_SECONDS;
  const start = new Date(newest * 1000);
  return Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1) / 1000;
}

/** Metrics with a `scope` label (nexus_spend_usd, nexus_cost_usd_total): the poller adds it from the account's spendScope. */
const SCOPED_METRICS = new Set<string>(
  CATALOG.filter((d) => (d.labels as readonly string[]).includes('scope')).map((d) => d.name)
);

/** The outcome of one poll: `success` read every source, `partial` some, `failure` none. */
export type PollResult = 'success' | 'partial' | 'failure';

/**
 * A series' labels: the account's, then the collector's (label names are the catalogue's). Built with
 * Object.assign rather than object spread: V8 lays out a spread-built object in about 280 bytes
 * against 65, which is some 20 MB of the exporter's memory at 100k series (see bench/).
 */
export function seriesLabels(account: Labels, labels: Labels): Labels {
  return Object.assign({}, account, labels);
}

export class AccountPoller {
  readonly labels: Labels;
  readonly owner: string;
  private collector: Collector;
  private ledger: Ledger = Ledger.inMemory();
  private limiter!: LabelLimiter;
  private readonly log: Logger;
  private timer?: LongTimer;
  private inFlight?: Promise<boolean>;
  private stopped = true;
  /** Whether the exporter started this poller (it stays true while the account is disabled). */
  private running = false;
  /** Endpoints whose error counters have been created at zero. */
  private readonly knownEndpoints = new Set<string>();
  private readonly sources = new Map<string, SourceState>();
  private lastSuccess?: Date;
  private lastRead?: Date;
  private lastError?: PollerStatus['lastError'];
  private lastResult?: PollResult;
  private nextPoll?: Date;
  private failures = 0;

  constructor(
    readonly provider: ProviderName,
    private account: AccountConfig,
    private readonly module: AnyProviderModule,
    private readonly deps: PollerDeps
  ) {
    this.labels = { provider, account: account.account };
    this.owner = `${provider}/${account.account}`;
    this.log = deps.log.child({ provider, account: account.account });
    for (const s of accountSecrets(module, account)) registerSecret(s);
    this.collector = module.create(account);
  }

  get config(): AccountConfig {
    return this.account;
  }

  /** Loads the ledger and serves the persisted counters before the first poll, so a restart shows no gap. */
  async init(): Promise<void> {
    if (this.deps.stateDir) {
      this.ledger = await Ledger.load(
        join(this.deps.stateDir, 'ledger', `${this.provider}-${this.account.account}.json`),
        this.provider
      );
    }
    this.limiter = new LabelLimiter(this.ledger.state.admitted, this.deps.limits);
    this.publishSettings();
    const { model } = this.deps;
    for (const result of ['success', 'partial', 'failure', 'skipped'])
      model.incHealth('nexus_provider_polls_total', { ...this.labels, result }, 0);
    if (this.ledger.totals().length > 0) this.swap();
  }

  /** Starts polling on schedule (a disabled account waits until it is enabled). */
  start(): void {
    this.running = true;
    if (!this.account.enabled) return;
    this.stopped = false;
    // Spread the first polls of many accounts over a few seconds.
    this.schedule(Math.random() * Math.min(5, this.account.pollIntervalSeconds * this.deps.polling.jitter));
  }

  async stop(): Promise<void> {
    this.running = false;
    this.halt();
    await this.inFlight;
  }

  private halt(): void {
    this.stopped = true;
    this.timer?.clear();
    this.timer = undefined;
    this.nextPoll = undefined;
  }

  /** Swaps in new account settings (credentials, interval, base URL) for the next poll. */
  async reconfigure(account: AccountConfig): Promise<void> {
    for (const s of accountSecrets(this.module, account)) registerSecret(s);
    await this.inFlight;
    this.account = account;
    this.collector = this.module.create(account);
    this.halt();
    this.publishSettings();
    if (this.running && account.enabled) this.start();
  }

  /**
   * Health series that depend on the settings. A disabled account has no `nexus_provider_up`, so it
   * is never reported as down.
   */
  private publishSettings(): void {
    const { model } = this.deps;
    model.setHealth('nexus_provider_poll_interval_seconds', this.labels, this.account.pollIntervalSeconds);
    if (this.account.enabled) {
      if (model.healthValue('nexus_provider_up', this.labels) === undefined)
        model.setHealth('nexus_provider_up', this.labels, 0);
      if (model.healthValue('nexus_provider_circuit_open', this.labels) === undefined)
        model.setHealth('nexus_provider_circuit_open', this.labels, 0);
    } else {
      model.deleteHealth('nexus_provider_up', this.labels);
      model.deleteHealth('nexus_provider_circuit_open', this.labels);
      for (const source of this.sources.keys())
        model.deleteHealth('nexus_provider_source_up', { ...this.labels, source });
    }
  }

  /** Polls now (or joins the poll in flight). Resolves true when the poll succeeded. */
  pollNow(): Promise<boolean> {
    this.inFlight ??= this.runPoll().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  /** A live connectivity check with this account's credentials; does not touch metrics other than call timing. */
  async probe(account: AccountConfig = this.account): Promise<void> {
    const collector = account === this.account ? this.collector : this.module.create(account);
    await collector.probe(this.context(account, new Date(), async () => false));
  }

  status(): PollerStatus {
    return {
      provider: this.provider,
      account: this.account.account,
      enabled: this.account.enabled,
      up: this.deps.model.healthValue('nexus_provider_up', this.labels) === 1,
      lastSuccess: this.lastSuccess?.toISOString(),
      lastRead: this.lastRead?.toISOString(),
      sources: this.sourceStatus(),
      lastResult: this.lastResult,
      lastError: this.lastError,
      nextPoll: this.nextPoll?.toISOString(),
      circuitOpen: this.failures >= this.deps.polling.breakerFailures,
      consecutiveFailures: this.failures,
      pollIntervalSeconds: this.account.pollIntervalSeconds,
      baseUrl: this.account.baseUrl,
    };
  }

  /** Each source's state; a per-project source (`<source>:<id>`) with the name its account exports for the id. */
  private sourceStatus(): SourceStatus[] {
    const names = new Map<string, string>();
    for (const { gauges } of this.sources.values()) {
      for (const g of gauges)
        if (g.metric === 'nexus_project_info' && g.labels.project && g.labels.name)
          names.set(g.labels.project, g.labels.name);
    }
    return [...this.sources].map(([source, s]) => {
      const colon = source.indexOf(':');
      const project = colon > 0 ? source.slice(colon + 1) : undefined;
      return {
        source,
        up: s.up,
        lastRead: s.lastRead?.toISOString(),
        lastError: s.lastError,
        ...(project ? { project, name: names.get(project) } : {}),
      };
    });
  }

  private schedule(delaySeconds: number): void {
    if (this.stopped) return;
    this.nextPoll = new Date(Date.now() + delaySeconds * 1000);
    // A long deferral (a month-long Retry-After) outlasts one setTimeout: timers.ts re-arms it.
    this.timer = setLongTimeout(() => void this.tick(), delaySeconds * 1000, { unref: true });
  }

  private async tick(): Promise<void> {
    if (this.inFlight) {
      this.deps.model.incHealth('nexus_provider_polls_total', { ...this.labels, result: 'skipped' });
      this.log.warn(
        'a poll is still running, skipping this one; raise pollIntervalSeconds or lower http.timeoutSeconds'
      );
      await this.inFlight;
    } else {
      await this.pollNow();
    }
    this.schedule(this.nextDelaySeconds());
  }

  /** Seconds until the next scheduled poll: the interval with jitter, the breaker cool-down, or Retry-After. */
  nextDelaySeconds(): number {
    const { jitter, breakerFailures, breakerCooldownSeconds } = this.deps.polling;
    const base =
      this.failures >= breakerFailures
        ? Math.max(breakerCooldownSeconds, this.account.pollIntervalSeconds)
        : this.account.pollIntervalSeconds;
    let delay = base * (1 + (Math.random() * 2 - 1) * jitter);
    const retryAfter = this.lastErrorRetryAfter;
    if (retryAfter !== undefined) delay = Math.max(delay, retryAfter);
    return delay;
  }

  private lastErrorRetryAfter?: number;

  private context(account: AccountConfig, now: Date, onSource: PollContext['source']): PollContext {
    const { model } = this.deps;
    const labels = this.labels;
    const http = new ProviderHttp(
      account.baseUrl,
      this.deps.http,
      {
        onCall: (endpoint, code, seconds) => {
          // Error counters exist at zero from an endpoint's first call, so increase() sees the first error.
          if (!this.knownEndpoints.has(endpoint)) {
            this.knownEndpoints.add(endpoint);
            for (const reason of ERROR_REASONS)
              model.incHealth('nexus_provider_errors_total', { ...labels, endpoint, reason }, 0);
          }
          model.observeDuration({ ...labels, endpoint, code }, seconds);
        },
        onError: (endpoint, reason) => model.incHealth('nexus_provider_errors_total', { ...labels, endpoint, reason }),
      },
      this.module.errorMessage,
      this.deps.signal
    );
    return { http, now, log: this.log, source: onSource };
  }

  private async runPoll(): Promise<boolean> {
    const { model } = this.deps;
    const started = performance.now();
    const now = this.deps.now?.() ?? new Date();
    const read = new Set<string>();
    const failedSources = new Set<string>();
    const failed: ProviderError[] = [];
    const ctx = this.context(this.account, now, async (name, shape, readSource) => {
      if (read.has(name) || failedSources.has(name)) throw new Error(`source ${name} read twice in one poll`);
      const info = this.declareSource(name, shape);
      let batch: SourceBatch;
      try {
        batch = await readSource({
          windowStart: (lookbackSeconds) => this.ledger.windowStart(name, lookbackSeconds, now),
        });
        // Applied at once: the source is complete, whatever happens to the rest of the poll.
        this.ledger.apply(name, batch, now);
      } catch (e) {
        // Shutting down: end the poll here; the sources read so far are saved below.
        if (this.deps.signal?.aborted) throw e;
        const err = this.countError(e, name);
        failedSources.add(name);
        failed.push(err);
        this.sourceFailed(name, err, info);
        return false;
      }
      read.add(name);
      this.sources.set(name, { gauges: batch.gauges ?? [], up: true, lastRead: new Date(), info });
      model.setHealth('nexus_provider_source_up', { ...this.labels, source: name }, 1);
      const dataUntil = dataTimestamp(shape, now, batch);
      if (dataUntil !== undefined)
        model.setHealth('nexus_source_data_timestamp_seconds', { ...this.labels, source: name }, dataUntil);
      return true;
    });
    let thrown: ProviderError | undefined;
    let retired = 0;
    try {
      await this.collector.poll(ctx);
      // A source that a completed poll did not read is gone (a deleted key, a source switched off).
      for (const name of [...this.sources.keys()]) {
        if (read.has(name) || failedSources.has(name)) continue;
        const { info } = this.sources.get(name)!;
        this.sources.delete(name);
        model.deleteHealth('nexus_provider_source_up', { ...this.labels, source: name });
        model.deleteHealth('nexus_source_info', { ...this.labels, ...info });
        model.deleteHealth('nexus_source_data_timestamp_seconds', { ...this.labels, source: name });
        retired++;
      }
    } catch (e) {
      // Shutting down: the calls in flight were aborted; that is no failure of the provider.
      if (!this.deps.signal?.aborted) thrown = this.countError(e, 'poll');
    }
    if (read.size > 0) {
      try {
        await this.ledger.save();
      } catch (e) {
        // The in-memory ledger stays right; a restart resumes from the last saved checkpoint consistently.
        model.incHealth('nexus_exporter_state_write_errors_total', {});
        this.log.error({ err: e }, 'could not save checkpoints to the state directory');
      }
    }
    if (this.deps.signal?.aborted) return false;
    if (read.size > 0 || retired > 0) this.swap();
    const errors = thrown ? [...failed, thrown] : failed;
    const result: PollResult = errors.length === 0 ? 'success' : read.size > 0 ? 'partial' : 'failure';
    this.finishPoll(result, errors, started);
    return result === 'success';
  }

  /** Counts an error once (the HTTP layer counts its own) and returns it as a ProviderError. */
  private countError(e: unknown, where: string): ProviderError {
    const err =
      e instanceof ProviderError
        ? e
        : new ProviderError('bad_response', where, `${where} failed: ${e instanceof Error ? e.message : String(e)}`);
    if (!err.counted) {
      this.deps.model.incHealth('nexus_provider_errors_total', {
        ...this.labels,
        endpoint: err.endpoint,
        reason: err.reason,
      });
      err.counted = true;
    }
    return err;
  }

  /** Publishes how a source's data arrives (nexus_source_info), replacing an earlier declaration. */
  private declareSource(name: string, shape: SourceShape): Labels {
    const info = sourceInfo(name, shape);
    const previous = this.sources.get(name)?.info;
    if (previous && labelsKey(previous) !== labelsKey(info))
      this.deps.model.deleteHealth('nexus_source_info', { ...this.labels, ...previous });
    this.deps.model.setHealth('nexus_source_info', { ...this.labels, ...info }, 1);
    return info;
  }

  private sourceFailed(name: string, err: ProviderError, info: Labels): void {
    const previous = this.sources.get(name);
    const lastError = { at: new Date().toISOString(), reason: err.reason, message: redact(err.message) };
    // The last good gauges stay; a source never read before has none.
    this.sources.set(name, {
      gauges: previous?.gauges ?? [],
      up: false,
      lastRead: previous?.lastRead,
      lastError,
      info,
    });
    this.deps.model.setHealth('nexus_provider_source_up', { ...this.labels, source: name }, 0);
    this.log.warn(
      { source: name, reason: err.reason, endpoint: err.endpoint },
      `source ${name} failed, serving its last good data: ${err.message}`
    );
  }

  private finishPoll(result: PollResult, errors: ProviderError[], started: number): void {
    const { model } = this.deps;
    const at = new Date();
    this.lastResult = result;
    if (result !== 'failure') this.lastRead = at;
    if (result === 'success') this.lastSuccess = at;
    // The breaker only counts polls that read nothing: one failing source must not slow the others.
    this.failures = result === 'failure' ? this.failures + 1 : 0;
    const retryAfter = errors.map((e) => e.retryAfterSeconds).filter((s): s is number => s !== undefined);
    this.lastErrorRetryAfter = retryAfter.length > 0 ? Math.max(...retryAfter) : undefined;
    const last = errors.at(-1);
    if (last) this.lastError = { at: at.toISOString(), reason: last.reason, message: redact(last.message) };
    const open = this.failures >= this.deps.polling.breakerFailures;
    model.setHealth('nexus_provider_up', this.labels, result === 'success' ? 1 : 0);
    model.setHealth('nexus_provider_circuit_open', this.labels, open ? 1 : 0);
    if (this.lastSuccess)
      model.setHealth(
        'nexus_provider_last_success_timestamp_seconds',
        this.labels,
        Math.floor(this.lastSuccess.getTime() / 1000)
      );
    model.incHealth('nexus_provider_polls_total', { ...this.labels, result });
    model.setHealth('nexus_provider_poll_duration_seconds', this.labels, (performance.now() - started) / 1000);
    if (result === 'failure') {
      this.log.warn(
        { reason: last?.reason, endpoint: last?.endpoint, failures: this.failures, circuitOpen: open },
        `poll failed, serving the last good data: ${last?.message ?? ''}`
      );
    } else {
      this.log.debug(
        { sources: this.sources.size, failed: errors.length },
        result === 'success' ? 'poll succeeded' : 'poll partly succeeded'
      );
    }
  }

  /**
   * Builds the account's snapshot: every source's last good gauges plus the counter totals,
   * cardinality-limited. Series that end up with the same labels (per-key spend summed into the
   * account's, values folded into `other`) are added exactly.
   */
  private swap(): void {
    const merged = new Map<string, Sample & { exact?: bigint }>();
    // The account's configuration decides what its money covers, not each source: one scope per account.
    const scope = this.module.spendScope?.(this.account);
    const add = (metric: Sample['metric'], raw: Labels, value: number | bigint) => {
      const folded = this.limiter.fold(metric, raw);
      // An info series names one project; folded into `other` it would name none.
      if (metric === 'nexus_project_info' && folded.project === OTHER && raw.project !== OTHER) return;
      const labels = seriesLabels(this.labels, folded);
      if (scope && SCOPED_METRICS.has(metric)) labels.scope = scope;
      const key = `${metric}|${labelsKey(labels)}`;
      const existing = merged.get(key);
      if (!existing) {
        merged.set(key, {
          metric,
          labels,
          value: typeof value === 'bigint' ? toNumber(value) : value,
          exact: typeof value === 'bigint' ? value : undefined,
        });
        return;
      }
      if (metric === 'nexus_project_info') return;
      existing.exact =
        (existing.exact ?? decimal(existing.value)) + (typeof value === 'bigint' ? value : decimal(value));
      existing.value = toNumber(existing.exact);
    };
    for (const { gauges } of this.sources.values()) for (const g of gauges) add(g.metric, g.labels, g.value);
    for (const t of this.ledger.totals()) add(t.metric, t.labels, t.exact);
    this.deps.model.swapSnapshot(
      this.owner,
      [...merged.values()].map(({ metric, labels, value }) => ({ metric, labels, value }))
    );
    this.deps.model.setHealth('nexus_exporter_series', this.labels, merged.size);
  }

  /** Removes every series of this account (when it is deleted). */
  remove(): void {
    this.deps.model.removeOwner(this.owner, this.labels);
  }
}
