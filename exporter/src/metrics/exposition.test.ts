// The snapshot renderer against prom-client: for the same series the text must be byte-identical to
// what prom-client's registry renders (escaping, value spelling, repeated label sets, empty and
// label-less metrics), and the gzip body assembled from separately deflated pieces must be one valid
// gzip member of exactly that text.
import assert from 'node:assert/strict';
import { constants, crc32, gunzipSync, gzipSync, inflateRawSync } from 'node:zlib';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Counter, Gauge, Registry } from 'prom-client';
import { CATALOG, labelNames, type MetricDef, type MetricName } from './catalog.js';
import {
  SnapshotExposition,
  crc32Combine,
  escapeLabelValue,
  gzipFromPieces,
  gzipPart,
  type Snapshot,
} from './exposition.js';
import { MetricsModel, type Sample, type Series } from './model.js';

const DATA_DEFS = CATALOG.filter((d) => d.part === 'data' || d.part === 'info');

/** What the exporter did before: prom-client metrics whose collect() copies the model's series. */
function promClientText(defs: readonly MetricDef[], series: (name: MetricName) => Series[]): Promise<string> {
  const registry = new Registry();
  for (const def of defs) {
    const name = def.name as MetricName;
    const common = { name: def.name, help: def.help, labelNames: labelNames(def), registers: [registry] };
    if (def.type === 'counter') {
      new Counter({
        ...common,
        collect() {
          this.reset();
          for (const s of series(name)) this.inc(s.labels, s.value);
        },
      });
    } else {
      new Gauge({
        ...common,
        collect() {
          this.reset();
          for (const s of series(name)) this.set(s.labels, s.value);
        },
      });
    }
  }
  return registry.metrics();
}

function ours(defs: readonly MetricDef[], snapshots: Snapshot[], version = 1): string {
  return Buffer.concat(new SnapshotExposition(defs).textOf(version, snapshots).parts).toString('utf8');
}

function snapshotOf(samples: readonly Sample[]): Snapshot {
  const m = new MetricsModel();
  m.swapSnapshot('x', samples);
  return [...m.snapshotList()][0]!;
}

const account = (provider: string, name: string) => ({ provider, account: name });

describe('snapshot exposition', () => {
  it('is byte-identical to prom-client for the exporter catalogue, escaping included', async () => {
    const model = new MetricsModel();
    const a = account('openai', 'prod');
    model.swapSnapshot('info', [
      { metric: 'nexus_exporter_build_info', labels: { version: '1.2.3', nodejs_version: 'v20.0.0' }, value: 1 },
    ]);
    model.swapSnapshot('openai/prod', [
      {
        metric: 'nexus_cost_usd_total',
        labels: { ...a, category: 'gpt-4o-2024-08-06, input', project: 'proj_1' },
        value: 12.3456789012,
      },
      {
        metric: 'nexus_cost_usd_total',
        labels: { ...a, category: 'back\\slash "quoted"\nnew line', project: 'ünïcødé ✓' },
        value: 0.1 + 0.2,
      },
      { metric: 'nexus_tokens_total', labels: { ...a, model: 'm:1,x', type: 'input' }, value: 1e21 },
      { metric: 'nexus_tokens_total', labels: { ...a, model: 'm', type: 'output' }, value: 0 },
      { metric: 'nexus_spend_usd', labels: { ...a, period: 'day' }, value: 1e-7 },
      { metric: 'nexus_balance_usd', labels: { ...a, kind: 'prepaid' }, value: -3.5 },
      { metric: 'nexus_credits_remaining', labels: { ...a, credit_type: 'x' }, value: Number.NaN },
      // Labels in another order than the catalogue's: both write the object's own order.
      {
        metric: 'nexus_rate_limit_limit',
        labels: { window: 'minute', endpoint: '/x', account: 'prod', provider: 'openai' },
        value: 100,
      },
    ]);
    model.swapSnapshot('twilio/ops', [
      {
        metric: 'nexus_cost_usd_total',
        labels: { ...account('twilio', 'ops'), category: 'sms', project: 'none' },
        value: 5,
      },
      {
        metric: 'nexus_provider_reported_errors_total',
        labels: { ...account('twilio', 'ops'), code: '30003', level: 'error' },
        value: 2,
      },
    ]);
    model.swapSnapshot('budgets', [{ metric: 'nexus_budget_usd', labels: { ...a, period: 'month' }, value: 500 }]);
    const expected = await promClientText(DATA_DEFS, (n) => model.series(n));
    assert.equal(ours(DATA_DEFS, [...model.snapshotList()]), expected);
  });

  it('merges a repeated label set as prom-client does: counters add, gauges keep the last value', async () => {
    const a = account('openai', 'prod');
    const snap = snapshotOf([
      { metric: 'nexus_cost_usd_total', labels: { ...a, category: 'c', project: 'p' }, value: 1 },
      { metric: 'nexus_cost_usd_total', labels: { ...a, category: 'd', project: 'p' }, value: 7 },
      { metric: 'nexus_cost_usd_total', labels: { ...a, category: 'c', project: 'p' }, value: 2.5 },
      { metric: 'nexus_spend_usd', labels: { ...a, period: 'day' }, value: 1 },
      { metric: 'nexus_spend_usd', labels: { ...a, period: 'month' }, value: 9 },
      { metric: 'nexus_spend_usd', labels: { period: 'day', account: 'prod', provider: 'openai' }, value: 3 },
    ]);
    const text = ours(DATA_DEFS, [snap]);
    assert.equal(text, await promClientText(DATA_DEFS, (n) => [...(snap.get(n) ?? [])]));
    assert.match(text, /^nexus_cost_usd_total\{provider="openai",account="prod",category="c",project="p"\} 3.5$/m);
    assert.match(text, /^nexus_spend_usd\{period="day",account="prod",provider="openai"\} 3$/m);
  });

  it('writes HELP escapes, empty metrics and label-less metrics as prom-client does', async () => {
    const defs: MetricDef[] = [
      {
        name: 'nexus_a_total',
        type: 'counter',
        help: 'Back\\slash and\nnewline.',
        labels: ['x'],
        unit: '',
        part: 'data',
        perAccount: false,
      },
      { name: 'nexus_b', type: 'gauge', help: 'No series.', labels: ['x'], unit: '', part: 'data', perAccount: false },
      {
        name: 'nexus_c_total',
        type: 'counter',
        help: 'No labels.',
        labels: [],
        unit: '',
        part: 'data',
        perAccount: false,
      },
      {
        name: 'nexus_d',
        type: 'gauge',
        help: 'No labels either.',
        labels: [],
        unit: '',
        part: 'data',
        perAccount: false,
      },
      {
        name: 'nexus_e',
        type: 'gauge',
        help: 'No labels, no series.',
        labels: [],
        unit: '',
        part: 'data',
        perAccount: false,
      },
    ];
    const snap = (entries: Array<[string, Series[]]>) => new Map(entries) as unknown as Snapshot;
    const snapshots = [
      snap([
        ['nexus_a_total', [{ labels: { x: '"' }, value: 1 }]],
        ['nexus_c_total', [{ labels: {}, value: 2 }]],
        ['nexus_d', [{ labels: {}, value: 4 }]],
      ]),
      snap([
        ['nexus_c_total', [{ labels: {}, value: 3 }]],
        ['nexus_d', [{ labels: {}, value: 5 }]],
      ]),
    ];
    const series = (n: string) => snapshots.flatMap((s) => [...(s.get(n as MetricName) ?? [])]);
    assert.equal(ours(defs, snapshots), await promClientText(defs, series));
  });

  it('is byte-identical to prom-client for arbitrary label values and numbers', async () => {
    const text = fc.string({
      unit: fc.constantFrom('a', 'Z', '0', ' ', ',', ':', '=', '{', '}', '"', '\\', '\n', '\r', '\t', 'é', '✓', '😀'),
    });
    // Counters as prom-client accepts them (it throws on negative or infinite increments); gauges anything.
    const value = fc.oneof(
      fc.double({ min: 0, max: Number.MAX_VALUE, noNaN: true }),
      fc.nat(),
      fc.constantFrom(0, 1e21, 1e-7, Number.MAX_VALUE)
    );
    const row = fc.record({ model: text, type: text, value, gauge: fc.double(), kind: text });
    await fc.assert(
      fc.asyncProperty(fc.array(row, { maxLength: 20 }), async (rows) => {
        const a = account('openrouter', 'main');
        const samples: Sample[] = rows.flatMap((r) => [
          { metric: 'nexus_tokens_total' as const, labels: { ...a, model: r.model, type: r.type }, value: r.value },
          { metric: 'nexus_balance_usd' as const, labels: { ...a, kind: r.kind }, value: r.gauge },
        ]);
        const snap = snapshotOf(samples);
        assert.equal(ours(DATA_DEFS, [snap]), await promClientText(DATA_DEFS, (n) => [...(snap.get(n) ?? [])]));
      }),
      { numRuns: 150 }
    );
  });

  it('escapes label values exactly: backslash, double quote, newline', () => {
    assert.equal(escapeLabelValue('a\\b"c\nd'), 'a\\\\b\\"c\\nd');
    assert.equal(escapeLabelValue('plain'), 'plain');
  });
});

describe('gzip from separately deflated pieces', () => {
  const pieces = [
    '# HELP x A.\n# TYPE x gauge\n',
    'x{a="1"} 1\n'.repeat(5000),
    '',
    'y 2\n',
    'z{b="ü"} 3\n'.repeat(3),
  ].map((t) => Buffer.from(t));
  const text = Buffer.concat(pieces);
  const body = Buffer.concat(gzipFromPieces(pieces.map(gzipPart)));

  it('decompresses to the concatenated text', () => {
    assert.equal(gunzipSync(body).toString('utf8'), text.toString('utf8'));
  });

  it('is a single gzip member with the CRC-32 and length of the whole text', () => {
    assert.deepEqual([...body.subarray(0, 3)], [0x1f, 0x8b, 8]);
    // The deflate stream ends with the member: nothing is left over for a second member.
    const inflated = inflateRawSync(body.subarray(10, body.length - 8), { finishFlush: constants.Z_FINISH });
    assert.ok(inflated.equals(text), 'inflated.equals(text)');
    const reference = gzipSync(text);
    assert.ok(
      body.subarray(body.length - 8).equals(reference.subarray(reference.length - 8)),
      'same CRC-32 and ISIZE as gzip of the text'
    );
  });

  it('keeps the compression of the repetitive text', () => {
    assert.ok(body.length < text.length / 10, `${body.length} bytes for ${text.length}`);
  });

  it('combines CRC-32s as zlib does', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 300 }), (a, b) => {
        assert.equal(crc32Combine(crc32(a), crc32(b), b.length), crc32(Buffer.concat([a, b])));
      })
    );
    const big = Buffer.alloc(5_000_000, 'metric_line 1\n');
    assert.equal(crc32Combine(crc32('x'), crc32(big), big.length), crc32(Buffer.concat([Buffer.from('x'), big])));
  });
});

describe('assembly across many accounts', () => {
  // More owners than fit in one segment, chunks above and below the size at which they are deflated alone.
  const model = new MetricsModel();
  const swap = (i: number, generation: number) => {
    const a = account('openai', `a${i}`);
    const models = i % 3 === 0 ? 60 : 2;
    const samples: Sample[] = [];
    for (let m = 0; m < models; m++)
      samples.push({
        metric: 'nexus_tokens_total',
        labels: { ...a, model: `model-${m}`, type: 'input' },
        value: m + generation,
      });
    samples.push({ metric: 'nexus_spend_usd', labels: { ...a, period: 'day' }, value: i + generation });
    model.swapSnapshot(`openai/a${i}`, samples);
  };
  for (let i = 0; i < 40; i++) swap(i, 0);
  const exposition = new SnapshotExposition(DATA_DEFS);
  const text = () => Buffer.concat(exposition.textOf(model.dataVersion, model.snapshotList()).parts).toString('utf8');
  const gzip = () =>
    gunzipSync(Buffer.concat(gzipFromPieces([exposition.gzipOf(model.dataVersion, model.snapshotList())]))).toString(
      'utf8'
    );

  it('renders as prom-client does, and gzip agrees, before and after swaps', async () => {
    for (const generation of [0, 1]) {
      if (generation) {
        swap(3, 1);
        swap(17, 1);
      }
      const t = text();
      assert.equal(t, await promClientText(DATA_DEFS, (n) => model.series(n)));
      assert.equal(gzip(), t);
    }
  });

  it('rebuilds only the segments of the swapped account', () => {
    text();
    const before = { ...exposition.stats };
    swap(20, 2);
    assert.equal(gzip(), text());
    // nexus_tokens_total and nexus_spend_usd: one segment each.
    assert.equal(exposition.stats.segmentBuilds - before.segmentBuilds, 2);
    assert.equal(exposition.stats.snapshotRenders - before.snapshotRenders, 1);
  });
});
