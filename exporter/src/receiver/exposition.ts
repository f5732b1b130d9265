// The receiver's part of /metrics: every `receiver` metric of the catalog, in catalog order, in the
// format prom-client writes (histogram buckets with `le` first, cumulative; sum and count after). It is
// rendered per scrape and not kept: holding the text would cost more memory per series than the
// series themselves, and the series change as often as senders export. Each series' lines are encoded
// straight into 1 MB buffers, written one after the other: no string of the whole part is built, and
// nothing is copied twice.
import { CATALOG, labelNames, type MetricDef } from '../metrics/catalog.js';
import { escapeLabelValue, formatValue, metricHeader } from '../metrics/exposition.js';
import type { ReceiverStats } from './index.js';
import { OUTPUTS, labelValues, type ClientSeries, type Ingestor } from './ingest.js';
import type { ClientKind } from './semconv.js';

export const RECEIVER_DEFS: readonly MetricDef[] = CATALOG.filter((d) => d.part === 'receiver');

const KIND_OF = new Map<string, ClientKind>(Object.entries(OUTPUTS).map(([kind, o]) => [o.metric, kind as ClientKind]));
const LE = new Map<ClientKind, string[]>(
  Object.entries(OUTPUTS)
    .filter(([, o]) => o.bounds)
    .map(([kind, o]) => [kind as ClientKind, [...o.bounds!.map((b) => `le="${formatValue(b)}"`), 'le="+Inf"']])
);

/** `name="value",...` of a series, in catalog label order. */
export function labelText(names: readonly string[], values: readonly string[]): string {
  let out = '';
  for (let i = 0; i < names.length; i++) out += `${i ? ',' : ''}${names[i]}="${escapeLabelValue(values[i] ?? '')}"`;
  return out;
}

/** Buffers of about CHUNK bytes, filled in order; `push` encodes a string at the end. */
const CHUNK = 1024 * 1024;

class Output {
  private readonly done: Buffer[] = [];
  private buf = Buffer.allocUnsafe(CHUNK);
  private length = 0;

  push(text: string): void {
    const need = Buffer.byteLength(text);
    if (this.length + need > this.buf.length) {
      if (this.length > 0) this.done.push(this.buf.subarray(0, this.length));
      this.buf = Buffer.allocUnsafe(Math.max(CHUNK, need));
      this.length = 0;
    }
    this.length += this.buf.write(text, this.length);
  }

  result(): Buffer[] {
    return this.length > 0 ? [...this.done, this.buf.subarray(0, this.length)] : this.done;
  }
}

function histogramLines(
  name: string,
  le: readonly string[],
  labels: string,
  values: readonly number[],
  out: Output
): void {
  const bucket = `${name}_bucket{`;
  const sep = labels ? `,${labels}} ` : '} ';
  let cumulative = 0;
  let text = '';
  for (let i = 0; i < le.length; i++) {
    cumulative += values[i]!;
    text += bucket + le[i] + sep + formatValue(cumulative) + '\n';
  }
  const braces = labels ? `{${labels}}` : '';
  out.push(
    `${text}${name}_sum${braces} ${formatValue(values[le.length + 1]!)}\n${name}_count${braces} ${formatValue(values[le.length]!)}\n`
  );
}

function sample(name: string, labels: string, value: number): string {
  return labels ? `${name}{${labels}} ${formatValue(value)}\n` : `${name} ${formatValue(value)}\n`;
}

export function renderReceiver(ingestor: Ingestor, stats: ReceiverStats): Buffer[] {
  const byKind = new Map<ClientKind, ClientSeries[]>();
  for (const s of ingestor.series.values()) {
    let list = byKind.get(s.kind);
    if (!list) byKind.set(s.kind, (list = []));
    list.push(s);
  }
  const out = new Output();
  RECEIVER_DEFS.forEach((def, i) => {
    out.push(`${i ? '\n' : ''}${metricHeader(def)}`);
    const names = labelNames(def);
    const kind = KIND_OF.get(def.name);
    if (kind) {
      const le = LE.get(kind);
      for (const s of byKind.get(kind) ?? []) {
        const labels = labelText(names, labelValues(s));
        if (le) histogramLines(def.name, le, labels, s.values, out);
        else out.push(sample(def.name, labels, s.values[0]!));
      }
      return;
    }
    switch (def.name) {
      case 'nexus_receiver_requests_total':
        for (const [code, n] of stats.requests) out.push(sample(def.name, labelText(names, [code]), n));
        break;
      case 'nexus_receiver_accepted_points_total':
        out.push(sample(def.name, '', stats.accepted));
        break;
      case 'nexus_receiver_dropped_points_total':
        for (const [reason, n] of stats.dropped) out.push(sample(def.name, labelText(names, [reason]), n));
        break;
      case 'nexus_receiver_series':
        out.push(sample(def.name, '', ingestor.series.size));
        break;
      case 'nexus_receiver_streams':
        out.push(sample(def.name, '', ingestor.streamCount));
        break;
      default:
        throw new Error(`receiver metric ${def.name} has no renderer`);
    }
  });
  return out.result();
}
