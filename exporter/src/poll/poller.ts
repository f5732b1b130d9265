// Polls one provider account on its own schedule and is the only writer of that account's metrics,
// the way node_exporter's execute() wraps each collector: the collector returns records or throws; this
// wrapper times the poll, applies the records to the ledger, swaps the snapshot, and records health.
// At most one poll is in flight. After repeated failures a circuit breaker slows polling to one try
// per cool-down. A failed poll never replaces the last good snapshot.
import { join } from 'node:path';
import { ProviderHttp, type HttpSettings } from '../http/client.js';
import { ERROR_REASONS, ProviderError } from '../http/errors.js';
import { redact, registerSecret, type Logger } from '../log.js';
import { LabelLimiter, type LimitSettings } from '../metrics/limiter.js';
import type { MetricsModel, Sample } from '../metrics/model.js';
import { accountSecrets, type AnyProviderModule } from '../providers/module.js';
import type { AccountBase, Collector, GaugeSample, Labels, PollContext, ProviderName, UsageBatch } from '../providers/types.js';
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

export interface PollerStatus {
  provider: ProviderName;
  account: string;
  enabled: boolean;
  up: boolean;
  lastSuccess?: string;
  lastError?: { at: string; reason: string; message: string };
  nextPoll?: string;
  circuitOpen: boolean;
  consecutiveFailures: number;
  pollIntervalSeconds: number;
  baseUrl: string;
}

export type AccountConfig = AccountBase & Record<string, unknown>;

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
  private lastSuccess?: Date;
  private lastError?: PollerStatus['lastError'];
  private nextPoll?: Date;
  private failures = 0;

  constructor(
    readonly provider: ProviderName,
    private account: AccountConfig,
    private readonly module: AnyProviderModule,
    private readonly deps: PollerDeps,
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
      this.ledger = await Ledger.load(join(this.deps.stateDir, 'ledger', `${this.provider}-${this.account.account}.json`));
    }
    this.limiter = new LabelLimiter(this.ledger.state.admitted, this.deps.limits);
    this.publishSettings();
    const { model } = this.deps;
    for (const result of ['success', 'failure', 'skipped']) model.incHealth('nexus_provider_polls_total', { ...this.labels, result }, 0);
    if (this.ledger.totals().length > 0) this.swap([]);
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
      if (model.healthValue('nexus_provider_up', this.labels) === undefined) model.setHealth('nexus_provider_up', this.labels, 0);
      if (model.healthValue('nexus_provider_circuit_open', this.labels) === undefined) model.setHealth('nexus_provider_circuit_open', this.labels, 0);
    } else {
      model.deleteHealth('nexus_provider_up', this.labels);
      model.deleteHealth('nexus_provider_circuit_open', this.labels);
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
    await collector.probe(this.context(account));
  }

  status(): PollerStatus {
    return {
      provider: this.provider,
      account: this.account.account,
      enabled: this.account.enabled,
      up: this.deps.model.healthValue('nexus_provider_up', this.labels) === 1,
      lastSuccess: this.lastSuccess?.toISOString(),
      lastError: this.lastError,
      nextPoll: this.nextPoll?.toISOString(),
      circuitOpen: this.failures >= this.deps.polling.breakerFailures,
      consecutiveFailures: this.failures,
      pollIntervalSeconds: this.account.pollIntervalSeconds,
      baseUrl: this.account.baseUrl,
    };
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
      this.log.warn('a poll is still running, skipping this one; raise pollIntervalSeconds or lower http.timeoutSeconds');
      await this.inFlight;
    } else {
      await this.pollNow();
    }
    this.schedule(this.nextDelaySeconds());
  }

  /** Seconds until the next scheduled poll: the interval with jitter, the breaker cool-down, or Retry-After. */
  nextDelaySeconds(): number {
    const { jitter, breakerFailures, breakerCooldownSeconds } = this.deps.polling;
    const base = this.failures >= breakerFailures ? Math.max(breakerCooldownSeconds, this.account.pollIntervalSeconds) : this.account.pollIntervalSeconds;
    let delay = base * (1 + (Math.random() * 2 - 1) * jitter);
    const retryAfter = this.lastErrorRetryAfter;
    if (retryAfter !== undefined) delay = Math.max(delay, retryAfter);
    return delay;
  }

  private lastErrorRetryAfter?: number;

  private context(account: AccountConfig = this.account): PollContext {
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
            for (const reason of ERROR_REASONS) model.incHealth('nexus_provider_errors_total', { ...labels, endpoint, reason }, 0);
          }
          model.observeDuration({ ...labels, endpoint, code }, seconds);
        },
        onError: (endpoint, reason) => model.incHealth('nexus_provider_errors_total', { ...labels, endpoint, reason }),
      },
      this.module.errorMessage,
      this.deps.signal,
    );
    const now = this.deps.now?.() ?? new Date();
    return {
      http,
      now,
      log: this.log,
      windowStart: (source, lookbackSeconds) => this.ledger.windowStart(source, lookbackSeconds, now),
    };
  }

  private async runPoll(): Promise<boolean> {
    const { model } = this.deps;
    const started = performance.now();
    let batch: UsageBatch;
    const ctx = this.context();
    try {
      batch = await this.collector.poll(ctx);
    } catch (e) {
      if (this.deps.signal?.aborted) return false; // shutting down: nothing was applied, nothing failed
      this.recordFailure(e);
      model.setHealth('nexus_provider_poll_duration_seconds', this.labels, (performance.now() - started) / 1000);
      return false;
    }
    this.ledger.apply(batch, ctx.now);
    try {
      await this.ledger.save();
    } catch (e) {
      // The in-memory ledger stays right; a restart resumes from the last saved checkpoint consistently.
      model.incHealth('nexus_exporter_state_write_errors_total', {});
      this.log.error({ err: e }, 'could not save checkpoints to the state directory');
    }
    this.swap(batch.gauges);
    this.failures = 0;
    this.lastErrorRetryAfter = undefined;
    this.lastSuccess = new Date();
    model.setHealth('nexus_provider_up', this.labels, 1);
    model.setHealth('nexus_provider_circuit_open', this.labels, 0);
    model.setHealth('nexus_provider_last_success_timestamp_seconds', this.labels, Math.floor(this.lastSuccess.getTime() / 1000));
    model.incHealth('nexus_provider_polls_total', { ...this.labels, result: 'success' });
    model.setHealth('nexus_provider_poll_duration_seconds', this.labels, (performance.now() - started) / 1000);
    this.log.debug({ records: batch.usage.length, gauges: batch.gauges.length }, 'poll succeeded');
    return true;
  }

  private recordFailure(e: unknown): void {
    const { model } = this.deps;
    const err = e instanceof ProviderError ? e : new ProviderError('bad_response', 'poll', `collector failed: ${e instanceof Error ? e.message : String(e)}`);
    if (!err.counted) {
      model.incHealth('nexus_provider_errors_total', { ...this.labels, endpoint: err.endpoint, reason: err.reason });
      err.counted = true;
    }
    this.failures++;
    this.lastErrorRetryAfter = err.retryAfterSeconds;
    this.lastError = { at: new Date().toISOString(), reason: err.reason, message: redact(err.message) };
    const open = this.failures >= this.deps.polling.breakerFailures;
    model.setHealth('nexus_provider_up', this.labels, 0);
    model.setHealth('nexus_provider_circuit_open', this.labels, open ? 1 : 0);
    model.incHealth('nexus_provider_polls_total', { ...this.labels, result: 'failure' });
    this.log.warn({ reason: err.reason, endpoint: err.endpoint, failures: this.failures, circuitOpen: open }, `poll failed, serving the last good data: ${err.message}`);
  }

  /** Builds the account's snapshot: gauges from this poll plus counter totals, cardinality-limited. */
  private swap(gauges: GaugeSample[]): void {
    const merged = new Map<string, Sample>();
    const add = (metric: Sample['metric'], raw: Labels, value: number) => {
      const labels = seriesLabels(this.labels, this.limiter.fold(metric, raw));
      const key = `${metric}|${labelsKey(labels)}`;
      const existing = merged.get(key);
      if (existing) existing.value += value;
      else merged.set(key, { metric, labels, value });
    };
    for (const g of gauges) add(g.metric, g.labels, g.value);
    for (const t of this.ledger.totals()) add(t.metric, t.labels, t.value);
    this.deps.model.swapSnapshot(this.owner, [...merged.values()]);
    this.deps.model.setHealth('nexus_exporter_series', this.labels, merged.size);
  }

  /** Removes every series of this account (when it is deleted). */
  remove(): void {
    this.deps.model.removeOwner(this.owner, this.labels);
  }
}
