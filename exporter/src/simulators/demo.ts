// The demo's simulators: one entry per provider, each starting its simulator with evolving data and
// returning the account config that points the exporter at it. Demo credentials are fake values the
// simulators accept; they are not secrets.
import type { ProviderName } from '../providers/types.js';
import type { Simulator } from './base.js';
import { OpenAISimulator } from './openai.js';

export interface DemoProvider {
  provider: ProviderName;
  start(): Promise<{ simulator: Simulator; account: Record<string, unknown> }>;
}

export const DEMO_PROVIDERS: DemoProvider[] = [
  {
    provider: 'openai',
    async start() {
      const simulator = new OpenAISimulator({ adminKey: 'sk-admin-demo-0000000000000000', projectKey: 'sk-proj-demo-0000000000000000', stringAmounts: true, scale: 5 });
      const url = await simulator.start();
      return {
        simulator,
        account: { account: 'demo', adminKey: 'sk-admin-demo-0000000000000000', projectKey: 'sk-proj-demo-0000000000000000', baseUrl: `${url}/v1`, pollIntervalSeconds: 60 },
      };
    },
  },
];

export interface DemoSimulators {
  simulators: Map<ProviderName, Simulator>;
  providers: Record<string, Array<Record<string, unknown>>>;
  stop(): Promise<void>;
}

/** Starts every demo simulator; `intervalSeconds` overrides each account's poll interval. */
export async function startDemoSimulators(intervalSeconds?: number): Promise<DemoSimulators> {
  const simulators = new Map<ProviderName, Simulator>();
  const providers: Record<string, Array<Record<string, unknown>>> = {};
  for (const d of DEMO_PROVIDERS) {
    const { simulator, account } = await d.start();
    simulators.set(d.provider, simulator);
    providers[d.provider] = [{ ...account, ...(intervalSeconds ? { pollIntervalSeconds: intervalSeconds } : {}) }];
  }
  return {
    simulators,
    providers,
    stop: async () => {
      await Promise.all([...simulators.values()].map((s) => s.stop()));
    },
  };
}
