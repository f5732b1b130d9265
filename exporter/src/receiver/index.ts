// The OTLP/HTTP metrics receiver: `POST /v1/metrics` on the exporter's port when `receiver.enabled`.
// Loaded only then (exporter.ts imports it dynamically), so a disabled receiver costs no memory for
// protobufjs and the message types. This module wires the HTTP handling (http.ts, loaded with express
// on the first request), the accounting (ingest.ts) and the /metrics part (exposition.ts); OTLP push
// of the same series is in push.ts.
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { MetricProducer } from '@opentelemetry/sdk-metrics';
import type { ExporterConfig } from '../config/schema.js';
import type { Logger } from '../log.js';
import { registerSecret } from '../log.js';
import type { LimitSettings } from '../metrics/limiter.js';
import type { ExpositionPart } from '../metrics/prometheus.js';
import { renderReceiver } from './exposition.js';
import { DROP_REASONS, Ingestor, type DropReason, type IngestResult } from './ingest.js';

export type ReceiverConfig = ExporterConfig['receiver'];

/** The receiver's own counters, shown beside the client series. */
export class ReceiverStats {
  readonly requests = new Map<string, number>();
  accepted = 0;
  readonly dropped = new Map<DropReason, number>(DROP_REASONS.map((r) => [r, 0]));

  request(status: number): void {
    const code = String(status);
    this.requests.set(code, (this.requests.get(code) ?? 0) + 1);
  }

  add(result: IngestResult): void {
    this.accepted += result.accepted;
    for (const [reason, n] of Object.entries(result.dropped))
      this.dropped.set(reason as DropReason, (this.dropped.get(reason as DropReason) ?? 0) + n);
  }
}

export class Receiver implements ExpositionPart {
  readonly ingestor: Ingestor;
  readonly stats = new ReceiverStats();

  constructor(
    readonly config: ReceiverConfig,
    limits: LimitSettings,
    readonly log: Logger,
    now: () => number = Date.now
  ) {
    registerSecret(config.token);
    this.ingestor = new Ingestor(
      { maxSeries: config.maxSeries, maxStreams: config.maxStreams, hosts: config.hosts, limits },
      now
    );
  }

  private listener?: Promise<RequestListener>;

  /** Serves a request to `/v1/metrics` (server/app.ts routes them here). */
  handle(req: IncomingMessage, res: ServerResponse): void {
    this.listener ??= import('./http.js').then(({ receiverApp }) => receiverApp(this));
    this.listener.then(
      (listener) => listener(req, res),
      (e: unknown) => {
        this.log.error({ err: e }, 'OTLP receiver: could not load');
        res.statusCode = 500;
        res.end();
      }
    );
  }

  /** The receiver's part of /metrics. */
  render(): Buffer[] {
    return renderReceiver(this.ingestor, this.stats);
  }

  /** The same series for OTLP push; loads the SDK types only when push is configured. */
  async otlpProducer(version: string): Promise<MetricProducer> {
    const { ReceiverProducer } = await import('./push.js');
    return new ReceiverProducer(this.ingestor, this.stats, version);
  }
}
