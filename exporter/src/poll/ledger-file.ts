// The ledger's file format, validated on load, and the migrations from older formats. A file that is
// not a ledger (truncated by hand, `{"version":1}`, another program's JSON) is refused with its path
// and the problem: starting from zero would count the whole month again.
//
// Versions:
//   1  values as JSON numbers (floating point).
//   2  values as exact decimal strings ("2885.855"); `floors` (the window each source was seeded with);
//      token types made disjoint (see migrateV1); Exa usage split into one source per key.
import { z } from 'zod';
import type { CounterName } from '../metrics/catalog.js';
import { decimal, formatDecimal, roundDecimal, toNumber, type Decimal } from '../metrics/decimal.js';
import type { Labels } from '../providers/types.js';
import { describeZodError } from '../providers/values.js';

export const LEDGER_VERSION = 2;
/** Decimal places kept from a version 1 (floating-point) value. */
const V1_PLACES = 10;

export interface Total {
  metric: CounterName;
  labels: Labels;
  value: Decimal;
  /** Owed by downward revisions, paid from the series' next increases. */
  debt: Decimal;
  /** `value` as a double, kept in step with it for the exposition. */
  number: number;
}

/** The ledger in memory. */
export interface LedgerState {
  /** source -> bucketStart -> checkpoint key -> last value seen */
  checkpoints: Record<string, Record<string, Record<string, Decimal>>>;
  totals: Record<string, Total>;
  /** Label values admitted under the cardinality cap, per `metric/label`; see metrics/limiter.ts. */
  admitted: Record<string, string[]>;
  /** When each source was last read completely (Unix seconds), to close gaps after an outage. */
  lastRead: Record<string, number>;
  /** The window start each source was seeded with (Unix seconds); no later window reaches before it. */
  floors: Record<string, number>;
}

const DECIMAL_TEXT = /^-?\d+(\.\d+)?$/;
const decimalText = z.string().regex(DECIMAL_TEXT, 'must be a decimal number as text');
const seconds = z.number().int();
const labels = z.record(z.string(), z.string());
const admitted = z.record(z.string(), z.array(z.string()));

const fileV1 = z.object({
  version: z.literal(1),
  checkpoints: z.record(z.string(), z.record(z.string(), z.record(z.string(), z.number()))),
  totals: z.record(z.string(), z.object({ metric: z.string(), labels, value: z.number(), debt: z.number() })),
  admitted,
  lastRead: z.record(z.string(), seconds).optional(),
});

const fileV2 = z.object({
  version: z.literal(2),
  checkpoints: z.record(z.string(), z.record(z.string(), z.record(z.string(), decimalText))),
  totals: z.record(z.string(), z.object({ metric: z.string(), labels, value: decimalText, debt: decimalText })),
  admitted,
  lastRead: z.record(z.string(), seconds),
  floors: z.record(z.string(), seconds),
});

export type LedgerFile = z.output<typeof fileV2>;

/** Validates a parsed ledger file of any supported version and returns it in memory, migrated. */
export function parseLedgerFile(raw: unknown, path: string, provider?: string): LedgerState {
  const refuse = (problem: string) =>
    new Error(
      `${path}: ${problem}; fix the file or move it aside (the counters then start again from the current month)`
    );
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw refuse('not a ledger file (expected a JSON object)');
  const version = (raw as { version?: unknown }).version;
  if (version === 1) {
    const parsed = fileV1.safeParse(raw);
    if (!parsed.success) throw refuse(`not a valid version 1 ledger file: ${describeZodError(parsed.error)}`);
    return migrateV1(parsed.data, provider);
  }
  if (version === 2) {
    const parsed = fileV2.safeParse(raw);
    if (!parsed.success) throw refuse(`not a valid ledger file: ${describeZodError(parsed.error)}`);
    return fromFileV2(parsed.data);
  }
  if (typeof version === 'number' && version > LEDGER_VERSION) {
    throw new Error(
      `${path}: ledger version ${version} was written by a newer exporter (this one reads up to ${LEDGER_VERSION}); run that version or move the file aside`
    );
  }
  throw refuse(`not a ledger file (version ${JSON.stringify(version) ?? 'missing'})`);
}

export function toLedgerFile(state: LedgerState): LedgerFile {
  const checkpoints: LedgerFile['checkpoints'] = {};
  for (const [source, buckets] of Object.entries(state.checkpoints)) {
    const out: Record<string, Record<string, string>> = (checkpoints[source] = {});
    for (const [bucket, entries] of Object.entries(buckets)) {
      out[bucket] = Object.fromEntries(Object.entries(entries).map(([ck, v]) => [ck, formatDecimal(v)]));
    }
  }
  const totals: LedgerFile['totals'] = {};
  for (const [key, t] of Object.entries(state.totals)) {
    totals[key] = { metric: t.metric, labels: t.labels, value: formatDecimal(t.value), debt: formatDecimal(t.debt) };
  }
  return { version: 2, checkpoints, totals, admitted: state.admitted, lastRead: state.lastRead, floors: state.floors };
}

function fromFileV2(file: LedgerFile): LedgerState {
  const checkpoints = mapCheckpoints(file.checkpoints, decimal);
  const totals: LedgerState['totals'] = {};
  for (const [key, t] of Object.entries(file.totals))
    totals[key] = total(t.metric, t.labels, decimal(t.value), decimal(t.debt));
  return { checkpoints, totals, admitted: file.admitted, lastRead: file.lastRead, floors: file.floors };
}

/** The checkpoints (source → bucket → key → value) with every value read by `value`. */
function mapCheckpoints<T>(
  file: Record<string, Record<string, Record<string, T>>>,
  value: (v: T) => Decimal
): LedgerState['checkpoints'] {
  const checkpoints: LedgerState['checkpoints'] = {};
  for (const [source, buckets] of Object.entries(file)) {
    const out: Record<string, Record<string, Decimal>> = (checkpoints[source] = {});
    for (const [bucket, entries] of Object.entries(buckets)) {
      out[bucket] = Object.fromEntries(Object.entries(entries).map(([ck, v]) => [ck, value(v)]));
    }
  }
  return checkpoints;
}

function total(metric: string, labels: Labels, value: Decimal, debt: Decimal): Total {
  return { metric: metric as CounterName, labels, value, debt, number: toNumber(value) };
}

/**
 * Version 1 → 2. Values become exact decimals, rounded to ten places. Token checkpoints are rewritten to the disjoint types, so the next poll compares like with
 * like; the totals keep their values (lowering a counter would read as a reset), so only increases
 * from now on follow the new meaning:
 *   OpenAI      input  = input_tokens − input_cached_tokens − input_audio_tokens; output = output_tokens −
 *               output_audio_tokens; `reasoning` (a field no Usage API object has) is dropped.
 *   OpenRouter  output = completion_tokens − reasoning_tokens.
 * Exa usage, one source for every key in version 1, becomes one source per key (`exa.usage:<key id>`).
 */
function migrateV1(file: z.output<typeof fileV1>, provider?: string): LedgerState {
  // Float sums carry noise in the last bits (2885.8550000000005); no provider sends more than ten
  // decimal places, so version 1 values are rounded to ten.
  const exact = (v: number) => roundDecimal(decimal(v), V1_PLACES);
  let checkpoints = mapCheckpoints(file.checkpoints, exact);
  const totals: LedgerState['totals'] = {};
  for (const [key, t] of Object.entries(file.totals))
    totals[key] = total(t.metric, t.labels, exact(t.value), exact(t.debt));
  const lastRead = { ...file.lastRead };

  if (provider === 'openai') {
    for (const [source, buckets] of Object.entries(checkpoints)) {
      if (!source.startsWith('openai.usage.')) continue;
      for (const entries of Object.values(buckets)) {
        rewriteTokens(entries, { input: ['cached_input', 'audio_input'], output: ['audio_output'] });
        for (const [ck, type] of tokenEntries(entries)) if (type.type === 'reasoning') delete entries[ck];
      }
    }
    for (const [key, t] of Object.entries(totals))
      if (t.metric === 'nexus_tokens_total' && t.labels.type === 'reasoning') delete totals[key];
  }
  if (provider === 'openrouter') {
    for (const entries of Object.values(checkpoints['openrouter.activity'] ?? {}))
      rewriteTokens(entries, { output: ['reasoning'] });
  }
  if (provider === 'exa' && checkpoints['exa.usage']) {
    const split: LedgerState['checkpoints'] = {};
    for (const [bucket, entries] of Object.entries(checkpoints['exa.usage'])) {
      for (const [ck, value] of Object.entries(entries)) {
        const source = `exa.usage:${labelsOf(ck).project ?? 'none'}`;
        ((split[source] ??= {})[bucket] ??= {})[ck] = value;
      }
    }
    const { 'exa.usage': _, ...rest } = checkpoints;
    checkpoints = { ...rest, ...split };
    const read = lastRead['exa.usage'];
    delete lastRead['exa.usage'];
    if (read !== undefined) for (const source of Object.keys(split)) lastRead[source] = read;
  }
  return { checkpoints, totals, admitted: file.admitted, lastRead, floors: {} };
}

function labelsOf(ck: string): Labels {
  const [, lk] = JSON.parse(ck) as [string, string];
  return Object.fromEntries(JSON.parse(lk) as Array<[string, string]>);
}

/** Token checkpoints of a bucket: checkpoint key → its model, type and identity. */
function tokenEntries(
  entries: Record<string, Decimal>
): Array<[string, { model: string; type: string; identity: string }]> {
  const out: Array<[string, { model: string; type: string; identity: string }]> = [];
  for (const ck of Object.keys(entries)) {
    const [metric, , identity] = JSON.parse(ck) as [string, string, string];
    if (metric !== 'nexus_tokens_total') continue;
    const l = labelsOf(ck);
    out.push([ck, { model: l.model ?? '', type: l.type ?? '', identity }]);
  }
  return out;
}

/** Subtracts the parts of a token type from it, per model, never below zero. */
function rewriteTokens(entries: Record<string, Decimal>, parts: Record<string, string[]>): void {
  const byGroup = new Map<string, Map<string, string>>();
  for (const [ck, { model, type, identity }] of tokenEntries(entries)) {
    const group = `${model}\n${identity}`;
    if (!byGroup.has(group)) byGroup.set(group, new Map());
    byGroup.get(group)!.set(type, ck);
  }
  for (const types of byGroup.values()) {
    for (const [whole, subtracted] of Object.entries(parts)) {
      const ck = types.get(whole);
      if (!ck) continue;
      let value = entries[ck]!;
      for (const part of subtracted) {
        const partCk = types.get(part);
        if (partCk) value -= entries[partCk]!;
      }
      entries[ck] = value < 0n ? 0n : value;
    }
  }
}
