// The exporter's /metrics with all five providers polled, checked by the real `promtool check
// metrics` linter (naming, HELP, TYPE, units), and every exposed nexus_* family is in the catalogue.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { configSchema, type ExporterConfig } from '../exporter/src/config/schema.js';
import { silentLogger } from '../exporter/src/log.js';
import { CATALOG } from '../exporter/src/metrics/catalog.js';
import { runExporter } from '../exporter/src/server/listen.js';
import { startDemoSimulators } from '../exporter/src/simulators/demo.js';

describe('exposition', () => {
  it('passes promtool check metrics and exposes only catalogue families', async () => {
    const sims = await startDemoSimulators(3600);
    const stateDir = await mkdtemp(join(tmpdir(), 'nexus-exposition-'));
    const config = configSchema.parse({ listen: '127.0.0.1:0', stateDir, providers: sims.providers, http: { retries: 0 } }) as ExporterConfig;
    const running = await runExporter(config, { log: silentLogger });
    try {
      assert.equal(await running.exporter.pollAll(), 0, 'every demo account polls');
      const text = await (await fetch(`${running.url}/metrics`)).text();
      for (const provider of ['openai', 'openrouter', 'exa', 'twilio', 'apollo']) {
        assert.match(text, new RegExp(`^nexus_provider_up\\{provider="${provider}",account="[^"]+"\\} 1$`, 'm'));
      }
      const lint = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
      assert.equal(lint.error, undefined, 'promtool is installed (Debian package prometheus)');
      // prom-client's own nodejs_active_*_total gauges break the _total rule upstream; ours must be clean.
      const problems = `${lint.stdout}${lint.stderr}`.split('\n').filter((l) => l.trim() && !/^nodejs_active_\w+_total non-counter/.test(l));
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
