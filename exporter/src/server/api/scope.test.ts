// The spend scope of each account in the admin API: `account` when its spend and cost cover the whole
// provider account, `key` when only the configured key(s), null for a provider without money. It is
// the `scope` label the same account's series carry in /metrics, so the plugin can mark a key-only
// account without querying Prometheus. Two OpenRouter accounts of one organization (the simulator):
// one with a management key (the organization's spend), one with a team's key only.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { OpenRouterSimulator } from '../../simulators/openrouter.js';
import { checkSchema, startApi, type ApiFixture } from './testing.js';

const API_KEY = 'sk-or-v1-scope-test-team-key-5c2e8a1f9b3d7e60';
const MANAGEMENT_KEY = 'sk-or-v1-scope-test-management-7d1f3b5a9c2e4f80';
const NOWHERE = 'http://127.0.0.1:9';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('spend scope in the admin API', () => {
  let sim: OpenRouterSimulator;
  let baseUrl: string;
  let api: ApiFixture;
  let doc: Json;
  const account = async (provider: string, name: string) => {
    const r = await api.call('GET', `/api/v1/providers/${provider}/accounts/${name}`);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(checkSchema(r.json, doc.components.schemas.AccountStatus, doc), []);
    return r.json;
  };

  before(async () => {
    sim = new OpenRouterSimulator({
      apiKey: API_KEY,
      managementKey: MANAGEMENT_KEY,
      otherKeys: [{ name: 'Other team', key: 'sk-or-v1-scope-test-other-key-1a4c6e8b0d2f', share: 0.6 }],
    });
    baseUrl = `${await sim.start()}/api/v1`;
    api = await startApi({
      config: {
        providers: {
          openrouter: [
            { account: 'org', apiKey: API_KEY, managementKey: MANAGEMENT_KEY, baseUrl, pollIntervalSeconds: 3600 },
            { account: 'team', apiKey: API_KEY, baseUrl, pollIntervalSeconds: 3600 },
          ],
          apollo: [{ account: 'sales', apiKey: 'apollo-scope-test-0123456789', baseUrl: NOWHERE, enabled: false }],
        },
      },
    });
    doc = (await api.call('GET', '/api/v1/openapi.json')).json;
  });
  after(async () => {
    await api.remove();
    await sim.stop();
  });

  it("is `account` with a management key and `key` without, as the scope label of the account's series", async () => {
    for (const name of ['org', 'team'])
      assert.equal(await api.running.exporter.pollers.get(`openrouter/${name}`)!.pollNow(), true, name);
    assert.equal((await account('openrouter', 'org')).spendScope, 'account');
    assert.equal((await account('openrouter', 'team')).spendScope, 'key');
    const metrics = (await api.call('GET', '/metrics', { token: null })).text;
    for (const [name, scope] of [
      ['org', 'account'],
      ['team', 'key'],
    ]) {
      const spend = [
        ...metrics.matchAll(
          new RegExp(`^nexus_spend_usd\\{provider="openrouter",account="${name}",period="\\w+",scope="(\\w+)"\\}`, 'gm')
        ),
      ];
      assert.deepEqual([...new Set(spend.map((m) => m[1]))], [scope], `${name}: ${spend.length} spend series`);
    }
    assert.match(
      metrics,
      /^nexus_cost_usd_total\{provider="openrouter",account="org",category="[^"]+",project="none",scope="account"\} /m,
      'cost carries the scope too'
    );
  });

  it('follows the configuration: an Exa account with apiKeyIds is `key`, every key `account`; Apollo has none', async () => {
    const exa = '/api/v1/providers/exa/accounts';
    const settings = {
      serviceKey: 'exa-scope-test-service-key-3e9a',
      baseUrl: NOWHERE,
      adminBaseUrl: NOWHERE,
      enabled: false,
    };
    assert.equal((await api.call('PUT', `${exa}/team`, { body: settings })).json.spendScope, 'account');
    const subset = await api.call('PUT', `${exa}/team`, {
      body: { ...settings, apiKeyIds: ['3c90c3cc-0d44-4b50-8888-8dd25736052a'] },
    });
    assert.equal(subset.status, 200, subset.text);
    assert.equal(subset.json.spendScope, 'key');
    assert.equal((await account('exa', 'team')).spendScope, 'key');
    assert.equal((await account('apollo', 'sales')).spendScope, null);
    const listed = (await api.call('GET', '/api/v1/providers')).json.providers.flatMap((p: Json) => p.accounts);
    assert.deepEqual(Object.fromEntries(listed.map((a: Json) => [`${a.provider}/${a.account}`, a.spendScope])), {
      'openrouter/org': 'account',
      'openrouter/team': 'key',
      'exa/team': 'key',
      'apollo/sales': null,
    });
  });
});
