// The ledger's accounting rules on literal batches: deltas only, revisions up and down, vanished
// groups, pruning outside the window, persistence, and identity-based de-duplication.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import type { UsageBatch, UsageRecord } from '../providers/types.js';
import { tempDir } from '../testing/harness.js';
import { Ledger } from './ledger.js';

const D1 = 1_763_337_600; // 2025-11-17T00:00Z
const D2 = D1 + 86_400;

function rec(bucketStart: number, value: number, labels = { category: 'a', project: 'p' }, identity?: string): UsageRecord {
  return { source: 's', bucketStart, metric: 'nexus_cost_usd_total', labels, value, identity };
}

function batch(usage: UsageRecord[], windowStart = D1): UsageBatch {
  return { gauges: [], usage, windows: { s: windowStart } };
}

const total = (l: Ledger, category = 'a') => l.totals().filter((t) => t.labels.category === category).reduce((s, t) => s + t.value, 0);

describe('Ledger', () => {
  it('adds only the growth of a re-read bucket', () => {
    const l = Ledger.inMemory();
    l.apply(batch([rec(D1, 5)]));
    l.apply(batch([rec(D1, 5)]));
    assert.equal(total(l), 5);
    l.apply(batch([rec(D1, 7), rec(D2, 1)]));
    assert.equal(total(l), 8);
  });

  it('counts upward revisions and owes downward ones', () => {
    const l = Ledger.inMemory();
    l.apply(batch([rec(D1, 10)]));
    l.apply(batch([rec(D1, 8)]));
    assert.equal(total(l), 10, 'never lower');
    l.apply(batch([rec(D1, 9)]));
    assert.equal(total(l), 10, 'the 1 of growth pays part of the 2 owed');
    l.apply(batch([rec(D1, 13)]));
    assert.equal(total(l), 13, 'then growth counts again');
  });

  it('treats a group that vanished from a re-read window as revised to zero', () => {
    const l = Ledger.inMemory();
    l.apply(batch([rec(D1, 4), rec(D1, 6, { category: 'b', project: 'p' })]));
    l.apply(batch([rec(D1, 4)]));
    l.apply(batch([rec(D1, 4), rec(D1, 6, { category: 'b', project: 'p' })]));
    assert.equal(total(l, 'b'), 6, 'gone and back is not double counted');
  });

  it('prunes buckets that fell out of the look-back window and does not re-add them', () => {
    const l = Ledger.inMemory();
    l.apply(batch([rec(D1, 4), rec(D2, 1)]));
    l.apply(batch([rec(D2, 1)], D2));
    assert.deepEqual(Object.keys(l.state.checkpoints.s!), [String(D2)]);
    assert.equal(total(l), 5, 'the pruned day stays counted');
  });

  it('keeps records with the same labels apart by identity', () => {
    const l = Ledger.inMemory();
    const labels = { code: '11200', level: 'error' };
    const alert = (sid: string): UsageRecord => ({ source: 's', bucketStart: D1, metric: 'nexus_provider_reported_errors_total', labels, value: 1, identity: sid });
    l.apply(batch([alert('NO1'), alert('NO2')]));
    l.apply(batch([alert('NO1'), alert('NO2'), alert('NO3')]));
    assert.equal(l.totals()[0]!.value, 3);
  });

  it('creates a series at zero on its first record', () => {
    const l = Ledger.inMemory();
    l.apply(batch([rec(D1, 0)]));
    assert.deepEqual(l.totals(), [{ metric: 'nexus_cost_usd_total', labels: { category: 'a', project: 'p' }, value: 0 }]);
  });

  it('seeds from the month start, then reads the look-back floored to the day', () => {
    const l = Ledger.inMemory();
    const now = new Date('2025-11-18T15:30:00Z');
    assert.equal(l.windowStart('s', 3 * 86_400, now), Date.UTC(2025, 10, 1) / 1000);
    l.apply(batch([rec(D1, 1)]));
    assert.equal(l.windowStart('s', 3 * 86_400, now), Date.UTC(2025, 10, 15) / 1000);
  });

  it('persists totals and checkpoints together, atomically', async () => {
    const dir = await tempDir();
    try {
      const path = join(dir.path, 'ledger', 'x.json');
      const a = await Ledger.load(path);
      a.apply(batch([rec(D1, 2.5)]));
      await a.save();
      const b = await Ledger.load(path);
      b.apply(batch([rec(D1, 3)]));
      assert.equal(total(b), 3);
      const onDisk = JSON.parse(await readFile(path, 'utf8')) as { version: number };
      assert.equal(onDisk.version, 1);
    } finally {
      await dir.remove();
    }
  });

  it('refuses a corrupt state file with advice instead of starting from zero', async () => {
    const dir = await tempDir();
    try {
      const path = join(dir.path, 'bad.json');
      const { writeFile } = await import('node:fs/promises');
      await writeFile(path, '{"version":1,"checkp');
      await assert.rejects(Ledger.load(path), /not valid JSON.*move it aside/);
    } finally {
      await dir.remove();
    }
  });
});

describe('Ledger windows and events', () => {
  it('reaches back to the last complete read after an outage longer than the look-back', () => {
    const l = Ledger.inMemory();
    l.apply(batch([rec(D1, 1)]), new Date((D1 + 3600) * 1000));
    const tenDaysLater = new Date((D1 + 10 * 86_400 + 3600) * 1000);
    assert.equal(l.windowStart('s', 3 * 86_400, tenDaysLater), D1, 'from the day of the last read, not only 3 days');
    const twoMonthsLater = new Date((D1 + 60 * 86_400) * 1000);
    assert.equal(l.windowStart('s', 3 * 86_400, twoMonthsLater), D1 + 60 * 86_400 - 28 * 86_400, 'bounded by retention');
  });

  it('does not subtract an event that vanished from an append-only source', () => {
    const l = Ledger.inMemory();
    const labels = { code: '30003', level: 'error' };
    const alert = (sid: string): UsageRecord => ({ source: 's', bucketStart: D1, metric: 'nexus_provider_reported_errors_total', labels, value: 1, identity: sid });
    l.apply({ ...batch([alert('NO1'), alert('NO2')]), appendOnly: ['s'] });
    l.apply({ ...batch([alert('NO2')]), appendOnly: ['s'] });
    l.apply({ ...batch([alert('NO2'), alert('NO3')]), appendOnly: ['s'] });
    assert.equal(l.totals()[0]!.value, 3, 'the deleted alert stays counted and the next one counts');
  });
});
