// The running exporter: one AccountPoller per configured provider account, the metrics model, and
// the outputs (/metrics, OTLP). The CLI, the demo and the tests all build one of these.
import { setMaxListeners } from 'node:events';
import { join } from 'node:path';
import { DEFAULT_HTTP } from './http/client.js';
import { createLogger, type Logger } from './log.js';
import { validateCatalog } from './metrics/catalog.js';
import type { LimitSettings } from './metrics/limiter.js';
import { MetricsModel, type Sample } from './metrics/model.js';
import type { OtlpOutput } from './metrics/otlp.js';
import { PrometheusOutput } from './metrics/prometheus.js';
import type { Receiver } from './receiver/index.js';
import { AccountPoller, type AccountConfig } from './poll/poller.js';
import { PROVIDERS } from './providers/index.js';
import { PROVIDER_NAMES, type ProviderName } from './providers/types.js';
import { cleanTempFiles, ensureWritableDir } from './store/atomic.js';
import { CredentialStore, managedAccounts } from './store/credentials.js';
import { StateLock } from './store/lock.js';
import { otlpPush } from './config/otlp.js';
import type { ExporterConfig } from './config/schema.js';
import { VERSION } from './version.js';

export interface ExporterOptions {
  log?: Logger;
  /** Keep checkpoints in memory only (the `once` command). */
  ephemeral?: boolean;
  now?: () => Date;
  /** NEXUS_MASTER_KEY for the credential store; defaults to the environment. */
  masterKey?: string;
}

export class Exporter {
  readonly model = new MetricsModel();
  readonly prometheus: PrometheusOutput;
  readonly log: Logger;
  private otlp?: OtlpOutput;
  readonly pollers = new Map<string, AccountPoller>();
  private stateWritable = false;
  /** The state directory's lock (store/lock.ts), held from init to stop. */
  private lock?: StateLock;
  private started = false;
  /** Aborts every provider call in flight (shutdown). */
  private readonly shutdown = abortController();
  /** Accounts and budgets added through the admin API, encrypted in stateDir (store/credentials.ts). */
  credentials?: CredentialStore;
  /** The OTLP receiver of the apps' own metrics, when `receiver.enabled` (receiver/). */
  receiver?: Receiver;

  constructor(
    public config: ExporterConfig,
    private readonly options: ExporterOptions = {}
  ) {
    validateCatalog();
    this.log = options.log ?? createLogger(config.logLevel);
    this.prometheus = new PrometheusOutput(this.model);
    this.model.swapSnapshot('info', [
      { metric: 'nexus_exporter_build_info', labels: { version: VERSION, nodejs_version: process.version }, value: 1 },
    ]);
    this.setBudgets(config.budgets);
    // At zero from the start, so that increase() sees the first failed write.
    this.model.incHealth('nexus_exporter_state_write_errors_total', {}, 0);
  }

  get limits(): LimitSettings {
    const allow: LimitSettings['allow'] = {};
    for (const [label, list] of Object.entries(this.config.limits.allow)) {
      if (list) allow[label as keyof LimitSettings['allow']] = list.map((s) => new RegExp(s));
    }
    return { maxValuesPerLabel: this.config.limits.maxValuesPerLabel, allow };
  }

  /** Creates the pollers and loads their checkpoints; does not poll yet. */
  async init(): Promise<void> {
    if (!this.options.ephemeral) {
      await ensureWritableDir(this.config.stateDir);
      // Before anything is read: the state is this process's alone from here on.
      this.lock = await StateLock.acquire(this.config.stateDir, this.log);
      this.stateWritable = true;
      // A kill -9 mid-write leaves temp files; they may hold old encrypted copies of deleted keys.
      for (const dir of [this.config.stateDir, join(this.config.stateDir, 'ledger')]) {
        const removed = await cleanTempFiles(dir);
        if (removed.length > 0) this.log.info({ dir, files: removed }, 'removed temp files left by an earlier run');
      }
    }
    try {
      await this.load();
    } catch (e) {
      await this.lock?.release();
      throw e;
    }
  }

  private async load(): Promise<void> {
    for (const provider of PROVIDER_NAMES) {
      for (const account of this.config.providers[provider] ?? []) await this.addAccount(provider, account);
    }
    // After the config file's accounts, which win over a stored account of the same name.
    this.credentials = await CredentialStore.open({
      stateDir: this.config.stateDir,
      log: this.log,
      masterKey: this.options.masterKey,
      readOnly: this.options.ephemeral,
      onWriteError: () => this.model.incHealth('nexus_exporter_state_write_errors_total', {}),
    });
    const stored = this.credentials.snapshot();
    for (const { provider, account } of managedAccounts(this.config, stored, this.log))
      await this.addAccount(provider, account);
    this.setBudgets([...this.config.budgets, ...stored.budgets]);
    if (this.config.receiver.enabled) {
      // Loaded only when enabled, like OTLP push: protobufjs and the OTLP message types cost memory.
      const { Receiver } = await import('./receiver/index.js');
      this.receiver = new Receiver(this.config.receiver, this.limits, this.log);
      this.prometheus.attach(this.receiver);
    }
    const otlp = otlpPush(this.config.otlp, process.env);
    if (otlp) {
      // Loaded only when wanted: the OpenTelemetry SDK is a few MB of an idle exporter's memory.
      const { OtlpOutput } = await import('./metrics/otlp.js');
      const producers = this.receiver ? [await this.receiver.otlpProducer(VERSION)] : [];
      this.otlp = new OtlpOutput(this.model, otlp, VERSION, producers);
    }
  }

  async addAccount(provider: ProviderName, account: AccountConfig): Promise<AccountPoller> {
    const module = PROVIDERS[provider];
    if (!module) throw new Error(`provider ${provider} is not implemented`);
    const poller = new AccountPoller(provider, account, module, {
      model: this.model,
      log: this.log,
      http: { ...DEFAULT_HTTP, ...this.config.http },
      polling: this.config.polling,
      limits: this.limits,
      stateDir: this.options.ephemeral ? undefined : this.config.stateDir,
      now: this.options.now,
      signal: this.signal,
    });
    await poller.init();
    this.pollers.set(poller.owner, poller);
    return poller;
  }

  /** Adds an account, or swaps new settings into its poller; the next poll uses them (admin API). */
  async upsertAccount(provider: ProviderName, account: AccountConfig): Promise<AccountPoller> {
    const existing = this.pollers.get(`${provider}/${account.account}`);
    if (existing) {
      await existing.reconfigure(account);
      return existing;
    }
    const poller = await this.addAccount(provider, account);
    if (this.started) poller.start();
    return poller;
  }

  async removeAccount(provider: ProviderName, account: string): Promise<boolean> {
    const poller = this.pollers.get(`${provider}/${account}`);
    if (!poller) return false;
    await poller.stop();
    poller.remove();
    this.pollers.delete(poller.owner);
    return true;
  }

  setBudgets(budgets: ExporterConfig['budgets']): void {
    const samples: Sample[] = budgets.map((b) => ({
      metric: 'nexus_budget_usd',
      labels: { provider: b.provider, account: b.account, period: b.period },
      value: b.amountUsd,
    }));
    this.model.swapSnapshot('budgets', samples);
  }

  start(): void {
    this.started = true;
    for (const p of this.pollers.values()) p.start();
  }

  /** Polls every enabled account once, concurrently. Resolves to the number of failed polls. */
  async pollAll(): Promise<number> {
    const results = await Promise.all(
      [...this.pollers.values()].filter((p) => p.config.enabled).map((p) => p.pollNow())
    );
    return results.filter((ok) => !ok).length;
  }

  /**
   * Ready: config loaded, state directory writable (and locked), and at least one poll has succeeded,
   * or no account is enabled (nothing to wait for: a fresh exporter whose accounts come through the API).
   */
  readiness(): { ready: boolean; checks: Record<string, boolean> } {
    const pollers = [...this.pollers.values()];
    const polled = !pollers.some((p) => p.config.enabled) || pollers.some((p) => p.status().lastSuccess !== undefined);
    const checks = { config: true, stateDir: this.options.ephemeral === true || this.stateWritable, polled };
    return { ready: Object.values(checks).every(Boolean), checks };
  }

  async metricsText(): Promise<string> {
    return this.prometheus.render();
  }

  async flushOtlp(): Promise<void> {
    await this.otlp?.flush();
  }

  /** Aborted once the exporter stops: provider calls made for it (polls, connection tests) end at once. */
  get signal(): AbortSignal {
    return this.shutdown.signal;
  }

  /** Aborts the provider calls in flight; their polls are abandoned (nothing applied, nothing counted). */
  abortCalls(): void {
    this.shutdown.abort();
  }

  /**
   * Stops polling: aborts the calls in flight, waits for their polls to end (polls that completed have
   * written their checkpoints by then), flushes and stops OTLP.
   */
  async stop(): Promise<void> {
    this.abortCalls();
    await Promise.all([...this.pollers.values()].map((p) => p.stop()));
    await this.credentials?.settled();
    await this.lock?.release();
    await this.otlp?.shutdown();
  }
}

/**
 * The shutdown controller. Every provider call in flight listens to its signal (p-retry's wait), so
 * fifteen accounts polling at once are more than Node's default of 10 listeners, which is no leak:
 * each call removes its listener when it settles.
 */
function abortController(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}
