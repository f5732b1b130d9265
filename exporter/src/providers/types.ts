// The contract between the poll engine and the provider modules. A provider turns its API's answers
// into plain records; it never touches metrics, the ledger or the state directory.
import type { Logger } from '../log.js';
import type { ProviderHttp } from '../http/client.js';
import type { CounterName, GaugeName } from '../metrics/catalog.js';
import type { Decimal } from '../metrics/decimal.js';

export const PROVIDER_NAMES = ['openai', 'openrouter', 'exa', 'twilio', 'apollo'] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

export type Labels = Record<string, string>;

/**
 * What an account's money figures cover (the `scope` label of nexus_spend_usd and nexus_cost_usd_total):
 * `account`, the whole provider account or organization; `key`, only the configured key(s), a part of
 * an organization that another, account-wide account may cover too.
 */
export const SPEND_SCOPES = ['account', 'key'] as const;
export type SpendScope = (typeof SPEND_SCOPES)[number];

/** A point-in-time value (spend so far, balance, credits) or an exact amount. Labels exclude provider and account. */
export interface GaugeSample {
  metric: GaugeName;
  labels: Labels;
  /** A number, or an exact Decimal (metrics/decimal.ts) for money, so that sums stay exact. */
  value: number | Decimal;
}

/**
 * One provider-reported value for one bucket (a day, an hour) and one group (model, line item...).
 * The ledger remembers the last value per (source, bucketStart, labels, identity) and adds only the
 * difference to the counter, so re-reading a bucket never double counts and late revisions count.
 */
export interface UsageRecord {
  /** Bucket start, Unix seconds. */
  bucketStart: number;
  metric: CounterName;
  labels: Labels;
  /** A number (tokens, requests), or an exact Decimal for money. */
  value: number | Decimal;
  /** Extra identity that is part of the checkpoint key but not a label (e.g. a Twilio alert SID). */
  identity?: string;
}

/** What one source read returns, complete: a source that fails part-way returns nothing at all. */
export interface SourceBatch {
  gauges?: GaugeSample[];
  usage?: UsageRecord[];
  /**
   * Start (Unix seconds) of the window that was re-read completely, for a bucketed source. Checkpoints
   * older than it are pruned: they are outside the look-back and will not change again.
   */
  window?: number;
  /**
   * The records are events (a Twilio alert): one that disappears from a re-read window was deleted,
   * not revised, so it is not subtracted.
   */
  appendOnly?: boolean;
  /**
   * Unix seconds up to which the provider says the data read is up to date (Twilio's `as_of`), for a
   * live source: its data timestamp instead of the read time (never later than the read).
   */
  asOf?: number;
}

/** Given to a source's read function. */
export interface SourceContext {
  /**
   * Where a bucketed source should start reading: the start of the current UTC month the first time
   * the source is seen (seeding), otherwise `now - lookbackSeconds` floored to the UTC day, never
   * before the month the source was seeded in (a first start on the 1st does not count the last
   * days of the previous month).
   */
  windowStart(lookbackSeconds: number): number;
}

/**
 * Width of the provider's usage buckets a source reads: `hour`, `day`, `month`, or `none` for values
 * that are true now (a balance, a key list) and events.
 */
export type BucketWidth = 'hour' | 'day' | 'month' | 'none';

/**
 * How a source's data arrives, declared on each `ctx.source` call (nexus_source_info): the bucket
 * width, and whether the provider reports the bucket in progress as it grows (`live`, the default) or
 * only buckets that have closed (`closed`: a day's usage lands at once after the day ends, like
 * OpenRouter's /activity). Alerts pick windows that fit from it.
 */
export interface SourceShape {
  bucket: BucketWidth;
  delivery?: 'live' | 'closed';
}

export interface PollContext {
  http: ProviderHttp;
  now: Date;
  log: Logger;
  /**
   * Reads one source (an endpoint or a group of endpoints whose answers only make sense together).
   * `read` returns the source's complete batch or throws. A source that throws keeps its last good
   * gauges and checkpoints and counts its error; the account's other sources still apply. Resolves
   * to whether the source was read. The name is stable (`openai.costs`, `exa.usage:<key id>`): it is
   * the `source` label of nexus_provider_source_up and the ledger's unit of look-back. `shape` says how
   * its data arrives (nexus_source_info).
   */
  source(name: string, shape: SourceShape, read: (s: SourceContext) => Promise<SourceBatch>): Promise<boolean>;
}

export interface Collector {
  /**
   * Reads every source of the account through `ctx.source`, one after the other. A source that a
   * completed poll did not read is gone (a deleted key): its gauges are dropped.
   */
  poll(ctx: PollContext): Promise<void>;
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
