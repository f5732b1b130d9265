// Real traffic end to end, on loopback: the example app (examples/openai-app: the `openai` client with
// @opentelemetry/instrumentation-openai and -undici, the OpenTelemetry metrics SDK, OTLP/HTTP protobuf)
// calls the OpenAI simulator's /v1/chat/completions while 429s, 500s and slow answers are injected, and
// exports to the exporter's receiver (with a bearer token); a real Prometheus scrapes the exporter and
// evaluates the shipped rules. The calls, their errors by type, their latency and their tokens must be
// in Prometheus as the app saw them, under the raw and the recorded (client:) names.
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { stringify } from 'yaml';
import { configSchema, type ExporterConfig } from '../exporter/src/config/schema.js';
import { silentLogger } from '../exporter/src/log.js';
import { utcDayStart } from '../exporter/src/providers/values.js';
import { runExporter, type RunningExporter } from '../exporter/src/server/listen.js';
import { OpenAISimulator } from '../exporter/src/simulators/openai.js';
import { startExampleApp } from '../exporter/src/simulators/traffic.js';
import { PrometheusApi } from './lib/api.js';
import { binaries, waitFor, type Daemon } from './lib/procs.js';
import { PATHS } from './lib/repo.js';
import { removeDir, startDaemon } from './lib/stack.js';

const TOKEN = 'e2e-receiver-token-0123456789';
const PROJECT_KEY = 'sk-proj-e2e-00000000000000000000';
const SERVICE = 'e2e-chat-app';
const WAIT = { timeoutMs: 60_000, intervalMs: 250 };

let dir = '';
let sim: OpenAISimulator;
let exporter: RunningExporter;
let prometheus: { daemon: Daemon; url: string };
let prom: PrometheusApi;
let outcome: { calls: number; outcomes: Record<string, number> };
let simTokensBefore = 0;

/** Tokens the simulator's usage buckets hold for today (what its Usage API reports). */
function simTokensToday(): number {
  return sim.usage(utcDayStart(sim.now())).reduce((n, r) => n + r.input + r.output, 0);
}

describe('real traffic: example app → receiver → Prometheus', { timeout: 180_000 }, () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nexus-receiver-e2e-'));
    sim = new OpenAISimulator({
      adminKey: 'sk-admin-e2e-000000000000000000',
      projectKey: PROJECT_KEY,
      chatLatencyMs: [5, 30],
    });
    // A still clock, so that the day's simulated usage grows only by what the app's calls book.
    const clock = new Date();
    sim.now = () => clock;
    await sim.start();
    const config = configSchema.parse({
      listen: '127.0.0.1:0',
      stateDir: join(dir, 'state'),
      receiver: { enabled: true, token: TOKEN, hosts: { [new URL(sim.baseUrl).host]: 'openai' } },
    }) as ExporterConfig;
    exporter = await runExporter(config, { log: silentLogger });
    const promConfig = join(dir, 'prometheus.yml');
    await writeFile(
      promConfig,
      stringify({
        global: { scrape_interval: '1s', evaluation_interval: '1s' },
        rule_files: [join(PATHS.rules, '*.yml')],
        scrape_configs: [{ job_name: 'nexus', static_configs: [{ targets: [new URL(exporter.url).host] }] }],
      })
    );
    prometheus = await startDaemon('prometheus', dir, (port) => ({
      cmd: binaries.prometheus(),
      args: [
        `--config.file=${promConfig}`,
        `--storage.tsdb.path=${join(dir, 'tsdb')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
    }));
    prom = new PrometheusApi(prometheus.url);

    // In the order the calls will meet them: three 429s, two 500s, two answers that take 1.5 s.
    sim.inject({ kind: 'status', status: 429, retryAfter: 1 }, { path: 'chat/completions', times: 3 });
    sim.inject({ kind: 'status', status: 500 }, { path: 'chat/completions', times: 2 });
    sim.inject({ kind: 'slow', ms: 1500 }, { path: 'chat/completions', times: 2 });
    simTokensBefore = simTokensToday();
    const app = startExampleApp({
      openaiBaseUrl: `${sim.baseUrl}/v1`,
      apiKey: PROJECT_KEY,
      otlpEndpoint: `${exporter.url}/v1/metrics`,
      token: TOKEN,
      serviceName: SERVICE,
      calls: 12,
      intervalMs: 50,
      exportIntervalMs: 1000,
      models: ['gpt-4o-mini', 'gpt-4o'],
    });
    const { code, stdout, stderr } = await app.exited;
    assert.equal(code, 0, `the app failed:\n${stderr}`);
    outcome = JSON.parse(stdout.trim().split('\n').at(-1)!) as typeof outcome;
  });

  after(async () => {
    await prometheus?.daemon.stop();
    await exporter?.close();
    await sim?.stop();
    await removeDir(dir);
  });

  /** An instant query's values by one label ('' when the label is absent), once Prometheus has them all. */
  async function byLabel(
    expr: string,
    label: string,
    expected: Record<string, number>
  ): Promise<Record<string, number>> {
    let last: Record<string, number> = {};
    try {
      await waitFor(
        `${expr} to be ${JSON.stringify(expected)}`,
        async () => {
          last = Object.fromEntries((await prom.vector(expr)).map((s) => [s.labels[label] ?? '', s.value]));
          return JSON.stringify(Object.entries(last).sort()) === JSON.stringify(Object.entries(expected).sort());
        },
        WAIT
      );
    } catch {
      // Fall through to a readable assertion.
    }
    return last;
  }

  test('the app saw three rate limits, two server errors and seven answers', () => {
    assert.deepEqual(
      { ...outcome.outcomes, tokens: undefined },
      { RateLimitError: 3, InternalServerError: 2, ok: 7, tokens: undefined }
    );
    assert.ok(outcome.outcomes.tokens! > 0, 'outcome.outcomes.tokens! > 0');
  });

  test('Prometheus has every call, by error type, as the app saw it', async () => {
    const got = await byLabel(
      `sum by (error_type) (nexus_client_operation_duration_seconds_count{service="${SERVICE}", provider="openai", operation="chat"})`,
      'error_type',
      { '': 7, RateLimitError: 3, InternalServerError: 2 }
    );
    assert.deepEqual(got, { '': 7, RateLimitError: 3, InternalServerError: 2 });
  });

  test('the latency histogram has the slow answers above 1.28 s and the others below', async () => {
    const le = await byLabel(
      `sum by (le) (nexus_client_operation_duration_seconds_bucket{service="${SERVICE}", error_type="", le=~"0.64|1.28|2.56|\\\\+Inf"})`,
      'le',
      { '0.64': 5, '1.28': 5, '2.56': 7, '+Inf': 7 }
    );
    assert.deepEqual(le, { '0.64': 5, '1.28': 5, '2.56': 7, '+Inf': 7 });
    const [sum] = await prom.vector(
      `sum(nexus_client_operation_duration_seconds_sum{service="${SERVICE}", error_type=""})`
    );
    assert.ok(sum!.value >= 3 && sum!.value < 3 + 5 * 0.64, `time spent ${sum!.value}`);
  });

  test('the HTTP client durations show the status codes, the tokens what the simulator billed', async () => {
    const http = await byLabel(
      `sum by (error_type) (nexus_client_http_request_duration_seconds_count{service="${SERVICE}", provider="openai", method="POST"})`,
      'error_type',
      { '': 7, '429': 3, '500': 2 }
    );
    assert.deepEqual(http, { '': 7, '429': 3, '500': 2 });
    const tokens = await byLabel(`sum by (service) (nexus_client_tokens_total{service="${SERVICE}"})`, 'service', {
      [SERVICE]: outcome.outcomes.tokens!,
    });
    assert.deepEqual(tokens, { [SERVICE]: outcome.outcomes.tokens! });
    // The simulator booked the same tokens into its usage buckets (what its Usage API, and so the poller, reports).
    assert.equal(simTokensToday() - simTokensBefore, outcome.outcomes.tokens);
  });

  test('an app exporting delta temporality is counted the same way', async () => {
    sim.inject({ kind: 'status', status: 500 }, { path: 'chat/completions', times: 1 });
    const app = startExampleApp({
      openaiBaseUrl: `${sim.baseUrl}/v1`,
      apiKey: PROJECT_KEY,
      otlpEndpoint: `${exporter.url}/v1/metrics`,
      token: TOKEN,
      serviceName: 'e2e-delta-app',
      calls: 4,
      intervalMs: 300,
      exportIntervalMs: 500,
      temporality: 'delta',
    });
    assert.equal((await app.exited).code, 0);
    const got = await byLabel(
      'sum by (error_type) (nexus_client_operation_duration_seconds_count{service="e2e-delta-app"})',
      'error_type',
      { '': 3, InternalServerError: 1 }
    );
    assert.deepEqual(got, { '': 3, InternalServerError: 1 });
  });

  test('a restarted app adds to the counters instead of resetting them', async () => {
    for (let run = 0; run < 2; run++) {
      const app = startExampleApp({
        openaiBaseUrl: `${sim.baseUrl}/v1`,
        apiKey: PROJECT_KEY,
        otlpEndpoint: `${exporter.url}/v1/metrics`,
        token: TOKEN,
        serviceName: 'e2e-restarted-app',
        calls: 3,
        intervalMs: 50,
        exportIntervalMs: 1000,
        models: ['gpt-4o'],
      });
      assert.equal((await app.exited).code, 0);
    }
    const got = await byLabel(
      'sum by (service) (nexus_client_operation_duration_seconds_count{service="e2e-restarted-app"})',
      'service',
      { 'e2e-restarted-app': 6 }
    );
    assert.deepEqual(got, { 'e2e-restarted-app': 6 });
  });

  test('the recorded client: series carry the same attribution, errors included', async () => {
    const rate = await byLabel(
      `count by (error_type) (client:nexus_client_operation_duration_seconds_count:rate5m{service="${SERVICE}", provider="openai"})`,
      'error_type',
      { '': 2, RateLimitError: 2, InternalServerError: 2 }
    );
    // Two models each; which model met which fault depends on the rotation: at least one per error type.
    assert.deepEqual(Object.keys(rate).sort(), ['', 'InternalServerError', 'RateLimitError']);
    const http = await prom.vector(
      `client:nexus_client_http_request_duration_seconds_count:rate5m{service="${SERVICE}"}`
    );
    assert.deepEqual([...new Set(http.map((s) => s.labels.error_type ?? ''))].sort(), ['', '429', '500']);
    const receiver = await prom.vector('nexus_receiver_requests_total{code="200"}');
    assert.ok(receiver[0]!.value >= 2, 'several exports accepted');
    const rejected = await prom.vector(
      'sum(nexus_receiver_dropped_points_total{reason=~"invalid|unsupported|series_limit"})'
    );
    assert.equal(rejected[0]!.value, 0);
  });
});
