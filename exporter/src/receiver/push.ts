// The receiver's series in OTLP push: a MetricProducer that the exporter's PeriodicExportingMetricReader
// (metrics/otlp.ts) merges into every export. The series are already aggregated, so they are handed
// over as cumulative data points (the SDK's instruments could only re-record single values). Names
// follow metrics/otlp.ts: the catalog name without `_total`, so that OTLP→Prometheus translation gives
// the catalog name back. Empty labels are left out, as Prometheus treats an empty label as absent.
import { ValueType, type Attributes, type HrTime } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  DataPointType,
  type CollectionResult,
  type MetricData,
  type MetricProducer,
} from '@opentelemetry/sdk-metrics';
import { labelNames } from '../metrics/catalog.js';
import { otlpName } from '../metrics/otlp.js';
import { RECEIVER_DEFS } from './exposition.js';
import type { ReceiverStats } from './index.js';
import { OUTPUTS, labelValues, type ClientSeries, type Ingestor } from './ingest.js';
import type { ClientKind } from './semconv.js';

function hrTime(ms: number): HrTime {
  return [Math.floor(ms / 1000), Math.round((ms % 1000) * 1e6)];
}

function attributes(names: readonly string[], values: readonly string[]): Attributes {
  const out: Attributes = {};
  names.forEach((n, i) => {
    if (values[i]) out[n] = values[i];
  });
  return out;
}

export class ReceiverProducer implements MetricProducer {
  private readonly started = Date.now();

  constructor(
    private readonly ingestor: Ingestor,
    private readonly stats: ReceiverStats,
    private readonly version: string
  ) {}

  async collect(): Promise<CollectionResult> {
    const end = hrTime(Date.now());
    const start = hrTime(this.started);
    const metrics: MetricData[] = [];
    const byKind = new Map<ClientKind, ClientSeries[]>();
    for (const s of this.ingestor.series.values()) {
      let list = byKind.get(s.kind);
      if (!list) byKind.set(s.kind, (list = []));
      list.push(s);
    }
    for (const def of RECEIVER_DEFS) {
      const descriptor = {
        name: otlpName(def.name),
        description: def.help,
        unit: def.unit,
        valueType: ValueType.DOUBLE,
      };
      const names = labelNames(def);
      const kind = (Object.keys(OUTPUTS) as ClientKind[]).find((k) => OUTPUTS[k].metric === def.name);
      const counter = (points: Array<[Attributes, number]>): MetricData => ({
        descriptor,
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: DataPointType.SUM,
        isMonotonic: true,
        dataPoints: points.map(([attrs, value]) => ({ startTime: start, endTime: end, attributes: attrs, value })),
      });
      if (kind) {
        const series = byKind.get(kind) ?? [];
        const bounds = OUTPUTS[kind].bounds;
        if (!bounds) {
          metrics.push(counter(series.map((s) => [attributes(names, labelValues(s)), s.values[0]!])));
          continue;
        }
        metrics.push({
          descriptor,
          aggregationTemporality: AggregationTemporality.CUMULATIVE,
          dataPointType: DataPointType.HISTOGRAM,
          dataPoints: series.map((s) => ({
            startTime: hrTime(this.ingestor.epochMs + s.created * 1000),
            endTime: end,
            attributes: attributes(names, labelValues(s)),
            value: {
              buckets: { boundaries: [...bounds], counts: s.values.slice(0, bounds.length + 1) },
              count: s.values[bounds.length + 1]!,
              sum: s.values[bounds.length + 2]!,
            },
          })),
        });
        continue;
      }
      switch (def.name) {
        case 'nexus_receiver_requests_total':
          metrics.push(counter([...this.stats.requests].map(([code, n]) => [{ code }, n])));
          break;
        case 'nexus_receiver_accepted_points_total':
          metrics.push(counter([[{}, this.stats.accepted]]));
          break;
        case 'nexus_receiver_dropped_points_total':
          metrics.push(counter([...this.stats.dropped].map(([reason, n]) => [{ reason }, n])));
          break;
        case 'nexus_receiver_series':
        case 'nexus_receiver_streams': {
          const value = def.name === 'nexus_receiver_series' ? this.ingestor.series.size : this.ingestor.streamCount;
          metrics.push({
            descriptor,
            aggregationTemporality: AggregationTemporality.CUMULATIVE,
            dataPointType: DataPointType.GAUGE,
            dataPoints: [{ startTime: end, endTime: end, attributes: {}, value }],
          });
          break;
        }
      }
    }
    return {
      // The reader keeps the SDK's resource; this one is required by the type only.
      resourceMetrics: {
        resource: resourceFromAttributes({}),
        scopeMetrics: [{ scope: { name: 'nexus-exporter/receiver', version: this.version }, metrics }],
      },
      errors: [],
    };
  }
}
