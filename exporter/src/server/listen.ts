// Starts the exporter and its HTTP server; used by the CLI, the demo and the integration tests.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Exporter, type ExporterOptions } from '../exporter.js';
import type { ExporterConfig } from '../config/schema.js';
import { createApp } from './app.js';
import { applyV8RuntimeFlags } from '../runtime.js';

export interface RunningExporter {
  exporter: Exporter;
  server: Server;
  /** e.g. http://127.0.0.1:9464 */
  url: string;
  close(): Promise<void>;
}

export function splitListen(listen: string): { host: string; port: number } {
  const i = listen.lastIndexOf(':');
  return { host: listen.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(listen.slice(i + 1)) };
}

export async function runExporter(config: ExporterConfig, options: ExporterOptions = {}): Promise<RunningExporter> {
  applyV8RuntimeFlags();
  const exporter = new Exporter(config, options);
  await exporter.init();
  const { host, port } = splitListen(config.listen);
  let server: Server;
  try {
    server = createServer(await createApp(exporter));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    await exporter.stop(); // releases the state directory
    throw e;
  }
  const address = server.address() as AddressInfo;
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  exporter.start();
  exporter.log.info({ url, accounts: exporter.pollers.size }, 'nexus exporter listening');
  let closing: Promise<void> | undefined;
  return {
    exporter,
    server,
    url,
    close: () =>
      (closing ??= (async () => {
        // Provider calls first, so that no answer (a connection test) waits for a hung provider.
        exporter.abortCalls();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        });
        await exporter.stop();
      })()),
  };
}
