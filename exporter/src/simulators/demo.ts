// The demo's simulators: one entry per provider, each starting its simulator with evolving data and
// returning the account config that points the exporter at it. Demo credentials are fake values the
// simulators accept; they are not secrets.
import type { ProviderName } from '../providers/types.js';
import type { Simulator } from './base.js';
import { OpenAISimulator } from './openai.js';
import { OpenRouterSimulator } from './openrouter.js';
import { ExaSimulator } from './exa.js';
import { TwilioSimulator } from './twilio.js';
import { ApolloSimulator } from './apollo.js';

export interface DemoProvider {
  provider: ProviderName;
  start(): Promise<{ simulator: Simulator; account: Record<string, unknown> }>;
}

export const DEMO_PROVIDERS: DemoProvider[] = [
  {
    provider: 'openai',
    async start() {
      const simulator = new OpenAISimulator({
        adminKey: 'sk-admin-demo-0000000000000000',
        projectKey: 'sk-proj-demo-0000000000000000',
        stringAmounts: true,
        scale: 5,
        chatLatencyMs: [80, 900],
      });
      const url = await simulator.start();
      return {
        simulator,
        account: {
          account: 'demo',
          adminKey: 'sk-admin-demo-0000000000000000',
          projectKey: 'sk-proj-demo-0000000000000000',
          baseUrl: `${url}/v1`,
          pollIntervalSeconds: 60,
        },
      };
    },
  },
  {
    provider: 'openrouter',
    async start() {
      const apiKey = 'sk-or-v1-demo-0000000000000000000000000000';
      const managementKey = 'sk-or-v1-demo-mgmt-000000000000000000000000';
      const simulator = new OpenRouterSimulator({
        apiKey,
        managementKey,
        scale: 3,
        limit: 2500,
        otherKeys: [
          { name: 'batch-jobs', key: 'sk-or-v1-demo-batch-00000000000000000000000', share: 0.35 },
          { name: 'staging', key: 'sk-or-v1-demo-staging-0000000000000000000000', share: 0.1 },
        ],
      });
      simulator.activityLagHours = 2;
      const url = await simulator.start();
      return {
        simulator,
        account: {
          account: 'demo',
          apiKey,
          managementKey,
          baseUrl: `${url}/api/v1`,
          pollIntervalSeconds: 60,
          activityIntervalSeconds: 600,
        },
      };
    },
  },
  {
    provider: 'exa',
    async start() {
      const serviceKey = 'exa-demo-service-00000000000000000000';
      const apiKey = 'exa-demo-search-000000000000000000000';
      const simulator = new ExaSimulator({
        serviceKey,
        scale: 2,
        keys: [
          { id: '3c90c3cc-0d44-4b50-8888-8dd25736052a', name: 'Production', secret: apiKey, budgetCents: 50_000 },
          {
            id: '7a1e5f20-9b3d-4c6e-a2f8-1d4b6c8e0f13',
            name: 'Staging',
            secret: 'exa-demo-staging-0000000000000000000',
          },
        ],
      });
      simulator.billingLagSeconds = 120;
      const url = await simulator.start();
      return {
        simulator,
        account: {
          account: 'demo',
          serviceKey,
          apiKey,
          baseUrl: url,
          adminBaseUrl: `${url}/team-management`,
          pollIntervalSeconds: 60,
          paidProbe: true,
          paidProbeIntervalSeconds: 60,
        },
      };
    },
  },
  {
    provider: 'twilio',
    async start() {
      const accountSid = 'AC00000000000000000000000000de0001';
      const authToken = 'demo-twilio-auth-token-000000000';
      const simulator = new TwilioSimulator({
        accountSid,
        authToken,
        scale: 3,
        alertsPerHour: 4,
        startingBalance: 25_000,
        subaccounts: [
          { sid: 'AC00000000000000000000000000de0002', friendlyName: 'EU customers', scale: 0.4 },
          { sid: 'AC00000000000000000000000000de0003', friendlyName: 'US customers', scale: 0.25 },
        ],
      });
      const url = await simulator.start();
      return {
        simulator,
        account: {
          account: 'demo',
          accountSid,
          authToken,
          baseUrl: `${url}/2010-04-01`,
          monitorBaseUrl: `${url}/v1`,
          pollIntervalSeconds: 60,
          subaccounts: 'all',
        },
      };
    },
  },
  {
    provider: 'apollo',
    async start() {
      const simulator = new ApolloSimulator({
        masterKey: 'apollo-demo-master-key-0000000000',
        plan: 'organization',
        scale: 1.5,
      });
      const url = await simulator.start();
      return {
        simulator,
        account: {
          account: 'demo',
          apiKey: 'apollo-demo-master-key-0000000000',
          baseUrl: `${url}/api/v1`,
          pollIntervalSeconds: 60,
        },
      };
    },
  },
];

export interface DemoSimulators {
  simulators: Map<ProviderName, Simulator>;
  providers: Record<string, Array<Record<string, unknown>>>;
  stop(): Promise<void>;
}

/**
 * The receiver settings that make the apps' calls to the OpenAI simulator count as OpenAI's: its host
 * and port stand for api.openai.com (`receiver.hosts`).
 */
export function demoReceiver(sims: DemoSimulators): { enabled: true; hosts: Record<string, string> } {
  const openai = sims.simulators.get('openai');
  return { enabled: true, hosts: openai ? { [new URL(openai.baseUrl).host]: 'openai' } : {} };
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
