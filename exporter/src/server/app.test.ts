// The running exporter over real HTTP: /metrics, /healthz, /readyz, the routing of the plain node:http
// layer, a graceful stop that keeps the checkpoints, and the `once` command, all against the OpenAI
// simulator; and which libraries a process loads for which configuration.
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { configSchema, type ExporterConfig } from '../config/schema.js';
import { silentLogger } from '../log.js';
import { OpenAISimulator } from '../simulators/openai.js';
import { silentServer, tempDir } from '../testing/harness.js';
import { runExporter } from './listen.js';

const ADMIN = 'sk-admin-server-test-5e6f7a8b9c0d1e2f';
let sim: OpenAISimulator;
let simUrl: string;
let dir: Awaited<ReturnType<typeof tempDir>>;

function config(extra: Record<string, unknown> = {}): ExporterConfig {
  return configSchema.parse({
    listen: '127.0.0.1:0',
    stateDir: dir.path,
    providers: { openai: [{ account: 'prod', adminKey: ADMIN, baseUrl: `${simUrl}/v1`, pollIntervalSeconds: 3600 }] },
    budgets: [{ provider: 'openai', account: 'prod', period: 'month', amountUsd: 500 }],
    http: { retries: 0 },
    ...extra,
  }) as ExporterConfig;
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('exporter HTTP server', () => {
  before(async () => {
    sim = new OpenAISimulator({ adminKey: ADMIN });
    simUrl = await sim.start();
    dir = await tempDir();
  });
  after(async () => {
    await sim.stop();
    await dir.remove();
  });

  it('serves health at once, readiness after the first poll, and the metrics', async () => {
    sim.inject({ kind: 'slow', ms: 400 }, { path: '/organization/costs' });
    const running = await runExporter(config(), { log: silentLogger });
    try {
      const health = await fetch(`${running.url}/healthz`);
      assert.equal(health.status, 200);
      const notReady = await fetch(`${running.url}/readyz`);
      assert.equal(notReady.status, 503);
      assert.equal(((await notReady.json()) as { checks: { polled: boolean } }).checks.polled, false);
      await waitFor('ready', async () => ((await fetch(`${running.url}/readyz`)).status === 200 ? true : undefined));
      const res = await fetch(`${running.url}/metrics`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
      const text = await res.text();
      assert.match(text, /^# HELP nexus_cost_usd_total Cost the provider reports/m);
      assert.match(text, /^# TYPE nexus_cost_usd_total counter$/m);
      assert.match(text, /^nexus_provider_up\{provider="openai",account="prod"\} 1$/m);
      assert.match(text, /^nexus_budget_usd\{provider="openai",account="prod",period="month"\} 500$/m);
      assert.match(text, /^nexus_exporter_build_info\{version="\d+\.\d+\.\d+",nodejs_version="v\d+/m);
      assert.match(text, /^process_cpu_user_seconds_total /m);
      assert.doesNotMatch(text, new RegExp(ADMIN));
    } finally {
      await running.close();
    }
  });

  it('routes GET and HEAD of its four paths, and answers 404 and 405 for the rest', async () => {
    const running = await runExporter(config(), { log: silentLogger });
    try {
      const health = await fetch(`${running.url}/healthz?probe=1`);
      assert.equal(health.status, 200, 'a query string does not change the route');
      assert.deepEqual(await health.json(), { status: 'ok' });
      assert.match(health.headers.get('content-type') ?? '', /^application\/json/);
      const head = await fetch(`${running.url}/metrics`, { method: 'HEAD' });
      assert.equal(head.status, 200);
      assert.equal((await head.arrayBuffer()).byteLength, 0);
      assert.match(await (await fetch(`${running.url}/`)).text(), /href="\/metrics"/);
      const post = await fetch(`${running.url}/metrics`, { method: 'POST', body: 'x' });
      assert.equal(post.status, 405);
      assert.equal(post.headers.get('allow'), 'GET, HEAD');
      const missing = await fetch(`${running.url}/metric`);
      assert.equal(missing.status, 404);
      assert.equal(missing.headers.get('x-content-type-options'), 'nosniff');
    } finally {
      await running.close();
    }
  });

  it('serves the same cached exposition until the model changes', async () => {
    const running = await runExporter(config(), { log: silentLogger });
    try {
      await running.exporter.pollAll();
      const version = running.exporter.model.dataVersion;
      const a = await (await fetch(`${running.url}/metrics`)).text();
      const b = await (await fetch(`${running.url}/metrics`)).text();
      const data = (t: string) =>
        t
          .split('\n')
          .filter((l) => l.startsWith('nexus_cost'))
          .join('\n');
      assert.equal(data(a), data(b));
      assert.equal(running.exporter.model.dataVersion, version, 'a scrape changes nothing');
    } finally {
      await running.close();
    }
  });

  it('keeps the counters across a stop and start on the same state directory', async () => {
    const first = await runExporter(config(), { log: silentLogger });
    await first.exporter.pollAll();
    // Stopped first: a scheduled poll starting after pollAll would otherwise save newer data than `before`.
    await first.exporter.stop();
    const before = await (await fetch(`${first.url}/metrics`)).text();
    await first.close();
    const second = await runExporter(config(), { log: silentLogger });
    try {
      const after = await (await fetch(`${second.url}/metrics`)).text();
      const line = (t: string) =>
        t.split('\n').find((l) => l.startsWith('nexus_cost_usd_total{') && l.includes('gpt-4o-2024-08-06, input'));
      assert.ok(line(before), 'line(before)');
      assert.equal(line(after), line(before), 'served from the checkpoint before any poll');
    } finally {
      await second.close();
    }
  });

  it('`once` polls, prints the exposition and exits 0; 1 when a poll fails', async () => {
    const cli = fileURLToPath(new URL('../cli.ts', import.meta.url));
    const file = join(dir.path, 'once.yaml');
    await writeFile(
      file,
      `providers:\n  openai:\n    - account: prod\n      adminKey: \${NEXUS_TEST_KEY}\n      baseUrl: ${simUrl}/v1\nhttp: { retries: 0 }\n`
    );
    // Asynchronous: the simulator runs in this process and must keep answering.
    const run = (key: string, level: string) =>
      new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          ['--import', 'tsx', cli, 'once', '--config', file],
          { encoding: 'utf8', env: { ...process.env, NEXUS_TEST_KEY: key, NEXUS_LOG_LEVEL: level } },
          (err, stdout, stderr) => {
            resolve({ status: err ? Number(err.code ?? 1) : 0, stdout, stderr });
          }
        );
      });
    const ok = await run(ADMIN, 'error');
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /^nexus_provider_up\{provider="openai",account="prod"\} 1$/m);
    assert.match(ok.stdout, /^nexus_spend_usd\{provider="openai",account="prod",period="month",scope="account"\} \d/m);
    const bad = await run('sk-admin-wrong-000000000000', 'warn');
    assert.equal(bad.status, 1);
    assert.match(bad.stdout, /^nexus_provider_up\{provider="openai",account="prod"\} 0$/m);
    assert.match(bad.stderr, /HTTP 401/);
    assert.doesNotMatch(bad.stderr + bad.stdout, /sk-admin-wrong-000000000000/);
  });

  it('shuts down gracefully on SIGTERM: exits 0 with its checkpoints written', async () => {
    const cli = fileURLToPath(new URL('../cli.ts', import.meta.url));
    const state = join(dir.path, 'sigterm-state');
    const file = join(dir.path, 'sigterm.yaml');
    await writeFile(
      file,
      `listen: 127.0.0.1:0\nstateDir: ${state}\nproviders:\n  openai:\n    - { account: prod, adminKey: ${ADMIN}, baseUrl: "${simUrl}/v1" }\n`
    );
    const child = spawn(process.execPath, ['--import', 'tsx', cli, '--config', file], {
      env: { ...process.env, NEXUS_LOG_LEVEL: 'debug' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let log = '';
    child.stderr.on('data', (c: Buffer) => (log += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await waitFor('the first poll', async () => (log.includes('poll succeeded') ? true : undefined), 30_000);
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
      assert.match(log, /shutting down/);
      assert.ok(existsSync(join(state, 'ledger', 'openai-prod.json')), 'checkpoints are on disk');
    } finally {
      child.kill('SIGKILL');
    }
  });
  it(
    'on SIGTERM aborts a call to a hung provider and exits 0, with the checkpoints of completed polls',
    { timeout: 120_000 },
    async () => {
      const hung = await silentServer();
      const cli = fileURLToPath(new URL('../cli.ts', import.meta.url));
      const state = join(dir.path, 'hung-state');
      const file = join(dir.path, 'hung.yaml');
      // Without the abort, the hung call would hold the shutdown for its 300 s timeout (and the test's own timeout fails it).
      await writeFile(
        file,
        [
          'listen: 127.0.0.1:0',
          `stateDir: ${state}`,
          'shutdownGraceSeconds: 300',
          'http: { timeoutSeconds: 300, retries: 0 }',
          'polling: { jitter: 0 }',
          'providers:',
          '  openai:',
          `    - { account: prod, adminKey: ${ADMIN}, baseUrl: "${simUrl}/v1", pollIntervalSeconds: 3600 }`,
          `    - { account: hung, adminKey: ${ADMIN}, baseUrl: "${hung.url}/v1", pollIntervalSeconds: 3600 }`,
        ].join('\n')
      );
      const child = spawn(process.execPath, ['--import', 'tsx', cli, '--config', file], {
        env: { ...process.env, NEXUS_LOG_LEVEL: 'debug' },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let log = '';
      child.stderr.on('data', (c: Buffer) => (log += c.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      try {
        await waitFor(
          'the first poll of prod',
          async () => (existsSync(join(state, 'ledger', 'openai-prod.json')) ? true : undefined),
          60_000
        );
        await waitFor('a call to the hung provider', async () => (hung.sockets.length > 0 ? true : undefined), 60_000);
        const closed = new Promise((r) => hung.sockets[0]!.once('close', r));
        child.kill('SIGTERM');
        assert.equal(await exited, 0, log);
        await closed;
        assert.match(log, /shutting down: aborting provider calls/);
        assert.match(log, /"msg":"stopped"/);
        assert.doesNotMatch(log, /poll failed/, 'an aborted poll is not a provider failure');
        const ledger = JSON.parse(await readFile(join(state, 'ledger', 'openai-prod.json'), 'utf8')) as {
          totals: object;
        };
        assert.ok(Object.keys(ledger.totals).length > 0, "the completed poll's checkpoint is on disk");
      } finally {
        child.kill('SIGKILL');
        await hung.close();
      }
    }
  );

  it(
    'exits non-zero after shutdownGraceSeconds when stopping hangs (an OTLP collector that never answers)',
    { timeout: 120_000 },
    async () => {
      const collector = await silentServer();
      const cli = fileURLToPath(new URL('../cli.ts', import.meta.url));
      const file = join(dir.path, 'grace.yaml');
      await writeFile(
        file,
        `listen: 127.0.0.1:0\nstateDir: ${join(dir.path, 'grace-state')}\nshutdownGraceSeconds: 1\notlp: { endpoint: "${collector.url}/v1/metrics", intervalSeconds: 3600 }\n`
      );
      const child = spawn(process.execPath, ['--import', 'tsx', cli, '--config', file], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let log = '';
      child.stderr.on('data', (c: Buffer) => (log += c.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      try {
        await waitFor(
          'the exporter to listen',
          async () => (log.includes('nexus exporter listening') ? true : undefined),
          60_000
        );
        child.kill('SIGTERM');
        // The final OTLP export waits up to 30 s for the collector; the grace period is 1 s.
        assert.equal(await exited, 1, log);
        assert.match(log, /shutdown did not finish within 1 s \(shutdownGraceSeconds\); exiting anyway/);
        assert.ok(collector.sockets.length > 0, 'the final export was under way');
      } finally {
        child.kill('SIGKILL');
        await collector.close();
      }
    }
  );
  it('removes the temp files a killed run left in the state directory, and nothing else', async () => {
    const state = join(dir.path, 'leftovers');
    await mkdir(join(state, 'ledger'), { recursive: true });
    const stale = [
      '.credentials.json.4242-0123456789ab.tmp',
      'credentials.json.3735928559',
      'ledger/.openai-prod.json.17-a1b2c3d4e5f6.tmp',
      'ledger/openai-prod.json.12345',
    ];
    const kept = ['notes.txt', 'ledger/other.json'];
    for (const f of [...stale, ...kept]) await writeFile(join(state, f), 'x');
    const running = await runExporter(config({ stateDir: state, providers: {}, budgets: [] }), { log: silentLogger });
    try {
      for (const f of stale) assert.equal(existsSync(join(state, f)), false, `${f} removed`);
      for (const f of kept) assert.equal(existsSync(join(state, f)), true, `${f} kept`);
    } finally {
      await running.close();
    }
  });

  it('is ready with no enabled account: there is nothing to wait for', async () => {
    for (const providers of [
      {},
      { openai: [{ account: 'off', adminKey: ADMIN, baseUrl: `${simUrl}/v1`, enabled: false }] },
    ]) {
      const running = await runExporter(config({ stateDir: join(dir.path, 'ready-empty'), providers, budgets: [] }), {
        log: silentLogger,
      });
      try {
        const res = await fetch(`${running.url}/readyz`);
        assert.equal(res.status, 200, JSON.stringify(providers));
        assert.deepEqual(((await res.json()) as { checks: unknown }).checks, {
          config: true,
          stateDir: true,
          polled: true,
        });
      } finally {
        await running.close();
      }
    }
  });
});

describe('modules loaded for a configuration', () => {
  // A process of its own (this one has loaded express for the simulators): it starts the exporter with
  // the given config (and, with \`post\`, after one OTLP request) and reports which packages Node's
  // module cache holds. express, the OpenTelemetry SDK and protobufjs are CommonJS, so they land in that
  // cache however they were imported.
  const script = `
    const src = process.argv[1];
    const { runExporter } = await import(new URL('server/listen.ts', src).href);
    const { configSchema } = await import(new URL('config/schema.ts', src).href);
    const { silentLogger } = await import(new URL('log.ts', src).href);
    const { createRequire } = await import('node:module');
    const running = await runExporter(configSchema.parse(JSON.parse(process.argv[2])), { log: silentLogger, ephemeral: true });
    let posted;
    if (process.argv[3] === 'post') {
      const { request } = await import('node:http');
      posted = await new Promise((resolve, reject) => {
        const req = request(running.url + '/v1/metrics', { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => res.resume().on('end', () => resolve(res.statusCode)));
        req.on('error', reject);
        req.end('{"resourceMetrics":[]}');
      });
    }
    const loaded = Object.keys(createRequire(import.meta.url).cache);
    await running.close();
    process.stdout.write(JSON.stringify({
      express: loaded.some((p) => p.includes('/node_modules/express/')),
      otel: loaded.some((p) => p.includes('/node_modules/@opentelemetry/sdk-metrics/')),
      otlpProto: loaded.some((p) => p.includes('/node_modules/@opentelemetry/exporter-metrics-otlp-proto/')),
      protobufjs: loaded.some((p) => p.includes('/node_modules/protobufjs/')),
      ...(posted === undefined ? {} : { posted }),
    }));`;
  const loaded = (extra: Record<string, unknown>, post = false) => {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const k of [
      'NEXUS_ADMIN_TOKEN',
      'OTEL_EXPORTER_OTLP_ENDPOINT',
      'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT',
      'OTEL_EXPORTER_OTLP_PROTOCOL',
      'OTEL_EXPORTER_OTLP_METRICS_PROTOCOL',
    ])
      delete env[k];
    const src = new URL('../', import.meta.url).href;
    const out = execFileSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        script,
        src,
        JSON.stringify({ listen: '127.0.0.1:0', stateDir: '/nonexistent', ...extra }),
        ...(post ? ['post'] : []),
      ],
      { encoding: 'utf8', env }
    );
    return JSON.parse(out) as {
      express: boolean;
      otel: boolean;
      otlpProto: boolean;
      protobufjs: boolean;
      posted?: number;
    };
  };

  it('loads express only when the admin API is enabled, and the OpenTelemetry SDK only with OTLP', () => {
    const none = { express: false, otel: false, otlpProto: false, protobufjs: false };
    assert.deepEqual(loaded({}), none);
    assert.deepEqual(loaded({ admin: { token: 'an-admin-token-of-some-length' } }), { ...none, express: true });
    // Either protocol loads both exporters (a few lines each over the same SDK packages); the protobuf
    // one encodes with otlp-transformer's own writer, so protobufjs (the receiver's decoder) stays out.
    const endpoint = 'http://127.0.0.1:9/v1/metrics';
    assert.deepEqual(loaded({ otlp: { endpoint, intervalSeconds: 3600 } }), { ...none, otel: true, otlpProto: true });
    assert.deepEqual(loaded({ otlp: { endpoint, protocol: 'http/json', intervalSeconds: 3600 } }), {
      ...none,
      otel: true,
      otlpProto: true,
    });
  });

  it("loads the OTLP receiver's express and protobufjs on its first request, not when it is enabled", () => {
    const none = { express: false, otel: false, otlpProto: false, protobufjs: false };
    assert.deepEqual(loaded({ receiver: { enabled: true } }), none);
    assert.deepEqual(loaded({ receiver: { enabled: true } }, true), {
      ...none,
      express: true,
      protobufjs: true,
      posted: 200,
    });
    // Off, the path is not served and nothing is loaded for it.
    assert.deepEqual(loaded({}, true), { ...none, posted: 404 });
  });
});
