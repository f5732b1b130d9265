// The whole Nexus stack on loopback without Docker: the demo simulators, the exporter (in process),
// a real Prometheus with the shipped rule files and a real Alertmanager with the shipped routing tree
// and inhibition rules, whose receivers all post to a local webhook receiver. Used by the e2e test
// and by `npm run demo:stack`. Every port is picked free; every child runs in its own process group.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { stringify } from 'yaml';
import { configSchema, type ExporterConfig } from '../../exporter/src/config/schema.js';
import type { Logger } from '../../exporter/src/log.js';
import { silentLogger } from '../../exporter/src/log.js';
import { PROVIDERS } from '../../exporter/src/providers/index.js';
import type { ProviderName } from '../../exporter/src/providers/types.js';
import { runExporter, type RunningExporter } from '../../exporter/src/server/listen.js';
import { demoReceiver, startDemoSimulators, type DemoSimulators } from '../../exporter/src/simulators/demo.js';
import type { OpenAISimulator } from '../../exporter/src/simulators/openai.js';
import { startDemoTraffic } from '../../exporter/src/simulators/traffic.js';
import { AlertmanagerApi, PrometheusApi } from './api.js';
import { Daemon, binaries, freePort, waitFor } from './procs.js';
import { PATHS, isAlert, readYaml, ruleFiles } from './repo.js';
import { WebhookReceiver } from './webhook.js';

export interface BudgetConfig {
  provider: 'openai' | 'openrouter' | 'exa' | 'twilio' | 'apollo';
  account: string;
  period: 'day' | 'month';
  amountUsd: number;
}

export interface StackOptions {
  /** Working directory for configs, TSDB, Alertmanager state and logs; created if missing. */
  dir: string;
  scrapeInterval: string;
  evaluationInterval: string;
  /** Poll interval of every demo account, raised to the provider's minimum (10 s for OpenAI, 15 s for some). */
  pollIntervalSeconds: number;
  /** Replaces every alerting rule's `for:` (e.g. '0s' in tests); the shipped values otherwise. */
  forOverride?: string;
  /** Budgets, given the started simulators (so that they can be sized from the demo data). */
  budgets?: (sims: DemoSimulators) => BudgetConfig[];
  /** Alertmanager timings replacing the shipped ones at every level of the routing tree. */
  alertmanagerTiming?: { groupWait: string; groupInterval: string; repeatInterval: string };
  http?: Record<string, number>;
  polling?: Record<string, number>;
  log?: Logger;
  /** The example app's real traffic (receiver enabled): its call and export intervals. */
  traffic?: { intervalMs: number; exportIntervalMs: number };
}

export interface Stack {
  sims: DemoSimulators;
  exporter: RunningExporter;
  prometheus: PrometheusApi;
  alertmanager: AlertmanagerApi;
  webhook: WebhookReceiver;
  daemons: { prometheus: Daemon; alertmanager: Daemon };
  /** The scrape job of the exporter, as in the shipped prometheus.yml. */
  job: string;
  startedAt: number;
  stop(): Promise<void>;
}

interface AmRoute {
  group_wait?: string;
  group_interval?: string;
  repeat_interval?: string;
  routes?: AmRoute[];
  [k: string]: unknown;
}
interface AmConfig {
  global?: Record<string, unknown>;
  route: AmRoute;
  inhibit_rules?: unknown[];
  receivers: Array<{ name: string; [k: string]: unknown }>;
  templates?: string[];
}

/** `desired`, or the provider's minimum poll interval when that is higher (read from its account schema). */
function pollInterval(provider: ProviderName, account: Record<string, unknown>, desired: number): number {
  const schema = PROVIDERS[provider]?.accountSchema;
  const parsed = schema?.safeParse({ ...account, pollIntervalSeconds: desired });
  if (!parsed || parsed.success) return desired;
  const issue = parsed.error.issues.find((i) => i.path[0] === 'pollIntervalSeconds' && i.code === 'too_small');
  return issue && 'minimum' in issue ? Number(issue.minimum) : desired;
}

/** The job name the shipped Prometheus config gives the exporter (the target `exporter:<port>`). */
export function shippedExporterJob(): string {
  const cfg = readYaml<{ scrape_configs: Array<{ job_name: string; static_configs?: Array<{ targets: string[] }> }> }>(PATHS.prometheusConfig);
  const job = cfg.scrape_configs.find((s) => s.static_configs?.some((c) => c.targets.some((t) => t.startsWith('exporter:'))));
  if (!job) throw new Error('the shipped prometheus.yml has no scrape job for the exporter service');
  return job.job_name;
}

/** The shipped Alertmanager config with every receiver that notifies replaced by a webhook to `url/<name>`. */
export function alertmanagerConfigFor(webhookUrl: string, timing?: StackOptions['alertmanagerTiming']): AmConfig {
  const shipped = readYaml<AmConfig>(PATHS.alertmanagerConfig);
  const retime = (r: AmRoute, top: boolean): AmRoute => {
    const out: AmRoute = { ...r };
    if (timing) {
      if (top || r.group_wait) out.group_wait = timing.groupWait;
      if (top || r.group_interval) out.group_interval = timing.groupInterval;
      if (top || r.repeat_interval) out.repeat_interval = timing.repeatInterval;
    }
    if (r.routes) out.routes = r.routes.map((c) => retime(c, false));
    return out;
  };
  return {
    global: { resolve_timeout: '5m' },
    route: retime(shipped.route, true),
    inhibit_rules: shipped.inhibit_rules,
    receivers: shipped.receivers.map((r) => {
      const notifies = Object.keys(r).some((k) => k.endsWith('_configs'));
      return notifies ? { name: r.name, webhook_configs: [{ url: `${webhookUrl}/${r.name}`, send_resolved: true }] } : { name: r.name };
    }),
  };
}

/** Copies of the shipped rule files, with `for:` replaced when `forOverride` is set. */
async function writeRules(dir: string, forOverride?: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const file of ruleFiles()) {
    if (forOverride !== undefined) {
      for (const g of file.groups) for (const r of g.rules) if (isAlert(r)) r.for = forOverride;
    }
    await writeFile(join(dir, basename(file.path)), stringify({ groups: file.groups }));
  }
}

export async function startDaemon(
  name: string,
  dir: string,
  attempt: (port: number) => { cmd: string; args: string[] },
): Promise<{ daemon: Daemon; url: string }> {
  let lastError: unknown;
  // A port picked free can be taken by another test before the daemon binds it: retry on a new one.
  for (let i = 0; i < 3; i++) {
    const port = await freePort();
    const { cmd, args } = attempt(port);
    const daemon = Daemon.start(name, cmd, args, join(dir, `${name}-${i}.log`));
    const url = `http://127.0.0.1:${port}`;
    try {
      await waitFor(`${name} to be ready on ${url}`, async () => {
        if (!daemon.running) throw new Error(`${name} exited:\n${daemon.tail()}`);
        const res = await fetch(`${url}/-/ready`).catch(() => undefined);
        return res?.ok;
      }, { timeoutMs: 60_000, intervalMs: 200 });
      return { daemon, url };
    } catch (e) {
      lastError = e;
      await daemon.stop();
    }
  }
  throw lastError;
}

export async function startStack(opts: StackOptions): Promise<Stack> {
  const startedAt = Date.now();
  await mkdir(opts.dir, { recursive: true });
  const cleanups: Array<() => Promise<unknown>> = [];
  const stop = async () => {
    const errors: unknown[] = [];
    for (const c of cleanups.reverse()) {
      try {
        await c();
      } catch (e) {
        errors.push(e);
      }
    }
    cleanups.length = 0;
    if (errors.length) throw new AggregateError(errors, 'stopping the stack failed');
  };

  try {
    const webhook = new WebhookReceiver();
    const webhookUrl = await webhook.start();
    cleanups.push(() => webhook.stop());

    const sims = await startDemoSimulators();
    cleanups.push(() => sims.stop());
    for (const [provider, accounts] of Object.entries(sims.providers)) {
      for (const account of accounts) account.pollIntervalSeconds = pollInterval(provider as ProviderName, account, opts.pollIntervalSeconds);
    }

    const config = configSchema.parse({
      listen: '127.0.0.1:0',
      stateDir: join(opts.dir, 'exporter-state'),
      providers: sims.providers,
      budgets: opts.budgets?.(sims) ?? [],
      http: opts.http ?? {},
      polling: opts.polling ?? {},
      receiver: demoReceiver(sims),
    }) as ExporterConfig;
    const exporter = await runExporter(config, { log: opts.log ?? silentLogger });
    cleanups.push(() => exporter.close());
    // The apps' own calls, as in `npm run demo`: the example app against the OpenAI simulator.
    const openai = sims.simulators.get('openai') as OpenAISimulator;
    const traffic = startDemoTraffic({
      sim: openai, apiKey: openai.options.projectKey!, exporterUrl: exporter.url, log: opts.log ?? silentLogger,
      intervalMs: opts.traffic?.intervalMs ?? 1000, exportIntervalMs: opts.traffic?.exportIntervalMs ?? 2000,
    });
    cleanups.push(() => traffic.stop());

    const amDir = join(opts.dir, 'alertmanager');
    await mkdir(amDir, { recursive: true });
    const amConfigPath = join(amDir, 'alertmanager.yml');
    await writeFile(amConfigPath, stringify(alertmanagerConfigFor(webhookUrl, opts.alertmanagerTiming)));
    const am = await startDaemon('alertmanager', opts.dir, (port) => ({
      cmd: binaries.alertmanager(),
      args: [
        `--config.file=${amConfigPath}`,
        `--storage.path=${join(amDir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--cluster.listen-address=',
        '--log.level=warn',
      ],
    }));
    cleanups.push(() => am.daemon.stop());

    const promDir = join(opts.dir, 'prometheus');
    const rulesDir = join(promDir, 'rules');
    await writeRules(rulesDir, opts.forOverride);
    const job = shippedExporterJob();
    const exporterTarget = new URL(exporter.url).host;
    const promConfigPath = join(promDir, 'prometheus.yml');
    await writeFile(promConfigPath, stringify({
      global: { scrape_interval: opts.scrapeInterval, evaluation_interval: opts.evaluationInterval },
      rule_files: [join(rulesDir, '*.yml')],
      alerting: { alertmanagers: [{ static_configs: [{ targets: [new URL(am.url).host] }] }] },
      scrape_configs: [{ job_name: job, static_configs: [{ targets: [exporterTarget] }] }],
    }));
    const prom = await startDaemon('prometheus', opts.dir, (port) => ({
      cmd: binaries.prometheus(),
      args: [
        `--config.file=${promConfigPath}`,
        `--storage.tsdb.path=${join(promDir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
    }));
    cleanups.push(() => prom.daemon.stop());

    return {
      sims,
      exporter,
      prometheus: new PrometheusApi(prom.url),
      alertmanager: new AlertmanagerApi(am.url),
      webhook,
      daemons: { prometheus: prom.daemon, alertmanager: am.daemon },
      job,
      startedAt,
      stop,
    };
  } catch (e) {
    await stop().catch(() => undefined);
    throw e;
  }
}

/** Removes a stack's working directory. */
export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}
