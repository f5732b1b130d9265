// Whether and how the exporter pushes OTLP: the `otlp` section, else the standard variables of the
// OpenTelemetry specification (specification/protocol/exporter.md, "Configuration Options"): push is on
// when OTEL_EXPORTER_OTLP_METRICS_ENDPOINT or OTEL_EXPORTER_OTLP_ENDPOINT is set, and the protocol is
// OTEL_EXPORTER_OTLP_METRICS_PROTOCOL, else OTEL_EXPORTER_OTLP_PROTOCOL, else `http/protobuf`, the
// default the specification asks for. Endpoint and headers the SDK reads from the variables itself.
// No OpenTelemetry package is loaded here: this decides whether to load one.
import type { OtlpSettings } from '../metrics/otlp.js';
import { ConfigError } from './error.js';
import type { RawConfig } from './schema.js';

/** The OTLP/HTTP encodings we send; `grpc`, the specification's third value, is not supported. */
export const OTLP_PROTOCOLS = ['http/protobuf', 'http/json'] as const;
export type OtlpProtocol = (typeof OTLP_PROTOCOLS)[number];
export const DEFAULT_OTLP_PROTOCOL: OtlpProtocol = 'http/protobuf';

export function isOtlpProtocol(value: unknown): value is OtlpProtocol {
  return (OTLP_PROTOCOLS as readonly unknown[]).includes(value);
}

/** What is wrong with a protocol value that is not one of OTLP_PROTOCOLS. */
export function otlpProtocolProblem(value: unknown): string {
  if (value === 'grpc')
    return 'grpc is not supported: use http/protobuf (the default) or http/json, which an OpenTelemetry Collector receives on its HTTP port (4318)';
  return `must be one of ${OTLP_PROTOCOLS.map((p) => JSON.stringify(p)).join(', ')}`;
}

const ENDPOINT_VARIABLES = ['OTEL_EXPORTER_OTLP_METRICS_ENDPOINT', 'OTEL_EXPORTER_OTLP_ENDPOINT'] as const;
/** Signal-specific first, as the specification orders them. */
const PROTOCOL_VARIABLES = ['OTEL_EXPORTER_OTLP_METRICS_PROTOCOL', 'OTEL_EXPORTER_OTLP_PROTOCOL'] as const;

/**
 * The push settings, or undefined when OTLP push is off. Throws a ConfigError naming the variable
 * when the protocol comes from one and is not supported.
 */
export function otlpPush(section: RawConfig['otlp'], env: NodeJS.ProcessEnv): OtlpSettings | undefined {
  // Empty values count as unset, as the OpenTelemetry SDK reads them.
  if (!section && !ENDPOINT_VARIABLES.some((name) => env[name]?.trim())) return undefined;
  return { intervalSeconds: 60, ...section, protocol: section?.protocol ?? protocolFromEnvironment(env) };
}

function protocolFromEnvironment(env: NodeJS.ProcessEnv): OtlpProtocol {
  for (const name of PROTOCOL_VARIABLES) {
    const value = env[name]?.trim();
    if (!value) continue;
    if (!isOtlpProtocol(value))
      throw new ConfigError('the environment', [`${name} (environment variable): ${otlpProtocolProblem(value)}`]);
    return value;
  }
  return DEFAULT_OTLP_PROTOCOL;
}
