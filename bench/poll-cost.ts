// Poll cost: provider calls per poll cycle in steady state, for each provider against its simulator,
// counted from the simulator's request log. The exporter has run before (the ledger is seeded and on
// disk), is restarted (warm start) and then polls at the provider's default interval; the simulator's
// clock is set so that `historyDays` of usage exist before it. The same run with a short history must
// give the same counts: calls grow with new data (pages of it), not with history.
import { DAY_SECONDS, utcDayStart } from '../exporter/src/providers/values.js';
import type { ProviderName } from '../exporter/src/providers/types.js';
import { PROVIDERS } from '../exporter/src/providers/index.js';
import type { Simulator } from '../exporter/src/simulators/base.js';
import { ApolloSimulator } from '../exporter/src/simulators/apollo.js';
import { ExaSimulator } from '../exporter/src/simulators/exa.js';
import { OpenAISimulator } from '../exporter/src/simulators/openai.js';
import { OpenRouterSimulator } from '../exporter/src/simulators/openrouter.js';
import { TwilioSimulator } from '../exporter/src/simulators/twilio.js';
import { harness, tempDir } from '../exporter/src/testing/harness.js';

/** Mid-month and mid-day, so the look-back windows stay inside the month. */
export const POLL_NOW = new Date('2026-05-20T10:00:00Z');

interface Case {
  provider: ProviderName;
  /** Usage exists from `firstDay` (Unix seconds) on; false when the simulator has no such setting. */
  make(firstDay: number): Promise<{ sim: Simulator; account: Record<string, unknown>; history: boolean }>;
}

const CASES: Case[] = [
  {
    provider: 'openai',
    async make(firstDay) {
      const adminKey = 'sk-admin-bench-0000000000000000';
      const sim = new OpenAISimulator({ adminKey, stringAmounts: true, scale: 5 });
      sim.firstDay = firstDay;
      const url = await sim.start();
      return { sim, history: true, account: { account: 'bench', adminKey, baseUrl: `${url}/v1` } };
    },
  },
  {
    provider: 'openrouter',
    async make(firstDay) {
      const apiKey = 'sk-or-v1-bench-0000000000000000000000000000';
      const managementKey = 'sk-or-v1-bench-mgmt-00000000000000000000000';
      const sim = new OpenRouterSimulator({ apiKey, managementKey, scale: 3, limit: 2500, firstDay });
      const url = await sim.start();
      return { sim, history: true, account: { account: 'bench', apiKey, managementKey, baseUrl: `${url}/api/v1` } };
    },
  },
  {
    provider: 'exa',
    async make() {
      const serviceKey = 'exa-bench-service-00000000000000000000';
      const sim = new ExaSimulator({
        serviceKey,
        scale: 2,
        keys: [
          {
            id: '3c90c3cc-0d44-4b50-8888-8dd25736052a',
            name: 'Production',
            secret: 'exa-bench-search-000000000000000000000',
            budgetCents: 50_000,
          },
          {
            id: '7a1e5f20-9b3d-4c6e-a2f8-1d4b6c8e0f13',
            name: 'Staging',
            secret: 'exa-bench-staging-0000000000000000000',
          },
        ],
      });
      const url = await sim.start();
      // Exa's simulated billing has usage on every day before the clock (unbounded history).
      return {
        sim,
        history: false,
        account: { account: 'bench', serviceKey, baseUrl: url, adminBaseUrl: `${url}/team-management` },
      };
    },
  },
  {
    provider: 'twilio',
    async make(firstDay) {
      const accountSid = 'AC00000000000000000000000000be0001';
      const authToken = 'bench-twilio-auth-token-00000000';
      const sim = new TwilioSimulator({ accountSid, authToken, scale: 3, alertsPerHour: 4, startingBalance: 25_000 });
      sim.firstDay = firstDay;
      const url = await sim.start();
      return {
        sim,
        history: true,
        account: { account: 'bench', accountSid, authToken, baseUrl: `${url}/2010-04-01`, monitorBaseUrl: `${url}/v1` },
      };
    },
  },
  {
    provider: 'apollo',
    async make() {
      const apiKey = 'apollo-bench-master-key-0000000000';
      const sim = new ApolloSimulator({ masterKey: apiKey, plan: 'organization', scale: 1.5 });
      const url = await sim.start();
      // Rate limits and credits are current values: there is no history to read.
      return { sim, history: false, account: { account: 'bench', apiKey, baseUrl: `${url}/api/v1` } };
    },
  },
];

export interface PollCost {
  provider: ProviderName;
  intervalSeconds: number;
  historyDays: number;
  /** The simulator has a setting for where history starts (else its history is unbounded or none). */
  historyControlled: boolean;
  /** The very first poll (seeding from the start of the month). */
  seedCalls: number;
  /** The first poll after a restart on the seeded ledger. */
  warmStartCalls: number;
  /** Each poll of one hour (at least three polls) at the default interval after the warm start. */
  steadyCalls: number[];
  /** Calls per hour at the default interval in steady state. */
  callsPerHour: number;
  /** A poll after a day without polling: one more day of new data. */
  afterDayDownCalls: number;
  /** The calls of one steady-state poll, by method and path. */
  steadyEndpoints: Record<string, number>;
}

async function measure(c: Case, historyDays: number): Promise<PollCost> {
  const firstDay = utcDayStart(POLL_NOW) - historyDays * DAY_SECONDS;
  const { sim, account, history } = await c.make(firstDay);
  const dir = await tempDir('nexus-bench-poll-');
  let clock = new Date(POLL_NOW.getTime() - 3600_000);
  sim.now = () => clock;
  const intervalSeconds = (PROVIDERS[c.provider]!.accountSchema.parse(account) as { pollIntervalSeconds: number })
    .pollIntervalSeconds;
  try {
    const poll = async (h: Awaited<ReturnType<typeof harness>>) => {
      const before = sim.requestCount;
      if (!(await h.poller.pollNow()))
        throw new Error(`${c.provider}: poll failed: ${h.poller.status().lastError?.message}`);
      return sim.requestsSince(before);
    };
    const first = await harness(c.provider, account, { stateDir: dir.path, now: () => clock });
    const seedCalls = (await poll(first)).length;
    // Restart on the same state directory: the ledger is loaded, collectors start afresh.
    clock = new Date(POLL_NOW);
    const h = await harness(c.provider, account, { stateDir: dir.path, now: () => clock });
    const warmStartCalls = (await poll(h)).length;
    const steady: number[] = [];
    let steadyEndpoints: Record<string, number> = {};
    const cycles = Math.max(3, Math.ceil(3600 / intervalSeconds));
    for (let i = 0; i < cycles; i++) {
      clock = new Date(clock.getTime() + intervalSeconds * 1000);
      const calls = await poll(h);
      steady.push(calls.length);
      if (i === 0) {
        steadyEndpoints = {};
        for (const r of calls) {
          const key = `${r.method} ${r.path.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '{id}').replace(/AC[0-9a-f]{32}/g, '{AccountSid}')}`;
          steadyEndpoints[key] = (steadyEndpoints[key] ?? 0) + 1;
        }
      }
    }
    clock = new Date(clock.getTime() + DAY_SECONDS * 1000);
    const afterDayDownCalls = (await poll(h)).length;
    const perHour = (steady.reduce((a, b) => a + b, 0) / (cycles * intervalSeconds)) * 3600;
    return {
      provider: c.provider,
      intervalSeconds,
      historyDays,
      historyControlled: history,
      seedCalls,
      warmStartCalls,
      steadyCalls: steady,
      callsPerHour: Math.round(perHour * 10) / 10,
      afterDayDownCalls,
      steadyEndpoints,
    };
  } finally {
    await sim.stop();
    await dir.remove();
  }
}

/** Every provider with 90 days of history, and again with 7 days to show the counts do not change. */
export async function pollCosts(): Promise<{ long: PollCost[]; short: PollCost[] }> {
  const long: PollCost[] = [];
  const short: PollCost[] = [];
  for (const c of CASES) {
    long.push(await measure(c, 90));
    short.push(await measure(c, 7));
  }
  return { long, short };
}
