// The exporter's /metrics with all five providers polled and the OTLP receiver holding the apps' own
// metrics, checked by the real `promtool check metrics` linter (naming, HELP, TYPE, units), and every
// exposed nexus_* family is in the catalogue.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { configSchema, type ExporterConfig } from '../exporter/src/config/schema.js';
import { silentLogger } from '../exporter/src/log.js';
import { CATALOG } from '../exporter/src/metrics/catalog.js';
import { encodeRequest } from '../exporter/src/receiver/otlp.js';
import { GENAI_DURATION_BUCKETS, HTTP_CLIENT_DURATION_BUCKETS } from '../exporter/src/receiver/semconv.js';
import { runExporter } from '../exporter/src/server/listen.js';
import { startDemoSimulators } from '../exporter/src/simulators/demo.js';
import { bucketsOf, histogramMetric, requestJson, sumMetric } from '../exporter/src/testing/otlp.js';

describe('exposition', () => {
  it('passes promtool check metrics and exposes only catalogue families', async () => {
    const sims = await startDemoSimulators(3600);
    const stateDir = await mkdtemp(join(tmpdir(), 'nexus-exposition-'));
    const config = configSchema.parse({
      listen: '127.0.0.1:0',
      stateDir,
      providers: sims.providers,
      http: { retries: 0 },
      receiver: { enabled: true },
    }) as ExporterConfig;
    const running = await runExporter(config, { log: silentLogger });
    try {
      assert.equal(await running.exporter.pollAll(), 0, 'every demo account polls');
      // An app's own metrics, with a label value that needs escaping.
      const t = Date.now();
      const attrs = {
        'gen_ai.provider.name': 'openai',
        'gen_ai.operation.name': 'chat',
        'gen_ai.request.model': 'ft:gpt-4o:"acme"\\v2',
        'error.type': 'RateLimitError',
      };
      const otlp = await fetch(`${running.url}/v1/metrics`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf' },
        body: encodeRequest(
          requestJson([
            histogramMetric('gen_ai.client.operation.duration', [
              {
                attrs,
                startMs: t,
                timeMs: t + 1,
                counts: bucketsOf([0.3, 2]),
                bounds: GENAI_DURATION_BUCKETS,
                sum: 2.3,
              },
            ]),
            sumMetric('gen_ai.client.token.usage', [
              { attrs: { ...attrs, 'gen_ai.token.type': 'input' }, startMs: t, timeMs: t + 1, value: 42 },
            ]),
            histogramMetric('http.client.request.duration', [
              {
                attrs: { 'server.address': 'api.openai.com', 'http.request.method': 'POST', 'error.type': '429' },
                startMs: t,
                timeMs: t + 1,
                counts: bucketsOf([0.3], HTTP_CLIENT_DURATION_BUCKETS),
                bounds: HTTP_CLIENT_DURATION_BUCKETS,
                sum: 0.3,
              },
            ]),
          ])
        ),
      });
      assert.equal(otlp.status, 200);
      const text = await (await fetch(`${running.url}/metrics`)).text();
      assert.match(
        text,
        /^nexus_client_operation_duration_seconds_bucket\{le="2\.56",provider="openai",model="ft:gpt-4o:\\"acme\\"\\\\v2",operation="chat",error_type="RateLimitError",service="test-app"\} 2$/m
      );
      assert.match(
        text,
        /^nexus_client_http_request_duration_seconds_count\{provider="openai",method="POST",error_type="429",service="test-app"\} 1$/m
      );
      for (const provider of ['openai', 'openrouter', 'exa', 'twilio', 'apollo']) {
        assert.match(text, new RegExp(`^nexus_provider_up\\{provider="${provider}",account="[^"]+"\\} 1$`, 'm'));
      }
      const lint = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
      assert.equal(lint.error, undefined, 'promtool is installed (Debian package prometheus)');
      // prom-client's own nodejs_active_*_total gauges break the _total rule upstream; ours must be clean.
      const problems = `${lint.stdout}${lint.stderr}`
        .split('\n')
        .filter((l) => l.trim() && !/^nodejs_active_\w+_total non-counter/.test(l));
      assert.deepEqual(problems, [], `promtool check metrics:\n${problems.join('\n')}`);
      const families = new Set([...text.matchAll(/^# TYPE (nexus_[a-z_]+) /gm)].map((m) => m[1]!));
      const known = new Set<string>(CATALOG.map((d) => d.name));
      for (const f of families) assert.ok(known.has(f), `${f} is exposed but not in the catalogue`);
      assert.equal(families.size, CATALOG.length, 'every catalogue metric is declared');
    } finally {
      await running.close();
      await sims.stop();
      await rm(stateDir, { recursive: true, force: true });
    }
  });
});
