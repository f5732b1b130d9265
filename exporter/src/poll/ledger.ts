// Idempotent accounting for bucketed usage. Providers report usage per bucket (a day, an hour), and a
// bucket can grow or be revised after we first read it. Every poll re-reads a trailing window; the
// ledger remembers the last value seen per (source, bucket, series, identity) and adds only the
// difference to the running total. Values are exact decimals (metrics/decimal.ts), so a month of cost
// lines adds up to the provider's own sum to the last digit. Totals and checkpoints are persisted
// together in one atomic file (format and migrations: ledger-file.ts), so a restart neither double
// counts nor loses usage.
import type { Labels, SourceBatch } from '../providers/types.js';
import type { CounterName } from '../metrics/catalog.js';
import { decimal, toNumber, type Decimal } from '../metrics/decimal.js';
import { readJson, writeJsonAtomic } from '../store/atomic.js';
import { DAY_SECONDS, utcDayStart, utcMonthStart } from '../providers/values.js';
import { parseLedgerFile, toLedgerFile, type LedgerState } from './ledger-file.js';

export type { LedgerFile, LedgerState } from './ledger-file.js';

/** How far back a window may reach after an outage: inside every provider's retention (30 days). */
export const MAX_BACKFILL_SECONDS = 28 * 86_400;

export interface CounterTotal {
  metric: CounterName;
  labels: Labels;
  value: number;
  /** The same value, exact. */
  exact: Decimal;
}

function emptyState(): LedgerState {
  return { checkpoints: {}, totals: {}, admitted: {}, lastRead: {}, floors: {} };
}

/** A canonical, collision-free key for a label set (values may hold any character). */
export function labelsKey(labels: Labels): string {
  return JSON.stringify(
    Object.keys(labels)
      .sort()
      .map((k) => [k, labels[k]])
  );
}

export class Ledger {
  private constructor(
    private readonly path: string | undefined,
    readonly state: LedgerState
  ) {}

  static inMemory(): Ledger {
    return new Ledger(undefined, emptyState());
  }

  /**
   * Loads a ledger file, migrating older formats. A file that is not a ledger fails with its path and
   * the problem rather than starting from zero (which would count the month again). `provider` selects
   * the provider-specific steps of a migration.
   */
  static async load(path: string, provider?: string): Promise<Ledger> {
    const raw = await readJson<unknown>(path);
    return new Ledger(path, raw === undefined ? emptyState() : parseLedgerFile(raw, path, provider));
  }

  async save(): Promise<void> {
    if (this.path) await writeJsonAtomic(this.path, toLedgerFile(this.state));
  }

  hasSource(source: string): boolean {
    return source in this.state.checkpoints;
  }

  /**
   * First poll of a source: the current UTC month (seeding). Later: the look-back, floored to the day,
   * extended back to the day of the last complete read when the exporter was down longer than the
   * look-back (so no closed day is skipped), but never past the providers' retention, and never before
   * the window the source was seeded with: a first start early in a month must not count the end of
   * the previous month on its second poll.
   */
  windowStart(source: string, lookbackSeconds: number, now: Date): number {
    if (!this.hasSource(source)) return utcMonthStart(now);
    const nowSeconds = now.getTime() / 1000;
    const lookback = utcDayStart(new Date((nowSeconds - lookbackSeconds) * 1000));
    const lastRead = this.state.lastRead[source];
    let start = lookback;
    if (lastRead !== undefined && lastRead < lookback) {
      start = Math.max(
        utcDayStart(new Date(lastRead * 1000)),
        utcDayStart(new Date((nowSeconds - MAX_BACKFILL_SECONDS) * 1000))
      );
    }
    return Math.max(start, this.state.floors[source] ?? start);
  }

  /**
   * Applies one source's complete read. Only call with a batch whose every page was read: a read that
   * failed part-way must not be applied at all, or the missing part would read as a downward revision.
   * Throws, changing nothing, on a batch that is not well formed.
   */
  apply(source: string, batch: SourceBatch, now = new Date()): void {
    const records = (batch.usage ?? []).map((r) => {
      const lk = labelsKey(r.labels);
      return {
        r,
        lk,
        ck: JSON.stringify([r.metric, lk, r.identity ?? '']),
        value: typeof r.value === 'bigint' ? r.value : decimal(r.value),
      };
    });
    if (records.length > 0 && batch.window === undefined) throw new Error(`source ${source}: records without a window`);
    // The last guard against a date read wrongly (epoch milliseconds, NaN): no bucket far in the
    // future or before 1970; a provider's clock ahead of ours by up to a day is allowed.
    const latest = Math.floor(now.getTime() / 1000) + DAY_SECONDS;
    for (const { r } of records) {
      if (!Number.isSafeInteger(r.bucketStart) || r.bucketStart < 0 || r.bucketStart > latest)
        throw new Error(
          `source ${source}: a record of ${r.metric} in bucket ${r.bucketStart}, not a Unix time up to a day from now`
        );
    }
    const seen = new Set<string>();
    for (const { r, lk, ck, value } of records) {
      const bucket = ((this.state.checkpoints[source] ??= {})[String(r.bucketStart)] ??= {});
      const previous = bucket[ck] ?? 0n;
      bucket[ck] = value;
      seen.add(`${r.bucketStart}\n${ck}`);
      this.add(r.metric, r.labels, lk, value - previous);
    }
    if (batch.window === undefined) return;
    const start = batch.window;
    this.state.lastRead[source] = Math.floor(now.getTime() / 1000);
    this.state.floors[source] ??= start;
    const buckets = (this.state.checkpoints[source] ??= {});
    for (const [bucketStart, entries] of Object.entries(buckets)) {
      if (Number(bucketStart) < start) {
        // Outside the look-back: this bucket is final for us and is never re-read.
        delete buckets[bucketStart];
        continue;
      }
      if (batch.appendOnly) continue;
      for (const [ck, previous] of Object.entries(entries)) {
        if (seen.has(`${bucketStart}\n${ck}`)) continue;
        // Re-read inside the window and gone: the provider revised it to nothing.
        const [metric, lk] = JSON.parse(ck) as [CounterName, string];
        const total = this.state.totals[`${metric}\n${lk}`];
        if (total) this.add(metric, total.labels, lk, -previous);
        delete entries[ck];
      }
    }
  }

  private add(metric: CounterName, labels: Labels, lk: string, delta: Decimal): void {
    // The series exists from its first record, even at zero, so dashboards see 0 rather than nothing.
    const key = `${metric}\n${lk}`;
    const total = (this.state.totals[key] ??= { metric, labels: { ...labels }, value: 0n, debt: 0n, number: 0 });
    if (delta === 0n) return;
    if (delta < 0n) {
      // A downward revision cannot lower a counter (Prometheus would read it as a reset), so it is
      // owed and paid from the next increases of the same series.
      total.debt += -delta;
      return;
    }
    const paid = total.debt < delta ? total.debt : delta;
    total.debt -= paid;
    total.value += delta - paid;
    total.number = toNumber(total.value);
  }

  totals(): CounterTotal[] {
    return Object.values(this.state.totals).map(({ metric, labels, number, value }) => ({
      metric,
      labels,
      value: number,
      exact: value,
    }));
  }
}
