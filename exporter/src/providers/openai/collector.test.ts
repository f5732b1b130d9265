// OpenAI collector against the OpenAI simulator over real HTTP: exact values, the accounting cases
// (seeding, restart, late revision, pagination, string money, a page failing half-way) and every
// error class.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { OpenAISimulator } from '../../simulators/openai.js';
import {
  assertFailedSourceKeepsLastGoodData,
  closeTo,
  harness,
  tempDir,
  type SeriesFilter,
} from '../../testing/harness.js';
import { bucketProblem } from './collector.js';
import { decimal } from '../../metrics/decimal.js';
import { PrometheusOutput } from '../../metrics/prometheus.js';
import { DAY_SECONDS, utcDayStart, utcMonthStart } from '../values.js';

const ADMIN = 'sk-admin-test-7f3a9c2e5b1d4f60a8e2';
// Mid-month, mid-day: the month so far has 14 closed days and a partial one.
const NOW = new Date('2026-11-15T12:00:00Z');

let sim: OpenAISimulator;
let baseUrl: string;
let clock: Date;

function account(extra: Record<string, unknown> = {}) {
  return { account: 'prod', adminKey: ADMIN, baseUrl, ...extra };
}

/** What the simulator says the month cost, summed independently of the exporter. */
function monthCost(now: Date): number {
  let sum = 0;
  for (let d = utcMonthStart(now); d <= utcDayStart(now); d += DAY_SECONDS) for (const c of sim.costs(d)) sum += c.usd;
  return sum;
}

/** The month's tokens of one model and type, from the simulator's totals, split as docs/metrics.md says. */
function monthTokens(
  now: Date,
  model: string,
  type: 'input' | 'cached_input' | 'audio_input' | 'output' | 'audio_output' | 'total'
): number {
  let sum = 0;
  for (let d = utcMonthStart(now); d <= utcDayStart(now); d += DAY_SECONDS) {
    for (const u of sim.usage(d)) {
      if (u.model !== model) continue;
      sum += {
        input: u.input - u.cached - u.audioIn,
        cached_input: u.cached,
        audio_input: u.audioIn,
        output: u.output - u.audioOut,
        audio_output: u.audioOut,
        total: u.input + u.output,
      }[type];
    }
  }
  return sum;
}

describe('OpenAI collector', () => {
  before(async () => {
    sim = new OpenAISimulator({ adminKey: ADMIN, stringAmounts: true });
    baseUrl = `${await sim.start()}/v1`;
  });
  after(() => sim.stop());
  beforeEach(() => {
    clock = new Date(NOW);
    sim.now = () => clock;
    sim.clearFaults();
    sim.requests.length = 0;
  });

  it('seeds counters from the current UTC month and reports exact spend, tokens and requests', async () => {
    const h = await harness('openai', account(), { now: () => clock });
    assert.equal(await h.poller.pollNow(), true);
    const expected = monthCost(clock);
    assert.ok(expected > 10, 'the simulator serves a meaningful month');
    assert.ok(closeTo(h.value('nexus_cost_usd_total'), expected), `${h.value('nexus_cost_usd_total')} vs ${expected}`);
    assert.ok(
      closeTo(h.value('nexus_spend_usd', { period: 'month' }), expected),
      "closeTo(h.value('nexus_spend_usd', { period: 'month' }), expected)"
    );
    const today = sim.costs(utcDayStart(clock)).reduce((s, c) => s + c.usd, 0);
    assert.ok(
      closeTo(h.value('nexus_spend_usd', { period: 'day' }), today),
      "closeTo(h.value('nexus_spend_usd', { period: 'day' }), today)"
    );
    assert.equal(
      h.value('nexus_tokens_total', { model: 'gpt-4o-2024-08-06', type: 'input' }),
      monthTokens(clock, 'gpt-4o-2024-08-06', 'input')
    );
    // The types are disjoint: they add up to input_tokens + output_tokens, audio and cached included.
    const audio = 'gpt-4o-audio-preview-2024-12-17';
    for (const type of ['input', 'cached_input', 'audio_input', 'output', 'audio_output'] as const) {
      assert.equal(h.value('nexus_tokens_total', { model: audio, type }), monthTokens(clock, audio, type), type);
    }
    assert.ok(
      monthTokens(clock, audio, 'audio_input') > 0 &&
        monthTokens(clock, audio, 'audio_output') > 0 &&
        monthTokens(clock, audio, 'cached_input') > 0,
      "monthTokens(clock, audio, 'audio_input') > 0 && monthTokens(clock, audio, 'audio_output') > 0 && monthTokens(clock, audio, 'cached_input') > 0"
    );
    for (const model of ['gpt-4o-2024-08-06', 'o3-mini-2025-01-31', audio])
      assert.equal(h.value('nexus_tokens_total', { model }), monthTokens(clock, model, 'total'), model);
    assert.equal(
      h.series('nexus_tokens_total', { type: 'reasoning' }).length,
      0,
      'no Usage API object has reasoning tokens'
    );
    assert.ok(sim.usage(utcDayStart(clock)).length > 0, 'sim.usage(utcDayStart(clock)).length > 0');
    assert.equal(h.value('nexus_provider_up'), 1);
    // Line items and projects are the cost labels; projects have names, archived ones too.
    assert.ok(
      h.series('nexus_cost_usd_total', {
        category: 'gpt-4o-2024-08-06, output',
        project: 'proj_2Ykq8uJ0mZc4Vt1bHnR7aLsW',
      }).length === 1,
      "h.series('nexus_cost_usd_total', { category: 'gpt-4o-2024-08-06, output', project: 'proj_2Ykq8uJ0mZc4Vt1bHnR7aLsW', }).length === 1"
    );
    assert.deepEqual(
      h
        .series('nexus_project_info')
        .map((s) => [s.labels.project, s.labels.name, s.value])
        .sort(),
      [
        ['proj_2Ykq8uJ0mZc4Vt1bHnR7aLsW', 'Default project', 1],
        ['proj_Bq7rT1mVx9QwLk3ZpA0sNcYe', 'search-prod', 1],
        ['proj_Xo3pL8sWq1ZkT6vYc2NdE9Rb', 'Old experiments', 1],
      ]
    );
    // Spend per project adds up to the account's spend.
    for (const period of ['day', 'month']) {
      assert.equal(h.series('nexus_spend_usd', { period, scope: 'account' }).length, 1);
      assert.ok(
        closeTo(h.value('nexus_project_spend_usd', { period }), h.value('nexus_spend_usd', { period })),
        "closeTo(h.value('nexus_project_spend_usd', { period }), h.value('nexus_spend_usd', { period }))"
      );
    }
    assert.ok(
      h.value('nexus_project_spend_usd', { period: 'month', project: 'proj_Bq7rT1mVx9QwLk3ZpA0sNcYe' }) > 0,
      "h.value('nexus_project_spend_usd', { period: 'month', project: 'proj_Bq7rT1mVx9QwLk3ZpA0sNcYe' }) > 0"
    );
  });

  it('pages through the projects with after, and leaves names out when asked to', async () => {
    const h = await harness('openai', account({ usageEndpoints: [] }), { now: () => clock });
    await h.poller.pollNow();
    assert.deepEqual(
      sim.calls('/organization/projects').map((r) => [r.query.limit, r.query.include_archived, r.query.after]),
      [['100', 'true', undefined]]
    );
    const off = await harness('openai', account({ usageEndpoints: [], projectNames: false }), { now: () => clock });
    sim.requests.length = 0;
    await off.poller.pollNow();
    assert.equal(off.series('nexus_project_info').length, 0);
    assert.deepEqual(
      sim.calls('/organization/projects').map((r) => r.query.limit),
      ['1'],
      'only the liveness probe'
    );
  });

  it('keeps costs, spend and other sources when one usage endpoint fails', async () => {
    const h = await harness('openai', account({ usageEndpoints: ['completions', 'embeddings'] }), {
      now: () => clock,
      http: { retries: 0 },
    });
    await h.poller.pollNow();
    clock = new Date(NOW.getTime() + 6 * 3600_000);
    const tokensBefore = h.value('nexus_tokens_total', { model: 'gpt-4o-2024-08-06' });
    sim.inject({ kind: 'status', status: 500 }, { path: '/usage/completions', times: 5 });
    assert.equal(await h.poller.pollNow(), false);
    assert.equal(h.value('nexus_provider_up'), 0);
    assert.equal(h.value('nexus_provider_source_up', { source: 'openai.usage.completions' }), 0);
    assert.equal(h.value('nexus_provider_source_up', { source: 'openai.costs' }), 1);
    assert.equal(h.value('nexus_provider_polls_total', { result: 'partial' }), 1);
    assert.equal(
      h.value('nexus_tokens_total', { model: 'gpt-4o-2024-08-06' }),
      tokensBefore,
      'the failed source keeps its last good data'
    );
    assert.ok(closeTo(h.value('nexus_cost_usd_total'), monthCost(clock)), 'costs moved on');
    assert.equal(
      h.value('nexus_tokens_total', { model: 'text-embedding-3-small', type: 'input' }),
      monthTokens(clock, 'text-embedding-3-small', 'input'),
      'embeddings moved on'
    );
    assert.equal(h.poller.status().consecutiveFailures, 0, 'a partial poll does not count towards the breaker');
    sim.clearFaults();
    assert.equal(await h.poller.pollNow(), true);
    assert.equal(
      h.value('nexus_tokens_total', { model: 'gpt-4o-2024-08-06' }),
      monthTokens(clock, 'gpt-4o-2024-08-06', 'total')
    );
  });

  it('adds only the growth of a bucket on the next poll (no double count)', async () => {
    const h = await harness('openai', account(), { now: () => clock });
    await h.poller.pollNow();
    const first = h.value('nexus_cost_usd_total');
    await h.poller.pollNow();
    assert.ok(closeTo(h.value('nexus_cost_usd_total'), first), 'an unchanged window adds nothing');
    clock = new Date(NOW.getTime() + 3 * 3600_000);
    await h.poller.pollNow();
    assert.ok(
      closeTo(h.value('nexus_cost_usd_total'), monthCost(clock)),
      "closeTo(h.value('nexus_cost_usd_total'), monthCost(clock))"
    );
    assert.ok(h.value('nexus_cost_usd_total') > first, "h.value('nexus_cost_usd_total') > first");
  });

  it('counts a late revision of a closed day inside the look-back window', async () => {
    const h = await harness('openai', account(), { now: () => clock });
    await h.poller.pollNow();
    const before = h.value('nexus_cost_usd_total', { category: 'gpt-4o-2024-08-06, input' });
    const yesterday = utcDayStart(clock) - DAY_SECONDS;
    sim.reviseCost(yesterday, 'gpt-4o-2024-08-06, input', 'proj_2Ykq8uJ0mZc4Vt1bHnR7aLsW', 1.25);
    await h.poller.pollNow();
    assert.ok(
      closeTo(h.value('nexus_cost_usd_total', { category: 'gpt-4o-2024-08-06, input' }), before + 1.25),
      "closeTo(h.value('nexus_cost_usd_total', { category: 'gpt-4o-2024-08-06, input' }), before + 1.25)"
    );
    assert.ok(
      closeTo(h.value('nexus_cost_usd_total'), monthCost(clock)),
      "closeTo(h.value('nexus_cost_usd_total'), monthCost(clock))"
    );
  });

  it('never lowers a counter on a downward revision, and pays it back from later growth', async () => {
    const h = await harness('openai', account(), { now: () => clock });
    await h.poller.pollNow();
    const line = { category: 'gpt-4o-2024-08-06, input', project: 'proj_2Ykq8uJ0mZc4Vt1bHnR7aLsW' };
    const before = h.value('nexus_cost_usd_total', line);
    const yesterday = utcDayStart(clock) - DAY_SECONDS;
    sim.reviseCost(yesterday, line.category, line.project, -0.5);
    await h.poller.pollNow();
    assert.equal(h.value('nexus_cost_usd_total', line), before, 'a counter never goes down');
    sim.reviseCost(yesterday, line.category, line.project, 2);
    await h.poller.pollNow();
    assert.ok(closeTo(h.value('nexus_cost_usd_total', line), before + 1.5), 'the debt is paid from the next increase');
  });

  it('survives a restart in the middle without double counting or losing usage', async () => {
    const dir = await tempDir();
    try {
      const h1 = await harness('openai', account(), { now: () => clock, stateDir: dir.path });
      await h1.poller.pollNow();
      const total1 = h1.value('nexus_cost_usd_total');
      // The process dies; usage continues meanwhile.
      clock = new Date(NOW.getTime() + 2 * 3600_000);
      const h2 = await harness('openai', account(), { now: () => clock, stateDir: dir.path });
      assert.ok(closeTo(h2.value('nexus_cost_usd_total'), total1), 'persisted totals are served before the first poll');
      await h2.poller.pollNow();
      assert.ok(
        closeTo(h2.value('nexus_cost_usd_total'), monthCost(clock)),
        "closeTo(h2.value('nexus_cost_usd_total'), monthCost(clock))"
      );
      assert.equal(
        h2.value('nexus_tokens_total', { model: 'gpt-4o-2024-08-06', type: 'input' }),
        monthTokens(clock, 'gpt-4o-2024-08-06', 'input')
      );
    } finally {
      await dir.remove();
    }
  });

  it('follows next_page cursors across pages', async () => {
    const h = await harness('openai', account({ usageEndpoints: ['completions'], pageSize: 4 }), { now: () => clock });
    await h.poller.pollNow();
    const cursors = sim.calls('/usage/completions').map((r) => r.query.page);
    assert.equal(cursors.length, 4, '15 daily buckets in pages of 4');
    assert.equal(cursors[0], undefined);
    assert.ok(
      cursors.slice(1).every((c) => typeof c === 'string' && c.startsWith('page_')),
      "cursors.slice(1).every((c) => typeof c === 'string' && c.startsWith('page_'))"
    );
    assert.equal(
      h.value('nexus_tokens_total', { model: 'gpt-4o-2024-08-06', type: 'input' }),
      monthTokens(clock, 'gpt-4o-2024-08-06', 'input')
    );
    assert.ok(
      closeTo(h.value('nexus_cost_usd_total'), monthCost(clock)),
      "closeTo(h.value('nexus_cost_usd_total'), monthCost(clock))"
    );
  });

  it('applies nothing from a source whose page fails half-way, and counts it exactly once later', async () => {
    const h = await harness('openai', account({ usageEndpoints: ['completions'], pageSize: 2 }), {
      now: () => clock,
      http: { retries: 0 },
    });
    await h.poller.pollNow();
    const seeded = h.value('nexus_tokens_total');
    clock = new Date(NOW.getTime() + 6 * 3600_000);
    // The look-back window is 4 daily buckets in pages of 2: page 1 answers, page 2 arrives truncated.
    sim.inject({ kind: 'truncated' }, { path: '/usage/completions', after: 1 });
    assert.equal(await h.poller.pollNow(), false);
    assert.equal(h.value('nexus_tokens_total'), seeded, 'nothing from the half-read source is applied');
    assert.ok(closeTo(h.value('nexus_cost_usd_total'), monthCost(clock)), 'the costs source, read completely, applies');
    assert.equal(h.value('nexus_provider_up'), 0);
    assert.equal(
      h.value('nexus_provider_errors_total', { reason: 'bad_response', endpoint: '/organization/usage/completions' }),
      1
    );
    assert.equal(await h.poller.pollNow(), true);
    assert.equal(
      h.value('nexus_tokens_total', { model: 'gpt-4o-2024-08-06', type: 'input' }),
      monthTokens(clock, 'gpt-4o-2024-08-06', 'input')
    );
    assert.ok(
      closeTo(h.value('nexus_cost_usd_total'), monthCost(clock)),
      "closeTo(h.value('nexus_cost_usd_total'), monthCost(clock))"
    );
  });

  const owns =
    (...metrics: string[]): SeriesFilter =>
    (m) =>
      metrics.includes(m);
  for (const c of [
    {
      endpoint: '/organization/costs',
      source: 'openai.costs',
      owned: owns('nexus_cost_usd_total', 'nexus_spend_usd', 'nexus_project_spend_usd'),
      field: undefined,
    },
    {
      endpoint: '/organization/usage/completions',
      source: 'openai.usage.completions',
      owned: owns('nexus_tokens_total'),
      field: 'start_time',
    },
  ]) {
    it(`${c.endpoint} with bucket times in epoch milliseconds: bad_response, nothing booked to a wrong day, last good data kept`, async () => {
      const h = await harness('openai', account({ usageEndpoints: ['completions'] }), {
        now: () => clock,
        http: { retries: 0 },
      });
      assert.equal(await h.poller.pollNow(), true);
      clock = new Date(NOW.getTime() + 6 * 3600_000);
      await assertFailedSourceKeepsLastGoodData(
        h,
        { endpoint: c.endpoint, reason: 'bad_response', source: c.source },
        {
          fail: () => sim.inject({ kind: 'dates', field: c.field }, { path: c.endpoint, times: 10 }),
          recover: () => {
            assert.match(
              h.poller.status().lastError!.message,
              /bucket start_time 17\d{11}, end_time 17\d+: not a UTC day from 17\d{8} to 17\d{8} in Unix seconds/
            );
            sim.clearFaults();
          },
        },
        c.owned
      );
      assert.ok(
        closeTo(h.value('nexus_cost_usd_total'), monthCost(clock)),
        "closeTo(h.value('nexus_cost_usd_total'), monthCost(clock))"
      );
      assert.equal(
        h.value('nexus_tokens_total', { model: 'gpt-4o-2024-08-06', type: 'input' }),
        monthTokens(clock, 'gpt-4o-2024-08-06', 'input')
      );
    });
  }

  it('books no bucket outside the window asked for or in the future', () => {
    const now = new Date('2026-11-15T12:00:00Z');
    const day = utcDayStart(now);
    const start = day - 3 * DAY_SECONDS;
    assert.equal(bucketProblem({ start_time: start, end_time: start + DAY_SECONDS }, start, now), undefined);
    assert.equal(bucketProblem({ start_time: day, end_time: day + DAY_SECONDS }, start, now), undefined);
    // A provider's clock a little ahead may already serve tomorrow.
    assert.equal(
      bucketProblem({ start_time: day + DAY_SECONDS, end_time: day + 2 * DAY_SECONDS }, start, now),
      undefined
    );
    for (const [s, e] of [
      [start - DAY_SECONDS, start],
      [day + 2 * DAY_SECONDS, day + 3 * DAY_SECONDS],
      [day + 3600, day + DAY_SECONDS],
      [day, day],
      [day, day + 2 * DAY_SECONDS],
      [day * 1000, (day + DAY_SECONDS) * 1000],
    ]) {
      assert.ok(bucketProblem({ start_time: s!, end_time: e! }, start, now), `${s}-${e}`);
    }
  });

  it('exports cost sums exactly: the exposition shows the decimal that the lines add up to', async () => {
    const h = await harness('openai', account({ usageEndpoints: [] }), { now: () => clock });
    await h.poller.pollNow();
    // Every amount the simulator serves has at most 10 decimal places: sum them as integers.
    let units = 0n;
    let float = 0;
    for (let d = utcMonthStart(clock); d <= utcDayStart(clock); d += DAY_SECONDS) {
      for (const c of sim.costs(d)) {
        units += BigInt(Math.round(c.usd * 1e10));
        float += c.usd;
      }
    }
    const exact = `${units / 10n ** 10n}.${(units % 10n ** 10n).toString().padStart(10, '0')}`.replace(/\.?0+$/, '');
    assert.ok(sim.costs(utcDayStart(clock)).length * 15 > 200, 'hundreds of small amounts');
    assert.notEqual(String(float), exact, 'a float sum of the same amounts drifts');
    const text = await new PrometheusOutput(h.model).render();
    const line = (metric: string) => {
      const values = text
        .split('\n')
        .filter((l) => l.startsWith(`${metric}{`))
        .map((l) => l.slice(l.lastIndexOf(' ') + 1));
      return values;
    };
    assert.equal(String(h.value('nexus_spend_usd', { period: 'month' })), exact);
    assert.deepEqual(line('nexus_spend_usd').length, 2);
    assert.ok(line('nexus_spend_usd').includes(exact), `${line('nexus_spend_usd').join(', ')} vs ${exact}`);
    // The counter's series add up to the same sum exactly.
    let series = 0n;
    for (const v of line('nexus_cost_usd_total')) series += decimal(v);
    assert.equal(series, decimal(exact));
  });
});
