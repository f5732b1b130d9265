// Poller life cycle: settings published as health series, disabled accounts, reconfiguration, and
// error counters that exist at zero before the first failure.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { OpenAISimulator } from '../simulators/openai.js';
import { harness } from '../testing/harness.js';

const ADMIN = 'sk-admin-poller-1a2b3c4d5e6f7a8b9c0d';
let sim: OpenAISimulator;
let baseUrl: string;
const account = (extra: Record<string, unknown> = {}) => ({
  account: 'prod',
  adminKey: ADMIN,
  baseUrl,
  usageEndpoints: ['completions'],
  ...extra,
});

describe('AccountPoller', () => {
  before(async () => {
    sim = new OpenAISimulator({ adminKey: ADMIN });
    baseUrl = `${await sim.start()}/v1`;
  });
  after(() => sim.stop());
  beforeEach(() => {
    sim.now = () => new Date();
  });

  it('publishes the poll interval and starts down until the first poll', async () => {
    const h = await harness('openai', account({ pollIntervalSeconds: 120 }));
    assert.equal(h.value('nexus_provider_poll_interval_seconds'), 120);
    assert.equal(h.series('nexus_provider_up').length, 1);
    assert.equal(h.value('nexus_provider_up'), 0);
  });

  it("creates error counters at zero for every reason on an endpoint's first call", async () => {
    const h = await harness('openai', account());
    assert.equal(h.series('nexus_provider_errors_total').length, 0);
    await h.poller.pollNow();
    const costs = h.series('nexus_provider_errors_total', { endpoint: '/organization/costs' });
    assert.deepEqual(costs.map((s) => s.labels.reason).sort(), [
      'auth',
      'bad_response',
      'client',
      'network',
      'rate_limited',
      'server',
      'timeout',
    ]);
    assert.ok(
      costs.every((s) => s.value === 0),
      'costs.every((s) => s.value === 0)'
    );
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
    assert.deepEqual(
      h
        .series('nexus_provider_source_up')
        .map((s) => [s.labels.source, s.value])
        .sort(),
      [
        ['openai.costs', 1],
        ['openai.projects', 1],
        ['openai.usage.completions', 1],
        ['openai.usage.embeddings', 1],
      ]
    );
    assert.deepEqual(
      h.poller
        .status()
        .sources.map((s) => s.source)
        .sort(),
      ['openai.costs', 'openai.projects', 'openai.usage.completions', 'openai.usage.embeddings']
    );
    const embeddings = h.value('nexus_tokens_total', { model: 'text-embedding-3-small' });
    assert.ok(embeddings > 0, 'embeddings > 0');
    await h.poller.reconfigure({ ...h.poller.config, usageEndpoints: ['completions'] });
    assert.equal(await h.poller.pollNow(), true);
    assert.equal(h.series('nexus_provider_source_up', { source: 'openai.usage.embeddings' }).length, 0);
    assert.equal(
      h.value('nexus_tokens_total', { model: 'text-embedding-3-small' }),
      embeddings,
      'what was counted stays counted'
    );
    await h.poller.reconfigure({ ...h.poller.config, enabled: false });
    assert.equal(h.series('nexus_provider_source_up').length, 0, 'a disabled account reports no source as down');
  });

  it("says how each source's data arrives and up to when it is complete, and forgets retired sources", async () => {
    const clock = new Date('2026-03-10T15:20:00Z');
    // The provider's clock is ours: a bucket months ahead of the exporter's clock is refused.
    sim.now = () => clock;
    const h = await harness('openai', account({ usageEndpoints: ['completions', 'embeddings'] }), { now: () => clock });
    assert.equal(await h.poller.pollNow(), true);
    assert.deepEqual(
      h
        .series('nexus_source_info')
        .map((s) => [s.labels.source, s.labels.bucket, s.labels.delivery, s.value])
        .sort(),
      [
        ['openai.costs', 'day', 'live', 1],
        ['openai.projects', 'none', 'live', 1],
        ['openai.usage.completions', 'day', 'live', 1],
        ['openai.usage.embeddings', 'day', 'live', 1],
      ]
    );
    // Live sources (the day in progress grows as it is used) are complete as of the read.
    for (const s of h.series('nexus_source_data_timestamp_seconds'))
      assert.equal(s.value, clock.getTime() / 1000, s.labels.source);
    await h.poller.reconfigure({ ...h.poller.config, usageEndpoints: ['completions'] });
    assert.equal(await h.poller.pollNow(), true);
    assert.equal(h.series('nexus_source_info', { source: 'openai.usage.embeddings' }).length, 0);
    assert.equal(h.series('nexus_source_data_timestamp_seconds', { source: 'openai.usage.embeddings' }).length, 0);
  });

  it('keeps the data timestamp of a failing source at its last good read while the source is declared', async () => {
    let clock = new Date('2026-03-10T15:20:00Z');
    sim.now = () => clock;
    const h = await harness('openai', account(), { now: () => clock, http: { retries: 0 } });
    assert.equal(await h.poller.pollNow(), true);
    const first = clock.getTime() / 1000;
    clock = new Date('2026-03-10T15:30:00Z');
    sim.inject({ kind: 'status', status: 500 }, { path: 'organization/costs', times: 1 });
    assert.equal(await h.poller.pollNow(), false);
    assert.equal(h.value('nexus_provider_source_up', { source: 'openai.costs' }), 0);
    assert.equal(
      h.value('nexus_source_data_timestamp_seconds', { source: 'openai.costs' }),
      first,
      'stale by ten minutes'
    );
    assert.equal(
      h.value('nexus_source_data_timestamp_seconds', { source: 'openai.usage.completions' }),
      clock.getTime() / 1000
    );
    assert.equal(h.series('nexus_source_info', { source: 'openai.costs', bucket: 'day' }).length, 1);
  });
});
