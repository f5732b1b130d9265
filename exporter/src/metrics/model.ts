// The in-process metrics model that both outputs read. Provider data lives in one immutable snapshot
// per account, replaced whole when a poll completes (`swapSnapshot`), so a scrape never sees half a
// poll. Health metrics (calls, errors, polls) are updated as they happen. Renderers only read.
import { labelsKey } from '../poll/ledger.js';
import type { Labels } from '../providers/types.js';
import { CATALOG, type MetricName } from './catalog.js';

export interface Series {
  labels: Labels;
  value: number;
}

export interface Sample extends Series {
  metric: MetricName;
}

export type DurationListener = (labels: Labels, seconds: number) => void;

export class MetricsModel {
  /** Bumps whenever provider data (snapshots, budgets) changes; renderers cache on it. */
  dataVersion = 0;
  /** Bumps whenever a health metric changes. */
  healthVersion = 0;

  private readonly snapshots = new Map<string, Map<MetricName, Series[]>>();
  private readonly health = new Map<MetricName, Map<string, Series>>();
  private readonly durationListeners: DurationListener[] = [];
  private readonly removeListeners: Array<(labels: Labels) => void> = [];

  /** Replaces everything `owner` (a provider account, or `budgets`) contributes, in one step. */
  swapSnapshot(owner: string, samples: readonly Sample[]): void {
    const byMetric = new Map<MetricName, Series[]>();
    for (const s of samples) {
      let list = byMetric.get(s.metric);
      if (!list) byMetric.set(s.metric, (list = []));
      list.push({ labels: s.labels, value: s.value });
    }
    this.snapshots.set(owner, byMetric);
    this.dataVersion++;
  }

  removeOwner(owner: string, labels?: Labels): void {
    if (this.snapshots.delete(owner)) this.dataVersion++;
    if (labels) {
      this.removeHealth(labels);
      for (const listener of this.removeListeners) listener(labels);
    }
  }

  /** Called when an account goes away, for outputs that hold per-account state (histograms). */
  onRemove(listener: (labels: Labels) => void): void {
    this.removeListeners.push(listener);
  }

  hasSnapshot(owner: string): boolean {
    return this.snapshots.has(owner);
  }

  snapshotSize(owner: string): number {
    let n = 0;
    for (const list of this.snapshots.get(owner)?.values() ?? []) n += list.length;
    return n;
  }

  setHealth(metric: MetricName, labels: Labels, value: number): void {
    const map = this.healthMap(metric);
    const key = labelsKey(labels);
    const existing = map.get(key);
    if (existing?.value === value) return;
    if (existing) existing.value = value;
    else map.set(key, { labels, value });
    this.healthVersion++;
  }

  incHealth(metric: MetricName, labels: Labels, by = 1): void {
    const map = this.healthMap(metric);
    const key = labelsKey(labels);
    const existing = map.get(key);
    if (existing) existing.value += by;
    else map.set(key, { labels, value: by });
    this.healthVersion++;
  }

  deleteHealth(metric: MetricName, labels: Labels): void {
    if (this.health.get(metric)?.delete(labelsKey(labels))) this.healthVersion++;
  }

  healthValue(metric: MetricName, labels: Labels): number | undefined {
    return this.health.get(metric)?.get(labelsKey(labels))?.value;
  }

  /** Every call to a provider; forwarded to the histograms of each output. */
  observeDuration(labels: Labels, seconds: number): void {
    for (const listener of this.durationListeners) listener(labels, seconds);
    this.healthVersion++;
  }

  onDuration(listener: DurationListener): void {
    this.durationListeners.push(listener);
  }

  /**
   * Every owner's snapshot, in the order `series()` reads them. A snapshot is replaced whole and never
   * modified, so renderers may cache what they derive from one on its identity.
   */
  snapshotList(): Iterable<ReadonlyMap<MetricName, readonly Series[]>> {
    return this.snapshots.values();
  }

  /** All series of a metric across snapshots and health. */
  series(metric: MetricName): Series[] {
    const out: Series[] = [];
    for (const snap of this.snapshots.values()) {
      const list = snap.get(metric);
      if (list) for (const s of list) out.push(s);
    }
    const health = this.health.get(metric);
    if (health) for (const s of health.values()) out.push(s);
    return out;
  }

  private healthMap(metric: MetricName): Map<string, Series> {
    let map = this.health.get(metric);
    if (!map) this.health.set(metric, (map = new Map()));
    return map;
  }

  private removeHealth(labels: Labels): void {
    for (const map of this.health.values()) {
      for (const [key, s] of map) {
        if (s.labels.provider === labels.provider && s.labels.account === labels.account) map.delete(key);
      }
    }
    this.healthVersion++;
  }
}

export const ALL_METRICS: readonly MetricName[] = CATALOG.map((d) => d.name);
