// The contract between the poll engine and the provider modules. A provider turns its API's answers
// into plain records; it never touches metrics, the ledger or the state directory.
import type { Logger } from '../log.js';
import type { ProviderHttp } from '../http/client.js';
import type { CounterName, GaugeName } from '../metrics/catalog.js';

export const PROVIDER_NAMES = ['openai', 'openrouter', 'exa', 'twilio', 'apollo'] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

export type Labels = Record<string, string>;

/** A point-in-time value (spend so far, balance, credits left). Labels exclude provider and account. */
export interface GaugeSample {
  metric: GaugeName;
  labels: Labels;
  value: number;
}

/**
 * One provider-reported value for one bucket (a day, an hour) and one group (model, line item...).
 * The ledger remembers the last value per (source, bucketStart, labels, identity) and adds only the
 * difference to the counter, so re-reading a bucket never double counts and late revisions count.
 */
export interface UsageRecord {
  /** Which API the bucket came from, e.g. `openai.costs`; the unit of look-back and pruning. */
  source: string;
  /** Bucket start, Unix seconds. */
  bucketStart: number;
  metric: CounterName;
  labels: Labels;
  value: number;
  /** Extra identity that is part of the checkpoint key but not a label (e.g. a Twilio alert SID). */
  identity?: string;
}

export interface UsageBatch {
  gauges: GaugeSample[];
  usage: UsageRecord[];
  /**
   * For each source polled: the start (Unix seconds) of the window that was re-read completely.
   * Checkpoints older than it are pruned: they are outside the look-back and will not change again.
   */
  windows: Record<string, number>;
  /**
   * Sources whose records are events (a Twilio alert): one that disappears from a re-read window was
   * deleted, not revised, so it is not subtracted.
   */
  appendOnly?: string[];
}

export interface PollContext {
  http: ProviderHttp;
  now: Date;
  log: Logger;
  /**
   * Where a bucketed source should start reading: the start of the current UTC month the first time
   * the source is seen (seeding), otherwise `now - lookbackSeconds` floored to the UTC day.
   */
  windowStart(source: string, lookbackSeconds: number): number;
}

export interface Collector {
  poll(ctx: PollContext): Promise<UsageBatch>;
  /** A cheap authenticated call for connection tests; throws a ProviderError on failure. */
  probe(ctx: PollContext): Promise<void>;
}

/** Fields every provider account has in the config. */
export interface AccountBase {
  account: string;
  baseUrl: string;
  pollIntervalSeconds: number;
  enabled: boolean;
}

export function emptyBatch(): UsageBatch {
  return { gauges: [], usage: [], windows: {} };
}
