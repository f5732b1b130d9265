// Aborting provider calls (shutdown): a call to a provider that never answers, and the waits between
// retries, end at once with CallAborted; nothing is timed or counted as the provider's failure.
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { OpenAISimulator } from '../simulators/openai.js';
import { silentServer } from '../testing/harness.js';
import { ProviderHttp, type HttpObserver } from './client.js';
import { CallAborted } from './errors.js';

function recorder(): HttpObserver & { events: string[] } {
  const events: string[] = [];
  return { events, onCall: (endpoint, code) => void events.push(`call ${endpoint} ${code}`), onError: (endpoint, reason) => void events.push(`error ${endpoint} ${reason}`) };
}

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 10));
}

describe('aborting provider calls', { timeout: 60_000 }, () => {
  let silent: Awaited<ReturnType<typeof silentServer>>;
  let sim: OpenAISimulator;
  before(async () => {
    silent = await silentServer();
    sim = new OpenAISimulator({ adminKey: 'sk-admin-abort-test-1234567890ab' });
    await sim.start();
  });
  after(async () => {
    await silent.close();
    await sim.stop();
  });

  it('ends a call to a provider that never answers, and closes its connection', async () => {
    const abort = new AbortController();
    const observer = recorder();
    const http = new ProviderHttp(silent.url, { timeoutSeconds: 300, retries: 5, backoffSeconds: 60, maxRetryAfterSeconds: 60 }, observer, undefined, abort.signal);
    const call = http.request({ endpoint: '/hang', path: '/hang' });
    await until(() => silent.sockets.length > 0);
    const socket = silent.sockets.at(-1)!;
    const closed = new Promise((r) => socket.once('close', r));
    abort.abort();
    await assert.rejects(call, (e: unknown) => e instanceof CallAborted && /\/hang: call aborted/.test(e.message));
    await closed;
    assert.deepEqual(observer.events, [], 'nothing timed or counted');
  });

  it('ends the wait between retries and a Retry-After wait', async () => {
    for (const fault of [{ kind: 'status', status: 503 } as const, { kind: 'status', status: 429, retryAfter: 50 } as const]) {
      sim.inject(fault, { times: 1 });
      const abort = new AbortController();
      const observer = recorder();
      const http = new ProviderHttp(`${sim.baseUrl}/v1`, { timeoutSeconds: 300, retries: 5, backoffSeconds: 60, maxRetryAfterSeconds: 60 }, observer, undefined, abort.signal);
      const call = http.request({ endpoint: '/organization/costs', path: 'organization/costs', query: { start_time: 0 } });
      await until(() => observer.events.some((e) => e.startsWith('error')));
      abort.abort();
      await assert.rejects(call, (e: unknown) => e instanceof CallAborted);
      assert.equal(observer.events.filter((e) => e.startsWith('error')).length, 1, `${fault.status}: only the real failure is counted`);
    }
  });

  it('leaves nothing attached to the shutdown signal once calls end, answered, failed or timed out', async () => {
    // On Node 20, AbortSignal.any([timeout, shutdown]) kept one entry per call in the long-lived
    // shutdown signal (nodejs/node#55351): memory that grew with every provider call.
    const abort = new AbortController();
    const settings = { timeoutSeconds: 0.3, retries: 0, backoffSeconds: 0, maxRetryAfterSeconds: 1 };
    const http = new ProviderHttp(`${sim.baseUrl}/v1`, settings, recorder(), undefined, abort.signal);
    const auth = { authorization: 'Bearer sk-admin-abort-test-1234567890ab' };
    for (let i = 0; i < 20; i++) assert.equal((await http.request({ endpoint: '/models', path: 'models', headers: auth })).status, 200);
    sim.inject({ kind: 'status', status: 500 }, { times: 1 });
    await assert.rejects(http.request({ endpoint: '/models', path: 'models', headers: auth }));
    const silentHttp = new ProviderHttp(silent.url, settings, recorder(), undefined, abort.signal);
    await assert.rejects(silentHttp.request({ endpoint: '/hang', path: '/hang' }), /no answer within/);
    assert.equal(getEventListeners(abort.signal, 'abort').length, 0, 'no abort listener left');
    const dependants = Object.getOwnPropertySymbols(abort.signal).find((s) => s.description === 'kDependantSignals');
    const held = dependants ? ((abort.signal as unknown as Record<symbol, Set<unknown> | undefined>)[dependants]?.size ?? 0) : 0;
    assert.equal(held, 0, 'no signal derived per call is held by the shutdown signal');
    // Shutdown still ends a call in flight.
    const call = silentHttp.request({ endpoint: '/hang', path: '/hang' });
    abort.abort();
    await assert.rejects(call, CallAborted);
  });

  it('fails at once when already aborted', async () => {
    const observer = recorder();
    const http = new ProviderHttp(silent.url, { timeoutSeconds: 300, retries: 0, backoffSeconds: 1, maxRetryAfterSeconds: 60 }, observer, undefined, AbortSignal.abort());
    await assert.rejects(http.request({ endpoint: '/x', path: '/x' }), CallAborted);
    assert.deepEqual(observer.events, []);
  });
});
