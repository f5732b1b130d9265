// The soak's exporter process: what `nexus-exporter --config PATH` does (the same config loading,
// runExporter, logs on stderr, SIGTERM stops it), with one difference: the pollers' clock is the soak's
// accelerated clock (ExporterOptions.now, the exporter's existing clock injection). Timers, Retry-After,
// timeouts and the HTTP server stay on real time.
//   node soak-child.js CONFIG_PATH CLOCK_JSON
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { loadConfigFile } from '../../exporter/src/config/load.js';
import { createLogger } from '../../exporter/src/log.js';
import { runExporter } from '../../exporter/src/server/listen.js';
import { makeClock, type ClockSpec } from './soak-clock.js';

async function main(): Promise<void> {
  const [configPath, clockJson] = process.argv.slice(2);
  if (!configPath || !clockJson) throw new Error('usage: soak-child CONFIG_PATH CLOCK_JSON');
  const config = await loadConfigFile(configPath);
  const log = createLogger(config.logLevel);
  const running = await runExporter(config, { log, now: makeClock(JSON.parse(clockJson) as ClockSpec) });
  // The parent reads the URL from here (the port is chosen by the OS).
  process.stdout.write(`${JSON.stringify({ url: running.url, pid: process.pid })}\n`);
  // The heap in use just after each major collection, on stderr: what the exporter really holds. Heap
  // used sampled at any moment (nodejs_heap_size_used_bytes) is mostly garbage awaiting the next major
  // collection, and how much depends on V8's heap sizing, not on what is kept.
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if ((e as { detail?: { kind?: number } }).detail?.kind !== constants.NODE_PERFORMANCE_GC_MAJOR) continue;
      process.stderr.write(`${JSON.stringify({ soakMajorGc: getHeapStatistics().used_heap_size, at: Date.now() })}\n`);
    }
  }).observe({ entryTypes: ['gc'] });
  // Diagnosis (node --expose-gc, NEXUS_SOAK_GC_MS set): the heap after a full collection, now and then, on stderr.
  const gc = (globalThis as { gc?: () => void }).gc;
  const every = Number(process.env.NEXUS_SOAK_GC_MS);
  if (gc && every > 0) {
    setInterval(() => {
      gc();
      const m = process.memoryUsage();
      process.stderr.write(
        `${JSON.stringify({ soakHeap: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, rss: m.rss, at: Date.now() })}\n`
      );
    }, every).unref();
  }
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    running.close().then(
      () => process.exit(0),
      () => process.exit(1)
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((e: unknown) => {
  process.stderr.write(`soak exporter: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
