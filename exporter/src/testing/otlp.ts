// Builders of OTLP requests for the receiver's tests and the benchmark, in the OTLP/JSON shape
// (lowerCamelCase, 64-bit integers as strings) and encoded with the official messages (otlp.ts).
import { decodeRequest, encodeRequest, type ExportRequest } from '../receiver/otlp.js';
import { GENAI_DURATION_BUCKETS } from '../receiver/semconv.js';

export type Attrs = Record<string, string | number | boolean>;

export function kv(attrs: Attrs): Array<{ key: string; value: Record<string, unknown> }> {
  return Object.entries(attrs).map(([key, v]) => ({
    key,
    value:
      typeof v === 'string'
        ? { stringValue: v }
        : typeof v === 'boolean'
          ? { boolValue: v }
          : Number.isInteger(v)
            ? { intValue: String(v) }
            : { doubleValue: v },
  }));
}

/** Unix nanoseconds of a Unix millisecond time, as OTLP/JSON writes them. */
export function ns(ms: number): string {
  return `${BigInt(Math.round(ms)) * 1_000_000n}`;
}

export interface HistogramPoint {
  attrs: Attrs;
  startMs: number;
  timeMs: number;
  /** Per-bucket counts, one more than the bounds. */
  counts: number[];
  bounds?: number[];
  sum?: number;
  flags?: number;
}

export function histogramMetric(
  name: string,
  points: HistogramPoint[],
  opts: { unit?: string; temporality?: 1 | 2 } = {}
): Record<string, unknown> {
  return {
    name,
    unit: opts.unit ?? 's',
    histogram: {
      aggregationTemporality: opts.temporality ?? 2,
      dataPoints: points.map((p) => ({
        attributes: kv(p.attrs),
        startTimeUnixNano: ns(p.startMs),
        timeUnixNano: ns(p.timeMs),
        count: String(p.counts.reduce((a, b) => a + b, 0)),
        ...(p.sum === undefined ? {} : { sum: p.sum }),
        bucketCounts: p.counts.map(String),
        explicitBounds: p.bounds ?? GENAI_DURATION_BUCKETS,
        ...(p.flags ? { flags: p.flags } : {}),
      })),
    },
  };
}

export function sumMetric(
  name: string,
  points: Array<{ attrs: Attrs; startMs: number; timeMs: number; value: number }>,
  opts: { temporality?: 1 | 2; monotonic?: boolean; unit?: string } = {}
): Record<string, unknown> {
  return {
    name,
    unit: opts.unit ?? '{token}',
    sum: {
      aggregationTemporality: opts.temporality ?? 2,
      isMonotonic: opts.monotonic ?? true,
      dataPoints: points.map((p) => ({
        attributes: kv(p.attrs),
        startTimeUnixNano: ns(p.startMs),
        timeUnixNano: ns(p.timeMs),
        asInt: String(p.value),
      })),
    },
  };
}

/** An ExportMetricsServiceRequest in OTLP/JSON form: one resource, one scope. */
export function requestJson(
  metrics: Array<Record<string, unknown>>,
  resource: Attrs = { 'service.name': 'test-app' }
): Record<string, unknown> {
  return {
    resourceMetrics: [
      { resource: { attributes: kv(resource) }, scopeMetrics: [{ scope: { name: 'test', version: '1' }, metrics }] },
    ],
  };
}

/** The same request through the protobuf encoding and back, as the receiver gets it. */
export function request(metrics: Array<Record<string, unknown>>, resource?: Attrs): ExportRequest {
  return decodeRequest(encodeRequest(requestJson(metrics, resource)), 'protobuf');
}

/** Counts per bucket of the advised GenAI boundaries for some durations in seconds. */
export function bucketsOf(seconds: number[], bounds: readonly number[] = GENAI_DURATION_BUCKETS): number[] {
  const counts = new Array<number>(bounds.length + 1).fill(0);
  for (const s of seconds) {
    const i = bounds.findIndex((b) => s <= b);
    counts[i === -1 ? bounds.length : i]!++;
  }
  return counts;
}
