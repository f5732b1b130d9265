// Aborting provider calls (shutdown): a call to a provider that never answers, and the waits between
// retries, end at once with CallAborted; nothing is timed or counted as the provider's failure. And the
// reading of a body over real HTTP: the body is decoded as it arrives, so a character whose UTF-8 bytes
// are split across two reads must still come out whole.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getEventListeners } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { configSchema, type ExporterConfig } from '../config/schema.js';
import { Exporter } from '../exporter.js';
import { silentLogger } from '../log.js';
import { OpenAISimulator } from '../simulators/openai.js';
import { silentServer } from '../testing/harness.js';
import { DEFAULT_HTTP, ProviderHttp, type HttpObserver } from './client.js';
import { CallAborted } from './errors.js';

function recorder(): HttpObserver & { events: string[] } {
  const events: string[] = [];
  return {
    events,
    onCall: (endpoint, code) => void events.push(`call ${endpoint} ${code}`),
    onError: (endpoint, reason) => void events.push(`error ${endpoint} ${reason}`),
  };
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
    const http = new ProviderHttp(
      silent.url,
      { timeoutSeconds: 300, retries: 5, backoffSeconds: 60, maxRetryAfterSeconds: 60 },
      observer,
      undefined,
      abort.signal
    );
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
    for (const fault of [
      { kind: 'status', status: 503 } as const,
      { kind: 'status', status: 429, retryAfter: 50 } as const,
    ]) {
      sim.inject(fault, { times: 1 });
      const abort = new AbortController();
      const observer = recorder();
      const http = new ProviderHttp(
        `${sim.baseUrl}/v1`,
        { timeoutSeconds: 300, retries: 5, backoffSeconds: 60, maxRetryAfterSeconds: 60 },
        observer,
        undefined,
        abort.signal
      );
      const call = http.request({
        endpoint: '/organization/costs',
        path: 'organization/costs',
        query: { start_time: 0 },
      });
      await until(() => observer.events.some((e) => e.startsWith('error')));
      abort.abort();
      await assert.rejects(call, (e: unknown) => e instanceof CallAborted);
      assert.equal(
        observer.events.filter((e) => e.startsWith('error')).length,
        1,
        `${fault.status}: only the real failure is counted`
      );
    }
  });

  it('lets go of the shutdown signal once calls settle; many calls at once raise no listener warning', async () => {
    const exporter = new Exporter(
      configSchema.parse({ listen: '127.0.0.1:0', stateDir: '/nonexistent' }) as ExporterConfig,
      { log: silentLogger, ephemeral: true }
    );
    const { signal } = exporter;
    const warnings: string[] = [];
    const onWarning = (w: Error) => void warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      // Answered calls (the simulator refuses them: no key) and calls that time out.
      const settings = { timeoutSeconds: 0.2, retries: 0, backoffSeconds: 1, maxRetryAfterSeconds: 60 };
      const answered = new ProviderHttp(`${sim.baseUrl}/v1`, settings, recorder(), undefined, signal);
      const timedOut = new ProviderHttp(silent.url, settings, recorder(), undefined, signal);
      const settled = await Promise.allSettled([
        answered.request({ endpoint: '/x', path: 'organization/costs' }),
        timedOut.request({ endpoint: '/hang', path: '/hang' }),
      ]);
      assert.deepEqual(
        settled.map((r) => r.status),
        ['rejected', 'rejected']
      );
      assert.equal(getEventListeners(signal, 'abort').length, 0, 'nothing left listening on the shutdown signal');
      // Fifteen accounts' calls in flight at once, then the shutdown.
      const hanging = new ProviderHttp(silent.url, { ...settings, timeoutSeconds: 300 }, recorder(), undefined, signal);
      const calls = Array.from({ length: 15 }, () => hanging.request({ endpoint: '/hang', path: '/hang' }));
      await until(() => getEventListeners(signal, 'abort').length >= 15);
      await new Promise((r) => setImmediate(r));
      exporter.abortCalls();
      for (const call of calls) await assert.rejects(call, CallAborted);
      assert.equal(getEventListeners(signal, 'abort').length, 0);
      assert.deepEqual(warnings, []);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('leaves nothing attached to the shutdown signal once calls end, answered, failed or timed out', async () => {
    // On Node 20, AbortSignal.any([timeout, shutdown]) kept one entry per call in the long-lived
    // shutdown signal (nodejs/node#55351): memory that grew with every provider call.
    const abort = new AbortController();
    const settings = { timeoutSeconds: 0.3, retries: 0, backoffSeconds: 0, maxRetryAfterSeconds: 1 };
    const http = new ProviderHttp(`${sim.baseUrl}/v1`, settings, recorder(), undefined, abort.signal);
    const auth = { authorization: 'Bearer sk-admin-abort-test-1234567890ab' };
    for (let i = 0; i < 20; i++)
      assert.equal((await http.request({ endpoint: '/models', path: 'models', headers: auth })).status, 200);
    sim.inject({ kind: 'status', status: 500 }, { times: 1 });
    await assert.rejects(http.request({ endpoint: '/models', path: 'models', headers: auth }));
    const silentHttp = new ProviderHttp(silent.url, settings, recorder(), undefined, abort.signal);
    await assert.rejects(silentHttp.request({ endpoint: '/hang', path: '/hang' }), /no answer within/);
    assert.equal(getEventListeners(abort.signal, 'abort').length, 0, 'no abort listener left');
    const dependants = Object.getOwnPropertySymbols(abort.signal).find((s) => s.description === 'kDependantSignals');
    const held = dependants
      ? ((abort.signal as unknown as Record<symbol, Set<unknown> | undefined>)[dependants]?.size ?? 0)
      : 0;
    assert.equal(held, 0, 'no signal derived per call is held by the shutdown signal');
    // Shutdown still ends a call in flight.
    const call = silentHttp.request({ endpoint: '/hang', path: '/hang' });
    abort.abort();
    await assert.rejects(call, CallAborted);
  });

  it('fails at once when already aborted', async () => {
    const observer = recorder();
    const http = new ProviderHttp(
      silent.url,
      { timeoutSeconds: 300, retries: 0, backoffSeconds: 1, maxRetryAfterSeconds: 60 },
      observer,
      undefined,
      AbortSignal.abort()
    );
    await assert.rejects(http.request({ endpoint: '/x', path: '/x' }), CallAborted);
    assert.deepEqual(observer.events, []);
  });
});

describe('ProviderHttp body decoding', () => {
  let server: Server;
  let url: string;
  // "€" is three bytes in UTF-8, "é" two: both are cut between two writes, well apart in time.
  const body = Buffer.from(JSON.stringify({ model: 'modèle-€', items: ['é', 'x'.repeat(70_000), '€'] }), 'utf8');

  before(async () => {
    server = createServer((_req, res) => {
      const cut = body.indexOf(Buffer.from('€')) + 1;
      const cut2 = body.lastIndexOf(Buffer.from('é')) + 1;
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
      res.write(body.subarray(0, cut));
      setTimeout(() => {
        res.write(body.subarray(cut, cut2));
        setTimeout(() => res.end(body.subarray(cut2)), 20);
      }, 20);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('decodes UTF-8 characters split across reads', async () => {
    const http = new ProviderHttp(url, { ...DEFAULT_HTTP, retries: 0 }, { onCall() {}, onError() {} });
    const res = await http.request<{ model: string; items: string[] }>({ endpoint: '/x', path: 'x' });
    assert.deepEqual(res.body, JSON.parse(body.toString('utf8')));
    assert.equal(res.body.model, 'modèle-€');
  });
});
