// The soak benchmark's own checks (bench/soak.ts), run for a short span: eight simulated hours (across
// midnight, so OpenRouter publishes a day and "today" turns) in 30 s of faults with a fixed seed, then
// the catch-up (two polls per account at the providers' smallest intervals, 10–15 s). That the soak
// passes here says the exporter kept every counter and every balance, credit and rate-limit gauge exact
// through the faults; that its comparisons and RSS judgement fail on wrong data is checked below with
// the same run's numbers. RSS flatness itself is
// not asserted on so short a run (the exporter is still warming up); its rule is tested on samples.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { rssFlat, runSoak, soakReport, type SoakResult } from '../bench/soak.js';
import { clockEnd, makeClock, rng } from '../bench/lib/soak-clock.js';
import {
  compareCounters,
  compareGauges,
  parseExposition,
  seriesKey,
  COUNTERS,
  GAUGES,
} from '../bench/lib/soak-truth.js';

describe('soak benchmark (short run)', () => {
  let result: SoakResult;
  before(async () => {
    result = await runSoak({
      seed: 20261129,
      simulatedHours: 8,
      wallSeconds: 30,
      simStart: '2026-11-12T20:00:00Z',
      faultsPerSecond: 2,
      churnAccounts: 1,
      catchUpSeconds: 150,
      compiled: false,
      log: () => {},
    });
  });

  it("passes: no crash, every counter equal to the simulators' totals, faults counted, clean shutdown", () => {
    const failed = result.checks.filter((c) => !c.ok && !c.name.startsWith('RSS'));
    assert.deepEqual(failed, [], soakReport(result));
    assert.ok(result.faultsTotal >= 20, `faults were injected: ${result.faultsTotal}`);
    assert.ok(
      (result.polls.success ?? 0) > 0 && (result.polls.partial ?? 0) + (result.polls.failure ?? 0) > 0,
      `polls failed and succeeded: ${JSON.stringify(result.polls)}`
    );
    // The four providers with counters, each through its configured account at least.
    const providers = new Set(result.counters.map((c) => c.provider));
    assert.deepEqual([...providers].sort(), ['exa', 'openai', 'openrouter', 'twilio']);
    for (const c of result.counters)
      assert.ok(
        c.series > 0 && Object.values(c.totals).some((t) => t.expected > 0),
        `${c.provider}/${c.account} has data`
      );
    assert.ok(result.rssMb.samples >= 8, 'RSS was sampled');
  });

  it('its comparison fails when one counter is off by one token, or missing', () => {
    const exposed = parseExposition(result.final!.exposition, COUNTERS);
    const openai = result.final!.expected.find((e) => e.provider === 'openai' && e.account === 'soak')!;
    assert.equal(compareCounters(openai.values, exposed, openai).mismatches.length, 0);
    const tokens = [...openai.values.keys()].find(
      (k) => k.startsWith('nexus_tokens_total{') && openai.values.get(k)! > 0n
    )!;
    // Token counts are decimals in units of 10^-12.
    const offByOne = new Map(openai.values).set(tokens, openai.values.get(tokens)! + 10n ** 12n);
    assert.deepEqual(
      compareCounters(offByOne, exposed, openai).mismatches.map((m) => m.series),
      [tokens]
    );
    const cost = [...openai.values.keys()].find(
      (k) => k.startsWith('nexus_cost_usd_total{') && openai.values.get(k)! > 0n
    )!;
    const missing = new Map(exposed);
    missing.delete(cost);
    assert.deepEqual(compareCounters(openai.values, missing, openai).mismatches, [
      { series: cost, expected: exposed.get(cost), actual: undefined },
    ]);
    // A picodollar is a difference too: exact, not close.
    const pico = new Map(openai.values).set(cost, openai.values.get(cost)! + 1n);
    assert.equal(compareCounters(pico, exposed, openai).mismatches.length, 1);
  });

  const of = (provider: string) =>
    result.final!.expectedGauges.find((e) => e.provider === provider && e.account === 'soak')!;

  it('compares the balance, credit and rate-limit gauges of OpenRouter, Twilio and Apollo, and they are equal', () => {
    const exposed = parseExposition(result.final!.exposition, GAUGES);
    for (const e of result.final!.expectedGauges)
      assert.deepEqual(compareGauges(e.values, exposed, e).mismatches, [], `${e.provider}/${e.account}`);
    assert.ok(
      of('openrouter').values.size >= 2 && of('twilio').values.size === 1 && of('apollo').values.size > 50,
      'balances, credits and every listed window'
    );
    assert.equal(of('openai').values.size, 0);
    assert.ok(
      result.checks.some((c) => c.name.startsWith('every balance, credit and rate-limit gauge') && c.ok),
      "result.checks.some((c) => c.name.startsWith('every balance, credit and rate-limit gauge') && c.ok)"
    );
  });

  it('fails on a balance off by a picodollar, a credit off by one, a missing or an extra series, and a bounded value out of bounds', () => {
    const exposed = parseExposition(result.final!.exposition, GAUGES);
    const twilio = of('twilio');
    const balance = seriesKey('nexus_balance_usd', { provider: 'twilio', account: 'soak', kind: 'prepaid' });
    const pico = new Map(twilio.values).set(balance, (twilio.values.get(balance) as bigint) + 1n);
    assert.deepEqual(
      compareGauges(pico, exposed, twilio).mismatches.map((m) => m.series),
      [balance]
    );

    const apollo = of('apollo');
    const credit = [...apollo.values.keys()].find((k) => k.startsWith('nexus_credits_remaining{'))!;
    const offByOne = new Map(exposed).set(credit, exposed.get(credit)! + 1);
    assert.deepEqual(
      compareGauges(apollo.values, offByOne, apollo).mismatches.map((m) => m.series),
      [credit]
    );
    const missing = new Map(exposed);
    missing.delete(credit);
    assert.deepEqual(compareGauges(apollo.values, missing, apollo).mismatches, [
      { series: credit, expected: exposed.get(credit), actual: undefined },
    ]);

    const extra = seriesKey('nexus_balance_usd', { provider: 'openai', account: 'soak', kind: 'prepaid' });
    assert.deepEqual(
      compareGauges(of('openai').values, new Map(exposed).set(extra, 0), of('openai')).mismatches.map((m) => m.series),
      [extra]
    );

    const [own, bounds] = [...apollo.values].find(([, v]) => typeof v === 'object')! as [
      string,
      { min: number; max: number },
    ];
    assert.match(own, /endpoint="api\/v1\/usage_stats\//);
    for (const wrong of [bounds.min - 1, bounds.max + 1])
      assert.deepEqual(
        compareGauges(apollo.values, new Map(exposed).set(own, wrong), apollo).mismatches.map((m) => m.series),
        [own],
        String(wrong)
      );
  });
});

describe('soak judgements', () => {
  it('RSS: flat within the bound, a steady climb or too few samples is not', () => {
    const mb = 1024 * 1024;
    const r = rng(3);
    const noisy = Array.from({ length: 400 }, (_, i) => (i < 50 ? 60 + i : 110) * mb + r.int(-5, 5) * mb);
    assert.equal(rssFlat(noisy).flat, true);
    const leak = Array.from({ length: 400 }, (_, i) => (100 + i * 0.1) * mb);
    assert.equal(rssFlat(leak).flat, false, `${rssFlat(leak).q2 / mb} → ${rssFlat(leak).q4 / mb}`);
    assert.equal(rssFlat([1, 1, 1]).flat, false);
  });

  it('the clock runs `factor` times faster from the start and stops at the end of the span', () => {
    let wall = 1_000;
    const spec = {
      simStartMs: Date.parse('2026-11-10T06:00:00Z'),
      wallStartMs: 1_000,
      wallSpanMs: 10_000,
      factor: 360,
    };
    const now = makeClock(spec, () => wall);
    assert.equal(now().toISOString(), '2026-11-10T06:00:00.000Z');
    wall = 6_000;
    assert.equal(now().toISOString(), '2026-11-10T06:30:00.000Z');
    wall = 60_000;
    assert.equal(now().toISOString(), '2026-11-10T07:00:00.000Z');
    assert.equal(clockEnd(spec).toISOString(), '2026-11-10T07:00:00.000Z');
    wall = 0;
    assert.equal(now().toISOString(), '2026-11-10T06:00:00.000Z', 'not before the start');
  });
});
