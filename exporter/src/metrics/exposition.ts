// The Prometheus text format (0.0.4) of the snapshot part of the model (provider data, budgets, build
// info), rendered without prom-client: prom-client needs about 600 ms to render 100k series, and it
// re-renders everything when any account's poll swaps its snapshot. Here each account snapshot is
// rendered once, when it is swapped in, into one chunk per metric (cached on the snapshot's identity,
// since a snapshot is never modified). A data version is a list of buffers in metric order: per
// metric its header, then segments that each concatenate the chunks of a block of consecutive
// owners, so a swap copies one block again and a scrape writes a few dozen buffers. The output is
// byte-identical to prom-client's for the same series (exposition.test.ts compares them).
//
// For gzip, chunks are also deflated on their own (raw deflate ending in a sync flush, so byte
// aligned and not final; small neighbours together), and a version's compressed body is the
// concatenation of those pieces: one valid gzip member whose CRC-32 (combined from the segments'
// CRCs) and length are those of the text. So neither a scrape nor one account's poll compresses or
// even reads the whole exposition again.
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
 * Snapshots rarely repeat a label set (the poller merges its own), so the common path only checks.
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
export function renderSeries(
  def: MetricDef,
  series: readonly Series[],
  sortedNames = [...labelNames(def)].sort()
): string {
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

// CRC-32 of a concatenation from the CRCs of its parts (zlib's crc32_combine), so that a version's
// checksum does not read the whole text again: x^(8·len2) · crc1 ⊕ crc2 in GF(2) modulo the
// reflected polynomial.
const POLY = 0xedb88320;

function multModP(a: number, b: number): number {
  let m = 0x80000000;
  let p = 0;
  for (;;) {
    if (a & m) {
      p ^= b;
      if ((a & (m - 1)) === 0) break;
    }
    m >>>= 1;
    b = b & 1 ? (b >>> 1) ^ POLY : b >>> 1;
  }
  return p >>> 0;
}

/** X2N[k] = x^(2^k) modulo the polynomial. */
const X2N: number[] = [0x40000000];
for (let k = 1; k < 32; k++) X2N.push(multModP(X2N[k - 1]!, X2N[k - 1]!));

/** CRC-32 of A followed by B, from crc(A), crc(B) and the length of B. */
export function crc32Combine(crcA: number, crcB: number, lengthB: number): number {
  let p = 0x80000000; // x^0
  let k = 3; // x^(8·n): n bytes, 2^3 bits each
  for (let n = lengthB; n > 0; n = Math.floor(n / 2), k++) if (n % 2 === 1) p = multModP(X2N[k & 31]!, p);
  return (multModP(p, crcA >>> 0) ^ (crcB >>> 0)) >>> 0;
}

/** A part of a gzip body: its text's CRC-32 and length, and its raw-deflated pieces. */
export interface GzipPart {
  crc: number;
  length: number;
  deflated: readonly Buffer[];
}

/** A gzip part from text, deflated here (for small parts rendered per scrape). */
export function gzipPart(text: Buffer): GzipPart {
  return { crc: crc32(text), length: text.length, deflated: [deflatePiece(text)] };
}

/**
 * One gzip member from parts already deflated with `deflatePiece`: header, the pieces, an empty
 * final block, and the CRC-32 and length of the whole text.
 */
export function gzipFromPieces(parts: readonly GzipPart[]): Buffer[] {
  let crc = 0;
  let length = 0;
  const out: Buffer[] = [GZIP_HEADER];
  for (const part of parts) {
    crc = crc32Combine(crc, part.crc, part.length);
    length += part.length;
    out.push(...part.deflated);
  }
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc >>> 0, 0);
  trailer.writeUInt32LE(length % 2 ** 32, 4);
  out.push(FINAL_BLOCK, trailer);
  return out;
}

/** One snapshot's lines of one metric. */
interface Chunk {
  /** Identifies the chunk in the keys of segments and deflated runs. */
  readonly id: number;
  /** Its own buffer when rendered; a view into its segment once in one. */
  text: Buffer;
}

/**
 * The chunks of one metric from a block of consecutive owners, concatenated: what a scrape writes.
 * A swap rebuilds the segments of the swapped owner's block only.
 */
interface Segment {
  chunks: Chunk[];
  text: Buffer;
  crc: number;
}

/** Owners per segment: a swap copies one block's text again, and a scrape writes about (owners / this) × metrics buffers. */
const SEGMENT_OWNERS = 16;
/** Chunks at least this large are deflated on their own; smaller ones together with their neighbours in the segment. */
const RUN_BYTES = 4096;

export interface SnapshotRenderStats {
  /** Account snapshots rendered (each once, when first seen). */
  snapshotRenders: number;
  /** Data versions assembled (once per version that a scrape asked for). */
  textAssemblies: number;
  /** Data versions whose gzip body was assembled. */
  gzipAssemblies: number;
  /** Segments built (a version reuses the unchanged ones). */
  segmentBuilds: number;
}

interface Version {
  version: number;
  /** The text, in order: per metric its header, then its segments. */
  parts: Buffer[];
  length: number;
  crc: number;
  segments: Segment[];
  gzip?: GzipPart;
}

/**
 * The snapshot part of /metrics for a list of metric definitions, assembled per data version from
 * per-snapshot chunks. The text is held once: chunks are views into the segments that hold them.
 * Everything here is synchronous, so a version is assembled from one coherent set of snapshots.
 */
export class SnapshotExposition {
  private readonly sortedNames: string[][];
  private readonly headers: Segment[];
  private readonly chunks = new WeakMap<Snapshot, Array<Chunk | undefined>>();
  private nextId = 0;
  /** Segments of the current version, by the ids of their chunks. */
  private segments = new Map<string, Segment>();
  /** Deflated runs of the current version, by the ids of their chunks. */
  private runs = new Map<string, Buffer>();
  private current?: Version;
  readonly stats: SnapshotRenderStats = { snapshotRenders: 0, textAssemblies: 0, gzipAssemblies: 0, segmentBuilds: 0 };

  constructor(private readonly defs: readonly MetricDef[]) {
    this.sortedNames = defs.map((d) => [...labelNames(d)].sort());
    // prom-client separates metrics by a blank line.
    this.headers = defs.map((d, i) => this.segmentOf([this.chunk(`${i > 0 ? '\n' : ''}${metricHeader(d)}`)]));
  }

  /** The text of a version, as buffers to write in order; `snapshots` must be the model's at that version, in its order. */
  textOf(version: number, snapshots: Iterable<Snapshot>): { parts: Buffer[]; length: number } {
    return this.assemble(version, snapshots);
  }

  /** The gzip part of a version: its text's CRC and length, and the deflated body. */
  gzipOf(version: number, snapshots: Iterable<Snapshot>): GzipPart {
    const v = this.assemble(version, snapshots);
    if (!v.gzip) {
      const keys: string[] = [];
      const deflated: Buffer[] = [];
      for (const segment of v.segments) {
        // Large chunks alone, consecutive small ones together; a run is deflated again only when one of its chunks changed.
        let run: Chunk[] = [];
        const flush = () => {
          if (run.length === 0) return;
          const key = run.map((c) => c.id).join(',');
          keys.push(key);
          deflated.push(
            this.runs.get(key) ?? deflatePiece(run.length === 1 ? run[0]!.text : Buffer.concat(run.map((c) => c.text)))
          );
          run = [];
        };
        for (const c of segment.chunks) {
          if (c.text.length >= RUN_BYTES) flush();
          run.push(c);
          if (c.text.length >= RUN_BYTES) flush();
        }
        flush();
      }
      // One buffer to write; the runs kept for the next version are views into it.
      const all = Buffer.concat(deflated);
      this.runs = new Map();
      let offset = 0;
      keys.forEach((key, i) => {
        const n = deflated[i]!.length;
        this.runs.set(key, all.subarray(offset, offset + n));
        offset += n;
      });
      v.gzip = { crc: v.crc, length: v.length, deflated: [all] };
      this.stats.gzipAssemblies++;
    }
    return v.gzip;
  }

  private assemble(version: number, snapshots: Iterable<Snapshot>): Version {
    if (this.current?.version === version) return this.current;
    const list = [...snapshots];
    const rendered = list.map((s) => this.chunksOf(s));
    const previous = this.segments;
    this.segments = new Map();
    const segments: Segment[] = [];
    this.defs.forEach((def, i) => {
      segments.push(this.headers[i]!);
      if (this.sortedNames[i]!.length === 0) {
        // A metric without labels is one sample across all owners, 0 when none has it (prom-client's reset()).
        const all = [{ labels: {}, value: 0 }, ...list.flatMap((s) => s.get(def.name as MetricName) ?? [])];
        segments.push(this.segmentOf([this.chunk(renderSeries(def, all, []))]));
        return;
      }
      for (let start = 0; start < rendered.length; start += SEGMENT_OWNERS) {
        const block: Chunk[] = [];
        for (const chunks of rendered.slice(start, start + SEGMENT_OWNERS)) if (chunks[i]) block.push(chunks[i]!);
        if (block.length === 0) continue;
        const key = block.map((c) => c.id).join(',');
        const segment = previous.get(key) ?? this.segmentOf(block);
        this.segments.set(key, segment);
        segments.push(segment);
      }
    });
    let crc = 0;
    let length = 0;
    for (const s of segments) {
      crc = crc32Combine(crc, s.crc, s.text.length);
      length += s.text.length;
    }
    this.current = { version, parts: segments.map((s) => s.text), length, crc, segments };
    this.stats.textAssemblies++;
    return this.current;
  }

  /** Concatenates chunks into a segment; the chunks become views into it, so their text is held once. */
  private segmentOf(chunks: Chunk[]): Segment {
    const text = chunks.length === 1 ? chunks[0]!.text : Buffer.concat(chunks.map((c) => c.text));
    let offset = 0;
    for (const c of chunks) {
      const n = c.text.length;
      c.text = text.subarray(offset, offset + n);
      offset += n;
    }
    this.stats.segmentBuilds++;
    return { chunks, text, crc: crc32(text) };
  }

  private chunk(text: string): Chunk {
    return { id: this.nextId++, text: Buffer.from(text) };
  }

  private chunksOf(snapshot: Snapshot): Array<Chunk | undefined> {
    let chunks = this.chunks.get(snapshot);
    if (!chunks) {
      chunks = this.defs.map((def, i) => {
        const series = snapshot.get(def.name as MetricName);
        if (!series?.length || this.sortedNames[i]!.length === 0) return undefined;
        return this.chunk(renderSeries(def, series, this.sortedNames[i]));
      });
      this.chunks.set(snapshot, chunks);
      this.stats.snapshotRenders++;
    }
    return chunks;
  }
}
