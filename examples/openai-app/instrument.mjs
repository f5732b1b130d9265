// OpenTelemetry set-up for the example app, loaded before it with `node --import ./instrument.mjs`, as
// the OpenTelemetry JS documentation recommends: a MeterProvider exporting OTLP/HTTP protobuf, the
// OpenAI instrumentation (gen_ai.client.operation.duration, gen_ai.client.token.usage) and the undici
// instrumentation (http.client.request.duration of the client's fetch calls). The ESM loader hook lets
// the instrumentation patch `import OpenAI from 'openai'`.
//
// Configuration is the standard OpenTelemetry environment: OTEL_EXPORTER_OTLP_METRICS_ENDPOINT (or
// OTEL_EXPORTER_OTLP_ENDPOINT), OTEL_EXPORTER_OTLP_HEADERS (e.g. Authorization=Bearer <receiver.token>),
// OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE (cumulative or delta), OTEL_SERVICE_NAME and
// OTEL_METRIC_EXPORT_INTERVAL (ms).
import { register } from 'node:module';
import { metrics } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { OpenAIInstrumentation } from '@opentelemetry/instrumentation-openai';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';

register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);

const meterProvider = new MeterProvider({
  resource: resourceFromAttributes({ 'service.name': process.env.OTEL_SERVICE_NAME || 'openai-example-app' }),
  readers: [
    new PeriodicExportingMetricReader({
      exporter: new OTLPMetricExporter(),
      exportIntervalMillis: Number(process.env.OTEL_METRIC_EXPORT_INTERVAL || 60_000),
    }),
  ],
});
metrics.setGlobalMeterProvider(meterProvider);
registerInstrumentations({
  instrumentations: [new OpenAIInstrumentation(), new UndiciInstrumentation()],
  meterProvider,
});

// The app flushes before it exits (app.mjs); a signal flushes too.
globalThis.__meterProvider = meterProvider;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    meterProvider.shutdown().finally(() => process.exit(0));
  });
}
