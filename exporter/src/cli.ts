#!/usr/bin/env -S MALLOC_MMAP_THRESHOLD_=131072 node --max-semi-space-size=1
// nexus-exporter [--config PATH]            run: poll and serve /metrics, /healthz, /readyz
// nexus-exporter check-config --config PATH  validate the configuration and exit
// nexus-exporter once --config PATH          poll every account once, print the exposition, exit
import { parseArgs } from 'node:util';
import { ConfigError, loadConfigFile } from './config/load.js';
import { Exporter } from './exporter.js';
import { createLogger, redact } from './log.js';
import { runExporter } from './server/listen.js';
import { VERSION } from './version.js';

const USAGE = `usage: nexus-exporter [run|check-config|once] [--config PATH]

  run           poll the configured providers and serve /metrics (default)
  check-config  validate the configuration file and exit
  once          poll every account once, print the metrics, and exit (non-zero if a poll failed)

options:
  --config PATH  configuration file (default ./nexus.yaml)
  --version      print the version
  --help         print this help`;

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        config: { type: 'string', short: 'c', default: './nexus.yaml' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean' },
      },
    });
  } catch (e) {
    console.error(`${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values.version) {
    console.log(VERSION);
    return 0;
  }
  const command = positionals[0] ?? 'run';
  if (!['run', 'check-config', 'once'].includes(command) || positionals.length > 1) {
    console.error(`unknown command "${positionals.join(' ')}"\n\n${USAGE}`);
    return 2;
  }

  let config;
  try {
    config = await loadConfigFile(values.config!);
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      return 1;
    }
    throw e;
  }

  if (command === 'check-config') {
    const accounts = Object.values(config.providers).reduce((n, list) => n + (list?.length ?? 0), 0);
    console.log(`${values.config}: configuration is valid (${accounts} provider account${accounts === 1 ? '' : 's'})`);
    return 0;
  }

  const log = createLogger(process.env.NEXUS_LOG_LEVEL ?? config.logLevel);
  if (command === 'once') {
    const exporter = new Exporter(config, { log, ephemeral: true });
    await exporter.init();
    const failed = await exporter.pollAll();
    process.stdout.write(await exporter.metricsText());
    await exporter.stop();
    return failed > 0 ? 1 : 0;
  }

  const starting = runExporter(config, { log });
  return new Promise<number>((resolve, reject) => {
    let stopping = false;
    let stopped = false;
    const shutdown = (signal: string) => {
      if (stopping) {
        log.warn({ signal }, 'second signal: exiting without waiting');
        process.exit(1);
      }
      stopping = true;
      const grace = config.shutdownGraceSeconds;
      log.info(
        { signal, graceSeconds: grace },
        'shutting down: aborting provider calls, finishing writes, flushing OTLP'
      );
      // Unreferenced: it only fires if something still keeps the process alive after the grace period.
      setTimeout(() => {
        if (!stopped)
          log.error(
            { graceSeconds: grace },
            `shutdown did not finish within ${grace} s (shutdownGraceSeconds); exiting anyway`
          );
        process.exit(stopped ? 0 : 1);
      }, grace * 1000).unref();
      starting
        .then((running) => running.close())
        .then(
          () => {
            stopped = true;
            log.info('stopped');
            resolve(0);
          },
          (e: unknown) => {
            log.error({ err: e }, 'shutdown failed');
            resolve(1);
          }
        );
    };
    // Before the start resolves: until a listener is added, SIGTERM's default action kills the process
    // at once, and a supervisor may send it as soon as the exporter says it is listening.
    process.on('SIGTERM', () => shutdown('SIGTERM'));
    process.on('SIGINT', () => shutdown('SIGINT'));
    starting.catch(reject);
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    console.error(`nexus-exporter: ${redact(e instanceof Error ? e.message : String(e))}`);
    process.exitCode = 1;
  }
);
