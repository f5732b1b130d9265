// Apollo.io collector against the Apollo simulator over real HTTP: exact rate limits per endpoint and
// window, credits per type, the rate-limit headers of every call, key handling (unknown, scoped,
// master), a real 429 from an exhausted window, and every error class.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { MetricName } from '../../metrics/catalog.js';
import { ApolloSimulator, UNLIMITED_CREDIT, type ApolloSimOptions } from '../../simulators/apollo.js';
import type { Fault } from '../../simulators/base.js';
import {
  assertFailedSourceKeepsLastGoodData,
  harness,
  type Harness,
  type SeriesFilter,
} from '../../testing/harness.js';
import { apollo } from './index.js';
import { endpointName, headerWindows } from './parse.js';

const MASTER = 'apollo-master-4c1f9e7a2b6d8e0f3a5c';
const SCOPED = 'apollo-scoped-8b2d4f6a0c1e3a5b7d9f';
const CREDITS_ONLY = 'apollo-credits-1a3c5e7b9d0f2a4c6e8b';
const NOW = new Date('2026-11-15T12:00:00Z');
const STATS = 'api/v1/usage_stats/api_usage_stats';
const CREDITS = 'api/v1/usage_stats/credit_usage_stats';

let sim: ApolloSimulator;
let url: string;
let clock: Date;

function account(extra: Record<string, unknown> = {}) {
  return { account: 'sales', apiKey: MASTER, baseUrl: `${url}/api/v1`, ...extra };
}

/** Starts a simulator of its own (options that the shared one does not have). */
async function withSim(
  options: Partial<ApolloSimOptions>,
  fn: (base: string, s: ApolloSimulator) => Promise<void>
): Promise<void> {
  const s = new ApolloSimulator({ masterKey: MASTER, ...options });
  s.now = () => clock;
  const base = await s.start();
  try {
    await fn(`${base}/api/v1`, s);
  } finally {
    await s.stop();
  }
}

function gauge(h: Harness, metric: MetricName, labels: Record<string, string>): number | undefined {
  const found = h.series(metric, labels);
  assert.ok(found.length <= 1, `one series for ${metric} ${JSON.stringify(labels)}`);
  return found[0]?.value;
}

/** Every listed endpoint and window, and the usage_stats endpoints from the simulator's own counters. */
function assertRateLimits(h: Harness, s: ApolloSimulator): void {
  const expected = new Map<string, [number, number]>();
  for (const r of s.rateLimits()) expected.set(`${r.endpoint}|${r.window}`, [r.limit, r.leftOver]);
  for (const endpoint of [STATS, CREDITS]) {
    for (const [window, w] of Object.entries(s.usageStatsWindows(endpoint)))
      expected.set(`${endpoint}|${window}`, [w.limit, w.limit - w.consumed]);
  }
  const limits = new Map(
    h.series('nexus_rate_limit_limit').map((x) => [`${x.labels.endpoint}|${x.labels.window}`, x.value])
  );
  const remaining = new Map(
    h.series('nexus_rate_limit_remaining').map((x) => [`${x.labels.endpoint}|${x.labels.window}`, x.value])
  );
  assert.deepEqual(limits, new Map([...expected].map(([k, [limit]]) => [k, limit])));
  assert.deepEqual(remaining, new Map([...expected].map(([k, [, left]]) => [k, left])));
}

function assertCredits(h: Harness, s: ApolloSimulator): void {
  for (const c of s.credits()) {
    assert.equal(gauge(h, 'nexus_credits_remaining', { credit_type: c.type }), c.leftOver, c.type);
    assert.equal(gauge(h, 'nexus_credits_limit', { credit_type: c.type }), c.limit, c.type);
  }
  assert.equal(
    h.series('nexus_credits_limit').length,
    s.credits().length,
    'a credit type without a limit has no series'
  );
  assert.equal(h.series('nexus_credits_remaining', { credit_type: UNLIMITED_CREDIT }).length, 0);
}

describe('Apollo parsing', () => {
  it("names endpoints from Apollo's stringified [controller, action] keys, and nothing else", () => {
    assert.equal(endpointName('["api/v1/contacts", "search"]'), 'api/v1/contacts/search');
    assert.equal(endpointName('["api/v1/mixed_people","api_search"]'), 'api/v1/mixed_people/api_search');
    assert.equal(endpointName('api/v1/contacts'), undefined);
    assert.equal(endpointName('["api/v1/contacts/5f0c2a", "show", 3]'), undefined);
    assert.equal(endpointName('["api/v1/contacts", "search now"]'), undefined);
    assert.equal(endpointName('["https://evil.example/x", "y"]'), undefined);
  });

  it('reads limited windows from headers and skips the empty (unlimited) ones', () => {
    const h = new Headers({
      'x-rate-limit-minute': '200',
      'x-minute-usage': '3',
      'x-minute-requests-left': '197',
      'x-rate-limit-hourly': '',
      'x-rate-limit-24-hour': '6000',
      'x-24-hour-usage': '10',
    });
    assert.deepEqual(headerWindows(h), {
      minute: { limit: 200, remaining: 197 },
      day: { limit: 6000, remaining: 5990 },
    });
  });
});

describe('Apollo account config', () => {
  const parse = (a: Record<string, unknown>) => apollo.accountSchema.safeParse({ account: 'sales', ...a });

  it('needs the key, defaults to both reads, and refuses to poll nothing', () => {
    const ok = parse({ apiKey: MASTER });
    assert.ok(ok.success, 'ok.success');
    assert.equal(ok.data.baseUrl, 'https://api.apollo.io/api/v1');
    assert.equal(ok.data.pollIntervalSeconds, 300);
    assert.ok(ok.data.rateLimits && ok.data.credits, 'ok.data.rateLimits && ok.data.credits');
    const missing = parse({});
    assert.ok(
      !missing.success && missing.error.issues[0]!.message === 'apiKey is required',
      "!missing.success && missing.error.issues[0]!.message === 'apiKey is required'"
    );
    const none = parse({ apiKey: MASTER, rateLimits: false, credits: false });
    assert.ok(
      !none.success && none.error.issues.every((i) => !i.message.includes(MASTER)),
      '!none.success && none.error.issues.every((i) => !i.message.includes(MASTER))'
    );
    assert.ok(
      !parse({ apiKey: MASTER, rateLimitEndpoints: ['contacts search'] }).success,
      "!parse({ apiKey: MASTER, rateLimitEndpoints: ['contacts search'] }).success"
    );
  });
});

describe('Apollo collector', () => {
  before(async () => {
    sim = new ApolloSimulator({
      masterKey: MASTER,
      scopedKeys: { [SCOPED]: [STATS, CREDITS], [CREDITS_ONLY]: [CREDITS] },
    });
    url = await sim.start();
  });
  after(() => sim.stop());
  beforeEach(() => {
    clock = new Date(NOW);
    sim.now = () => clock;
    sim.clearFaults();
    sim.requests.length = 0;
  });

  it('reports the rate limits of every endpoint and window, and credits per type, exactly', async () => {
    const h = await harness('apollo', account(), { now: () => clock });
    assert.equal(await h.poller.pollNow(), true);
    assertRateLimits(h, sim);
    assertCredits(h, sim);
    // Windows Apollo does not limit (null in the listing) have no series: paid enrichment has a minute window only.
    assert.deepEqual(
      h.series('nexus_rate_limit_limit', { endpoint: 'api/v1/people/match' }).map((s) => s.labels.window),
      ['minute']
    );
    assert.equal(h.series('nexus_rate_limit_remaining', { endpoint: 'api/v1/people/match' }).length, 1);
    // left_over that did not move with consumed is not trusted: remaining is limit − consumed.
    const listing = (await (
      await fetch(`${url}/api/v1/usage_stats/api_usage_stats`, { method: 'POST', headers: { 'x-api-key': MASTER } })
    ).json()) as Record<string, Record<string, { limit: number; consumed: number; left_over: number } | null>>;
    const stale = Object.entries(listing).flatMap(([k, w]) =>
      Object.entries(w)
        .filter(([, v]) => v && v.consumed > 0 && v.left_over === v.limit)
        .map(([window]) => [endpointName(k)!, window] as const)
    );
    assert.ok(stale.length > 0, 'the simulator serves the documented stale left_over');
    for (const [endpoint, window] of stale) {
      const row = sim.rateLimits().find((r) => r.endpoint === endpoint && r.window === window)!;
      assert.equal(
        gauge(h, 'nexus_rate_limit_remaining', { endpoint, window }),
        row.limit - row.consumed,
        `${endpoint} ${window}`
      );
    }
    assert.ok(
      Object.values(listing).some((w) => Object.values(w).includes(null)),
      'unlimited windows are null'
    );
    assert.equal(gauge(h, 'nexus_rate_limit_limit', { endpoint: 'api/v1/mixed_people/search', window: 'day' }), 50000);
    assert.ok(
      h
        .series('nexus_rate_limit_remaining')
        .some((s) => s.value < 1000 && s.labels.window !== 'minute' && s.labels.endpoint !== STATS),
      'background traffic consumes some windows'
    );
    assert.ok(
      h
        .series('nexus_credits_remaining')
        .some((s) => s.value < gauge(h, 'nexus_credits_limit', { credit_type: s.labels.credit_type! })!),
      'some credits are used'
    );
    assert.equal(h.value('nexus_provider_up'), 1);
    assert.deepEqual(
      sim.requests.slice(0, 2).map((r) => `${r.method} ${r.path}`),
      ['POST /api/v1/usage_stats/api_usage_stats', 'POST /api/v1/usage_stats/credit_usage_stats']
    );
  });

  it('reads the rate-limit headers of every call: its own windows count down poll by poll', async () => {
    const h = await harness('apollo', account(), { now: () => clock });
    await h.poller.pollNow();
    const first = gauge(h, 'nexus_rate_limit_remaining', { endpoint: CREDITS, window: 'minute' })!;
    assert.equal(gauge(h, 'nexus_rate_limit_limit', { endpoint: CREDITS, window: 'minute' }), 200);
    await h.poller.pollNow();
    assert.equal(gauge(h, 'nexus_rate_limit_remaining', { endpoint: CREDITS, window: 'minute' }), first - 1);
    assert.equal(
      gauge(h, 'nexus_rate_limit_remaining', { endpoint: STATS, window: 'day' }),
      6000 - sim.usageStatsWindows(STATS).day!.consumed
    );
    assertRateLimits(h, sim);
    // A day later the fixed windows have reopened and credits have moved on.
    clock = new Date(NOW.getTime() + 86_400_000 + 5_000);
    await h.poller.pollNow();
    assert.equal(gauge(h, 'nexus_rate_limit_remaining', { endpoint: CREDITS, window: 'day' }), 5999);
    assertRateLimits(h, sim);
    assertCredits(h, sim);
  });

  it('keeps one series per endpoint and window when the listing also has the usage_stats endpoints', async () => {
    await withSim({ listUsageStats: true }, async (base, s) => {
      const h = await harness('apollo', account({ baseUrl: base }), { now: () => clock });
      await h.poller.pollNow();
      await h.poller.pollNow();
      // The listing was taken before the credits call; its headers are newer and win (never a sum).
      assert.equal(gauge(h, 'nexus_rate_limit_remaining', { endpoint: CREDITS, window: 'minute' }), 198);
      assertRateLimits(h, s);
    });
  });

  it('reports only the endpoints asked for', async () => {
    const h = await harness('apollo', account({ rateLimitEndpoints: ['api/v1/mixed_people/search', STATS] }), {
      now: () => clock,
    });
    await h.poller.pollNow();
    assert.deepEqual([...new Set(h.series('nexus_rate_limit_limit').map((s) => s.labels.endpoint))].sort(), [
      'api/v1/mixed_people/search',
      STATS,
    ]);
    assert.equal(h.series('nexus_rate_limit_limit').length, 6);
  });

  it('works with a key scoped to the usage_stats endpoints, and with credits alone', async () => {
    const scoped = await harness('apollo', account({ apiKey: SCOPED }), { now: () => clock });
    assert.equal(await scoped.poller.pollNow(), true);
    assertCredits(scoped, sim);
    const credits = await harness('apollo', account({ apiKey: CREDITS_ONLY, rateLimits: false }), { now: () => clock });
    assert.equal(await credits.poller.pollNow(), true);
    assertCredits(credits, sim);
    assert.deepEqual([...new Set(credits.series('nexus_rate_limit_limit').map((s) => s.labels.endpoint))], [CREDITS]);
  });

  it('counts an unknown key and a key without the endpoint as auth errors, without leaking the key', async () => {
    const wrong = 'apollo-wrong-0f9e8d7c6b5a49382716';
    const h = await harness('apollo', account({ apiKey: wrong }), { now: () => clock });
    assert.equal(await h.poller.pollNow(), false);
    assert.equal(
      h.value('nexus_provider_errors_total', { reason: 'auth', endpoint: '/usage_stats/api_usage_stats' }),
      1
    );
    assert.match(h.poller.status().lastError!.message, /HTTP 401: Invalid access credentials\./);
    assert.ok(
      !h.poller.status().lastError!.message.includes(wrong),
      '!h.poller.status().lastError!.message.includes(wrong)'
    );

    const restricted = await harness('apollo', account({ apiKey: CREDITS_ONLY }), { now: () => clock });
    assert.equal(await restricted.poller.pollNow(), false);
    assert.match(
      restricted.poller.status().lastError!.message,
      /HTTP 403: Master API key is required to access this endpoint\. \(API_INACCESSIBLE\)/
    );
    assert.equal(restricted.value('nexus_provider_errors_total', { reason: 'auth' }), 1);
    assert.equal(restricted.value('nexus_provider_up'), 0);
  });

  it('probes with the free credit_usage_stats call', async () => {
    const h = await harness('apollo', account(), { now: () => clock });
    await h.poller.probe();
    assert.deepEqual(
      sim.requests.map((r) => `${r.method} ${r.path}`),
      ['POST /api/v1/usage_stats/credit_usage_stats']
    );
    await assert.rejects(h.poller.probe({ ...h.poller.config, apiKey: 'apollo-wrong-0f9e8d7c6b5a49382716' }), {
      name: 'ProviderError',
      reason: 'auth',
    });
  });

  it('answers only POST, as documented (the GET form is a 404)', async () => {
    const res = await fetch(`${url}/api/v1/usage_stats/api_usage_stats`, { headers: { 'x-api-key': MASTER } });
    assert.equal(res.status, 404);
  });

  it('stops at a real exhausted window with its Retry-After, keeps the data, and resumes when it reopens', async () => {
    await withSim({ usageStatsLimits: { minute: 2 } }, async (base, s) => {
      // retries: 0 because the HTTP client still sleeps out a too-long Retry-After after giving up (see report).
      const h = await harness('apollo', account({ baseUrl: base }), { now: () => clock, http: { retries: 0 } });
      assert.equal(await h.poller.pollNow(), true);
      clock = new Date(NOW.getTime() + 20_000);
      assert.equal(await h.poller.pollNow(), true);
      assert.equal(gauge(h, 'nexus_rate_limit_remaining', { endpoint: STATS, window: 'minute' }), 0);
      const good = h.dataSnapshot();
      clock = new Date(NOW.getTime() + 30_000);
      assert.equal(await h.poller.pollNow(), false);
      assert.deepEqual(h.dataSnapshot(), good);
      assert.equal(
        h.value('nexus_provider_errors_total', { reason: 'rate_limited', endpoint: '/usage_stats/api_usage_stats' }),
        1
      );
      assert.match(
        h.poller.status().lastError!.message,
        /HTTP 429: The maximum number of api calls allowed for api\/v1\/usage_stats is 2 times per minute/
      );
      assert.equal(h.value('nexus_provider_up'), 0);
      // The minute window opened at the first call (t=0) and reopens at t=60: 30 s from now.
      const direct = await fetch(`${base}/usage_stats/api_usage_stats`, {
        method: 'POST',
        headers: { 'x-api-key': MASTER },
      });
      assert.equal(direct.status, 429);
      assert.equal(direct.headers.get('retry-after'), '30');
      assert.equal(direct.headers.get('x-minute-requests-left'), null, 'no rate-limit headers on a 429');
      await direct.body?.cancel();
      clock = new Date(NOW.getTime() + 61_000);
      assert.equal(await h.poller.pollNow(), true);
      assert.equal(gauge(h, 'nexus_rate_limit_remaining', { endpoint: STATS, window: 'minute' }), 1);
      assertRateLimits(h, s);
    });
  });

  const failures: Array<{
    name: string;
    fault: Fault;
    path: string;
    reason: string;
    endpoint: string;
    http?: Record<string, number>;
  }> = [
    {
      name: 'auth 401',
      fault: { kind: 'status', status: 401, message: 'Invalid access credentials.' },
      path: 'api_usage_stats',
      reason: 'auth',
      endpoint: '/usage_stats/api_usage_stats',
    },
    {
      name: 'auth 403',
      fault: {
        kind: 'status',
        status: 403,
        message: 'api/v1/usage_stats/credit_usage_stats is not accessible with this api_key',
      },
      path: 'credit_usage_stats',
      reason: 'auth',
      endpoint: '/usage_stats/credit_usage_stats',
    },
    {
      name: 'rate_limited 429 with a long Retry-After',
      fault: {
        kind: 'status',
        status: 429,
        retryAfter: 45,
        message: 'The maximum number of api calls allowed for api/v1/usage_stats is 200 times per minute.',
      },
      path: 'credit_usage_stats',
      reason: 'rate_limited',
      endpoint: '/usage_stats/credit_usage_stats',
    },
    {
      name: 'server 500',
      fault: { kind: 'status', status: 500, message: 'Internal server error' },
      path: 'credit_usage_stats',
      reason: 'server',
      endpoint: '/usage_stats/credit_usage_stats',
    },
    {
      name: 'server 502',
      fault: { kind: 'status', status: 502, message: 'Bad gateway' },
      path: 'api_usage_stats',
      reason: 'server',
      endpoint: '/usage_stats/api_usage_stats',
    },
    {
      name: 'timeout',
      fault: { kind: 'slow', ms: 1500 },
      path: 'credit_usage_stats',
      reason: 'timeout',
      endpoint: '/usage_stats/credit_usage_stats',
      http: { timeoutSeconds: 0.3 },
    },
    {
      name: 'network',
      fault: { kind: 'drop' },
      path: 'credit_usage_stats',
      reason: 'network',
      endpoint: '/usage_stats/credit_usage_stats',
    },
    {
      name: 'bad_response html',
      fault: { kind: 'html' },
      path: 'api_usage_stats',
      reason: 'bad_response',
      endpoint: '/usage_stats/api_usage_stats',
    },
    {
      name: 'bad_response truncated',
      fault: { kind: 'truncated' },
      path: 'credit_usage_stats',
      reason: 'bad_response',
      endpoint: '/usage_stats/credit_usage_stats',
    },
    {
      name: 'bad_response credit cycle dated in a new format',
      fault: { kind: 'dates' },
      path: 'credit_usage_stats',
      reason: 'bad_response',
      endpoint: '/usage_stats/credit_usage_stats',
    },
  ];

  // The credits call's own rate-limit headers belong to the credits source.
  const ofCredits: SeriesFilter = (m, l) =>
    m.startsWith('nexus_credits_') || (m.startsWith('nexus_rate_limit_') && l.endpoint === CREDITS);
  const owners: Record<string, { source: string; owned: SeriesFilter }> = {
    '/usage_stats/api_usage_stats': {
      source: 'apollo.rate_limits',
      owned: (m, l) => m.startsWith('nexus_rate_limit_') && l.endpoint !== CREDITS,
    },
    '/usage_stats/credit_usage_stats': { source: 'apollo.credits', owned: ofCredits },
  };
  for (const f of failures) {
    it(`${f.name}: counted as ${f.reason}, that source's last good data kept, the other applied, down until it recovers`, async () => {
      const h = await harness('apollo', account(), { now: () => clock, http: { retries: 0, ...f.http } });
      assert.equal(await h.poller.pollNow(), true);
      // Time passes: credits and windows move, so a source applied even in part would show.
      clock = new Date(NOW.getTime() + 3 * 3600_000);
      const { source, owned } = owners[f.endpoint]!;
      await assertFailedSourceKeepsLastGoodData(
        h,
        { reason: f.reason, endpoint: f.endpoint, source },
        {
          fail: () => sim.inject(f.fault, { path: f.path }),
          recover: () => {
            if (source === 'apollo.rate_limits') assertCredits(h, sim);
            sim.clearFaults();
          },
        },
        owned
      );
      assertRateLimits(h, sim);
      assertCredits(h, sim);
    });
  }

  it('retries a passing server error and succeeds', async () => {
    const h = await harness('apollo', account(), { now: () => clock });
    sim.inject({ kind: 'status', status: 503, message: 'Service unavailable' }, { path: 'api_usage_stats' });
    assert.equal(await h.poller.pollNow(), true);
    assert.equal(
      h.value('nexus_provider_errors_total', { reason: 'server', endpoint: '/usage_stats/api_usage_stats' }),
      1
    );
    assertRateLimits(h, sim);
  });
});
