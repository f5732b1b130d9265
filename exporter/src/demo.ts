// `npm run demo`: the provider simulators with evolving usage, and the exporter pointed at them.
// No keys needed. Set NEXUS_LISTEN to change the address (default 127.0.0.1:9464).
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configSchema, type ExporterConfig } from './config/schema.js';
import { createLogger } from './log.js';
import { runExporter } from './server/listen.js';
import { demoReceiver, startDemoSimulators } from './simulators/demo.js';
import type { OpenAISimulator } from './simulators/openai.js';
import { startDemoTraffic } from './simulators/traffic.js';

const listen = process.env.NEXUS_LISTEN ?? '127.0.0.1:9464';
const log = createLogger(process.env.NEXUS_LOG_LEVEL ?? 'info');
const sims = await startDemoSimulators(Number(process.env.NEXUS_DEMO_INTERVAL ?? 15));
const stateDir = process.env.NEXUS_STATE_DIR ?? (await mkdtemp(join(tmpdir(), 'nexus-demo-')));
const config = configSchema.parse({
  listen,
  stateDir,
  providers: sims.providers,
  budgets: [
    { provider: 'openai', account: 'demo', period: 'month', amountUsd: 2500 },
    { provider: 'openai', account: 'demo', period: 'day', amountUsd: 100 },
  ],
  polling: { jitter: 0.05 },
  // The example app's own calls (examples/openai-app) arrive over OTLP: real-traffic latency and errors.
  receiver: demoReceiver(sims),
}) as ExporterConfig;
const running = await runExporter(config, { log });
const openai = sims.simulators.get('openai') as OpenAISimulator;
const traffic = startDemoTraffic({ sim: openai, apiKey: openai.options.projectKey!, exporterUrl: running.url, log });
for (const [name, sim] of sims.simulators) log.info({ provider: name, url: sim.baseUrl }, 'simulator running');
console.log(
  `\nNexus demo running.\n  metrics:   ${running.url}/metrics\n  readiness: ${running.url}/readyz\n  state:     ${stateDir}\nPress Ctrl-C to stop.\n`
);

const stop = async () => {
  await traffic.stop();
  await running.close();
  await sims.stop();
  process.exit(0);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
