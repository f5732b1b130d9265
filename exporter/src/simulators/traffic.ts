// Real traffic for the demo and the tests: the example app (examples/openai-app: the `openai` client
// with @opentelemetry/instrumentation-openai and -undici, exporting OTLP) run as a child process
// against the OpenAI simulator's /v1/chat/completions and exporting to the exporter's receiver, with
// 429s, 500s and slow answers injected into the simulator on a schedule. The app is part of the
// repository, not of the exporter's image: where it is missing (the Docker image), there is no traffic.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../log.js';
import type { OpenAISimulator } from './openai.js';

/** examples/openai-app, from src/simulators or dist/simulators alike. */
export const EXAMPLE_APP_DIR = fileURLToPath(new URL('../../../examples/openai-app/', import.meta.url));

export interface ExampleAppOptions {
  /** The simulator (or API) base URL including /v1, and a key it accepts. */
  openaiBaseUrl: string;
  apiKey: string;
  /** The receiver's URL, e.g. http://127.0.0.1:9464/v1/metrics. */
  otlpEndpoint: string;
  /** receiver.token, when one is configured. */
  token?: string;
  serviceName?: string;
  /** Stop after this many calls (default: run until stopped). */
  calls?: number;
  intervalMs?: number;
  exportIntervalMs?: number;
  models?: string[];
  /** The client's timeout per call. */
  timeoutMs?: number;
  temporality?: 'cumulative' | 'delta';
}

export interface ExampleApp {
  child: ChildProcess;
  /** Resolves when the app exits, with its exit code and what it printed (a JSON summary on success). */
  exited: Promise<{ code: number | null; stdout: string; stderr: string }>;
  stop(): Promise<void>;
}

export function exampleAppAvailable(): boolean {
  return existsSync(`${EXAMPLE_APP_DIR}app.mjs`);
}

export function startExampleApp(o: ExampleAppOptions): ExampleApp {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    OPENAI_BASE_URL: o.openaiBaseUrl,
    OPENAI_API_KEY: o.apiKey,
    OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: o.otlpEndpoint,
    OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: o.temporality ?? 'cumulative',
    OTEL_SERVICE_NAME: o.serviceName ?? 'openai-example-app',
    OTEL_METRIC_EXPORT_INTERVAL: String(o.exportIntervalMs ?? 10_000),
    APP_INTERVAL_MS: String(o.intervalMs ?? 2000),
    APP_MODELS: (o.models ?? ['gpt-4o-mini', 'gpt-4o']).join(','),
    OPENAI_TIMEOUT_MS: String(o.timeoutMs ?? 30_000),
  };
  if (o.calls !== undefined) env.APP_CALLS = String(o.calls);
  else delete env.APP_CALLS;
  if (o.token) env.OTEL_EXPORTER_OTLP_HEADERS = `Authorization=Bearer ${o.token}`;
  else delete env.OTEL_EXPORTER_OTLP_HEADERS;
  // Neither the exporter's own OTLP settings nor a loader of ours should leak into the app.
  delete env.OTEL_EXPORTER_OTLP_ENDPOINT;
  delete env.NODE_OPTIONS;
  // The IPC channel lets the app exit with its parent, even one killed without a chance to stop it.
  const child = spawn(process.execPath, ['--import', './instrument.mjs', 'app.mjs'], {
    cwd: EXAMPLE_APP_DIR,
    env,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => {
    stdout = (stdout + c.toString()).slice(-65_536);
  });
  child.stderr!.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-65_536);
  });
  const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
  return {
    child,
    exited,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Injects the faults the demo shows, on a 10-second tick: a 429 every 30 s, a 500 every 5 minutes and a
 * 4-second answer every 50 s, on /v1/chat/completions only (the admin API keeps answering). The 500s
 * spend about half of the default 99 % availability SLO's budget (rules/nexus-slo.yml): the Provider
 * SLOs dashboard shows a budget being used, and no SLO alert fires unless more errors are injected.
 */
export function scheduleChatFaults(sim: OpenAISimulator): () => void {
  let tick = 0;
  const timer = setInterval(() => {
    tick++;
    if (tick % 3 === 0) sim.inject({ kind: 'status', status: 429, retryAfter: 1 }, { path: 'chat/completions' });
    if (tick % 30 === 0) sim.inject({ kind: 'status', status: 500 }, { path: 'chat/completions' });
    if (tick % 5 === 0) sim.inject({ kind: 'slow', ms: 4000 }, { path: 'chat/completions' });
  }, 10_000);
  timer.unref();
  return () => clearInterval(timer);
}

export interface DemoTraffic {
  stop(): Promise<void>;
}

/**
 * The demo's real traffic: the example app calling the simulator every 1.5 s and exporting every 10 s
 * (or as given), a first 429 at once so that errors show from the start, then the schedule. (A 500
 * among the first calls would be most of the calls so far: a fast burn of the SLO at every start.)
 */
export function startDemoTraffic(o: {
  sim: OpenAISimulator;
  apiKey: string;
  exporterUrl: string;
  token?: string;
  log: Logger;
  exportIntervalMs?: number;
  intervalMs?: number;
}): DemoTraffic {
  if (!exampleAppAvailable()) {
    o.log.info({ dir: EXAMPLE_APP_DIR }, 'example app not found: no real traffic in the demo');
    return { stop: async () => {} };
  }
  o.sim.inject({ kind: 'status', status: 429, retryAfter: 1 }, { path: 'chat/completions', after: 1 });
  const stopFaults = scheduleChatFaults(o.sim);
  const app = startExampleApp({
    openaiBaseUrl: `${o.sim.baseUrl}/v1`,
    apiKey: o.apiKey,
    otlpEndpoint: `${o.exporterUrl}/v1/metrics`,
    token: o.token,
    serviceName: 'demo-chat-app',
    intervalMs: o.intervalMs ?? 1500,
    exportIntervalMs: o.exportIntervalMs ?? 10_000,
    models: ['gpt-4o-mini', 'gpt-4o', 'o3-mini'],
    timeoutMs: 30_000,
  });
  let stopping = false;
  void app.exited.then(({ code, stderr }) => {
    if (!stopping) o.log.warn({ code, stderr: stderr.slice(-2000) }, 'the demo app stopped');
  });
  o.log.info({ pid: app.child.pid }, 'demo app calling the OpenAI simulator, exporting OTLP to the receiver');
  return {
    stop: async () => {
      stopping = true;
      stopFaults();
      await app.stop();
    },
  };
}
