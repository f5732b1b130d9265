// The ledger's accounting rules on literal batches: deltas only, revisions up and down, vanished
// groups, pruning outside the window, persistence, and identity-based de-duplication.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { join } from 'node:path';
import { readFile, writeFile } from 'node:fs/promises';
import type { SourceBatch, UsageRecord } from '../providers/types.js';
import { tempDir } from '../testing/harness.js';
import { Ledger } from './ledger.js';

const D1 = 1_763_337_600; // 2025-11-17T00:00Z
const D2 = D1 + 86_400;

function rec(
  bucketStart: number,
  value: number,
  labels = { category: 'a', project: 'p' },
  identity?: string
): UsageRecord {
  return { bucketStart, metric: 'nexus_cost_usd_total', labels, value, identity };
}

function batch(usage: UsageRecord[], window = D1): SourceBatch {
  return { usage, window };
}

const total = (l: Ledger, category = 'a') =>
  l
    .totals()
    .filter((t) => t.labels.category === category)
    .reduce((s, t) => s + t.value, 0);

describe('Ledger', () => {
  it('adds only the growth of a re-read bucket', () => {
    const l = Ledger.inMemory();
    l.apply('s', batch([rec(D1, 5)]));
    l.apply('s', batch([rec(D1, 5)]));
    assert.equal(total(l), 5);
    l.apply('s', batch([rec(D1, 7), rec(D2, 1)]));
    assert.equal(total(l), 8);
  });

  it('refuses, changing nothing, a batch with a bucket that is not a Unix time up to a day from now', () => {
    const l = Ledger.inMemory();
    const now = new Date((D2 + 3600) * 1000);
    l.apply('s', batch([rec(D1, 5)]), now);
    for (const bad of [D1 * 1000, Number.NaN, D1 + 0.5, -86_400, D2 + 2 * 86_400]) {
      assert.throws(
        () => l.apply('s', batch([rec(D1, 9), rec(bad, 1)]), now),
        /not a Unix time up to a day from now/,
        String(bad)
      );
      assert.equal(total(l), 5, 'nothing applied');
    }
    // Tomorrow (a provider's clock ahead of ours) is allowed.
    l.apply('s', batch([rec(D1, 5), rec(D2 + 86_400, 1)]), now);
    assert.equal(total(l), 6);
  });

  it('counts upward revisions and owes downward ones', () => {
    const l = Ledger.inMemory();
    l.apply('s', batch([rec(D1, 10)]));
    l.apply('s', batch([rec(D1, 8)]));
    assert.equal(total(l), 10, 'never lower');
    l.apply('s', batch([rec(D1, 9)]));
    assert.equal(total(l), 10, 'the 1 of growth pays part of the 2 owed');
    l.apply('s', batch([rec(D1, 13)]));
    assert.equal(total(l), 13, 'then growth counts again');
  });

  it('treats a group that vanished from a re-read window as revised to zero', () => {
    const l = Ledger.inMemory();
    l.apply('s', batch([rec(D1, 4), rec(D1, 6, { category: 'b', project: 'p' })]));
    l.apply('s', batch([rec(D1, 4)]));
    l.apply('s', batch([rec(D1, 4), rec(D1, 6, { category: 'b', project: 'p' })]));
    assert.equal(total(l, 'b'), 6, 'gone and back is not double counted');
  });

  it('prunes buckets that fell out of the look-back window and does not re-add them', () => {
    const l = Ledger.inMemory();
    l.apply('s', batch([rec(D1, 4), rec(D2, 1)]));
    l.apply('s', batch([rec(D2, 1)], D2));
    assert.deepEqual(Object.keys(l.state.checkpoints.s!), [String(D2)]);
    assert.equal(total(l), 5, 'the pruned day stays counted');
  });

  it('keeps records with the same labels apart by identity', () => {
    const l = Ledger.inMemory();
    const labels = { code: '11200', level: 'error' };
    const alert = (sid: string): UsageRecord => ({
      bucketStart: D1,
      metric: 'nexus_provider_reported_errors_total',
      labels,
      value: 1,
      identity: sid,
    });
    l.apply('s', batch([alert('NO1'), alert('NO2')]));
    l.apply('s', batch([alert('NO1'), alert('NO2'), alert('NO3')]));
    assert.equal(l.totals()[0]!.value, 3);
  });

  it('creates a series at zero on its first record', () => {
    const l = Ledger.inMemory();
    l.apply('s', batch([rec(D1, 0)]));
    assert.deepEqual(l.totals(), [
      { metric: 'nexus_cost_usd_total', labels: { category: 'a', project: 'p' }, value: 0, exact: 0n },
    ]);
  });

  it('seeds from the month start, then reads the look-back floored to the day', () => {
    const l = Ledger.inMemory();
    const now = new Date('2025-11-18T15:30:00Z');
    assert.equal(l.windowStart('s', 3 * 86_400, now), Date.UTC(2025, 10, 1) / 1000);
    l.apply('s', batch([rec(D1, 1)], Date.UTC(2025, 10, 1) / 1000));
    assert.equal(l.windowStart('s', 3 * 86_400, now), Date.UTC(2025, 10, 15) / 1000);
  });

  it('persists totals and checkpoints together, atomically', async () => {
    const dir = await tempDir();
    try {
      const path = join(dir.path, 'ledger', 'x.json');
      const a = await Ledger.load(path);
      a.apply('s', batch([rec(D1, 2.5)]));
      await a.save();
      const b = await Ledger.load(path);
      b.apply('s', batch([rec(D1, 3)]));
      assert.equal(total(b), 3);
      const onDisk = JSON.parse(await readFile(path, 'utf8')) as { version: number };
      assert.equal(onDisk.version, 2);
    } finally {
      await dir.remove();
    }
  });

  it('never reaches back before the window a source was seeded with: a first start on the 1st counts the new month only', () => {
    const l = Ledger.inMemory();
    const december = Date.UTC(2025, 11, 1) / 1000;
    const poll = (at: string, expected: number) => {
      const now = new Date(at);
      const start = l.windowStart('s', 3 * 86_400, now);
      assert.equal(start, expected, at);
      l.apply('s', batch([rec(december, 2.31)], start), now);
    };
    poll('2025-12-01T00:20:00Z', december);
    // Three days of look-back from the 1st, 2nd and 3rd would reach into November, never counted before.
    poll('2025-12-01T00:25:00Z', december);
    poll('2025-12-02T00:20:00Z', december);
    poll('2025-12-03T00:20:00Z', december);
    poll('2025-12-04T00:20:00Z', december);
    poll('2025-12-05T00:20:00Z', december + 86_400);
    assert.equal(total(l), 2.31);
  });

  it('adds many small amounts exactly: no float noise in the total', () => {
    const l = Ledger.inMemory();
    // 10,000 buckets of $0.1 and $0.0000001: as floats these sum to 1000.0000000001588 and the like.
    const records = Array.from({ length: 10_000 }, (_, i) => rec(D1 + i, i % 2 === 0 ? 0.1 : 0.0000001));
    l.apply('s', batch(records));
    assert.equal(l.totals()[0]!.value, 500.0005);
    assert.equal(String(l.totals()[0]!.value), '500.0005');
    l.apply('s', batch([...records.slice(0, -1), rec(D1 + 9_999, '0.0000002' as unknown as number)]));
    assert.equal(String(l.totals()[0]!.value), '500.0005001');
  });

  it('refuses a corrupt state file with advice instead of starting from zero', async () => {
    const dir = await tempDir();
    try {
      const path = join(dir.path, 'bad.json');
      await writeFile(path, '{"version":1,"checkp');
      await assert.rejects(Ledger.load(path), /not valid JSON.*move it aside/);
    } finally {
      await dir.remove();
    }
  });

  const invalid: Array<[string, string, RegExp]> = [
    ['a bare version', '{"version":1}', /bad\.json: not a valid version 1 ledger file: checkpoints: .*move it aside/],
    [
      'a version 2 file without totals',
      '{"version":2,"checkpoints":{},"admitted":{},"lastRead":{},"floors":{}}',
      /bad\.json: not a valid ledger file: totals: /,
    ],
    [
      'a money value that is not a decimal',
      '{"version":2,"checkpoints":{"s":{"1":{"k":"1,5"}}},"totals":{},"admitted":{},"lastRead":{},"floors":{}}',
      /bad\.json: not a valid ledger file: checkpoints\.s\.1\.k: must be a decimal number/,
    ],
    ['null', 'null', /bad\.json: not a ledger file \(expected a JSON object\)/],
    ['an array', '[1,2]', /bad\.json: not a ledger file \(expected a JSON object\)/],
    ['no version', '{"checkpoints":{}}', /bad\.json: not a ledger file \(version missing\)/],
    ['a newer version', '{"version":9}', /bad\.json: ledger version 9 was written by a newer exporter/],
  ];
  for (const [what, text, message] of invalid) {
    it(`refuses ${what} with the file and the problem`, async () => {
      const dir = await tempDir();
      try {
        const path = join(dir.path, 'bad.json');
        await writeFile(path, text);
        await assert.rejects(Ledger.load(path), (e: Error) => {
          assert.match(e.message, message);
          assert.doesNotMatch(e.message, /Cannot convert|undefined or null/);
          return true;
        });
      } finally {
        await dir.remove();
      }
    });
  }
});

describe('Ledger file version 1', () => {
  const ck = (labels: Record<string, string>, metric = 'nexus_tokens_total', identity = '') =>
    JSON.stringify([
      metric,
      JSON.stringify(
        Object.keys(labels)
          .sort()
          .map((k) => [k, labels[k]])
      ),
      identity,
    ]);
  const tokens = (model: string, type: string) => ck({ model, type });
  const totalKey = (metric: string, labels: Record<string, string>) =>
    `${metric}\n${JSON.stringify(
      Object.keys(labels)
        .sort()
        .map((k) => [k, labels[k]])
    )}`;

  async function loadV1(provider: string, file: unknown): Promise<Ledger> {
    const dir = await tempDir();
    try {
      const path = join(dir.path, 'v1.json');
      await writeFile(path, JSON.stringify(file));
      return await Ledger.load(path, provider);
    } finally {
      await dir.remove();
    }
  }

  it('migrates OpenAI token checkpoints to disjoint types and keeps totals, so the next read adds only new usage', async () => {
    const m = 'gpt-4o';
    const l = await loadV1('openai', {
      version: 1,
      checkpoints: {
        'openai.usage.completions': {
          [D1]: {
            [tokens(m, 'input')]: 1000,
            [tokens(m, 'cached_input')]: 400,
            [tokens(m, 'audio_input')]: 50,
            [tokens(m, 'output')]: 500,
            [tokens(m, 'audio_output')]: 50,
            [tokens(m, 'reasoning')]: 30,
          },
        },
      },
      totals: {
        [totalKey('nexus_tokens_total', { model: m, type: 'input' })]: {
          metric: 'nexus_tokens_total',
          labels: { model: m, type: 'input' },
          value: 9000,
          debt: 0,
        },
        [totalKey('nexus_tokens_total', { model: m, type: 'reasoning' })]: {
          metric: 'nexus_tokens_total',
          labels: { model: m, type: 'reasoning' },
          value: 30,
          debt: 0,
        },
        [totalKey('nexus_cost_usd_total', { category: 'x', project: 'p' })]: {
          metric: 'nexus_cost_usd_total',
          labels: { category: 'x', project: 'p' },
          value: 2885.8550000000005,
          debt: 0.1,
        },
      },
      admitted: {},
      lastRead: { 'openai.usage.completions': D1 + 3600 },
    });
    const input = () => l.totals().find((t) => t.labels.type === 'input')!.value;
    assert.equal(input(), 9000, 'the total keeps its value: a lower counter would read as a reset');
    assert.equal(
      l.totals().some((t) => t.labels.type === 'reasoning'),
      false,
      'the invented reasoning series is gone'
    );
    assert.equal(
      l.state.checkpoints['openai.usage.completions']![D1]![tokens(m, 'input')],
      550n * 10n ** 12n,
      'input − cached − audio'
    );
    assert.equal(
      l.state.checkpoints['openai.usage.completions']![D1]![tokens(m, 'output')],
      450n * 10n ** 12n,
      'output − audio output'
    );
    // The same bucket re-read with the new meaning adds nothing; growth adds only the growth.
    const again = (input: number) =>
      l.apply('openai.usage.completions', {
        usage: [{ bucketStart: D1, metric: 'nexus_tokens_total', labels: { model: m, type: 'input' }, value: input }],
        window: D1,
      });
    again(550);
    assert.equal(input(), 9000);
    again(600);
    assert.equal(input(), 9050);
    assert.equal(
      l.totals().find((t) => t.metric === 'nexus_cost_usd_total')!.exact,
      2_885_855_000_000_000n,
      'a float total becomes the decimal it stood for'
    );
  });

  it('migrates OpenRouter output to completion minus reasoning', async () => {
    const m = 'deepseek/deepseek-r1';
    const l = await loadV1('openrouter', {
      version: 1,
      checkpoints: {
        'openrouter.activity': {
          [D1]: { [tokens(m, 'output')]: 125, [tokens(m, 'reasoning')]: 25, [tokens(m, 'input')]: 50 },
        },
      },
      totals: {},
      admitted: {},
    });
    const bucket = l.state.checkpoints['openrouter.activity']![D1]!;
    assert.equal(bucket[tokens(m, 'output')], 100n * 10n ** 12n);
    assert.equal(bucket[tokens(m, 'input')], 50n * 10n ** 12n);
  });

  it('splits Exa usage into one source per key, with its last read', async () => {
    const month = Date.UTC(2025, 10, 1) / 1000;
    const line = (key: string) => ck({ category: 'Neural Search', project: key }, 'nexus_cost_usd_total');
    const l = await loadV1('exa', {
      version: 1,
      checkpoints: { 'exa.usage': { [month]: { [line('k1')]: 1.5, [line('k2')]: 2.25 } } },
      totals: {},
      admitted: {},
      lastRead: { 'exa.usage': month + 86_400 },
    });
    assert.deepEqual(Object.keys(l.state.checkpoints).sort(), ['exa.usage:k1', 'exa.usage:k2']);
    assert.equal(l.state.checkpoints['exa.usage:k2']![month]![line('k2')], 2_250_000_000_000n);
    assert.equal(l.state.lastRead['exa.usage:k1'], month + 86_400);
    assert.equal(l.hasSource('exa.usage:k1'), true, 'not seeded again: the month is not counted twice');
  });
});

describe('Ledger windows and events', () => {
  it('reaches back to the last complete read after an outage longer than the look-back', () => {
    const l = Ledger.inMemory();
    l.apply('s', batch([rec(D1, 1)]), new Date((D1 + 3600) * 1000));
    const tenDaysLater = new Date((D1 + 10 * 86_400 + 3600) * 1000);
    assert.equal(l.windowStart('s', 3 * 86_400, tenDaysLater), D1, 'from the day of the last read, not only 3 days');
    const twoMonthsLater = new Date((D1 + 60 * 86_400) * 1000);
    assert.equal(
      l.windowStart('s', 3 * 86_400, twoMonthsLater),
      D1 + 60 * 86_400 - 28 * 86_400,
      'bounded by retention'
    );
  });

  it('does not subtract an event that vanished from an append-only source', () => {
    const l = Ledger.inMemory();
    const labels = { code: '30003', level: 'error' };
    const alert = (sid: string): UsageRecord => ({
      bucketStart: D1,
      metric: 'nexus_provider_reported_errors_total',
      labels,
      value: 1,
      identity: sid,
    });
    l.apply('s', { ...batch([alert('NO1'), alert('NO2')]), appendOnly: true });
    l.apply('s', { ...batch([alert('NO2')]), appendOnly: true });
    l.apply('s', { ...batch([alert('NO2'), alert('NO3')]), appendOnly: true });
    assert.equal(l.totals()[0]!.value, 3, 'the deleted alert stays counted and the next one counts');
  });
});
