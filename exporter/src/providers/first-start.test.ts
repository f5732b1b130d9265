// A first start early in a month counts the current month only, for every provider: the exporter and
// the simulator are started with their clocks at 00:20 UTC on the 1st, the 2nd and the 3rd, and poll
// again minutes, an hour and a day later. The first poll seeds from the start of the month; the
// later polls' look-back (three days) would reach into the previous month, which was never counted
// and must not be now.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApolloSimulator } from '../simulators/apollo.js';
import { ExaSimulator } from '../simulators/exa.js';
import { OpenAISimulator } from '../simulators/openai.js';
import { OpenRouterSimulator } from '../simulators/openrouter.js';
import { TwilioSimulator } from '../simulators/twilio.js';
import type { Simulator } from '../simulators/base.js';
import { closeTo, harness, type Harness } from '../testing/harness.js';
import type { ProviderName } from './types.js';
import { DAY_SECONDS, utcDayStart, utcMonthStart } from './values.js';

const MINUTE = 60_000;
/** After the first poll at 00:20: minutes later, an hour later, the next day. */
const LATER = [10 * MINUTE, 60 * MINUTE, 24 * 60 * MINUTE];

interface Case {
  provider: ProviderName;
  start(): Promise<{ sim: Simulator; account: Record<string, unknown> }>;
  /** What the simulator says the current month cost so far, as the counter should count it. */
  expected(sim: Simulator, now: Date): number;
  /** The previous month had real usage: counting it would show. */
  previousMonth(sim: Simulator, now: Date): number;
}

function daysOf(now: Date, until = utcDayStart(now)): number[] {
  const out: number[] = [];
  for (let d = utcMonthStart(now); d <= until; d += DAY_SECONDS) out.push(d);
  return out;
}

function lastDaysOfPreviousMonth(now: Date): number[] {
  const month = utcMonthStart(now);
  return [3, 2, 1].map((n) => month - n * DAY_SECONDS);
}

const EXA_KEYS = [
  { id: '3c90c3cc-0d44-4b50-8888-8dd25736052a', name: 'Production', secret: 'exa-first-prod-0000000000000000' },
  { id: '9d2f6b1a-4e8c-4a7b-b3d5-0c1e2f3a4b5c', name: 'Staging', secret: 'exa-first-stg-00000000000000000' },
];

const CASES: Case[] = [
  {
    provider: 'openai',
    async start() {
      const sim = new OpenAISimulator({ adminKey: 'sk-admin-first-0000000000000000', stringAmounts: true });
      const url = await sim.start();
      return {
        sim,
        account: {
          account: 'prod',
          adminKey: 'sk-admin-first-0000000000000000',
          baseUrl: `${url}/v1`,
          usageEndpoints: ['completions'],
        },
      };
    },
    expected: (sim, now) =>
      daysOf(now).reduce((s, d) => s + (sim as OpenAISimulator).costs(d).reduce((t, c) => t + c.usd, 0), 0),
    previousMonth: (sim, now) =>
      lastDaysOfPreviousMonth(now).reduce(
        (s, d) => s + (sim as OpenAISimulator).costs(d).reduce((t, c) => t + c.usd, 0),
        0
      ),
  },
  {
    provider: 'openrouter',
    async start() {
      const keys = {
        apiKey: 'sk-or-v1-first-000000000000000000000000',
        managementKey: 'sk-or-v1-first-mgmt-0000000000000000000',
      };
      const sim = new OpenRouterSimulator({ ...keys, firstDay: Date.UTC(2026, 8, 1) / 1000 });
      const url = await sim.start();
      return { sim, account: { account: 'main', ...keys, baseUrl: `${url}/api/v1`, activityIntervalSeconds: 0 } };
    },
    // /activity holds completed days: the current month's days before today.
    expected: (sim, now) =>
      daysOf(now, utcDayStart(now) - DAY_SECONDS).reduce((s, d) => s + (sim as OpenRouterSimulator).dayCost(d, now), 0),
    previousMonth: (sim, now) =>
      lastDaysOfPreviousMonth(now).reduce((s, d) => s + (sim as OpenRouterSimulator).dayCost(d, now), 0),
  },
  {
    provider: 'exa',
    async start() {
      const sim = new ExaSimulator({
        serviceKey: 'exa-first-service-000000000000000',
        keys: EXA_KEYS.map((k) => ({ ...k })),
      });
      const url = await sim.start();
      return {
        sim,
        account: {
          account: 'team',
          serviceKey: 'exa-first-service-000000000000000',
          baseUrl: url,
          adminBaseUrl: `${url}/team-management`,
        },
      };
    },
    expected: (sim, now) =>
      EXA_KEYS.reduce(
        (s, k) => s + (sim as ExaSimulator).usage(k.id, utcMonthStart(now), now.getTime() / 1000).totalUsd,
        0
      ),
    previousMonth: (sim, now) =>
      EXA_KEYS.reduce(
        (s, k) =>
          s + (sim as ExaSimulator).usage(k.id, utcMonthStart(now) - 3 * DAY_SECONDS, utcMonthStart(now)).totalUsd,
        0
      ),
  },
  {
    provider: 'twilio',
    async start() {
      const creds = { accountSid: 'AC3f0e2b1c4d5a6978877665544332211a', authToken: 'twilio-first-token-0000000000000' };
      const sim = new TwilioSimulator({ ...creds, alertsPerHour: 0 });
      const url = await sim.start();
      return {
        sim,
        account: {
          account: 'prod',
          ...creds,
          baseUrl: `${url}/2010-04-01`,
          monitorBaseUrl: `${url}/v1`,
          alerts: false,
        },
      };
    },
    expected: (sim, now) =>
      daysOf(now).reduce((s, d) => s + (sim as TwilioSimulator).day(d, 'totalprice', false).price, 0),
    previousMonth: (sim, now) =>
      lastDaysOfPreviousMonth(now).reduce((s, d) => s + (sim as TwilioSimulator).day(d, 'totalprice', false).price, 0),
  },
];

describe('a first start early in the month counts the current month only', () => {
  for (const c of CASES) {
    for (const day of [1, 2, 3]) {
      it(`${c.provider}: first start at 00:20 UTC on day ${day}`, async () => {
        const first = new Date(Date.UTC(2026, 11, day, 0, 20));
        let clock = first;
        const { sim, account } = await c.start();
        sim.now = () => clock;
        try {
          const h = await harness(c.provider, account, { now: () => clock });
          assert.ok(c.previousMonth(sim, clock) > 10, 'the previous month had real usage');
          for (const offset of [0, ...LATER]) {
            clock = new Date(first.getTime() + offset);
            assert.equal(
              await h.poller.pollNow(),
              true,
              `${clock.toISOString()}: ${JSON.stringify(h.poller.status().lastError)}`
            );
            const expected = c.expected(sim, clock);
            const counted = h.value('nexus_cost_usd_total');
            assert.ok(
              closeTo(counted, expected),
              `${clock.toISOString()}: counted ${counted}, the month so far is ${expected}`
            );
          }
        } finally {
          await sim.stop();
        }
      });
    }
  }

  it('apollo: credits and rate limits are those of the current cycle from the first poll on', async () => {
    let clock = new Date(Date.UTC(2026, 11, 1, 0, 20));
    const sim = new ApolloSimulator({ masterKey: 'apollo-first-master-00000000000000' });
    sim.now = () => clock;
    const url = await sim.start();
    try {
      const h: Harness = await harness(
        'apollo',
        { account: 'sales', apiKey: 'apollo-first-master-00000000000000', baseUrl: `${url}/api/v1` },
        { now: () => clock }
      );
      for (const offset of [0, ...LATER]) {
        clock = new Date(Date.UTC(2026, 11, 1, 0, 20) + offset);
        assert.equal(await h.poller.pollNow(), true);
        for (const credit of sim.credits())
          assert.equal(h.value('nexus_credits_remaining', { credit_type: credit.type }), credit.leftOver, credit.type);
      }
      assert.equal(h.series('nexus_cost_usd_total').length, 0, 'Apollo has no cost counter to seed');
    } finally {
      await sim.stop();
    }
  });
});
