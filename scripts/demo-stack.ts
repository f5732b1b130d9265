// `npm run demo:stack`: the Nexus stack without Docker, from local binaries (Debian's prometheus and
// prometheus-alertmanager packages): the demo simulators, the exporter, Prometheus with the shipped
// rules, and Alertmanager with the shipped routing and inhibition, whose receivers post to a local
// webhook that prints every notification here. No keys needed. Ctrl-C stops everything.
//   NEXUS_DEMO_DIR       working directory (default: a new temp dir, removed on exit)
//   NEXUS_DEMO_INTERVAL  poll interval in seconds (default 15; providers may enforce a higher minimum)
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../exporter/src/log.js';
import { removeDir, startStack } from '../tests/lib/stack.js';

const keepDir = Boolean(process.env.NEXUS_DEMO_DIR);
const dir = process.env.NEXUS_DEMO_DIR ?? (await mkdtemp(join(tmpdir(), 'nexus-demo-stack-')));
const interval = Number(process.env.NEXUS_DEMO_INTERVAL ?? 15);

console.log('Starting the Nexus demo stack (simulators, exporter, Prometheus, Alertmanager)...');
const stack = await startStack({
  dir,
  scrapeInterval: '5s',
  evaluationInterval: '5s',
  pollIntervalSeconds: interval,
  // The demo's budgets (as in `npm run demo`): OpenAI's simulated month is over budget, so
  // NexusBudgetExceeded pages after its 5 minutes of `for:`.
  budgets: () => [
    { provider: 'openai', account: 'demo', period: 'month', amountUsd: 2500 },
    { provider: 'openai', account: 'demo', period: 'day', amountUsd: 100 },
  ],
  alertmanagerTiming: { groupWait: '10s', groupInterval: '1m', repeatInterval: '4h' },
  log: createLogger(process.env.NEXUS_LOG_LEVEL ?? 'warn'),
});

stack.webhook.onNotification = (n) => {
  for (const a of n.alerts) {
    const labels = Object.entries(a.labels)
      .filter(([k]) => k !== 'alertname')
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    console.log(
      `[${new Date().toISOString()}] ${n.receiver}: ${a.status.toUpperCase()} ${a.labels.alertname} ${labels}\n    ${a.annotations.description ?? ''}`
    );
  }
};

const simulators = [...stack.sims.simulators].map(([name, sim]) => `    ${name.padEnd(11)}${sim.baseUrl}`).join('\n');
console.log(`
Nexus demo stack running (working directory ${dir}).
  exporter      ${stack.exporter.url}/metrics
  Prometheus    ${stack.prometheus.url}   (alerts: ${stack.prometheus.url}/alerts, rules: ${stack.prometheus.url}/rules)
  Alertmanager  ${stack.alertmanager.url}
  webhook       ${stack.webhook.url}   (every receiver posts here; notifications are printed below)
  simulators    (inject faults: curl -X POST <url>/_sim/faults -H 'content-type: application/json' \\
                   -d '{"fault":{"kind":"status","status":503},"times":1000}')
${simulators}
Grafana is not part of this stack: use docker compose, or point a Grafana at the Prometheus URL above.
Press Ctrl-C to stop.
`);

let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping...`);
  try {
    await stack.stop();
    if (!keepDir) await removeDir(dir);
  } finally {
    process.exit(0);
  }
};
process.once('SIGINT', () => void stop('SIGINT'));
process.once('SIGTERM', () => void stop('SIGTERM'));
