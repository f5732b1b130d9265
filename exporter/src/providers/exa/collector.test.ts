// Exa collector against the Exa simulator over real HTTP: month-bucketed billing usage per key and
// price, spend gauges, the month turning while the billing system lags, a restart, the paid probe in
// both costDollars shapes (and that it never runs unless asked), key mix-ups, and every error class
// leaving the last good data in place.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { Fault } from '../../simulators/base.js';
import { ExaSimulator, type ExaSimKey, type ExaSimOptions } from '../../simulators/exa.js';
import {
  assertFailedPollKeepsLastGoodData,
  assertFailedSourceKeepsLastGoodData,
  closeTo,
  harness,
  tempDir,
  type SeriesFilter,
} from '../../testing/harness.js';
import { utcDayStart, utcMonthStart } from '../values.js';
import { PROBE_CATEGORY, periodProblem } from './collector.js';
import { exa } from './index.js';

const SERVICE_KEY = 'exa-svc-test-8e7d6c5b4a3f2e1d0c9b8a7f';
const PROD: ExaSimKey = {
  id: '3c90c3cc-0d44-4b50-8888-8dd25736052a',
  name: 'Production',
  secret: 'exa-test-prod-5f0c2a9e7b1d4c3a8e6f',
};
const STAGING: ExaSimKey = {
  id: '9d2f6b1a-4e8c-4a7b-b3d5-0c1e2f3a4b5c',
  name: 'Staging',
  secret: 'exa-test-stg-1a2b3c4d5e6f7a8b9c0d',
};
const NOW = new Date('2026-11-18T12:00:00Z');
const HOUR = 3600_000;

let sim: ExaSimulator;
let baseUrl: string;
let clock: Date;

async function startSim(options: Partial<ExaSimOptions> = {}): Promise<void> {
  await sim?.stop();
  sim = new ExaSimulator({ serviceKey: SERVICE_KEY, keys: [PROD, STAGING], ...options });
  sim.now = () => clock;
  baseUrl = await sim.start();
}

function account(extra: Record<string, unknown> = {}) {
  return { account: 'team', serviceKey: SERVICE_KEY, baseUrl, adminBaseUrl: `${baseUrl}/team-management`, ...extra };
}

function probeAccount(extra: Record<string, unknown> = {}) {
  return { account: 'probe', apiKey: PROD.secret, paidProbe: true, baseUrl, ...extra };
}

const nowSeconds = () => clock.getTime() / 1000;

/** What the billing system shows now for [start, end), summed over keys. */
function billed(start: number, end = nowSeconds(), keys = [PROD, STAGING]): number {
  return keys.reduce((s, k) => s + sim.usage(k.id, start, end).totalUsd, 0);
}

const usageCalls = () => sim.calls('/usage');

describe('Exa collector', () => {
  beforeEach(async () => {
    clock = new Date(NOW);
    await startSim();
  });
  afterEach(() => sim.stop());

  it('reads each key month to date by price as cost, the month and today as spend, and never probes unasked', async () => {
    const h = await harness('exa', account(), { now: () => clock });
    assert.equal(await h.poller.pollNow(), true);
    const month = utcMonthStart(clock);
    let lines = 0;
    for (const key of [PROD, STAGING]) {
      for (const line of sim.usage(key.id, month, nowSeconds()).lines) {
        lines++;
        const value = h.value('nexus_cost_usd_total', { category: line.priceName, project: key.id });
        assert.ok(closeTo(value, line.amountUsd), `${key.name} ${line.priceName}: ${value} vs ${line.amountUsd}`);
      }
    }
    assert.equal(h.series('nexus_cost_usd_total').length, lines);
    assert.equal(
      h.series('nexus_cost_usd_total', { scope: 'account' }).length,
      lines,
      "every key of the team: the account's cost"
    );
    assert.ok(lines >= 6, 'lines >= 6');
    const monthTotal = billed(month);
    const dayTotal = billed(utcDayStart(clock));
    assert.ok(dayTotal > 0 && monthTotal > 10 * dayTotal, 'dayTotal > 0 && monthTotal > 10 * dayTotal');
    assert.ok(
      closeTo(h.value('nexus_cost_usd_total'), monthTotal),
      "closeTo(h.value('nexus_cost_usd_total'), monthTotal)"
    );
    assert.ok(
      closeTo(h.value('nexus_spend_usd', { period: 'month', scope: 'account' }), monthTotal),
      "closeTo(h.value('nexus_spend_usd', { period: 'month', scope: 'account' }), monthTotal)"
    );
    assert.ok(
      closeTo(h.value('nexus_spend_usd', { period: 'day', scope: 'account' }), dayTotal),
      "closeTo(h.value('nexus_spend_usd', { period: 'day', scope: 'account' }), dayTotal)"
    );
    assert.equal(h.series('nexus_spend_usd').length, 2, 'one account spend per period, summed over the keys');
    for (const key of [PROD, STAGING]) {
      assert.ok(
        closeTo(
          h.value('nexus_project_spend_usd', { period: 'month', project: key.id }),
          billed(month, nowSeconds(), [key])
        ),
        key.name
      );
      assert.ok(
        closeTo(
          h.value('nexus_project_spend_usd', { period: 'day', project: key.id }),
          billed(utcDayStart(clock), nowSeconds(), [key])
        ),
        key.name
      );
    }
    assert.deepEqual(
      h
        .series('nexus_project_info')
        .map((s) => [s.labels.project, s.labels.name])
        .sort(),
      [
        [PROD.id, 'Production'],
        [STAGING.id, 'Staging'],
      ]
    );
    assert.deepEqual(
      h
        .series('nexus_provider_source_up')
        .map((s) => s.labels.source)
        .sort(),
      ['exa.keys', `exa.usage:${PROD.id}`, `exa.usage:${STAGING.id}`]
    );

    assert.equal(
      sim.calls('/team-management/api-keys').filter((r) => r.path === '/team-management/api-keys').length,
      1
    );
    assert.deepEqual(
      usageCalls().map((r) => [r.path, r.query.start_date, r.query.end_date]),
      [
        [`/team-management/api-keys/${PROD.id}/usage`, '2026-11-01', undefined],
        [`/team-management/api-keys/${PROD.id}/usage`, '2026-11-18', undefined],
        [`/team-management/api-keys/${STAGING.id}/usage`, '2026-11-01', undefined],
        [`/team-management/api-keys/${STAGING.id}/usage`, '2026-11-18', undefined],
      ]
    );
    assert.equal(sim.calls('/search').length, 0, 'the paid probe is off by default');
  });

  it('in the first second of a month, reads the month before and spends nothing yet, where Exa refuses an empty period', async () => {
    clock = new Date('2026-11-30T23:00:00Z');
    const h = await harness('exa', account(), { now: () => clock });
    assert.equal(await h.poller.pollNow(), true);
    clock = new Date('2026-12-01T00:00:00.600Z');
    const before = usageCalls().length;
    assert.equal(await h.poller.pollNow(), true, JSON.stringify(h.series('nexus_provider_errors_total')));
    assert.equal(h.value('nexus_spend_usd', { period: 'day' }), 0);
    assert.equal(h.value('nexus_spend_usd', { period: 'month' }), 0);
    const november = billed(utcMonthStart(new Date('2026-11-15T00:00:00Z')), Date.parse('2026-12-01T00:00:00Z') / 1000);
    assert.ok(
      november > 0 && closeTo(h.value('nexus_cost_usd_total'), november),
      `${h.value('nexus_cost_usd_total')} vs ${november}`
    );
    assert.deepEqual(
      usageCalls()
        .slice(before)
        .map((r) => r.query.start_date)
        .filter((d) => d !== '2026-11-01'),
      [],
      'the empty day and month are not asked for'
    );
    clock = new Date('2026-12-01T00:00:01Z');
    assert.equal(await h.poller.pollNow(), true, 'a second later they are');
    assert.ok(
      usageCalls().some((r) => r.query.start_date === '2026-12-01'),
      "usageCalls().some((r) => r.query.start_date === '2026-12-01')"
    );
  });

  it('adds only the growth of the month on later polls', async () => {
    const h = await harness('exa', account(), { now: () => clock });
    await h.poller.pollNow();
    const first = h.value('nexus_cost_usd_total');
    await h.poller.pollNow();
    assert.ok(closeTo(h.value('nexus_cost_usd_total'), first), 'an unchanged month adds nothing');
    clock = new Date(NOW.getTime() + 5 * HOUR);
    await h.poller.pollNow();
    assert.ok(h.value('nexus_cost_usd_total') > first, "h.value('nexus_cost_usd_total') > first");
    assert.ok(
      closeTo(h.value('nexus_cost_usd_total'), billed(utcMonthStart(clock))),
      "closeTo(h.value('nexus_cost_usd_total'), billed(utcMonthStart(clock)))"
    );
  });

  it('counts usage booked after the month turned while the previous month is in the look-back', async () => {
    sim.billingLagSeconds = 3600;
    const november = Date.UTC(2026, 10, 1) / 1000;
    const december = Date.UTC(2026, 11, 1) / 1000;
    clock = new Date('2026-11-30T22:00:00Z');
    const h = await harness('exa', account(), { now: () => clock });
    await h.poller.pollNow();

    clock = new Date('2026-12-01T00:30:00Z');
    await h.poller.pollNow();
    // Booked up to 23:30 only; December has nothing booked yet.
    const partial = h.value('nexus_cost_usd_total');
    assert.ok(closeTo(partial, billed(november, december)), 'closeTo(partial, billed(november, december))');
    assert.equal(billed(december), 0);
    assert.ok(
      usageCalls().some((r) => r.query.start_date === '2026-11-01' && r.query.end_date === '2026-11-30T23:59:59Z'),
      "usageCalls().some((r) => r.query.start_date === '2026-11-01' && r.query.end_date === '2026-11-30T23:59:59Z')"
    );

    clock = new Date('2026-12-01T03:00:00Z');
    await h.poller.pollNow();
    const novemberFinal = billed(november, december);
    assert.ok(novemberFinal > 0, 'novemberFinal > 0');
    assert.ok(
      closeTo(h.value('nexus_cost_usd_total'), novemberFinal + billed(december)),
      'the late end of November is counted'
    );
    assert.ok(h.value('nexus_cost_usd_total') > partial, "h.value('nexus_cost_usd_total') > partial");
    assert.ok(
      closeTo(h.value('nexus_spend_usd', { period: 'month' }), billed(december)),
      'spend is the new month only'
    );

    // Once the look-back has passed, November is final and no longer read.
    clock = new Date('2026-12-06T12:00:00Z');
    const novemberReads = usageCalls().filter((r) => r.query.start_date === '2026-11-01').length;
    await h.poller.pollNow();
    assert.equal(usageCalls().filter((r) => r.query.start_date === '2026-11-01').length, novemberReads);
    assert.ok(
      closeTo(h.value('nexus_cost_usd_total'), novemberFinal + billed(december)),
      "closeTo(h.value('nexus_cost_usd_total'), novemberFinal + billed(december))"
    );
  });

  it('survives a restart without double counting or losing usage', async () => {
    const dir = await tempDir();
    try {
      const h1 = await harness('exa', account(), { now: () => clock, stateDir: dir.path });
      await h1.poller.pollNow();
      const total1 = h1.value('nexus_cost_usd_total');
      clock = new Date(NOW.getTime() + 3 * HOUR);
      const h2 = await harness('exa', account(), { now: () => clock, stateDir: dir.path });
      assert.ok(closeTo(h2.value('nexus_cost_usd_total'), total1), 'persisted totals are served before the first poll');
      await h2.poller.pollNow();
      assert.ok(h2.value('nexus_cost_usd_total') > total1, "h2.value('nexus_cost_usd_total') > total1");
      assert.ok(
        closeTo(h2.value('nexus_cost_usd_total'), billed(utcMonthStart(clock))),
        "closeTo(h2.value('nexus_cost_usd_total'), billed(utcMonthStart(clock)))"
      );
    } finally {
      await dir.remove();
    }
  });

  it('sums billing lines that share a name, as after a price change mid-month', async () => {
    await startSim({
      repricing: { at: Date.UTC(2026, 10, 10) / 1000, priceId: 'price_neural_search_2026_11', unitUsd: 0.006 },
    });
    const h = await harness('exa', account(), { now: () => clock });
    assert.equal(await h.poller.pollNow(), true);
    const lines = sim
      .usage(PROD.id, utcMonthStart(clock), nowSeconds())
      .lines.filter((l) => l.priceName === 'Neural Search');
    assert.deepEqual(
      lines.map((l) => l.priceId),
      ['price_neural_search', 'price_neural_search_2026_11']
    );
    assert.ok(
      closeTo(
        h.value('nexus_cost_usd_total', { category: 'Neural Search', project: PROD.id }),
        lines[0]!.amountUsd + lines[1]!.amountUsd
      ),
      "closeTo(h.value('nexus_cost_usd_total', { category: 'Neural Search', project: PROD.id }), lines[0]!.amountUsd + lines[1]!.amountUsd)"
    );
    assert.ok(
      closeTo(h.value('nexus_cost_usd_total'), billed(utcMonthStart(clock))),
      "closeTo(h.value('nexus_cost_usd_total'), billed(utcMonthStart(clock)))"
    );
  });

  it('reads only the configured apiKeyIds, and says that the spend is theirs, not the whole team spend', async () => {
    const h = await harness('exa', account({ apiKeyIds: [STAGING.id] }), { now: () => clock });
    assert.equal(await h.poller.pollNow(), true);
    assert.equal(
      sim.requests.filter((r) => r.path === '/team-management/api-keys').length,
      1,
      'listed for the names only'
    );
    assert.ok(
      usageCalls().every((r) => r.path.includes(STAGING.id)),
      'usageCalls().every((r) => r.path.includes(STAGING.id))'
    );
    assert.ok(
      closeTo(h.value('nexus_cost_usd_total'), billed(utcMonthStart(clock), nowSeconds(), [STAGING])),
      "closeTo(h.value('nexus_cost_usd_total'), billed(utcMonthStart(clock), nowSeconds(), [STAGING]))"
    );
    assert.equal(h.series('nexus_cost_usd_total', { project: PROD.id }).length, 0);
    assert.equal(h.series('nexus_spend_usd', { scope: 'key' }).length, 2);
    assert.equal(h.series('nexus_spend_usd', { scope: 'account' }).length, 0);
    // The key's cost is part of the team's too: totals must be able to leave it out.
    const cost = h.series('nexus_cost_usd_total');
    assert.ok(
      cost.length > 0 && cost.every((s) => s.labels.scope === 'key'),
      JSON.stringify(cost.map((s) => s.labels))
    );
    assert.deepEqual(
      h.series('nexus_project_info').map((s) => s.labels.name),
      ['Staging']
    );
  });

  it('a deleted key in apiKeyIds fails alone: the other keys stay current', async () => {
    const h = await harness('exa', account({ apiKeyIds: [PROD.id, STAGING.id] }), {
      now: () => clock,
      http: { retries: 0 },
    });
    assert.equal(await h.poller.pollNow(), true);
    const staging = h.value('nexus_cost_usd_total', { project: STAGING.id });
    sim.deleteKey(STAGING.id);
    clock = new Date(NOW.getTime() + 5 * HOUR);
    for (let poll = 0; poll < 3; poll++) {
      assert.equal(await h.poller.pollNow(), false, 'not every source was read');
      assert.ok(
        closeTo(
          h.value('nexus_cost_usd_total', { project: PROD.id }),
          billed(utcMonthStart(clock), nowSeconds(), [PROD])
        ),
        'the live key is current'
      );
      assert.ok(
        closeTo(
          h.value('nexus_project_spend_usd', { period: 'month', project: PROD.id }),
          billed(utcMonthStart(clock), nowSeconds(), [PROD])
        ),
        "closeTo(h.value('nexus_project_spend_usd', { period: 'month', project: PROD.id }), billed(utcMonthStart(clock), nowSeconds(), [PROD]))"
      );
      clock = new Date(clock.getTime() + HOUR);
    }
    assert.equal(
      h.value('nexus_cost_usd_total', { project: STAGING.id }),
      staging,
      'the deleted key keeps its last good data'
    );
    assert.equal(h.value('nexus_provider_source_up', { source: `exa.usage:${STAGING.id}` }), 0);
    assert.equal(h.value('nexus_provider_source_up', { source: `exa.usage:${PROD.id}` }), 1);
    assert.equal(h.value('nexus_provider_errors_total', { endpoint: '/api-keys/{id}/usage', reason: 'client' }), 3);
    assert.match(h.poller.status().lastError?.message ?? '', /API key not found/);
    assert.equal(h.poller.status().circuitOpen, false, 'one failing key does not slow the others');
    assert.equal(h.value('nexus_provider_polls_total', { result: 'partial' }), 3);
  });

  it('a key deleted from the team is no longer read, and its spend leaves the account total', async () => {
    const h = await harness('exa', account(), { now: () => clock });
    await h.poller.pollNow();
    sim.deleteKey(STAGING.id);
    clock = new Date(NOW.getTime() + HOUR);
    assert.equal(await h.poller.pollNow(), true);
    assert.ok(
      usageCalls()
        .slice(-2)
        .every((r) => r.path.includes(PROD.id)),
      'usageCalls() .slice(-2) .every((r) => r.path.includes(PROD.id))'
    );
    assert.equal(h.series('nexus_provider_source_up', { source: `exa.usage:${STAGING.id}` }).length, 0);
    assert.equal(h.series('nexus_project_spend_usd', { project: STAGING.id }).length, 0);
    assert.ok(
      closeTo(h.value('nexus_spend_usd', { period: 'month' }), billed(utcMonthStart(clock), nowSeconds(), [PROD])),
      "closeTo(h.value('nexus_spend_usd', { period: 'month' }), billed(utcMonthStart(clock), nowSeconds(), [PROD]))"
    );
    assert.ok(h.value('nexus_cost_usd_total', { project: STAGING.id }) > 0, 'what it cost stays counted');
  });

  for (const costShape of ['current', 'legacy'] as const) {
    it(`without a service key: one paid probe per interval, its ${costShape} costDollars counted once each`, async () => {
      await startSim({ costShape });
      const h = await harness('exa', probeAccount(), { now: () => clock });
      assert.equal(await h.poller.pollNow(), true);
      assert.equal(sim.searches.length, 1);
      assert.deepEqual(sim.calls('/search')[0]!.body, { query: 'prometheus exporter', numResults: 1, type: 'neural' });
      const probe = { category: PROBE_CATEGORY, project: 'none' };
      assert.ok(
        closeTo(h.value('nexus_cost_usd_total', probe), sim.searches[0]!.usd),
        "closeTo(h.value('nexus_cost_usd_total', probe), sim.searches[0]!.usd)"
      );

      clock = new Date(NOW.getTime() + 10 * 60_000);
      assert.equal(await h.poller.pollNow(), true);
      assert.equal(sim.searches.length, 1, 'not due yet');
      assert.ok(
        closeTo(h.value('nexus_cost_usd_total', probe), sim.searches[0]!.usd),
        "closeTo(h.value('nexus_cost_usd_total', probe), sim.searches[0]!.usd)"
      );

      clock = new Date(NOW.getTime() + 61 * 60_000);
      assert.equal(await h.poller.pollNow(), true);
      assert.equal(sim.searches.length, 2);
      assert.ok(
        closeTo(h.value('nexus_cost_usd_total', probe), sim.searches[0]!.usd + sim.searches[1]!.usd),
        "closeTo(h.value('nexus_cost_usd_total', probe), sim.searches[0]!.usd + sim.searches[1]!.usd)"
      );
      assert.ok(h.value('nexus_cost_usd_total', probe) > 0.01, "h.value('nexus_cost_usd_total', probe) > 0.01");
      assert.equal(sim.requests.filter((r) => r.path.startsWith('/team-management')).length, 0);
      assert.equal(h.series('nexus_spend_usd').length, 0);
    });
  }

  it('with a service key, the probe is billed rather than counted twice, and its failure does not fail the poll', async () => {
    const h = await harness('exa', account({ apiKey: PROD.secret, paidProbe: true }), {
      now: () => clock,
      http: { retries: 0 },
    });
    assert.equal(await h.poller.pollNow(), true);
    assert.equal(sim.searches.length, 1);
    clock = new Date(NOW.getTime() + 10 * 60_000);
    await h.poller.pollNow();
    const billedNow = billed(utcMonthStart(clock));
    assert.ok(closeTo(h.value('nexus_cost_usd_total'), billedNow), 'the billing data contains the probe');
    assert.equal(h.series('nexus_cost_usd_total', { category: PROBE_CATEGORY }).length, 0);

    clock = new Date(NOW.getTime() + 70 * 60_000);
    sim.inject(
      {
        kind: 'status',
        status: 402,
        message: 'You have exceeded your credits limit. Please top up to keep using Exa at dashboard.exa.ai',
      },
      { path: '/search' }
    );
    assert.equal(await h.poller.pollNow(), true);
    assert.equal(h.value('nexus_provider_errors_total', { endpoint: '/search', reason: 'client' }), 1);
    assert.equal(h.value('nexus_provider_up'), 1);
  });

  it('connection test: free key listing with a service key, a paid search only without one', async () => {
    const h = await harness('exa', account({ apiKey: PROD.secret, paidProbe: true }), { now: () => clock });
    await h.poller.probe();
    assert.deepEqual(
      sim.requests.map((r) => r.path),
      ['/team-management/api-keys']
    );
    const p = await harness('exa', probeAccount(), { now: () => clock });
    await p.poller.probe();
    assert.equal(sim.searches.length, 1);
    await assert.rejects(p.poller.probe({ ...p.poller.config, apiKey: 'exa-test-revoked-0000000000000000' }), {
      reason: 'auth',
    });
  });

  it('refuses a search key used as the service key with auth, without echoing it', async () => {
    const h = await harness('exa', account({ serviceKey: PROD.secret }), { now: () => clock, http: { retries: 0 } });
    assert.equal(await h.poller.pollNow(), false);
    assert.equal(h.value('nexus_provider_errors_total', { endpoint: '/api-keys', reason: 'auth' }), 1);
    const message = h.poller.status().lastError?.message ?? '';
    assert.match(message, /Unauthorized/);
    assert.ok(!message.includes(PROD.secret), '!message.includes(PROD.secret)');
  });

  it('reports the search API error tag when the paid probe is refused', async () => {
    const h = await harness('exa', probeAccount({ apiKey: 'exa-test-revoked-0000000000000000' }), {
      now: () => clock,
      http: { retries: 0 },
    });
    assert.equal(await h.poller.pollNow(), false);
    assert.equal(h.value('nexus_provider_errors_total', { endpoint: '/search', reason: 'auth' }), 1);
    assert.match(h.poller.status().lastError?.message ?? '', /INVALID_API_KEY: Invalid API key/);
    assert.equal(h.value('nexus_provider_up'), 0);
  });

  it('validates the account: something to poll, and the keys each option needs', () => {
    const ok = exa.accountSchema.safeParse({ account: 'a', serviceKey: SERVICE_KEY });
    assert.ok(ok.success, 'ok.success');
    assert.equal(ok.data.paidProbe, false);
    assert.equal(ok.data.adminBaseUrl, 'https://admin-api.exa.ai/team-management');
    assert.equal(ok.data.baseUrl, 'https://api.exa.ai');
    const messages = (a: Record<string, unknown>) => {
      const r = exa.accountSchema.safeParse({ account: 'a', ...a });
      return r.success ? [] : r.error.issues.map((i) => i.message);
    };
    assert.deepEqual(messages({ apiKey: PROD.secret }), [
      'nothing to poll: set serviceKey (Team Management API) to read usage, or apiKey with paidProbe: true',
    ]);
    assert.deepEqual(messages({ serviceKey: SERVICE_KEY, paidProbe: true }), ['paidProbe needs apiKey']);
    assert.deepEqual(messages({ apiKey: PROD.secret, paidProbe: true, apiKeyIds: [PROD.id] }), [
      'apiKeyIds needs serviceKey',
    ]);
    assert.deepEqual(messages({ apiKey: PROD.secret, paidProbe: true }), []);
  });

  it('takes a usage total only for the period asked for', () => {
    const nov = Date.UTC(2026, 10, 1) / 1000;
    assert.equal(periodProblem({ start: nov, end: nov + 29 * 86_400 }, '2026-11-01'), undefined);
    assert.equal(periodProblem(undefined, '2026-11-01'), undefined, 'no period: the one asked for');
    assert.match(
      periodProblem({ start: nov - 31 * 86_400, end: nov - 1 }, '2026-11-01')!,
      /period 2026-10-01T00:00:00Z to 2026-10-31T23:59:59Z is not the period asked for, from 2026-11-01/
    );
    assert.ok(periodProblem({ start: nov, end: nov - 1 }, '2026-11-01'), 'an end before the start');
  });

  const cases: Array<{
    name: string;
    fault: Fault;
    path: string;
    endpoint: string;
    reason: string;
    timeoutSeconds?: number;
    probe?: boolean;
  }> = [
    {
      name: 'auth (401)',
      fault: { kind: 'status', status: 401, message: 'Unauthorized' },
      path: '/api-keys',
      endpoint: '/api-keys',
      reason: 'auth',
    },
    {
      name: 'auth (403)',
      fault: { kind: 'status', status: 403, message: 'Insufficient permissions to access this API key' },
      path: '/usage',
      endpoint: '/api-keys/{id}/usage',
      reason: 'auth',
    },
    {
      name: 'rate_limited (429, long Retry-After)',
      fault: { kind: 'status', status: 429, retryAfter: 30 },
      path: '/usage',
      endpoint: '/api-keys/{id}/usage',
      reason: 'rate_limited',
    },
    {
      name: 'server (500)',
      fault: { kind: 'status', status: 500, message: 'Failed to fetch usage data. Please try again later.' },
      path: '/usage',
      endpoint: '/api-keys/{id}/usage',
      reason: 'server',
    },
    {
      name: 'timeout',
      fault: { kind: 'slow', ms: 1500 },
      path: '/usage',
      endpoint: '/api-keys/{id}/usage',
      reason: 'timeout',
      timeoutSeconds: 0.3,
    },
    { name: 'network', fault: { kind: 'drop' }, path: '/api-keys', endpoint: '/api-keys', reason: 'network' },
    {
      name: 'bad_response (HTML)',
      fault: { kind: 'html' },
      path: '/usage',
      endpoint: '/api-keys/{id}/usage',
      reason: 'bad_response',
    },
    {
      name: 'bad_response (truncated)',
      fault: { kind: 'truncated' },
      path: '/api-keys',
      endpoint: '/api-keys',
      reason: 'bad_response',
    },
    // The period of the usage answer in epoch milliseconds: the month it covers is unknown.
    {
      name: 'bad_response (period dated in a new format)',
      fault: { kind: 'dates' },
      path: '/usage',
      endpoint: '/api-keys/{id}/usage',
      reason: 'bad_response',
    },
    {
      name: 'probe server (503)',
      fault: { kind: 'status', status: 503 },
      path: '/search',
      endpoint: '/search',
      reason: 'server',
      probe: true,
    },
    {
      name: 'probe bad_response (truncated)',
      fault: { kind: 'truncated' },
      path: '/search',
      endpoint: '/search',
      reason: 'bad_response',
      probe: true,
    },
  ];
  const keyFaults = new Set(['/api-keys']);
  for (const c of cases) {
    it(`${c.name}: counts the reason, keeps the last good data, recovers`, async () => {
      const http = { retries: 0, ...(c.timeoutSeconds ? { timeoutSeconds: c.timeoutSeconds } : {}) };
      const h = await harness('exa', c.probe ? probeAccount() : account(), { now: () => clock, http });
      assert.equal(await h.poller.pollNow(), true);
      assert.ok(Object.keys(h.dataSnapshot()).length > 0, 'Object.keys(h.dataSnapshot()).length > 0');
      // Hours later every value would change (and the next probe is due), so an applied failed read would show.
      clock = new Date(NOW.getTime() + 3 * HOUR);
      const fault = { fail: () => sim.inject(c.fault, { path: c.path, times: 10 }), recover: () => sim.clearFaults() };
      if (c.probe) {
        // The probe is the only source of a probe-only account.
        const before = await assertFailedPollKeepsLastGoodData(h, { endpoint: c.endpoint, reason: c.reason }, fault);
        assert.notDeepEqual(h.dataSnapshot(), before);
        return;
      }
      // One source fails: the key list (names), or one key's usage.
      const keyList = keyFaults.has(c.endpoint);
      const owned: SeriesFilter = keyList ? (m) => m === 'nexus_project_info' : (_m, l) => l.project === PROD.id;
      const source = keyList ? 'exa.keys' : `exa.usage:${PROD.id}`;
      const { during } = await assertFailedSourceKeepsLastGoodData(
        h,
        { endpoint: c.endpoint, reason: c.reason, source },
        {
          fail: () => sim.inject(c.fault, { path: keyList ? '/api-keys$' : `/${PROD.id}/usage`, times: 10 }),
          recover: fault.recover,
        },
        owned
      );
      const stagingCost = Object.entries(during)
        .filter(([k]) => k.startsWith('nexus_cost_usd_total') && k.includes(STAGING.id))
        .reduce((s, [, v]) => s + v, 0);
      assert.ok(closeTo(stagingCost, billed(utcMonthStart(clock), nowSeconds(), [STAGING])), 'the other key moved on');
      if (keyList)
        assert.ok(
          closeTo(h.value('nexus_cost_usd_total'), billed(utcMonthStart(clock))),
          'the keys are read from the last list'
        );
    });
  }
});
