// OpenRouter collector against the OpenRouter simulator over real HTTP: exact gauges and activity
// counters, the /activity read interval, late days, revisions, a restart, the two kinds of key, and
// every error class leaving the last good data in place.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { Fault } from '../../simulators/base.js';
import { createHash } from 'node:crypto';
import { OPENROUTER_MODELS, OpenRouterSimulator, type OpenRouterSimOptions } from '../../simulators/openrouter.js';
import {
  assertFailedSourceKeepsLastGoodData,
  closeTo,
  harness,
  tempDir,
  type SeriesFilter,
} from '../../testing/harness.js';
import type { LedgerFile } from '../../poll/ledger.js';
import type { MetricName } from '../../metrics/catalog.js';
import { DAY_SECONDS, utcDayStart, utcMonthStart, utcWeekStart } from '../values.js';

const API_KEY = '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';
const MANAGEMENT_KEY = 'sk-or-v1-m9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1f0e9';
// Mid-month, mid-week, on a minute boundary (so /key's one-minute cache shows the current numbers).
const NOW = new Date('2026-11-18T12:00:00Z');
const HOUR = 3600_000;

let sim: OpenRouterSimulator;
let baseUrl: string;
let clock: Date;

function account(extra: Record<string, unknown> = {}) {
  return { account: 'main', apiKey: API_KEY, managementKey: MANAGEMENT_KEY, baseUrl, ...extra };
}

/** Spend from `fromDay` through now, summed day by day from the simulator's activity. */
function spendSince(fromDay: number): number {
  let sum = 0;
  for (let d = fromDay; d <= utcDayStart(clock); d += DAY_SECONDS) for (const r of sim.rows(d, clock)) sum += r.usd;
  return sum;
}

/** Completed days of the current month before `untilDay` (exclusive), as /activity serves them. */
function completedRows(untilDay = utcDayStart(clock)) {
  const rows = [];
  for (let d = utcMonthStart(clock); d < untilDay; d += DAY_SECONDS) rows.push(...sim.rows(d));
  return rows;
}

function sum<T>(items: T[], f: (item: T) => number): number {
  return items.reduce((s, i) => s + f(i), 0);
}

/** Calls of /key itself (sim.calls('/key') would count /keys too). */
const keyCalls = () => sim.requests.filter((r) => r.path.endsWith('/key')).length;
const hashOf = (key: string) => createHash('sha256').update(key).digest('hex');

async function restartSim(options: Partial<OpenRouterSimOptions>): Promise<void> {
  await sim.stop();
  sim = new OpenRouterSimulator({ apiKey: API_KEY, managementKey: MANAGEMENT_KEY, ...options });
  sim.now = () => clock;
  baseUrl = `${await sim.start()}/api/v1`;
}

describe('OpenRouter collector', () => {
  beforeEach(async () => {
    clock = new Date(NOW);
    sim = new OpenRouterSimulator({ apiKey: API_KEY, managementKey: MANAGEMENT_KEY });
    sim.now = () => clock;
    baseUrl = `${await sim.start()}/api/v1`;
  });
  afterEach(() => sim.stop());

  it('reports the key spend and limit, the prepaid balance and the month of completed activity exactly', async () => {
    const h = await harness('openrouter', account(), { now: () => clock });
    assert.equal(await h.poller.pollNow(), true);

    const day = spendSince(utcDayStart(clock));
    const week = spendSince(utcWeekStart(clock));
    const month = spendSince(utcMonthStart(clock));
    assert.ok(
      day > 0 && week > day && month > week && month < 500,
      'the periods differ and the limit is not exhausted'
    );
    assert.ok(
      closeTo(h.value('nexus_spend_usd', { period: 'day', scope: 'account' }), day),
      "closeTo(h.value('nexus_spend_usd', { period: 'day', scope: 'account' }), day)"
    );
    assert.ok(
      closeTo(h.value('nexus_spend_usd', { period: 'week', scope: 'account' }), week),
      "closeTo(h.value('nexus_spend_usd', { period: 'week', scope: 'account' }), week)"
    );
    assert.ok(
      closeTo(h.value('nexus_spend_usd', { period: 'month', scope: 'account' }), month),
      "closeTo(h.value('nexus_spend_usd', { period: 'month', scope: 'account' }), month)"
    );
    assert.equal(
      h.series('nexus_spend_usd', { scope: 'key' }).length,
      0,
      "with a management key the spend is the account's"
    );
    assert.deepEqual(
      h.series('nexus_project_info').map((s) => [s.labels.project, s.labels.name]),
      [[hashOf(API_KEY), 'Default key']]
    );
    assert.ok(
      closeTo(h.value('nexus_balance_usd', { kind: 'key_limit_remaining' }), 500 - month),
      "closeTo(h.value('nexus_balance_usd', { kind: 'key_limit_remaining' }), 500 - month)"
    );
    const { totalCredits, totalUsage } = sim.credits(clock);
    assert.ok(totalUsage > month, 'totalUsage > month');
    assert.ok(
      closeTo(h.value('nexus_balance_usd', { kind: 'prepaid' }), totalCredits - totalUsage),
      "closeTo(h.value('nexus_balance_usd', { kind: 'prepaid' }), totalCredits - totalUsage)"
    );

    // Only completed days count: the month so far minus today.
    const rows = completedRows();
    const cost = sum(rows, (r) => r.usd);
    assert.ok(cost > 10 && closeTo(cost, month - day), 'cost > 10 && closeTo(cost, month - day)');
    assert.ok(closeTo(h.value('nexus_cost_usd_total'), cost), `${h.value('nexus_cost_usd_total')} vs ${cost}`);
    for (const { model, reasoning } of OPENROUTER_MODELS) {
      const mine = rows.filter((r) => r.model === model);
      // Disjoint types: reasoning is part of the completion tokens, so output is the rest of them.
      assert.equal(
        h.value('nexus_tokens_total', { model, type: 'input' }),
        sum(mine, (r) => r.prompt),
        model
      );
      assert.equal(
        h.value('nexus_tokens_total', { model, type: 'output' }),
        sum(mine, (r) => r.completion - r.reasoning),
        model
      );
      assert.equal(
        h.value('nexus_tokens_total', { model, type: 'reasoning' }),
        sum(mine, (r) => r.reasoning),
        model
      );
      assert.equal(
        h.value('nexus_tokens_total', { model }),
        sum(mine, (r) => r.prompt + r.completion),
        `${model}: the types add up to the total`
      );
      assert.equal(
        h.value('nexus_usage_requests_total', { category: model }),
        sum(mine, (r) => r.requests),
        model
      );
      assert.ok(
        closeTo(
          h.value('nexus_cost_usd_total', { category: model, project: 'none' }),
          sum(mine, (r) => r.usd)
        ),
        model
      );
      if (reasoning) assert.ok(sum(mine, (r) => r.reasoning) > 0, 'sum(mine, (r) => r.reasoning) > 0');
    }
    // Several provider endpoints serve one model on one day; they become one series per model.
    assert.ok(
      rows.some((r, i) => rows.some((o, j) => j !== i && o.day === r.day && o.model === r.model)),
      'rows.some((r, i) => rows.some((o, j) => j !== i && o.day === r.day && o.model === r.model))'
    );
    // A free model's cost series exists at $0, so dashboards show 0 rather than nothing.
    const freeModels = new Set(rows.filter((r) => r.usd === 0).map((r) => r.model));
    assert.ok(freeModels.size > 0, 'the simulator serves a free model');
    assert.deepEqual(
      new Set(h.series('nexus_cost_usd_total').map((s) => s.labels.category)),
      new Set(rows.map((r) => r.model))
    );
    for (const model of freeModels) assert.equal(h.value('nexus_cost_usd_total', { category: model }), 0);
    assert.equal(h.value('nexus_provider_up'), 1);
  });

  it('reads /activity once per interval and again after midnight, adding the day that completed', async () => {
    const h = await harness('openrouter', account({ activityIntervalSeconds: 3600 }), { now: () => clock });
    await h.poller.pollNow();
    const first = h.value('nexus_cost_usd_total');
    clock = new Date(NOW.getTime() + 10 * 60_000);
    assert.equal(await h.poller.pollNow(), true);
    assert.equal(sim.calls('/activity').length, 1, 'not read again within the interval');
    assert.equal(keyCalls(), 2);
    assert.ok(closeTo(h.value('nexus_cost_usd_total'), first), 'a poll between reads keeps the counters as they were');

    // 23:50 is past the interval; 00:10 is not, but a new UTC day has completed.
    const day = utcDayStart(NOW);
    clock = new Date((day + DAY_SECONDS) * 1000 - 10 * 60_000);
    await h.poller.pollNow();
    assert.equal(sim.calls('/activity').length, 2);
    assert.ok(closeTo(h.value('nexus_cost_usd_total'), first), 'today is not in /activity yet');
    clock = new Date((day + DAY_SECONDS) * 1000 + 10 * 60_000);
    assert.equal(await h.poller.pollNow(), true);
    assert.equal(sim.calls('/activity').length, 3, 'a new UTC day is read at once');
    assert.ok(sim.dayCost(day) > 0, 'sim.dayCost(day) > 0');
    assert.ok(
      closeTo(h.value('nexus_cost_usd_total'), first + sim.dayCost(day)),
      "closeTo(h.value('nexus_cost_usd_total'), first + sim.dayCost(day))"
    );
  });

  it('counts a day that /activity publishes hours after midnight, once', async () => {
    sim.activityLagHours = 6;
    const h = await harness('openrouter', account({ activityIntervalSeconds: 3600 }), { now: () => clock });
    await h.poller.pollNow();
    const first = h.value('nexus_cost_usd_total');
    const day = utcDayStart(NOW);
    clock = new Date((day + DAY_SECONDS) * 1000 + 1 * HOUR);
    await h.poller.pollNow();
    assert.ok(closeTo(h.value('nexus_cost_usd_total'), first), 'not published yet');
    clock = new Date((day + DAY_SECONDS) * 1000 + 7 * HOUR);
    await h.poller.pollNow();
    assert.ok(
      closeTo(h.value('nexus_cost_usd_total'), first + sim.dayCost(day)),
      "closeTo(h.value('nexus_cost_usd_total'), first + sim.dayCost(day))"
    );
    clock = new Date((day + DAY_SECONDS) * 1000 + 9 * HOUR);
    await h.poller.pollNow();
    assert.equal(sim.calls('/activity').length, 4);
    assert.ok(closeTo(h.value('nexus_cost_usd_total'), first + sim.dayCost(day)), 're-reading it adds nothing');
  });

  it('declares /activity as closed daily buckets, complete up to the newest day it has published', async () => {
    sim.activityLagHours = 6;
    const h = await harness('openrouter', account({ activityIntervalSeconds: 3600 }), { now: () => clock });
    await h.poller.pollNow();
    assert.deepEqual(
      h
        .series('nexus_source_info')
        .map((s) => `${s.labels.source} ${s.labels.bucket} ${s.labels.delivery}`)
        .sort(),
      [
        'openrouter.activity day closed',
        'openrouter.credits none live',
        'openrouter.key none live',
        'openrouter.keys none live',
      ]
    );
    const day = utcDayStart(NOW);
    const dataUntil = () => h.value('nexus_source_data_timestamp_seconds', { source: 'openrouter.activity' });
    assert.equal(dataUntil(), day, 'complete up to the start of today: yesterday was published');
    assert.equal(
      h.value('nexus_source_data_timestamp_seconds', { source: 'openrouter.key' }),
      Math.floor(NOW.getTime() / 1000),
      'live: as of the read'
    );
    clock = new Date((day + DAY_SECONDS) * 1000 + 1 * HOUR);
    await h.poller.pollNow();
    assert.equal(dataUntil(), day, 'the day that just ended is not published yet');
    clock = new Date((day + DAY_SECONDS) * 1000 + 7 * HOUR);
    await h.poller.pollNow();
    assert.equal(dataUntil(), day + DAY_SECONDS);
  });

  it('counts late revisions inside the look-back, never lowers a counter, and ignores days outside it', async () => {
    const h = await harness('openrouter', account({ activityIntervalSeconds: 0, lookbackDays: 3 }), {
      now: () => clock,
    });
    await h.poller.pollNow();
    const model = { category: 'openai/gpt-4.1', project: 'none' };
    const before = h.value('nexus_cost_usd_total', model);
    const yesterday = utcDayStart(clock) - DAY_SECONDS;

    sim.reviseActivity(yesterday, model.category, 1.25);
    await h.poller.pollNow();
    assert.ok(
      closeTo(h.value('nexus_cost_usd_total', model), before + 1.25),
      "closeTo(h.value('nexus_cost_usd_total', model), before + 1.25)"
    );
    assert.ok(
      closeTo(
        h.value('nexus_cost_usd_total'),
        sum(completedRows(), (r) => r.usd)
      ),
      "closeTo(h.value('nexus_cost_usd_total'), sum(completedRows(), (r) => r.usd))"
    );

    sim.reviseActivity(yesterday, model.category, -0.5);
    await h.poller.pollNow();
    assert.ok(closeTo(h.value('nexus_cost_usd_total', model), before + 1.25), 'a counter never goes down');
    sim.reviseActivity(yesterday, model.category, 2);
    await h.poller.pollNow();
    assert.ok(
      closeTo(h.value('nexus_cost_usd_total', model), before + 1.25 + 1.5),
      'the debt is paid from the next increase'
    );

    sim.reviseActivity(utcDayStart(clock) - 6 * DAY_SECONDS, model.category, 4);
    await h.poller.pollNow();
    assert.ok(closeTo(h.value('nexus_cost_usd_total', model), before + 2.75), 'a day outside the look-back is final');
  });

  it('survives a restart across midnight without double counting or losing a day', async () => {
    const dir = await tempDir();
    try {
      const h1 = await harness('openrouter', account(), { now: () => clock, stateDir: dir.path });
      await h1.poller.pollNow();
      const total1 = h1.value('nexus_cost_usd_total');
      clock = new Date(NOW.getTime() + 26 * HOUR);
      const h2 = await harness('openrouter', account(), { now: () => clock, stateDir: dir.path });
      assert.ok(closeTo(h2.value('nexus_cost_usd_total'), total1), 'persisted totals are served before the first poll');
      assert.equal(await h2.poller.pollNow(), true);
      const rows = completedRows();
      assert.ok(
        closeTo(
          h2.value('nexus_cost_usd_total'),
          sum(rows, (r) => r.usd)
        ),
        "closeTo(h2.value('nexus_cost_usd_total'), sum(rows, (r) => r.usd))"
      );
      assert.ok(h2.value('nexus_cost_usd_total') > total1, "h2.value('nexus_cost_usd_total') > total1");
      const model = 'google/gemini-2.5-flash';
      assert.equal(
        h2.value('nexus_tokens_total', { model, type: 'input' }),
        sum(
          rows.filter((r) => r.model === model),
          (r) => r.prompt
        )
      );
      // Days before the look-back (3 days, floored to the day) are final: their checkpoints are pruned.
      const state = JSON.parse(await readFile(join(dir.path, 'ledger', 'openrouter-main.json'), 'utf8')) as LedgerFile;
      const buckets = Object.keys(state.checkpoints['openrouter.activity'] ?? {})
        .map(Number)
        .sort((a, b) => a - b);
      assert.deepEqual(
        buckets,
        [0, 1, 2].map((i) => utcDayStart(clock) - (3 - i) * DAY_SECONDS)
      );
    } finally {
      await dir.remove();
    }
  });

  it('reads only /key without a management key, and no key limit when the key has none', async () => {
    await sim.stop();
    sim = new OpenRouterSimulator({ apiKey: API_KEY, limit: null });
    sim.now = () => clock;
    baseUrl = `${await sim.start()}/api/v1`;
    const h = await harness('openrouter', { account: 'main', apiKey: API_KEY, baseUrl }, { now: () => clock });
    assert.equal(await h.poller.pollNow(), true);
    assert.deepEqual(
      sim.requests.map((r) => r.path),
      ['/api/v1/key']
    );
    assert.ok(
      closeTo(h.value('nexus_spend_usd', { period: 'month', scope: 'key' }), spendSince(utcMonthStart(clock))),
      "closeTo(h.value('nexus_spend_usd', { period: 'month', scope: 'key' }), spendSince(utcMonthStart(clock)))"
    );
    assert.equal(h.series('nexus_spend_usd', { scope: 'account' }).length, 0, "one key's spend says so");
    assert.equal(h.series('nexus_balance_usd').length, 0);
    assert.equal(h.series('nexus_cost_usd_total').length, 0);
  });

  it('with a management key, reads every key: the account spend, each key spend and the key names', async () => {
    await restartSim({
      otherKeys: [
        { name: 'batch-jobs', key: 'sk-or-v1-batch-0000000000000000', share: 0.3 },
        { name: 'old-staging', key: 'sk-or-v1-stage-0000000000000000', share: 0.1, disabled: true },
      ],
    });
    const h = await harness('openrouter', account(), { now: () => clock });
    assert.equal(await h.poller.pollNow(), true);
    const keys = sim.keys();
    for (const [period, field] of [
      ['day', 'daily'],
      ['week', 'weekly'],
      ['month', 'monthly'],
    ] as const) {
      const all = sum(keys, (k) => sim.keyUsage(k)[field]);
      assert.ok(closeTo(h.value('nexus_spend_usd', { period, scope: 'account' }), all), period);
      assert.ok(
        closeTo(
          all,
          spendSince(
            period === 'day' ? utcDayStart(clock) : period === 'week' ? utcWeekStart(clock) : utcMonthStart(clock)
          )
        ),
        'the keys add up to the account'
      );
      for (const k of keys)
        assert.ok(
          closeTo(h.value('nexus_project_spend_usd', { period, project: hashOf(k.key) }), sim.keyUsage(k)[field]),
          `${period} ${k.name}`
        );
    }
    assert.ok(
      h.value('nexus_project_spend_usd', { period: 'month', project: hashOf('sk-or-v1-stage-0000000000000000') }) > 0,
      'a disabled key still spent this month'
    );
    assert.deepEqual(
      new Set(h.series('nexus_project_info').map((s) => s.labels.name)),
      new Set(['Default key', 'batch-jobs', 'old-staging'])
    );
    assert.deepEqual(
      sim.calls('/keys').map((r) => r.query.include_disabled),
      ['true']
    );
    // The configured key's own limit is still read from /key.
    assert.ok(
      closeTo(h.value('nexus_balance_usd', { kind: 'key_limit_remaining' }), 500 - sim.keyUsage().monthly),
      "closeTo(h.value('nexus_balance_usd', { kind: 'key_limit_remaining' }), 500 - sim.keyUsage().monthly)"
    );
  });

  it('pages through /keys by offset and caps the per-key series, keeping the account total exact', async () => {
    const otherKeys = Array.from({ length: 149 }, (_, i) => ({
      name: `key-${i}`,
      key: `sk-or-v1-many-${String(i).padStart(4, '0')}`,
      share: 0.005,
    }));
    await restartSim({ otherKeys });
    const h = await harness('openrouter', account(), { now: () => clock });
    assert.equal(await h.poller.pollNow(), true, JSON.stringify(h.poller.status().lastError));
    assert.deepEqual(
      sim.calls('/keys').map((r) => r.query.offset),
      [undefined, '100']
    );
    const month = h.series('nexus_project_spend_usd', { period: 'month' });
    assert.equal(month.length, 101, '100 keys of their own, the rest as other');
    assert.ok(
      month.some((s) => s.labels.project === 'other'),
      "month.some((s) => s.labels.project === 'other')"
    );
    const all = sum(sim.keys(), (k) => sim.keyUsage(k).monthly);
    assert.ok(
      closeTo(
        sum(month, (s) => s.value),
        all
      ),
      'closeTo(sum(month, (s) => s.value), all)'
    );
    assert.ok(
      closeTo(h.value('nexus_spend_usd', { period: 'month' }), all),
      "closeTo(h.value('nexus_spend_usd', { period: 'month' }), all)"
    );
    assert.equal(
      h.series('nexus_project_info').filter((s) => s.labels.project === 'other').length,
      0,
      'no name for other'
    );
  });

  for (const form of ['live', 'spec'] as const) {
    it(`reads /activity dates in the ${form} form (${form === 'live' ? '2026-08-23 00:00:00' : '2026-08-23'})`, async () => {
      await restartSim({ activityDates: form });
      const h = await harness('openrouter', account(), { now: () => clock });
      assert.equal(await h.poller.pollNow(), true);
      const served = (await (
        await fetch(`${baseUrl}/activity`, { headers: { authorization: `Bearer ${MANAGEMENT_KEY}` } })
      ).json()) as { data: Array<{ date: string }> };
      assert.match(served.data[0]!.date, form === 'live' ? /^\d{4}-\d{2}-\d{2} 00:00:00$/ : /^\d{4}-\d{2}-\d{2}$/);
      assert.ok(
        closeTo(
          h.value('nexus_cost_usd_total'),
          sum(completedRows(), (r) => r.usd)
        ),
        "closeTo(h.value('nexus_cost_usd_total'), sum(completedRows(), (r) => r.usd))"
      );
    });
  }

  it('fails with auth when an ordinary key is configured as the management key, without echoing it', async () => {
    const h = await harness('openrouter', account({ managementKey: API_KEY }), {
      now: () => clock,
      http: { retries: 0 },
    });
    assert.equal(await h.poller.pollNow(), false);
    assert.equal(h.value('nexus_provider_errors_total', { endpoint: '/credits', reason: 'auth' }), 1);
    assert.equal(h.value('nexus_provider_up'), 0);
    const message = h.poller.status().lastError?.message ?? '';
    assert.match(message, /Only management keys can perform this operation/);
    assert.ok(!message.includes(API_KEY), '!message.includes(API_KEY)');
  });

  it('connection test: reads /key with the configured key and fails with auth for a wrong one', async () => {
    const h = await harness('openrouter', account(), { now: () => clock, http: { retries: 0 } });
    await h.poller.probe();
    assert.deepEqual(
      sim.requests.map((r) => r.path),
      ['/api/v1/key']
    );
    await assert.rejects(
      h.poller.probe({ ...h.poller.config, apiKey: 'sk-or-v1-revoked-000000000000' }),
      (e: Error & { reason?: string }) => {
        assert.equal(e.reason, 'auth');
        assert.match(e.message, /User not found/);
        return true;
      }
    );
  });

  it('waits for a short Retry-After and then succeeds', async () => {
    const h = await harness('openrouter', account(), { now: () => clock, http: { retries: 1 } });
    sim.inject({ kind: 'status', status: 429, retryAfter: 1, message: 'Rate limit exceeded' }, { path: '/key' });
    const started = Date.now();
    assert.equal(await h.poller.pollNow(), true);
    assert.ok(Date.now() - started >= 1000, 'waited as asked');
    assert.equal(h.value('nexus_provider_errors_total', { endpoint: '/key', reason: 'rate_limited' }), 1);
    assert.equal(keyCalls(), 2);
  });

  const is =
    (metric: MetricName, labels: Record<string, string> = {}): SeriesFilter =>
    (m, l) =>
      m === metric && Object.entries(labels).every(([k, v]) => l[k] === v);
  const any =
    (...filters: SeriesFilter[]): SeriesFilter =>
    (m, l) =>
      filters.some((f) => f(m, l));
  const owners: Record<string, { source: string; owned: SeriesFilter }> = {
    '/key': { source: 'openrouter.key', owned: is('nexus_balance_usd', { kind: 'key_limit_remaining' }) },
    '/keys': {
      source: 'openrouter.keys',
      owned: any(is('nexus_spend_usd'), is('nexus_project_spend_usd'), is('nexus_project_info')),
    },
    '/credits': { source: 'openrouter.credits', owned: is('nexus_balance_usd', { kind: 'prepaid' }) },
    '/activity': {
      source: 'openrouter.activity',
      owned: any(is('nexus_cost_usd_total'), is('nexus_tokens_total'), is('nexus_usage_requests_total')),
    },
  };
  const cases: Array<{
    name: string;
    fault: Fault;
    path: string;
    endpoint: string;
    reason: string;
    timeoutSeconds?: number;
  }> = [
    {
      name: 'auth (401)',
      fault: { kind: 'status', status: 401, message: 'User not found.' },
      path: '/key$',
      endpoint: '/key',
      reason: 'auth',
    },
    {
      name: 'auth (403)',
      fault: { kind: 'status', status: 403, message: 'Only management keys can perform this operation' },
      path: '/credits',
      endpoint: '/credits',
      reason: 'auth',
    },
    {
      name: 'rate_limited (429, long Retry-After)',
      fault: { kind: 'status', status: 429, retryAfter: 30, message: 'Rate limit exceeded' },
      path: '/keys',
      endpoint: '/keys',
      reason: 'rate_limited',
    },
    {
      name: 'server (502)',
      fault: { kind: 'status', status: 502, message: 'Provider returned error' },
      path: '/activity',
      endpoint: '/activity',
      reason: 'server',
    },
    {
      name: 'timeout',
      fault: { kind: 'slow', ms: 1500 },
      path: '/credits',
      endpoint: '/credits',
      reason: 'timeout',
      timeoutSeconds: 0.3,
    },
    { name: 'network', fault: { kind: 'drop' }, path: '/key$', endpoint: '/key', reason: 'network' },
    {
      name: 'bad_response (HTML)',
      fault: { kind: 'html' },
      path: '/activity',
      endpoint: '/activity',
      reason: 'bad_response',
    },
    {
      name: 'bad_response (truncated)',
      fault: { kind: 'truncated' },
      path: '/keys',
      endpoint: '/keys',
      reason: 'bad_response',
    },
    // A third date format ("Mon, 23 Aug 2026 00:00:00 GMT"): no row may land on a wrong day.
    {
      name: 'bad_response (activity dated in a new format)',
      fault: { kind: 'dates' },
      path: '/activity',
      endpoint: '/activity',
      reason: 'bad_response',
    },
  ];
  for (const c of cases) {
    const { source, owned } = owners[c.endpoint]!;
    it(`${c.name} at ${c.endpoint}: counts the reason, keeps that source's last good data, applies the others, recovers`, async () => {
      const http = { retries: 0, ...(c.timeoutSeconds ? { timeoutSeconds: c.timeoutSeconds } : {}) };
      const h = await harness('openrouter', account({ activityIntervalSeconds: 0 }), { now: () => clock, http });
      assert.equal(await h.poller.pollNow(), true);
      // A day later every value would change, so an applied failed source could not go unnoticed.
      clock = new Date(NOW.getTime() + 26 * HOUR);
      const { before, during } = await assertFailedSourceKeepsLastGoodData(
        h,
        { endpoint: c.endpoint, reason: c.reason, source },
        {
          fail: () => sim.inject(c.fault, { path: c.path, times: 10 }),
          recover: () => sim.clearFaults(),
        },
        owned
      );
      // The sources that answered moved on while the broken one stood still.
      const moved = Object.keys(during).filter((k) => during[k] !== before[k]);
      assert.ok(moved.length > 0, 'the other sources applied');
      if (c.endpoint !== '/keys')
        assert.ok(
          closeTo(
            during[
              `nexus_spend_usd${JSON.stringify({ provider: 'openrouter', account: 'main', period: 'month', scope: 'account' })}`
            ]!,
            spendSince(utcMonthStart(clock))
          ),
          'spend is current'
        );
      if (c.endpoint !== '/credits') {
        const { totalCredits, totalUsage } = sim.credits(clock);
        assert.ok(
          closeTo(
            during[`nexus_balance_usd${JSON.stringify({ provider: 'openrouter', account: 'main', kind: 'prepaid' })}`]!,
            totalCredits - totalUsage
          ),
          'the balance is current'
        );
      }
      assert.ok(
        closeTo(
          h.value('nexus_cost_usd_total'),
          sum(completedRows(), (r) => r.usd)
        ),
        "closeTo(h.value('nexus_cost_usd_total'), sum(completedRows(), (r) => r.usd))"
      );
    });
  }
});
