// Keeps label cardinality bounded. `model`, `category`, `project` and `code` (provider error codes)
// values come from the provider and are open-ended. Per account and metric, either an allow-list decides (everything else becomes
// `other`), or the first N distinct values seen are admitted for good and later ones become `other`.
// Admission is persisted with the ledger, so a value never moves between its own series and `other`,
// and counters stay monotonic across restarts.
import type { Labels } from '../providers/types.js';

export const LIMITED_LABELS = ['model', 'category', 'project', 'code'] as const;
export const OTHER = 'other';

export interface LimitSettings {
  /** Distinct values per label, per metric and account, before new ones fold into `other`. */
  maxValuesPerLabel: number;
  /** Optional allow-lists (regular expressions) per label; a listed label ignores the cap. */
  allow: Partial<Record<(typeof LIMITED_LABELS)[number], RegExp[]>>;
}

export const DEFAULT_LIMITS: LimitSettings = { maxValuesPerLabel: 100, allow: {} };

export class LabelLimiter {
  constructor(
    private readonly admitted: Record<string, string[]>,
    private readonly settings: LimitSettings,
    /** The labels capped; the OTLP receiver caps every label its senders choose (receiver/ingest.ts). */
    private readonly limited: readonly string[] = LIMITED_LABELS
  ) {}

  fold(metric: string, labels: Labels): Labels {
    let out: Labels | undefined;
    for (const name of this.limited) {
      const value = labels[name];
      if (value === undefined || value === OTHER || value === '') continue;
      if (!this.keeps(metric, name, value)) (out ??= { ...labels })[name] = OTHER;
    }
    return out ?? labels;
  }

  private keeps(metric: string, name: string, value: string): boolean {
    const allow = this.settings.allow[name as keyof LimitSettings['allow']];
    if (allow && allow.length > 0) return allow.some((re) => re.test(value));
    const list = (this.admitted[`${metric}/${name}`] ??= []);
    if (list.includes(value)) return true;
    if (list.length >= this.settings.maxValuesPerLabel) return false;
    list.push(value);
    return true;
  }
}
