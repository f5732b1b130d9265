// OTLP/HTTP metrics bodies in and out, per the OTLP specification (opentelemetry-proto v1.11.0,
// docs/specification.md "OTLP/HTTP"): an ExportMetricsServiceRequest as binary protobuf or as
// OTLP/JSON, an ExportMetricsServiceResponse (with partial_success when points were rejected) or a
// google.rpc.Status in the encoding of the request. The messages are protobufjs reflection types
// built from the official .proto files (protos.ts); protobufjs also does the proto3 JSON mapping of
// OTLP/JSON (lowerCamelCase keys, 64-bit integers as strings or numbers, enums as integers or names,
// unknown keys ignored). The one OTLP/JSON departure from proto3 JSON, hex trace and span ids instead
// of base64, is converted before.
import protobuf from 'protobufjs';
import { OTLP_PROTOS } from './protos.js';

export type Encoding = 'protobuf' | 'json';

/** The parts of the decoded messages the receiver reads (protobufjs objects, camelCase fields). */
export interface KeyValue {
  key: string;
  value?: AnyValue | null;
}
export interface AnyValue {
  /** Which member of the `value` oneof is set. */
  value?: string;
  stringValue?: string;
  boolValue?: boolean;
  intValue?: number;
  doubleValue?: number;
}
export interface NumberDataPoint {
  attributes: KeyValue[];
  startTimeUnixNano: number;
  timeUnixNano: number;
  value?: 'asDouble' | 'asInt';
  asDouble: number;
  asInt: number;
  flags: number;
}
export interface HistogramDataPoint {
  attributes: KeyValue[];
  startTimeUnixNano: number;
  timeUnixNano: number;
  count: number;
  /** proto3 `optional`: null when absent. */
  sum: number | null;
  bucketCounts: number[];
  explicitBounds: number[];
  flags: number;
}
export interface Metric {
  name: string;
  unit: string;
  data?: 'gauge' | 'sum' | 'histogram' | 'exponentialHistogram' | 'summary';
  sum?: { dataPoints: NumberDataPoint[]; aggregationTemporality: number; isMonotonic: boolean } | null;
  histogram?: { dataPoints: HistogramDataPoint[]; aggregationTemporality: number } | null;
  gauge?: { dataPoints: unknown[] } | null;
  exponentialHistogram?: { dataPoints: unknown[] } | null;
  summary?: { dataPoints: unknown[] } | null;
}
export interface ScopeMetrics {
  scope?: { name: string; version: string } | null;
  metrics: Metric[];
}
export interface ResourceMetrics {
  resource?: { attributes: KeyValue[] } | null;
  scopeMetrics: ScopeMetrics[];
}
export interface ExportRequest {
  resourceMetrics: ResourceMetrics[];
}

/** A body that is not a valid message: the client gets 400 with this text. */
export class DecodeError extends Error {
  override readonly name = 'DecodeError';
}

// 64-bit integers as JavaScript numbers: times in nanoseconds lose at most 256 ns, counts stay exact
// below 2^53. Without Long objects decoding allocates less. Nothing else in the exporter uses protobufjs.
(protobuf.util as { Long: unknown }).Long = null;
protobuf.configure();

// After decoding a member of a oneof, protobufjs sets the oneof's virtual property, whose setter deletes
// every other member (util.oneOfSetter). Its `delete` of members that are not there costs a runtime call
// each: seven per attribute value, a quarter of the decoding. Same semantics, checking first. It must be
// in place before the message types are set up (at their first use, below).
protobuf.util.oneOfSetter = function oneOfSetter(fieldNames: string[]) {
  return function (this: Record<string, unknown>, name: string): void {
    for (const f of fieldNames) if (f !== name && Object.prototype.hasOwnProperty.call(this, f)) delete this[f];
  };
} as typeof protobuf.util.oneOfSetter;

const root = new protobuf.Root();
root.addJSON(
  (protobuf.common as unknown as Record<string, { nested: protobuf.INamespace['nested'] }>)[
    'google/protobuf/any.proto'
  ]!.nested!
);
for (const [, source] of OTLP_PROTOS) protobuf.parse(source, root, { keepCase: false });
// Strings are read with Node's native UTF-8 decoder (the editions feature utf8_validation = NONE):
// proto3's default check builds short strings by concatenation in JavaScript, which costs as much again
// when they are hashed. Invalid UTF-8 becomes U+FFFD instead of failing the request, as it does in
// OTLP/JSON bodies; labels stay valid UTF-8 either way.
(function noUtf8Check(ns: protobuf.NamespaceBase): void {
  for (const o of ns.nestedArray) {
    if (o instanceof protobuf.Type)
      for (const f of o.fieldsArray) if (f.type === 'string') f.setOption('features.utf8_validation', 'NONE');
    if (o instanceof protobuf.Namespace) noUtf8Check(o);
  }
})(root);
root.resolveAll();

const Request = root.lookupType('opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest');
const Response = root.lookupType('opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse');
const Status = root.lookupType('google.rpc.Status');

/** Decodes a request body (already decompressed and size-checked). */
export function decodeRequest(body: Buffer, encoding: Encoding): ExportRequest {
  try {
    if (encoding === 'protobuf') return Request.decode(body) as unknown as ExportRequest;
    const json: unknown = JSON.parse(body.toString('utf8'));
    if (json === null || typeof json !== 'object' || Array.isArray(json))
      throw new Error('the body is not a JSON object');
    hexIdsToBytes(json as Record<string, unknown>);
    return Request.fromObject(json as Record<string, unknown>) as unknown as ExportRequest;
  } catch (e) {
    const what =
      encoding === 'protobuf' ? 'protobuf ExportMetricsServiceRequest' : 'OTLP/JSON ExportMetricsServiceRequest';
    throw new DecodeError(`malformed ${what}: ${(e as Error).message}`);
  }
}

/** The success answer; `partialSuccess` when some points were rejected. */
export function encodeResponse(
  encoding: Encoding,
  partialSuccess?: { rejectedDataPoints: number; errorMessage: string }
): Buffer {
  const message = Response.create(partialSuccess ? { partialSuccess } : {});
  return encoding === 'protobuf'
    ? Buffer.from(Response.encode(message).finish())
    : Buffer.from(JSON.stringify(Response.toObject(message, { longs: String })));
}

/** gRPC status codes used in google.rpc.Status (grpc/grpc doc/statuscodes.md). */
export const GRPC = { invalidArgument: 3, resourceExhausted: 8, unauthenticated: 16, internal: 13 } as const;

/** An error answer: google.rpc.Status in the request's encoding. */
export function encodeStatus(encoding: Encoding, code: number, message: string): Buffer {
  const status = Status.create({ code, message });
  return encoding === 'protobuf'
    ? Buffer.from(Status.encode(status).finish())
    : Buffer.from(JSON.stringify(Status.toObject(status)));
}

/** Decodes a google.rpc.Status (tests, and clients that want to read our errors). */
export function decodeStatus(body: Buffer, encoding: Encoding): { code: number; message: string } {
  const m =
    encoding === 'protobuf'
      ? Status.decode(body)
      : Status.fromObject(JSON.parse(body.toString('utf8')) as Record<string, unknown>);
  const o = Status.toObject(m, { defaults: true }) as { code: number; message: string };
  return { code: o.code, message: o.message };
}

/** Decodes an ExportMetricsServiceResponse into plain values (tests). */
export function decodeResponse(
  body: Buffer,
  encoding: Encoding
): { partialSuccess?: { rejectedDataPoints: number; errorMessage: string } } {
  const m =
    encoding === 'protobuf'
      ? Response.decode(body)
      : Response.fromObject(JSON.parse(body.toString('utf8')) as Record<string, unknown>);
  return Response.toObject(m, { longs: Number }) as {
    partialSuccess?: { rejectedDataPoints: number; errorMessage: string };
  };
}

/** Encodes a request given as OTLP/JSON-shaped values (tests, the benchmark). */
export function encodeRequest(request: Record<string, unknown>): Buffer {
  return Buffer.from(Request.encode(Request.fromObject(request)).finish());
}

const HEX = /^(?:[0-9a-fA-F]{2})*$/;

/** OTLP/JSON sends exemplar trace and span ids as hex; proto3 JSON would read them as base64. */
function hexIdsToBytes(request: Record<string, unknown>): void {
  for (const rm of arrayOf(request.resourceMetrics)) {
    for (const sm of arrayOf(field(rm, 'scopeMetrics'))) {
      for (const metric of arrayOf(field(sm, 'metrics'))) {
        for (const kind of ['gauge', 'sum', 'histogram', 'exponentialHistogram'] as const) {
          for (const point of arrayOf(field(field(metric, kind), 'dataPoints'))) {
            for (const exemplar of arrayOf(field(point, 'exemplars'))) {
              if (!exemplar || typeof exemplar !== 'object') continue;
              const e = exemplar as Record<string, unknown>;
              for (const id of ['traceId', 'spanId']) {
                if (typeof e[id] === 'string' && HEX.test(e[id] as string)) e[id] = Buffer.from(e[id] as string, 'hex');
              }
            }
          }
        }
      }
    }
  }
}

function field(value: unknown, key: string): unknown {
  return value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
}

function arrayOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
