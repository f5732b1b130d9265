// Every error class a provider can produce, against the OpenAI simulator over real HTTP: the right
// `reason` is counted, the provider is marked down, the last good data keeps being served, retries
// and Retry-After behave, and the circuit breaker opens and closes.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createServer } from 'node:net';
import { MAX_BODY_BYTES } from '../http/client.js';
import { MAX_RETRY_AFTER_SECONDS, parseRetryAfter } from '../http/errors.js';
import { PrometheusOutput } from '../metrics/prometheus.js';
import { OpenAISimulator } from '../simulators/openai.js';
import { harness as realHarness, type Harness, type HarnessOptions } from '../testing/harness.js';

const ADMIN = 'sk-admin-errors-4b8d2f6a1c3e5a7b9d0f';
/** The simulator's and the exporter's clock: one fixed day, so the tests hold on any date. */
const NOW = () => new Date('2026-11-10T08:00:00Z');
const harness = (provider: 'openai', account: Record<string, unknown>, opts: HarnessOptions = {}) =>
  realHarness(provider, account, { now: NOW, ...opts });
let sim: OpenAISimulator;
let baseUrl: string;

async function goodThenPoll(h: Harness): Promise<{ cost: number; spend: number }> {
  assert.equal(await h.poller.pollNow(), true, 'the first poll succeeds');
  return { cost: h.value('nexus_cost_usd_total'), spend: h.value('nexus_spend_usd', { period: 'month' }) };
}

/** An account whose only source is the costs endpoint, so a fault there fails the whole poll. */
function account(extra: Record<string, unknown> = {}) {
  return { account: 'prod', adminKey: ADMIN, baseUrl, usageEndpoints: [], projectNames: false, ...extra };
}

describe('provider errors', () => {
  before(async () => {
    sim = new OpenAISimulator({ adminKey: ADMIN });
    baseUrl = `${await sim.start()}/v1`;
    sim.now = NOW;
  });
  after(() => sim.stop());
  beforeEach(() => {
    sim.clearFaults();
    sim.requests.length = 0;
  });

  const cases = [
    { name: '401', fault: { kind: 'status', status: 401 }, reason: 'auth' },
    { name: '403', fault: { kind: 'status', status: 403 }, reason: 'auth' },
    { name: '400', fault: { kind: 'status', status: 400 }, reason: 'client' },
    { name: 'HTML instead of JSON', fault: { kind: 'html' }, reason: 'bad_response' },
    { name: 'truncated JSON', fault: { kind: 'truncated' }, reason: 'bad_response' },
  ] as const;
  for (const c of cases) {
    it(`${c.name} counts reason=${c.reason}, marks the provider down and keeps the last good data`, async () => {
      const h = await harness('openai', account());
      const good = await goodThenPoll(h);
      sim.inject(c.fault, { path: '/organization/costs', times: 5 });
      assert.equal(await h.poller.pollNow(), false);
      assert.equal(
        h.value('nexus_provider_errors_total', { reason: c.reason, endpoint: '/organization/costs' }),
        1,
        'counted once: not retried'
      );
      assert.equal(h.value('nexus_provider_errors_total'), 1, 'no other reason counted');
      assert.equal(h.value('nexus_provider_up'), 0);
      assert.equal(h.value('nexus_cost_usd_total'), good.cost);
      assert.equal(h.value('nexus_spend_usd', { period: 'month' }), good.spend);
      assert.equal(h.poller.status().lastError?.reason, c.reason);
      assert.equal(h.value('nexus_provider_polls_total', { result: 'failure' }), 1);
    });
  }

  it('retries a 5xx with backoff and succeeds; the failed attempt is counted and timed', async () => {
    const h = await harness('openai', account());
    const output = new PrometheusOutput(h.model);
    sim.inject({ kind: 'status', status: 502 }, { path: '/organization/costs', times: 1 });
    assert.equal(await h.poller.pollNow(), true);
    assert.equal(h.value('nexus_provider_errors_total', { reason: 'server' }), 1);
    assert.equal(sim.calls('/organization/costs').length, 2);
    assert.equal(h.value('nexus_provider_up'), 1);
    const text = await durationCodes(output, '/organization/costs');
    assert.ok(text.has('502') && text.has('200'), `both attempts timed: ${[...text].join(',')}`);
  });

  it('gives up on persistent 5xx after the configured retries', async () => {
    const h = await harness('openai', account());
    const good = await goodThenPoll(h);
    sim.inject({ kind: 'status', status: 500 }, { path: '/organization/costs', times: 10 });
    assert.equal(await h.poller.pollNow(), false);
    assert.equal(h.value('nexus_provider_errors_total', { reason: 'server' }), 3, 'first attempt + 2 retries');
    assert.equal(h.value('nexus_cost_usd_total'), good.cost);
  });

  it('honours a short Retry-After on 429 and retries', async () => {
    const h = await harness('openai', account());
    sim.inject({ kind: 'status', status: 429, retryAfter: '0.2' }, { path: '/organization/costs', times: 1 });
    assert.equal(await h.poller.pollNow(), true);
    assert.equal(h.value('nexus_provider_errors_total', { reason: 'rate_limited' }), 1);
    const [first, second] = sim.calls('/organization/costs');
    assert.ok(second!.at - first!.at >= 0, 'retried after the wait');
  });

  it('fails fast on a 429 whose Retry-After exceeds the limit, and defers the next poll by it', async () => {
    const h = await harness('openai', account());
    sim.inject({ kind: 'status', status: 429, retryAfter: 600 }, { path: '/organization/costs', times: 1 });
    assert.equal(await h.poller.pollNow(), false);
    assert.equal(sim.calls('/organization/costs').length, 1, 'not retried');
    assert.equal(h.value('nexus_provider_errors_total', { reason: 'rate_limited' }), 1);
    assert.equal(h.poller.status().lastError?.reason, 'rate_limited');
    assert.ok(h.poller.nextDelaySeconds() >= 600, 'the next poll waits as long as the provider asked');
  });

  it('honours a month-long Retry-After: no call until then, however long a timer can wait', async () => {
    const h = await harness('openai', account({ pollIntervalSeconds: 60 }));
    const month = 30 * 86_400;
    sim.inject({ kind: 'status', status: 429, retryAfter: month }, { path: '/organization/costs', times: 1 });
    h.poller.start();
    try {
      await waitUntil(() => h.poller.status().lastError !== undefined);
      const calls = sim.requests.length;
      const next = Date.parse(h.poller.status().nextPoll!);
      assert.ok(next >= Date.now() + (month - 60) * 1000, `next poll in a month, not ${h.poller.status().nextPoll}`);
      // A timer of more than 2^31-1 ms fires after 1 ms: thousands of calls in the next moment.
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(sim.requests.length, calls, 'no call to a provider that asked us to wait');
    } finally {
      await h.poller.stop();
    }
  });

  it('bounds an absurd Retry-After (1e20 seconds, a date in year 9999) to a month, as a valid date', async () => {
    assert.equal(parseRetryAfter('100000000000000000000'), MAX_RETRY_AFTER_SECONDS);
    assert.equal(parseRetryAfter('9'.repeat(400)), MAX_RETRY_AFTER_SECONDS);
    assert.equal(parseRetryAfter('Fri, 31 Dec 9999 23:59:59 GMT'), MAX_RETRY_AFTER_SECONDS);
    assert.equal(parseRetryAfter('Thu, 01 Jan 1970 00:00:00 GMT'), 0);
    assert.equal(parseRetryAfter('120'), 120);
    assert.equal(parseRetryAfter('1e20'), undefined, 'not a delta-seconds');
    const h = await harness('openai', account());
    sim.inject(
      { kind: 'status', status: 429, retryAfter: '100000000000000000000' },
      { path: '/organization/costs', times: 1 }
    );
    assert.equal(await h.poller.pollNow(), false);
    assert.equal(h.poller.nextDelaySeconds(), MAX_RETRY_AFTER_SECONDS);
  });

  it('times out a slow answer (reason=timeout)', async () => {
    const h = await harness('openai', account(), { http: { timeoutSeconds: 0.2, retries: 0 } });
    sim.inject({ kind: 'slow', ms: 1000 }, { path: '/organization/costs', times: 1 });
    assert.equal(await h.poller.pollNow(), false);
    assert.equal(h.value('nexus_provider_errors_total', { reason: 'timeout', endpoint: '/organization/costs' }), 1);
  });

  it('counts a dropped connection and a closed port as network errors', async () => {
    const h = await harness('openai', account(), { http: { retries: 0 } });
    sim.inject({ kind: 'drop' }, { path: '/organization/costs', times: 1 });
    assert.equal(await h.poller.pollNow(), false);
    assert.equal(h.value('nexus_provider_errors_total', { reason: 'network' }), 1);

    const port = await closedPort();
    const dead = await harness(
      'openai',
      { account: 'dead', adminKey: ADMIN, baseUrl: `http://127.0.0.1:${port}/v1` },
      { http: { retries: 0 } }
    );
    assert.equal(await dead.poller.pollNow(), false);
    // The probe and the first data call both fail; nothing else is attempted.
    assert.equal(
      dead.value('nexus_provider_errors_total', { reason: 'network', endpoint: '/organization/projects' }),
      1
    );
    assert.equal(dead.value('nexus_provider_errors_total', { reason: 'network', endpoint: '/organization/costs' }), 1);
    assert.match(dead.poller.status().lastError!.message, /connection failed: ECONNREFUSED/);
  });

  it('refuses an answer larger than the body limit (reason=bad_response)', async () => {
    const h = await harness('openai', account(), { http: { retries: 0 } });
    const good = await goodThenPoll(h);
    sim.inject({ kind: 'oversized', bytes: MAX_BODY_BYTES + 4 * 1024 * 1024 }, { path: '/organization/costs' });
    assert.equal(await h.poller.pollNow(), false);
    assert.equal(
      h.value('nexus_provider_errors_total', { reason: 'bad_response', endpoint: '/organization/costs' }),
      1
    );
    assert.match(h.poller.status().lastError!.message, /body larger than/);
    assert.equal(h.value('nexus_cost_usd_total'), good.cost);
  });

  it('keeps other accounts polling while one fails', async () => {
    const broken = await harness('openai', account({ account: 'broken', adminKey: 'sk-admin-wrong-000000000000' }));
    const fine = await harness('openai', account({ account: 'fine' }), { model: broken.model });
    await Promise.all([broken.poller.pollNow(), fine.poller.pollNow()]);
    assert.equal(broken.value('nexus_provider_up', { account: 'broken' }), 0);
    assert.equal(fine.value('nexus_provider_up', { account: 'fine' }), 1);
    assert.ok(fine.value('nexus_cost_usd_total', { account: 'fine' }) > 0, 'fine has cost');
    assert.equal(fine.value('nexus_cost_usd_total', { account: 'broken' }), 0);
  });

  it('never puts the key in an error message', async () => {
    const wrong = 'sk-admin-wrong-key-0123456789abcdef';
    const h = await harness('openai', account({ adminKey: wrong }));
    assert.equal(await h.poller.pollNow(), false);
    const status = JSON.stringify(h.poller.status());
    assert.doesNotMatch(status, new RegExp(wrong));
    assert.match(status, /HTTP 401/);
  });

  it("shows no part of a key that an error body has across the excerpt's cut", async () => {
    const h = await harness('openai', account());
    for (const at of [280, 290, 299, 300]) {
      sim.inject(
        { kind: 'status', status: 400, message: `${'x'.repeat(at)}${ADMIN} echoed by the provider` },
        { path: '/organization/costs', times: 1 }
      );
      assert.equal(await h.poller.pollNow(), false);
      const message = h.poller.status().lastError!.message;
      assert.match(message, /HTTP 400: x+/);
      for (let n = 8; n <= ADMIN.length; n++)
        assert.ok(!message.includes(ADMIN.slice(0, n)), `the first ${n} characters of the key show: ${message}`);
    }
  });

  it('opens the circuit after repeated failures and closes it on success', async () => {
    const h = await harness('openai', account());
    sim.inject({ kind: 'status', status: 401 }, { path: '/organization/costs', times: 5 });
    for (let i = 0; i < 5; i++) assert.equal(await h.poller.pollNow(), false);
    assert.equal(h.value('nexus_provider_circuit_open'), 1);
    assert.equal(h.poller.status().circuitOpen, true);
    assert.equal(await h.poller.pollNow(), true);
    assert.equal(h.value('nexus_provider_circuit_open'), 0);
    assert.equal(h.poller.status().consecutiveFailures, 0);
  });
});

async function durationCodes(output: PrometheusOutput, endpoint: string): Promise<Set<string>> {
  const text = await output.render();
  const counts = text
    .split('\n')
    .filter(
      (l) => l.startsWith('nexus_provider_request_duration_seconds_count') && l.includes(`endpoint="${endpoint}"`)
    );
  return new Set(counts.map((l) => /code="(\d+)"/.exec(l)![1]!));
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

async function waitUntil(check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
