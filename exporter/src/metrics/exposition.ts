// The Prometheus text format (0.0.4) of the snapshot part of the model (provider data, budgets, build
// info), rendered without prom-client: prom-client needs about 600 ms to render 100k series, and it
// re-renders everything when any account's poll swaps its snapshot. Here each account snapshot is
// rendered once, when it is swapped in, into one chunk per metric (cached on the snapshot's identity,
// since a snapshot is never modified); a data version is then assembled by concatenating the chunks
// in metric order. The output is byte-identical to prom-client's for the same series
// (exposition.test.ts compares them), escaping included.
//
// For gzip, each chunk is also deflated on its own (raw deflate ending in a sync flush, so byte
// aligned and not final), and a version's compressed body is the concatenation of those pieces: one
// valid gzip member whose CRC-32 and length are those of the assembled text. So neither a scrape nor
// one account's poll compresses the whole exposition again.
import { constants, crc32, deflateRawSync } from 'node:zlib';
import { labelNames, type MetricDef, type MetricName } from './catalog.js';
import type { Series } from './model.js';

/** One owner's series per metric, as MetricsModel holds them; replaced whole, never modified. */
export type Snapshot = ReadonlyMap<MetricName, readonly Series[]>;

/** HELP text: backslash and newline escaped, as prom-client does. */
export function escapeHelp(help: string): string {
  return /[\\\n]/.test(help) ? help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n') : help;
}

/** A label value: backslash, newline and double quote escaped, as prom-client does. */
export function escapeLabelValue(value: unknown): string {
  if (typeof value !== 'string') return String(value);
  return /[\\\n"]/.test(value) ? value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"') : value;
}

/** A sample value as prom-client writes it (its spelling of NaN included). */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'Nan';
  if (!Number.isFinite(value)) return value < 0 ? '-Inf' : '+Inf';
  return `${value}`;
}

/** `# HELP` and `# TYPE` lines of a metric. */
export function metricHeader(def: MetricDef): string {
  return `# HELP ${def.name} ${escapeHelp(def.help)}\n# TYPE ${def.name} ${def.type}\n`;
}

/** One sample line; labels in the order of the labels object, as prom-client writes them. */
export function sampleLine(name: string, labels: Readonly<Record<string, string>>, value: number): string {
  let inner = '';
  for (const key in labels) inner += `${inner ? ',' : ''}${key}="${escapeLabelValue(labels[key])}"`;
  return inner ? `${name}{${inner}} ${formatValue(value)}\n` : `${name} ${formatValue(value)}\n`;
}

/**
 * prom-client keeps one sample per label set (its key: sorted label names, `name:value,`): a counter
 * adds a repeated label set to the first, a gauge keeps the last value at the first one's place.
 * Snapshots rarely repeat a label set (the poller merges its own), so the common path allocates nothing.
 */
function mergeRepeated(def: MetricDef, sortedNames: readonly string[], series: readonly Series[]): readonly Series[] {
  if (series.length < 2) return series;
  const key = (s: Series) => {
    let k = '';
    for (const n of sortedNames) if (s.labels[n] !== undefined) k += `${n}:${s.labels[n]},`;
    return k;
  };
  const seen = new Set<string>();
  let repeated = false;
  for (const s of series) {
    const k = key(s);
    if (seen.has(k)) {
      repeated = true;
      break;
    }
    seen.add(k);
  }
  if (!repeated) return series;
  const merged = new Map<string, Series>();
  for (const s of series) {
    const k = key(s);
    const existing = merged.get(k);
    if (!existing) merged.set(k, { labels: s.labels, value: s.value });
    else if (def.type === 'counter') existing.value += s.value;
    else merged.set(k, { labels: s.labels, value: s.value });
  }
  return [...merged.values()];
}

/** The lines of one metric's series, each ending in a newline. */
export function renderSeries(def: MetricDef, series: readonly Series[], sortedNames = [...labelNames(def)].sort()): string {
  let out = '';
  for (const s of mergeRepeated(def, sortedNames, series)) out += sampleLine(def.name, s.labels, s.value);
  return out;
}

const SYNC_FLUSH = { finishFlush: constants.Z_SYNC_FLUSH };

/**
 * Raw deflate of one piece, ending in a sync flush: byte aligned and not final, so pieces compressed
 * independently can be concatenated into one deflate stream (they never refer back across pieces).
 */
export function deflatePiece(text: Buffer): Buffer {
  if (text.length === 0) return Buffer.alloc(0);
  // A small window for small pieces: allocating zlib's full 256 KB state costs more than compressing them.
  const windowBits = Math.min(15, Math.max(9, Math.ceil(Math.log2(text.length + 1))));
  return deflateRawSync(text, { ...SYNC_FLUSH, windowBits, memLevel: Math.max(1, Math.min(8, windowBits - 7)) });
}

const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);
/** An empty final block, which ends the deflate stream. */
const FINAL_BLOCK = deflateRawSync(Buffer.alloc(0));

/** Text and raw-deflated form of consecutive parts of one gzip body. */
export interface GzipPart {
  text: readonly Buffer[];
  deflated: readonly Buffer[];
}

/**
 * One gzip member from pieces already deflated with `deflatePiece`: header, the pieces, an empty
 * final block, and the CRC-32 and length of the text. Only the CRC runs over the text.
 */
export function gzipFromPieces(parts: readonly GzipPart[]): Buffer[] {
  let crc = 0;
  let length = 0;
  const out: Buffer[] = [GZIP_HEADER];
  for (const part of parts) {
    for (const t of part.text) {
      crc = crc32(t, crc);
      length += t.length;
    }
    out.push(...part.deflated);
  }
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc >>> 0, 0);
  trailer.writeUInt32LE(length >>> 0, 4);
  out.push(FINAL_BLOCK, trailer);
  return out;
}

interface Chunk {
  text: Buffer;
  /** Deflated on the first gzip scrape that needs it. */
  deflated?: Buffer;
}

export interface SnapshotRenderStats {
  /** Account snapshots rendered (each once, when first seen). */
  snapshotRenders: number;
  /** Data versions assembled as text / as gzip. */
  textAssemblies: number;
  gzipAssemblies: number;
}

/**
 * The snapshot part of /metrics for a list of metric definitions, assembled per data version from
 * per-snapshot chunks. Everything here is synchronous, so a version is assembled from one coherent
 * set of snapshots.
 */
export class SnapshotExposition {
  private readonly sortedNames: string[][];
  private readonly headers: Buffer[];
  private headersDeflated?: Buffer[];
  private readonly chunks = new WeakMap<Snapshot, Array<Chunk | undefined>>();
  private text?: { version: number; body: Buffer };
  private gzip?: { version: number; text: Buffer[]; deflated: Buffer[] };
  readonly stats: SnapshotRenderStats = { snapshotRenders: 0, textAssemblies: 0, gzipAssemblies: 0 };

  constructor(private readonly defs: readonly MetricDef[]) {
    this.sortedNames = defs.map((d) => [...labelNames(d)].sort());
    // prom-client separates metrics by a blank line.
    this.headers = defs.map((d, i) => Buffer.from(`${i > 0 ? '\n' : ''}${metricHeader(d)}`));
  }

  /** The text of a version; `snapshots` must be the model's at that version, in the model's order. */
  textOf(version: number, snapshots: Iterable<Snapshot>): Buffer {
    if (this.text?.version !== version) {
      const pieces = this.pieces(snapshots);
      this.text = { version, body: Buffer.concat(pieces.map((p) => p.text)) };
      this.stats.textAssemblies++;
    }
    return this.text.body;
  }

  /** The text pieces and their deflated forms (for `gzipFromPieces`) of a version. */
  gzipOf(version: number, snapshots: Iterable<Snapshot>): GzipPart {
    if (this.gzip?.version !== version) {
      const pieces = this.pieces(snapshots);
      const text: Buffer[] = [];
      const deflated: Buffer[] = [];
      for (const p of pieces) {
        text.push(p.text);
        deflated.push((p.deflated ??= deflatePiece(p.text)));
      }
      // One buffer to write instead of thousands of small ones.
      this.gzip = { version, text, deflated: [Buffer.concat(deflated)] };
      this.stats.gzipAssemblies++;
    }
    return this.gzip;
  }

  /** Every piece of the text in order: per metric its header, then each snapshot's chunk. */
  private pieces(snapshots: Iterable<Snapshot>): Chunk[] {
    const list = [...snapshots];
    const rendered = list.map((s) => this.chunksOf(s));
    const headersDeflated = (this.headersDeflated ??= this.headers.map(deflatePiece));
    const pieces: Chunk[] = [];
    this.defs.forEach((def, i) => {
      pieces.push({ text: this.headers[i]!, deflated: headersDeflated[i] });
      if (this.sortedNames[i]!.length === 0) {
        // A metric without labels is one sample across all owners, 0 when none has it (prom-client's reset()).
        const all = [{ labels: {}, value: 0 }, ...list.flatMap((s) => s.get(def.name as MetricName) ?? [])];
        pieces.push({ text: Buffer.from(renderSeries(def, all, [])) });
        return;
      }
      for (const chunks of rendered) {
        const chunk = chunks[i];
        if (chunk) pieces.push(chunk);
      }
    });
    return pieces;
  }

  private chunksOf(snapshot: Snapshot): Array<Chunk | undefined> {
    let chunks = this.chunks.get(snapshot);
    if (!chunks) {
      chunks = this.defs.map((def, i) => {
        const series = snapshot.get(def.name as MetricName);
        if (!series?.length || this.sortedNames[i]!.length === 0) return undefined;
        return { text: Buffer.from(renderSeries(def, series, this.sortedNames[i])) };
      });
      this.chunks.set(snapshot, chunks);
      this.stats.snapshotRenders++;
    }
    return chunks;
  }
}
