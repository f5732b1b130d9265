// A key changed through the API is used by the next poll, without a restart, against the OpenAI
// simulator (which accepts only its own admin key); connection tests; and no key material in the
// exporter's log, /metrics, or any API answer along the way.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { OpenAISimulator } from '../../simulators/openai.js';
import { startApi, waitFor, type ApiFixture, type Reply } from './testing.js';

const RIGHT = 'sk-admin-live-right-3e5f7a9b1c2d4e6f';
const WRONG = 'sk-admin-live-wrong-8d6c4b2a0f9e7d5c';
const PROJECT = 'sk-proj-live-test-0a1b2c3d4e5f6a7b';

describe('changing a key through the API without a restart', () => {
  let sim: OpenAISimulator;
  let api: ApiFixture;
  const answers: Reply[] = [];
  const call = async (...args: Parameters<ApiFixture['call']>) => {
    const r = await api.call(...args);
    answers.push(r);
    return r;
  };
  const status = async (account = 'live') => (await call('GET', `/api/v1/providers/openai/accounts/${account}`)).json;

  before(async () => {
    sim = new OpenAISimulator({ adminKey: RIGHT, projectKey: PROJECT });
    await sim.start();
    api = await startApi();
  });
  after(async () => {
    await api.remove();
    await sim.stop();
  });

  it('fails with the wrong key, then polls with the right one once it is PUT', async () => {
    const created = await call('PUT', '/api/v1/providers/openai/accounts/live', {
      body: {
        adminKey: WRONG,
        baseUrl: `${sim.baseUrl}/v1`,
        pollIntervalSeconds: 3600,
        usageEndpoints: ['completions'],
      },
    });
    assert.equal(created.status, 201, created.text);

    // With jitter 0 the first poll starts at once; it fails on auth.
    const failed = await waitFor(async () => {
      const s = await status();
      return s.lastError ? s : undefined;
    }, 'the first poll to fail');
    assert.equal(failed.up, false);
    assert.equal(failed.lastError.reason, 'auth');
    assert.ok(sim.calls('/organization/').length > 0, 'the simulator was called');
    assert.match(
      (await call('GET', '/metrics', { token: null })).text,
      /nexus_provider_up\{provider="openai",account="live"\} 0/
    );

    const callsBefore = sim.calls('/organization/costs').length;
    const updated = await call('PUT', '/api/v1/providers/openai/accounts/live', { body: { adminKey: RIGHT } });
    assert.equal(updated.status, 200);
    assert.equal(updated.json.credentials.adminKey.last4, RIGHT.slice(-4));

    // The reconfigured poller polls again at once; the simulator answers only the right key.
    const up = await waitFor(async () => {
      const s = await status();
      return s.up ? s : undefined;
    }, 'a successful poll with the new key');
    assert.ok(up.lastSuccess, 'up.lastSuccess');
    assert.ok(sim.calls('/organization/costs').length > callsBefore, 'the simulator served the new poll');
    assert.match(
      (await call('GET', '/metrics', { token: null })).text,
      /nexus_provider_up\{provider="openai",account="live"\} 1/
    );
    assert.match(
      (await call('GET', '/metrics', { token: null })).text,
      /nexus_cost_usd_total\{provider="openai",account="live"/,
      'usage arrived'
    );
  });

  it('tests connectivity with the stored key and with supplied ones, without saving them', async () => {
    const stored = await call('POST', '/api/v1/providers/openai/accounts/live/test');
    assert.equal(stored.status, 200);
    assert.equal(stored.json.ok, true);
    assert.equal(typeof stored.json.latencyMs, 'number');

    const wrong = await call('POST', '/api/v1/providers/openai/accounts/live/test', { body: { adminKey: WRONG } });
    assert.equal(wrong.json.ok, false);
    assert.equal(wrong.json.reason, 'auth');
    assert.equal(typeof wrong.json.message, 'string');
    assert.equal((await status()).credentials.adminKey.last4, RIGHT.slice(-4), 'a test saves nothing');

    const fresh = await call('POST', '/api/v1/providers/openai/accounts/not-yet/test', {
      body: { adminKey: RIGHT, baseUrl: `${sim.baseUrl}/v1` },
    });
    assert.equal(fresh.json.ok, true, fresh.text);
    assert.equal((await call('GET', '/api/v1/providers/openai/accounts/not-yet')).status, 404);
    assert.equal(
      (await call('POST', '/api/v1/providers/openai/accounts/not-yet/test')).status,
      404,
      'nothing stored to test'
    );

    sim.inject({ kind: 'status', status: 503 }, { times: 1 });
    const down = await call('POST', '/api/v1/providers/openai/accounts/live/test');
    assert.deepEqual([down.json.ok, down.json.reason], [false, 'server']);
  });

  it('lists an account deferred by an absurd Retry-After (1e20 s) with a valid next poll', async () => {
    sim.inject(
      { kind: 'status', status: 429, retryAfter: '100000000000000000000' },
      { path: '/organization/costs', times: 1 }
    );
    const created = await call('PUT', '/api/v1/providers/openai/accounts/deferred', {
      body: {
        adminKey: RIGHT,
        baseUrl: `${sim.baseUrl}/v1`,
        pollIntervalSeconds: 3600,
        usageEndpoints: ['completions'],
      },
    });
    assert.equal(created.status, 201, created.text);
    await waitFor(
      () => api.running.exporter.pollers.get('openai/deferred')?.status().lastError,
      'the rate-limited poll'
    );
    const list = await call('GET', '/api/v1/providers');
    assert.equal(list.status, 200, list.text);
    const deferred = list.json.providers
      .find((p: { provider: string }) => p.provider === 'openai')
      .accounts.find((a: { account: string }) => a.account === 'deferred');
    assert.equal(deferred.lastError.reason, 'rate_limited');
    const next = Date.parse(deferred.nextPoll);
    assert.ok(
      next > Date.now() + 30 * 86_400_000 && next < Date.now() + 32 * 86_400_000,
      `nextPoll ${deferred.nextPoll} is about a month away`
    );
    assert.equal((await call('GET', '/api/v1/providers/openai/accounts/deferred')).status, 200);
    assert.equal((await call('DELETE', '/api/v1/providers/openai/accounts/deferred')).status, 204);
  });

  it('removes every series of a deleted account, the call-duration histogram included', async () => {
    const created = await call('PUT', '/api/v1/providers/openai/accounts/gone', {
      body: {
        adminKey: RIGHT,
        baseUrl: `${sim.baseUrl}/v1`,
        pollIntervalSeconds: 3600,
        usageEndpoints: ['completions'],
      },
    });
    assert.equal(created.status, 201, created.text);
    await waitFor(async () => (await status('gone')).up, 'a successful poll');
    const before = (await call('GET', '/metrics', { token: null })).text
      .split('\n')
      .filter((l) => l.includes('account="gone"'));
    for (const metric of [
      'nexus_provider_request_duration_seconds_bucket',
      'nexus_provider_errors_total',
      'nexus_provider_up',
      'nexus_cost_usd_total',
      'nexus_exporter_series',
    ]) {
      assert.ok(
        before.some((l) => l.startsWith(metric)),
        `${metric} exists before the delete`
      );
    }
    assert.equal((await call('DELETE', '/api/v1/providers/openai/accounts/gone')).status, 204);
    const after = (await call('GET', '/metrics', { token: null })).text
      .split('\n')
      .filter((l) => l.includes('account="gone"'));
    assert.deepEqual(after, []);
  });

  it('never shows the keys in the log, /metrics or any answer', async () => {
    answers.push(await call('GET', '/api/v1/providers'));
    answers.push(await call('GET', '/metrics', { token: null }));
    const everything = [...api.logs, ...answers.map((a) => a.text)].join('\n');
    assert.ok(
      api.logs.some((l) => /poll failed/.test(l)),
      'the failing poll was logged (the check below is meaningful)'
    );
    for (const key of [RIGHT, WRONG, PROJECT])
      assert.ok(!everything.includes(key), `key material ${key.slice(0, 12)}… leaked`);
  });
});
