// OTLP push through the OpenTelemetry SDK, fed by the same model as /metrics. Gauges and counters are
// observable instruments whose one batch callback reads the model at collection time (collect()'s
// twin); the call-duration histogram is recorded as calls happen. Instrument names are the Prometheus
// names without `_total`, with units whose `{annotations}` the OTLP→Prometheus translation drops, so
// that after translation with suffixes every name is exactly the one on /metrics.
import type { Attributes, Observable } from '@opentelemetry/api';
import { OTLPMetricExporter as JsonMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtobufMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader, type MetricProducer } from '@opentelemetry/sdk-metrics';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { DEFAULT_OTLP_PROTOCOL, type OtlpProtocol } from '../config/otlp.js';
import { CATALOG, HTTP_DURATION_BUCKETS, type MetricName } from './catalog.js';
import type { MetricsModel } from './model.js';

export interface OtlpSettings {
  /** Full URL of the metrics endpoint; when absent the standard OTEL_EXPORTER_OTLP_* variables apply. */
  endpoint?: string;
  /** http/protobuf (the default, as the specification asks: smaller, and cheaper to encode) or http/json. */
  protocol?: OtlpProtocol;
  intervalSeconds: number;
  headers?: Record<string, string>;
}

/** Series per instrument before the SDK folds the rest into an overflow series; far above any bounded model. */
export const OTLP_CARDINALITY_LIMIT = 1_000_000;

export function otlpName(prometheusName: string): string {
  return prometheusName.replace(/_total$/, '');
}

export class OtlpOutput {
  private readonly provider: MeterProvider;

  /** `producers` add pre-aggregated metrics to every export (the receiver's client series). */
  constructor(model: MetricsModel, settings: OtlpSettings, version: string, producers: MetricProducer[] = []) {
    const options = {
      ...(settings.endpoint ? { url: settings.endpoint } : {}),
      ...(settings.headers ? { headers: settings.headers } : {}),
    };
    // Both send to the same URL; they differ in the body and its Content-Type.
    const exporter =
      (settings.protocol ?? DEFAULT_OTLP_PROTOCOL) === 'http/json'
        ? new JsonMetricExporter(options)
        : new ProtobufMetricExporter(options);
    this.provider = new MeterProvider({
      resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: 'nexus-exporter', [ATTR_SERVICE_VERSION]: version }),
      readers: [
        new PeriodicExportingMetricReader({
          exporter,
          exportIntervalMillis: settings.intervalSeconds * 1000,
          exportTimeoutMillis: Math.min(30_000, settings.intervalSeconds * 1000),
          // The SDK's default folds every series beyond 2,000 per instrument into one
          // `otel.metric.overflow` series. The model is already bounded (limits, limiter.ts), so OTLP
          // carries every series /metrics serves.
          cardinalityLimits: { default: OTLP_CARDINALITY_LIMIT },
          metricProducers: producers,
        }),
      ],
    });
    const meter = this.provider.getMeter('nexus-exporter', version);
    const observables: Array<[MetricName, Observable]> = [];
    for (const def of CATALOG) {
      if (def.part === 'receiver') continue; // pushed by the receiver's producer
      const options = { description: def.help, unit: def.unit };
      if (def.type === 'histogram') {
        const h = meter.createHistogram(otlpName(def.name), {
          ...options,
          advice: { explicitBucketBoundaries: HTTP_DURATION_BUCKETS },
        });
        model.onDuration((labels, seconds) => h.record(seconds, labels as Attributes));
      } else if (def.type === 'counter') {
        observables.push([def.name, meter.createObservableCounter(otlpName(def.name), options)]);
      } else {
        observables.push([def.name, meter.createObservableGauge(def.name, options)]);
      }
    }
    meter.addBatchObservableCallback(
      (result) => {
        for (const [name, observable] of observables) {
          for (const s of model.series(name)) result.observe(observable, s.value, s.labels as Attributes);
        }
      },
      observables.map(([, o]) => o)
    );
  }

  async flush(): Promise<void> {
    await this.provider.forceFlush();
  }

  async shutdown(): Promise<void> {
    await this.provider.shutdown();
  }
}
