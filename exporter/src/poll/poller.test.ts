// Poller life cycle: settings published as health series, disabled accounts, reconfiguration, and
// error counters that exist at zero before the first failure.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { OpenAISimulator } from '../simulators/openai.js';
import { harness } from '../testing/harness.js';

const ADMIN = 'sk-admin-poller-1a2b3c4d5e6f7a8b9c0d';
let sim: OpenAISimulator;
let baseUrl: string;
const account = (extra: Record<string, unknown> = {}) => ({ account: 'prod', adminKey: ADMIN, baseUrl, usageEndpoints: ['completions'], ...extra });

describe('AccountPoller', () => {
  before(async () => {
    sim = new OpenAISimulator({ adminKey: ADMIN });
    baseUrl = `${await sim.start()}/v1`;
  });
  after(() => sim.stop());

  it('publishes the poll interval and starts down until the first poll', async () => {
    const h = await harness('openai', account({ pollIntervalSeconds: 120 }));
    assert.equal(h.value('nexus_provider_poll_interval_seconds'), 120);
    assert.equal(h.series('nexus_provider_up').length, 1);
    assert.equal(h.value('nexus_provider_up'), 0);
  });

  it('creates error counters at zero for every reason on an endpoint\'s first call', async () => {
    const h = await harness('openai', account());
    assert.equal(h.series('nexus_provider_errors_total').length, 0);
    await h.poller.pollNow();
    const costs = h.series('nexus_provider_errors_total', { endpoint: '/organization/costs' });
    assert.deepEqual(costs.map((s) => s.labels.reason).sort(), ['auth', 'bad_response', 'client', 'network', 'rate_limited', 'server', 'timeout']);
    assert.ok(costs.every((s) => s.value === 0));
  });

  it('gives a disabled account no up series, and reconfiguring it does not start an unstarted poller', async () => {
    const h = await harness('openai', account({ enabled: false }));
    assert.equal(h.series('nexus_provider_up').length, 0, 'a disabled account is not reported as down');
    await h.poller.reconfigure({ ...h.poller.config, enabled: true, pollIntervalSeconds: 600 });
    assert.equal(h.value('nexus_provider_up'), 0);
    assert.equal(h.value('nexus_provider_poll_interval_seconds'), 600);
    assert.equal(h.poller.status().nextPoll, undefined, 'not scheduled: the exporter never started it');
  });

  it('reschedules a started poller on reconfigure and clears the schedule when disabled', async () => {
    const h = await harness('openai', account({ pollIntervalSeconds: 3600 }));
    h.poller.start();
    try {
      assert.ok(h.poller.status().nextPoll, 'scheduled');
      await h.poller.reconfigure({ ...h.poller.config, enabled: false });
      assert.equal(h.poller.status().nextPoll, undefined);
      assert.equal(h.series('nexus_provider_up').length, 0);
      await h.poller.reconfigure({ ...h.poller.config, enabled: true });
      assert.ok(h.poller.status().nextPoll, 'scheduled again');
    } finally {
      await h.poller.stop();
    }
  });

  it('uses new credentials on the next poll after reconfigure', async () => {
    const h = await harness('openai', account({ adminKey: 'sk-admin-wrong-000000000000' }));
    assert.equal(await h.poller.pollNow(), false);
    await h.poller.reconfigure({ ...h.poller.config, adminKey: ADMIN });
    assert.equal(await h.poller.pollNow(), true);
    assert.equal(h.value('nexus_provider_up'), 1);
  });

  it('reports every source, and retires the ones a poll no longer reads while their counters stay', async () => {
    const h = await harness('openai', account({ usageEndpoints: ['completions', 'embeddings'] }));
    assert.equal(await h.poller.pollNow(), true);
    assert.deepEqual(h.series('nexus_provider_source_up').map((s) => [s.labels.source, s.value]).sort(), [
      ['openai.costs', 1], ['openai.projects', 1], ['openai.usage.completions', 1], ['openai.usage.embeddings', 1],
    ]);
    assert.deepEqual(h.poller.status().sources.map((s) => s.source).sort(), ['openai.costs', 'openai.projects', 'openai.usage.completions', 'openai.usage.embeddings']);
    const embeddings = h.value('nexus_tokens_total', { model: 'text-embedding-3-small' });
    assert.ok(embeddings > 0);
    await h.poller.reconfigure({ ...h.poller.config, usageEndpoints: ['completions'] });
    assert.equal(await h.poller.pollNow(), true);
    assert.equal(h.series('nexus_provider_source_up', { source: 'openai.usage.embeddings' }).length, 0);
    assert.equal(h.value('nexus_tokens_total', { model: 'text-embedding-3-small' }), embeddings, 'what was counted stays counted');
    await h.poller.reconfigure({ ...h.poller.config, enabled: false });
    assert.equal(h.series('nexus_provider_source_up').length, 0, 'a disabled account reports no source as down');
  });
});
