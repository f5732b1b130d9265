// Turns received OTLP points into Nexus' client metrics. Three semantic-convention metrics are kept
// (semconv.ts): GenAI operation durations and token usage from any provider, and HTTP client durations
// to provider hosts. Each point is attributed to Nexus labels, folded under the cardinality caps
// (metrics/limiter.ts), and added to one output series:
//
// - A *stream* is what one sender reports: resource, scope, metric name and point attributes. Its
//   last point is remembered, so a cumulative point adds only its growth since the previous one, a
//   point at or before the last one seen (a retried export) adds nothing, and a new start time (a
//   restarted sender) or a decrease starts the stream again from zero instead of lowering our
//   counters. A stream seen for the first time adds its whole value only if it started after the
//   receiver did (and after the last stream we had to forget): otherwise what it carries may have been
//   counted before Nexus restarted, so it only sets the baseline. Delta points are added as they are.
// - A *series* is one label set of an output metric: our own counters, which only go up.
//
// Both are bounded: at most `maxSeries` series (idle ones are reclaimed when full; otherwise new ones
// are refused) and `maxStreams` streams (the least recently updated is forgotten). Histogram points are
// re-bucketed onto the buckets the conventions advise: each source bucket is counted in the smallest of
// ours that holds its upper bound, which is exact when the sender uses the advised boundaries.
// Per point nothing is allocated beyond what the decoder made (a scratch array, hashed identities):
// a series and its stream cost about 800 bytes (npm run bench -- --only=receiver): the series' counts
// and the stream's last values as arrays of doubles, the label values only in the series' key.
import { CATALOG, type MetricName } from '../metrics/catalog.js';
import { LabelLimiter, type LimitSettings } from '../metrics/limiter.js';
// Types only: otlp.ts loads protobufjs, which the receiver needs only from its first request on.
import type { ExportRequest, HistogramDataPoint, KeyValue, Metric, NumberDataPoint } from './otlp.js';
import {
  ATTR,
  GENAI_DURATION_BUCKETS,
  HTTP_CLIENT_DURATION_BUCKETS,
  PROVIDER_HOSTS,
  SEMCONV,
  genaiModel,
  genaiProvider,
  hostProvider,
  type AttributeReader,
  type ClientKind,
} from './semconv.js';

/** AggregationTemporality (opentelemetry-proto metrics.proto). */
const TEMPORALITY = { unspecified: 0, delta: 1, cumulative: 2 } as const;
/** DataPointFlags.DATA_POINT_FLAGS_NO_RECORDED_VALUE_MASK */
const FLAG_NO_RECORDED_VALUE = 1;

export type DropReason = 'ignored' | 'unsupported' | 'invalid' | 'duplicate' | 'no_value' | 'series_limit';
/** Every reason, so that each counter exists at zero before its first drop. */
export const DROP_REASONS: readonly DropReason[] = [
  'ignored',
  'unsupported',
  'invalid',
  'duplicate',
  'no_value',
  'series_limit',
];
/**
 * Reasons that the sender is told about in `partial_success.rejected_data_points`. Points of metrics
 * Nexus does not keep are accepted and discarded (a filter, not an error); a retried point was already
 * counted; a point without a recorded value carries nothing.
 */
const REJECTED = new Set<DropReason>(['unsupported', 'invalid', 'series_limit']);

export interface IngestSettings {
  maxSeries: number;
  maxStreams: number;
  /** Extra `host` or `host:port` → provider entries, on top of PROVIDER_HOSTS. */
  hosts: Readonly<Record<string, string>>;
  limits: LimitSettings;
}

/** The label values of a series (kept only in its key: an array per series would cost more). */
export function labelValues(series: ClientSeries): string[] {
  return series.key.split('\u0000').slice(1);
}

/** Longest attribute value used as a label, and most attributes on one point. */
export const MAX_LABEL_LENGTH = 256;
export const MAX_POINT_ATTRIBUTES = 128;
/** Most explicit bounds on one histogram point. */
export const MAX_BOUNDS = 512;
/** Most data points used from one request: a metric whose points go past it is rejected (send smaller batches). */
export const MAX_POINTS_PER_REQUEST = 100_000;
/** A series not updated for this long may be reclaimed when the series table is full. */
export const SERIES_IDLE_MS = 3_600_000;

interface Output {
  metric: MetricName;
  /** Label names in catalog order. */
  labels: readonly string[];
  /** Histogram boundaries; counters have none. */
  bounds?: readonly number[];
}

function output(metric: MetricName, bounds?: readonly number[]): Output {
  const def = CATALOG.find((d) => d.name === metric)!;
  return { metric, labels: def.labels, bounds };
}

export const OUTPUTS: Readonly<Record<ClientKind, Output>> = {
  operation: output('nexus_client_operation_duration_seconds', GENAI_DURATION_BUCKETS),
  tokens: output('nexus_client_tokens_total'),
  http: output('nexus_client_http_request_duration_seconds', HTTP_CLIENT_DURATION_BUCKETS),
};

const KIND_BY_NAME = new Map<string, ClientKind>([
  [SEMCONV.operationDuration, 'operation'],
  [SEMCONV.tokenUsage, 'tokens'],
  [SEMCONV.httpClientDuration, 'http'],
]);

/** The label names the limiter caps, for every output metric (all of them come from senders). */
const CAPPED_LABELS = ['provider', 'model', 'operation', 'error_type', 'service', 'method', 'type'] as const;

/**
 * One output series. `values` holds, for a histogram, the count of each bucket (not cumulative; one
 * more than the bounds), then the total count, then the sum; for a counter, its value. Plain arrays
 * of doubles: held on the V8 heap, smaller than a typed array for this size (whose backing store is
 * allocated apart above 64 bytes).
 */
export interface ClientSeries {
  readonly kind: ClientKind;
  /** The kind and the label values (in the order of OUTPUTS[kind].labels), joined by NUL: see labelValues. */
  readonly key: string;
  readonly values: number[];
  /**
   * When the series was created (the start time pushed over OTLP) and last changed, in seconds since
   * the receiver started (Ingestor.epochMs): small integers, which V8 stores without a box.
   */
  readonly created: number;
  updated: number;
  /** Set when the series is reclaimed; streams that still point at it find or create it again. */
  evicted: boolean;
}

interface Stream {
  series: ClientSeries;
  /**
   * Start and time of the last point (Unix nanoseconds), then for a cumulative stream its last values
   * (the series layout). One array of doubles: unboxed, and one allocation per stream.
   */
  state: number[];
}

const START = 0;
const TIME = 1;
const LAST = 2;

export interface IngestResult {
  /** Points counted into a series (including zero growth). */
  accepted: number;
  dropped: Partial<Record<DropReason, number>>;
  /** Points reported as rejected to the sender. */
  rejected: number;
  /** The first problem of each kind, for partial_success.error_message. */
  messages: string[];
}

class Tally implements IngestResult {
  accepted = 0;
  rejected = 0;
  dropped: Partial<Record<DropReason, number>> = {};
  messages: string[] = [];
  private readonly seen = new Set<string>();

  drop(reason: DropReason, n: number, message?: string): void {
    if (n <= 0) return;
    this.dropped[reason] = (this.dropped[reason] ?? 0) + n;
    if (!REJECTED.has(reason)) return;
    this.rejected += n;
    if (message && !this.seen.has(message) && this.messages.length < 5) {
      this.seen.add(message);
      this.messages.push(message);
    }
  }
}

export class Ingestor {
  readonly series = new Map<string, ClientSeries>();
  /** Streams by identity (streamId); Map order is least recently updated first. */
  private readonly streams = new Map<number, Stream>();
  private readonly limiter: LabelLimiter;
  private readonly hosts: Readonly<Record<string, string>>;
  /** First-seen cumulative streams that started before this (Unix ns) only set a baseline. */
  private watermark: number;
  private lastReclaim = 0;
  private readonly bucketMaps = new Map<string, Int32Array>();
  /** The last boundary list seen and its map: senders repeat the same boundaries point after point. */
  private lastBounds?: { bounds: readonly number[]; scale: number; ours: readonly number[]; index: Int32Array };
  /** A point's values in the series layout, before they are added: no allocation per point. */
  private readonly scratch = new Float64Array(MAX_BOUNDS + 3);
  /** Unix ms when the receiver started; series times count seconds from here. */
  readonly epochMs: number;

  constructor(
    private readonly settings: IngestSettings,
    private readonly now: () => number = Date.now
  ) {
    this.limiter = new LabelLimiter({}, settings.limits, CAPPED_LABELS);
    this.hosts = { ...PROVIDER_HOSTS, ...lowerKeys(settings.hosts) };
    this.epochMs = now();
    this.watermark = this.epochMs * 1e6;
  }

  private seconds(nowMs: number): number {
    return Math.max(0, Math.floor((nowMs - this.epochMs) / 1000));
  }

  get streamCount(): number {
    return this.streams.size;
  }

  ingest(request: ExportRequest): IngestResult {
    const tally = new Tally();
    const now = this.now();
    let budget = MAX_POINTS_PER_REQUEST;
    for (const rm of request.resourceMetrics) {
      const resourceAttributes = rm.resource?.attributes ?? [];
      let resource: Resource | undefined;
      for (const sm of rm.scopeMetrics) {
        const scope = [sm.scope?.name ?? '', sm.scope?.version ?? ''] as const;
        for (const metric of sm.metrics) {
          const kind = KIND_BY_NAME.get(metric.name);
          const points = pointsOf(metric);
          if (points.length > budget) {
            tally.drop('invalid', points.length, `more than ${MAX_POINTS_PER_REQUEST} data points in one request`);
            budget = 0;
            continue;
          }
          budget -= points.length;
          if (!kind) {
            tally.drop('ignored', points.length);
            continue;
          }
          const shape = this.shapeOf(kind, metric);
          if (typeof shape === 'string') {
            tally.drop('unsupported', points.length, `${metric.name}: ${shape}`);
            continue;
          }
          resource ??= resourceIdentity(resourceAttributes);
          for (const point of points) {
            this.point(kind, metric, shape, point as HistogramDataPoint & NumberDataPoint, resource, scope, tally, now);
          }
        }
      }
    }
    return tally;
  }

  /** How a kept metric's points are read, or why they cannot be. */
  private shapeOf(kind: ClientKind, metric: Metric): Shape | string {
    const histogram = metric.data === 'histogram' ? metric.histogram : undefined;
    const sum = metric.data === 'sum' ? metric.sum : undefined;
    const temporality = histogram?.aggregationTemporality ?? sum?.aggregationTemporality;
    if (kind === 'tokens') {
      if (!histogram && !(sum && sum.isMonotonic))
        return `a ${describe(metric)} is not supported (expected a histogram or a monotonic sum)`;
    } else if (!histogram) {
      return `a ${describe(metric)} is not supported (expected an explicit-bucket histogram)`;
    }
    if (temporality !== TEMPORALITY.delta && temporality !== TEMPORALITY.cumulative)
      return 'aggregation temporality must be delta or cumulative';
    let scale = 1;
    if (kind !== 'tokens') {
      if (metric.unit === 'ms') scale = 1e-3;
      else if (metric.unit !== 's') return `unit "${metric.unit}" is not supported (expected s or ms)`;
    }
    return { histogram: Boolean(histogram), delta: temporality === TEMPORALITY.delta, scale };
  }

  private point(
    kind: ClientKind,
    metric: Metric,
    shape: Shape,
    point: HistogramDataPoint & NumberDataPoint,
    resource: Resource,
    scope: readonly [string, string],
    tally: Tally,
    now: number
  ): void {
    if ((point.flags & FLAG_NO_RECORDED_VALUE) !== 0) return tally.drop('no_value', 1);
    const attributes = point.attributes;
    if (attributes.length > MAX_POINT_ATTRIBUTES)
      return tally.drop('invalid', 1, `${metric.name}: more than ${MAX_POINT_ATTRIBUTES} attributes on a point`);
    const n = this.valuesOf(kind, shape, point);
    if (typeof n === 'string') return tally.drop('invalid', 1, `${metric.name}: ${n}`);
    const time = point.timeUnixNano;
    if (!(time > 0)) return tally.drop('invalid', 1, `${metric.name}: time_unix_nano is missing`);

    const id = streamId(resource, scope, metric.name, attributes);
    let stream = this.streams.get(id);
    if (stream && time <= stream.state[TIME]!) return tally.drop('duplicate', 1);
    if (!stream || stream.series.evicted) {
      const series = this.seriesFor(kind, attributes, resource.service, now);
      if (typeof series !== 'object') {
        if (series)
          tally.drop(
            series === MISSING_HOST ? 'ignored' : 'invalid',
            1,
            series === MISSING_HOST ? undefined : `${metric.name}: ${series}`
          );
        else
          tally.drop(
            'series_limit',
            1,
            `${metric.name}: the receiver holds its maximum of ${this.settings.maxSeries} series (receiver.maxSeries)`
          );
        return;
      }
      if (stream) stream.series = series;
      else stream = this.addStream(id, series);
    }

    const cur = this.scratch;
    const target = stream.series.values;
    const start = point.startTimeUnixNano;
    let state = stream.state;
    if (shape.delta) {
      for (let i = 0; i < n; i++) target[i]! += cur[i]!;
      if (state.length !== LAST) stream.state = state = [0, 0];
    } else if (state.length !== LAST + n) {
      // First sight: count it all only if it cannot have been counted before we (re)started.
      if (start > 0 && start >= this.watermark) for (let i = 0; i < n; i++) target[i]! += cur[i]!;
      stream.state = state = new Array<number>(LAST + n);
      for (let i = 0; i < n; i++) state[LAST + i] = cur[i]!;
    } else {
      // A new start time, or a value that went down: the sender started again from zero.
      let restarted = start !== state[START];
      for (let i = 0; i < n && !restarted; i++) if (cur[i]! < state[LAST + i]!) restarted = true;
      for (let i = 0; i < n; i++) {
        target[i]! += restarted ? cur[i]! : cur[i]! - state[LAST + i]!;
        state[LAST + i] = cur[i]!;
      }
    }
    state[START] = start;
    state[TIME] = time;
    this.touch(id, stream);
    stream.series.updated = this.seconds(now);
    tally.accepted++;
  }

  /** Writes the point's values in the series layout into `scratch`; their count, or what is wrong with them. */
  private valuesOf(kind: ClientKind, shape: Shape, point: HistogramDataPoint & NumberDataPoint): number | string {
    const out = this.scratch;
    if (kind === 'tokens') {
      const v = shape.histogram
        ? point.sum
        : hasOwn(point, 'asInt')
          ? point.asInt
          : hasOwn(point, 'asDouble')
            ? point.asDouble
            : undefined;
      if (v === undefined || v === null)
        return shape.histogram ? 'a token usage histogram needs its sum' : 'the point has no value';
      if (!Number.isFinite(v) || v < 0) return 'token counts must be finite and not negative';
      out[0] = v;
      return 1;
    }
    const bounds = point.explicitBounds;
    const counts = point.bucketCounts;
    if (bounds.length === 0 || counts.length !== bounds.length + 1)
      return 'bucket_counts must have one more entry than explicit_bounds, and a histogram needs buckets';
    if (bounds.length > MAX_BOUNDS) return `more than ${MAX_BOUNDS} explicit bounds`;
    const ours = OUTPUTS[kind].bounds!;
    const index = this.bucketMap(bounds, shape.scale, ours);
    if (!index) return 'explicit_bounds must be finite and increasing';
    const nb = ours.length + 1;
    out.fill(0, 0, nb + 2);
    let total = 0;
    for (let i = 0; i < counts.length; i++) {
      const c = counts[i]!;
      if (!Number.isFinite(c) || c < 0) return 'bucket counts must be finite and not negative';
      out[index[i]!]! += c;
      total += c;
    }
    if (!Number.isFinite(point.count) || point.count !== total) return 'count must equal the sum of bucket_counts';
    const sum = point.sum ?? 0;
    if (!Number.isFinite(sum) || sum < 0) return 'a duration sum must be finite and not negative';
    out[nb] = total;
    out[nb + 1] = sum * shape.scale;
    return nb + 2;
  }

  /** Where each source bucket goes among ours (cached per distinct boundary list). */
  private bucketMap(bounds: readonly number[], scale: number, ours: readonly number[]): Int32Array | undefined {
    const last = this.lastBounds;
    if (last && last.scale === scale && last.ours === ours && sameNumbers(last.bounds, bounds)) return last.index;
    const key = `${scale}|${bounds.join(',')}`;
    let index = this.bucketMaps.get(key);
    if (!index) {
      index = new Int32Array(bounds.length + 1);
      for (let i = 0; i < bounds.length; i++) {
        const b = bounds[i]! * scale;
        if (!Number.isFinite(b) || (i > 0 && !(bounds[i]! > bounds[i - 1]!))) return undefined;
        // The smallest of our buckets whose upper bound holds b; above our last bound, +Inf.
        let j = 0;
        while (j < ours.length && ours[j]! < b * (1 - 1e-12)) j++;
        index[i] = j;
      }
      index[bounds.length] = ours.length;
      if (this.bucketMaps.size >= 64) this.bucketMaps.clear();
      this.bucketMaps.set(key, index);
    }
    this.lastBounds = { bounds, scale, ours, index };
    return index;
  }

  /** The series a new stream feeds: attribution, caps, and the series limit. */
  private seriesFor(
    kind: ClientKind,
    attributes: KeyValue[],
    service: string,
    now: number
  ): ClientSeries | string | undefined {
    const attrs = readAttributes(attributes);
    const attr: AttributeReader = (k) => attrs.get(k);
    let labels: Record<string, string>;
    if (kind === 'http') {
      const provider = hostProvider(this.hosts, attr(ATTR.serverAddress), attr(ATTR.serverPort));
      if (!provider) return MISSING_HOST;
      labels = { provider, method: attr(ATTR.httpMethod) ?? '', error_type: attr(ATTR.errorType) ?? '', service };
    } else {
      labels = {
        provider: genaiProvider(attr, this.hosts),
        model: genaiModel(attr),
        operation: attr(ATTR.operationName) ?? '',
        service,
      };
      if (kind === 'tokens') {
        const type = attr(ATTR.tokenType);
        if (!type) return `${ATTR.tokenType} is missing`;
        labels.type = type;
      } else {
        labels.error_type = attr(ATTR.errorType) ?? '';
      }
    }
    for (const [name, value] of Object.entries(labels)) {
      if (value.length > MAX_LABEL_LENGTH) return `attribute for ${name} is longer than ${MAX_LABEL_LENGTH} characters`;
    }
    const out = OUTPUTS[kind];
    const folded = this.limiter.fold(out.metric, labels);
    const values = out.labels.map((l) => folded[l] ?? '');
    // Joined in one go: a flat string (a template literal would keep a rope of its parts).
    const key = [kind, ...values].join('\u0000');
    const existing = this.series.get(key);
    if (existing) return existing;
    if (this.series.size >= this.settings.maxSeries && !this.reclaim(now)) return undefined;
    const series: ClientSeries = {
      kind,
      key,
      values: new Array<number>(out.bounds ? out.bounds.length + 3 : 1).fill(0),
      created: this.seconds(now),
      updated: this.seconds(now),
      evicted: false,
    };
    this.series.set(key, series);
    return series;
  }

  /** Frees idle series when the table is full; at most once a second (it scans the table). */
  private reclaim(now: number): boolean {
    if (now - this.lastReclaim < 1000) return false;
    this.lastReclaim = now;
    let freed = false;
    for (const [key, s] of this.series) {
      if (now - (this.epochMs + s.updated * 1000) < SERIES_IDLE_MS) continue;
      s.evicted = true;
      this.series.delete(key);
      freed = true;
    }
    return freed;
  }

  private addStream(id: number, series: ClientSeries): Stream {
    while (this.streams.size >= this.settings.maxStreams) {
      const [oldId, old] = this.streams.entries().next().value!;
      this.streams.delete(oldId);
      // It may come back: whatever it then carries from before must only set a baseline.
      this.watermark = Math.max(this.watermark, old.state[TIME]!);
    }
    const stream: Stream = { series, state: [0, 0] };
    this.streams.set(id, stream);
    return stream;
  }

  /**
   * Moves a stream to the most recently updated end. The order only matters once the table is nearly
   * full (it decides which stream is forgotten), so below that the two map operations are saved.
   */
  private touch(id: number, stream: Stream): void {
    if (this.streams.size < this.settings.maxStreams * 0.9) return;
    this.streams.delete(id);
    this.streams.set(id, stream);
  }
}

interface Shape {
  histogram: boolean;
  delta: boolean;
  /** Multiplier to seconds for durations (1 for s, 0.001 for ms). */
  scale: number;
}

const MISSING_HOST = 'not a provider host';

function describe(metric: Metric): string {
  if (metric.data === 'sum') return metric.sum?.isMonotonic ? 'monotonic sum' : 'non-monotonic sum';
  if (metric.data === 'exponentialHistogram') return 'exponential histogram';
  return metric.data ?? 'metric without data';
}

function pointsOf(metric: Metric): unknown[] {
  switch (metric.data) {
    case 'histogram':
      return metric.histogram?.dataPoints ?? [];
    case 'sum':
      return metric.sum?.dataPoints ?? [];
    case 'gauge':
      return metric.gauge?.dataPoints ?? [];
    case 'exponentialHistogram':
      return metric.exponentialHistogram?.dataPoints ?? [];
    case 'summary':
      return metric.summary?.dataPoints ?? [];
    default:
      return [];
  }
}

const hasOwn = (o: object, key: string) => Object.prototype.hasOwnProperty.call(o, key);

/**
 * An attribute's value as a label value: strings, numbers and booleans; others are not used. A set
 * member of the oneof is an own property of the decoded message (protobufjs' oneof getter lists keys
 * on every call, too slow for every attribute of every point).
 */
function scalar(kv: KeyValue): string | undefined {
  const v = kv.value;
  if (!v) return undefined;
  if (hasOwn(v, 'stringValue')) return v.stringValue;
  if (hasOwn(v, 'intValue')) return String(v.intValue);
  if (hasOwn(v, 'doubleValue')) return String(v.doubleValue);
  if (hasOwn(v, 'boolValue')) return String(v.boolValue);
  return undefined;
}

function readAttributes(attributes: readonly KeyValue[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const kv of attributes) {
    const v = scalar(kv);
    if (v !== undefined) out.set(kv.key, v);
  }
  return out;
}

/** The resource of a ResourceMetrics: its attributes' hash (two 32-bit lanes) and its service.name. */
interface Resource {
  h1: number;
  h2: number;
  service: string;
}

// Stream identities are 53-bit hashes (cyrb53's mixing, two 32-bit lanes) of the resource, the scope,
// the metric name and the point's attributes. Attributes are hashed one by one and added, so their
// order does not matter and nothing is sorted or concatenated per point. Two streams would share an
// identity with a probability of about n²/2^54 (below 10^-7 at 50,000 streams).
let H1 = 0;
let H2 = 0;

function hashStart(seed: number): void {
  H1 = 0xdeadbeef ^ seed;
  H2 = 0x41c6ce57 ^ seed;
}

function hashChar(c: number): void {
  H1 = Math.imul(H1 ^ c, 2654435761);
  H2 = Math.imul(H2 ^ c, 1597334677);
}

/**
 * A string, length first, so that consecutive strings cannot run into each other; two UTF-16 units a
 * step, in local variables (the hot loop of the receiver).
 */
function hashString(s: string): void {
  const n = s.length;
  let h1 = Math.imul(H1 ^ n, 2654435761);
  let h2 = Math.imul(H2 ^ n, 1597334677);
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const c = s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  if (i < n) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  H1 = h1;
  H2 = h2;
}

function hashFinish(): void {
  H1 = Math.imul(H1 ^ (H1 >>> 16), 2246822507);
  H1 ^= Math.imul(H2 ^ (H2 >>> 13), 3266489909);
  H2 = Math.imul(H2 ^ (H2 >>> 16), 2246822507);
  H2 ^= Math.imul(H1 ^ (H1 >>> 13), 3266489909);
}

/** Adds each attribute's own hash into (A1, A2): the same for any order of the same attributes. */
let A1 = 0;
let A2 = 0;

function hashAttributes(attributes: readonly KeyValue[]): void {
  let a1 = 0;
  let a2 = 0;
  for (const kv of attributes) {
    hashStart(7);
    hashString(kv.key);
    // The value with its type (1 and "1" differ), without turning numbers into strings.
    const v = kv.value;
    if (!v) hashChar(0);
    else if (hasOwn(v, 'stringValue')) {
      hashChar(1);
      hashString(v.stringValue!);
    } else if (hasOwn(v, 'intValue')) {
      hashChar(2);
      hashChar(v.intValue! | 0);
      hashChar(Math.floor(v.intValue! / 4294967296));
    } else if (hasOwn(v, 'boolValue')) hashChar(v.boolValue ? 3 : 4);
    else {
      hashChar(5);
      hashString(JSON.stringify(v));
    }
    hashFinish();
    a1 = (a1 + H1) | 0;
    a2 = (a2 + H2) | 0;
  }
  A1 = a1;
  A2 = a2;
}

function resourceIdentity(attributes: readonly KeyValue[]): Resource {
  const service = attributes.find((kv) => kv.key === ATTR.serviceName);
  hashAttributes(attributes);
  return { h1: A1, h2: A2, service: (service && scalar(service)) ?? '' };
}

function streamId(
  resource: Resource,
  scope: readonly [string, string],
  metric: string,
  attributes: readonly KeyValue[]
): number {
  hashAttributes(attributes);
  hashStart(11);
  hashChar(resource.h1);
  hashChar(resource.h2);
  hashString(scope[0]);
  hashString(scope[1]);
  hashString(metric);
  hashChar(A1);
  hashChar(A2);
  hashFinish();
  return 4294967296 * (2097151 & H2) + (H1 >>> 0);
}

function sameNumbers(a: readonly number[], b: readonly number[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function lowerKeys(map: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(map).map(([k, v]) => [k.toLowerCase(), v]));
}
