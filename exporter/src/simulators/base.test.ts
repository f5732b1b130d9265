// The simulators' `slow` fault: a delay of any length (a plain setTimeout beyond 2^31-1 ms fires after
// 1 ms, so a "hang for a month" answered at once), and no timer left behind by a client that gave up;
// and their request log, bounded for a demo that runs for weeks.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { MAX_TIMER_MS } from '../timers.js';
import { MAX_LOGGED_REQUESTS } from './base.js';
import { OpenAISimulator } from './openai.js';

const ADMIN = 'sk-admin-slow-test-0000000000000000';

describe('simulator slow fault', () => {
  let sim: OpenAISimulator;
  let url: string;
  beforeEach(async () => {
    sim = new OpenAISimulator({ adminKey: ADMIN });
    url = `${await sim.start()}/v1/models`;
  });
  afterEach(() => sim.stop());

  const get = (signal?: AbortSignal) => fetch(url, { headers: { authorization: `Bearer ${ADMIN}` }, signal });

  it('holds the answer for a delay beyond the 32-bit timer limit instead of answering at once', async () => {
    sim.inject({ kind: 'slow', ms: MAX_TIMER_MS + 60_000 });
    // Unclamped, the timer fires after 1 ms and the answer comes at once; held, the client gives up.
    await assert.rejects(get(AbortSignal.timeout(500)), (e: Error) => e.name === 'TimeoutError');
    // The fault was used up; the next request is answered.
    assert.equal((await get()).status, 200);
  });

  it('answers a short delay after it, and a client that gives up ends the wait', async () => {
    sim.inject({ kind: 'slow', ms: 50 });
    assert.equal((await get()).status, 200);
    sim.inject({ kind: 'slow', ms: 3_600_000 });
    await assert.rejects(get(AbortSignal.timeout(200)));
    // stop() resolves: no request (and no timer keeping the process alive) is left waiting.
    await sim.stop();
    url = `${await sim.start()}/v1/models`;
    assert.equal((await get()).status, 200);
  });
});

describe('simulator request log', () => {
  let sim: OpenAISimulator;
  let url: string;
  beforeEach(async () => {
    sim = new OpenAISimulator({ adminKey: ADMIN });
    url = await sim.start();
  });
  afterEach(() => sim.stop());

  const get = (path: string) =>
    fetch(`${url}${path}`, { headers: { authorization: `Bearer ${ADMIN}` } }).then((r) => r.arrayBuffer());

  it(`keeps the most recent ${MAX_LOGGED_REQUESTS} requests and counts them all`, async () => {
    const total = MAX_LOGGED_REQUESTS + 25;
    for (let i = 0; i < total; i += 50)
      await Promise.all(Array.from({ length: Math.min(50, total - i) }, (_, j) => get(`/v1/models?n=${i + j}`)));
    assert.equal(sim.requestCount, total);
    assert.equal(sim.requests.length, MAX_LOGGED_REQUESTS, 'bounded');
    const seen = sim.requests.map((r) => Number(r.query.n)).sort((a, b) => a - b);
    // The oldest 25 were dropped; every later one is there.
    assert.deepEqual(
      seen,
      Array.from({ length: MAX_LOGGED_REQUESTS }, (_, k) => k + 25)
    );
    // Over HTTP too.
    const logged = (await (await fetch(`${url}/_sim/requests`)).json()) as unknown[];
    assert.equal(logged.length, MAX_LOGGED_REQUESTS);
  });

  it('requestsSince gives the calls after a mark, and refuses when the log no longer holds them', async () => {
    await get('/v1/models?n=a');
    const mark = sim.requestCount;
    await get('/v1/models?n=b');
    await get('/v1/models?n=c');
    assert.deepEqual(
      sim.requestsSince(mark).map((r) => r.query.n),
      ['b', 'c']
    );
    sim.requests.length = 0;
    assert.throws(() => sim.requestsSince(mark), /2 requests since the mark, the log holds 0/);
  });
});
