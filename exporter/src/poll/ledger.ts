// Idempotent accounting for bucketed usage. Providers report usage per bucket (a day, an hour), and a
// bucket can grow or be revised after we first read it. Every poll re-reads a trailing window; the
// ledger remembers the last value seen per (source, bucket, series, identity) and adds only the
// difference to the running total. Totals and checkpoints are persisted together in one atomic file,
// so a restart neither double counts nor loses usage.
import type { Labels, UsageBatch } from '../providers/types.js';
import type { CounterName } from '../metrics/catalog.js';
import { readJson, writeJsonAtomic } from '../store/atomic.js';
import { utcDayStart, utcMonthStart } from '../providers/values.js';

interface Total {
  metric: CounterName;
  labels: Labels;
  value: number;
  /**
   * A downward revision cannot lower a counter (Prometheus would read it as a reset), so it is owed
   * here and paid from the next increases of the same series.
   */
  debt: number;
}

export interface LedgerState {
  version: 1;
  /** source -> bucketStart -> checkpoint key -> last value seen */
  checkpoints: Record<string, Record<string, Record<string, number>>>;
  totals: Record<string, Total>;
  /** Label values admitted under the cardinality cap, per `metric/label`; see metrics/limiter.ts. */
  admitted: Record<string, string[]>;
  /** When each source was last read completely (Unix seconds), to close gaps after an outage. */
  lastRead?: Record<string, number>;
}

/** How far back a window may reach after an outage: inside every provider's retention (30 days). */
export const MAX_BACKFILL_SECONDS = 28 * 86_400;

export interface CounterTotal {
  metric: CounterName;
  labels: Labels;
  value: number;
}

function emptyState(): LedgerState {
  return { version: 1, checkpoints: {}, totals: {}, admitted: {} };
}

/** A canonical, collision-free key for a label set (values may hold any character). */
export function labelsKey(labels: Labels): string {
  return JSON.stringify(Object.keys(labels).sort().map((k) => [k, labels[k]]));
}

export class Ledger {
  private constructor(
    private readonly path: string | undefined,
    readonly state: LedgerState,
  ) {}

  static inMemory(): Ledger {
    return new Ledger(undefined, emptyState());
  }

  static async load(path: string): Promise<Ledger> {
    const state = await readJson<LedgerState>(path);
    if (state && state.version !== 1) throw new Error(`${path}: unsupported ledger version ${String(state.version)}`);
    return new Ledger(path, state ?? emptyState());
  }

  async save(): Promise<void> {
    if (this.path) await writeJsonAtomic(this.path, this.state);
  }

  hasSource(source: string): boolean {
    return source in this.state.checkpoints;
  }

  /**
   * First poll of a source: the current UTC month (seeding). Later: the look-back, floored to the day,
   * extended back to the day of the last complete read when the exporter was down longer than the
   * look-back (so no closed day is skipped), but never past the providers' retention.
   */
  windowStart(source: string, lookbackSeconds: number, now: Date): number {
    if (!this.hasSource(source)) return utcMonthStart(now);
    const nowSeconds = now.getTime() / 1000;
    const lookback = utcDayStart(new Date((nowSeconds - lookbackSeconds) * 1000));
    const lastRead = this.state.lastRead?.[source];
    if (lastRead === undefined || lastRead >= lookback) return lookback;
    return Math.max(utcDayStart(new Date(lastRead * 1000)), utcDayStart(new Date((nowSeconds - MAX_BACKFILL_SECONDS) * 1000)));
  }

  /**
   * Applies one complete poll. Only call with a batch whose every page was read: a poll that failed
   * part-way must not be applied at all, or the missing part would read as a downward revision.
   */
  apply(batch: UsageBatch, now = new Date()): void {
    const seen = new Set<string>();
    for (const r of batch.usage) {
      const lk = labelsKey(r.labels);
      const ck = JSON.stringify([r.metric, lk, r.identity ?? '']);
      const bucket = ((this.state.checkpoints[r.source] ??= {})[String(r.bucketStart)] ??= {});
      const previous = bucket[ck] ?? 0;
      bucket[ck] = r.value;
      seen.add(`${r.source}\n${r.bucketStart}\n${ck}`);
      this.add(r.metric, r.labels, lk, r.value - previous);
    }
    const appendOnly = new Set(batch.appendOnly ?? []);
    for (const [source, start] of Object.entries(batch.windows)) {
      (this.state.lastRead ??= {})[source] = Math.floor(now.getTime() / 1000);
      const buckets = (this.state.checkpoints[source] ??= {});
      for (const [bucketStart, entries] of Object.entries(buckets)) {
        if (Number(bucketStart) < start) {
          // Outside the look-back: this bucket is final for us and is never re-read.
          delete buckets[bucketStart];
          continue;
        }
        if (appendOnly.has(source)) continue;
        for (const [ck, previous] of Object.entries(entries)) {
          if (seen.has(`${source}\n${bucketStart}\n${ck}`)) continue;
          // Re-read inside the window and gone: the provider revised it to nothing.
          const [metric, lk] = JSON.parse(ck) as [CounterName, string];
          const total = this.state.totals[`${metric}\n${lk}`];
          if (total) this.add(metric, total.labels, lk, -previous);
          delete entries[ck];
        }
      }
    }
  }

  private add(metric: CounterName, labels: Labels, lk: string, delta: number): void {
    // The series exists from its first record, even at zero, so dashboards see 0 rather than nothing.
    const key = `${metric}\n${lk}`;
    const total = (this.state.totals[key] ??= { metric, labels: { ...labels }, value: 0, debt: 0 });
    if (delta === 0) return;
    if (delta < 0) {
      total.debt += -delta;
      return;
    }
    const paid = Math.min(total.debt, delta);
    total.debt -= paid;
    total.value += delta - paid;
  }

  totals(): CounterTotal[] {
    return Object.values(this.state.totals).map(({ metric, labels, value }) => ({ metric, labels, value }));
  }

  clone(): LedgerState {
    return structuredClone(this.state);
  }
}
