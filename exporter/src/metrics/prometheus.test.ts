// /metrics rendering: content negotiation for gzip, cache invalidation when a snapshot is swapped
// (only that account is rendered again), health re-rendered only when it changed, process metrics
// fresh on every scrape, and the HTTP handler (with /metrics auth) writing identity or gzip bodies.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { configSchema, type ExporterConfig } from '../config/schema.js';
import { silentLogger } from '../log.js';
import { runExporter, type RunningExporter } from '../server/listen.js';
import { tempDir } from '../testing/harness.js';
import { MetricsModel, type Sample } from './model.js';
import { PrometheusOutput, acceptsGzip, type Exposition } from './prometheus.js';

const body = (e: Exposition) => Buffer.concat(e.parts);
const text = async (e: Promise<Exposition>) => {
  const x = await e;
  const raw = body(x);
  assert.equal(raw.length, x.length);
  return (x.gzip ? gunzipSync(raw) : raw).toString('utf8');
};
/** The exposition without the process part, which differs on every scrape. */
const dataAndHealth = (t: string) => t.slice(0, t.indexOf('# HELP process_'));

function account(name: string, cost: number): Sample[] {
  const labels = { provider: 'openai', account: name };
  return [
    { metric: 'nexus_cost_usd_total', labels: { ...labels, category: 'gpt-4o, input', project: 'p' }, value: cost },
    { metric: 'nexus_tokens_total', labels: { ...labels, model: 'gpt-4o', type: 'input' }, value: cost * 1000 },
    { metric: 'nexus_spend_usd', labels: { ...labels, period: 'day' }, value: cost / 2 },
  ];
}

describe('Accept-Encoding negotiation', () => {
  const cases: Array<[string | undefined, boolean]> = [
    [undefined, false],
    ['', false],
    ['gzip', true],
    ['GZIP', true],
    ['x-gzip', true],
    ['gzip, deflate, br', true],
    ['br;q=1.0, gzip;q=0.8', true],
    ['deflate, br', false],
    ['gzip;q=0', false],
    ['gzip; q=0.000', false],
    ['*', true],
    ['*;q=0', false],
    ['identity', false],
    ['gzip;q=0.5, identity', false],
    ['identity;q=0, gzip;q=0.1', true],
    ['*;q=0.5, gzip;q=0', false],
  ];
  for (const [header, expected] of cases) {
    it(`${JSON.stringify(header)} → ${expected ? 'gzip' : 'identity'}`, () =>
      assert.equal(acceptsGzip(header), expected));
  }
});

describe('PrometheusOutput caching', () => {
  it('renders data once per change, only the swapped account, and gzip agrees with the text', async () => {
    const model = new MetricsModel();
    const output = new PrometheusOutput(model);
    for (let i = 0; i < 5; i++) model.swapSnapshot(`openai/a${i}`, account(`a${i}`, i + 1));
    const first = await text(output.exposition(false));
    assert.equal(output.stats.snapshotRenders, 5);
    assert.equal(dataAndHealth(await text(output.exposition(true))), dataAndHealth(first));
    const before = output.stats;

    // Scrapes of unchanged data render nothing but the process part.
    await output.exposition(false);
    await output.exposition(true);
    const same = output.stats;
    assert.equal(same.snapshotRenders, before.snapshotRenders);
    assert.equal(same.textAssemblies, before.textAssemblies);
    assert.equal(same.gzipAssemblies, before.gzipAssemblies);
    assert.equal(same.healthRenders, before.healthRenders);

    // One account's poll: only its snapshot is rendered again; both encodings show the new value.
    model.swapSnapshot('openai/a2', account('a2', 42));
    const plain = await text(output.exposition(false));
    const gz = await text(output.exposition(true));
    assert.equal(output.stats.snapshotRenders, before.snapshotRenders + 1);
    assert.equal(output.stats.textAssemblies, before.textAssemblies + 1);
    assert.equal(output.stats.gzipAssemblies, before.gzipAssemblies + 1);
    for (const t of [plain, gz]) {
      assert.match(
        t,
        /^nexus_cost_usd_total\{provider="openai",account="a2",category="gpt-4o, input",project="p"\} 42$/m
      );
      assert.doesNotMatch(t, /account="a2",category="gpt-4o, input",project="p"\} 3$/m);
      assert.match(
        t,
        /^nexus_cost_usd_total\{provider="openai",account="a4",category="gpt-4o, input",project="p"\} 5$/m
      );
    }
    assert.equal(dataAndHealth(gz), dataAndHealth(plain));

    // Removing an account removes its series.
    model.removeOwner('openai/a0', { provider: 'openai', account: 'a0' });
    assert.doesNotMatch(await text(output.exposition(true)), /account="a0"/);
    assert.doesNotMatch(await text(output.exposition(false)), /account="a0"/);
  });

  it('keeps the order and grouping of metrics across accounts', async () => {
    const model = new MetricsModel();
    const output = new PrometheusOutput(model);
    model.swapSnapshot('openai/b', account('b', 1));
    model.swapSnapshot('openai/a', account('a', 2));
    model.swapSnapshot('openai/b', account('b', 3));
    const lines = (await output.render()).split('\n').filter((l) => l.startsWith('nexus_cost_usd_total{'));
    // The model's owner order (first swap), not the order of the last swap.
    assert.deepEqual(
      lines.map((l) => /account="(\w)"/.exec(l)![1]),
      ['b', 'a']
    );
    const t = await output.render();
    assert.equal(t.match(/^# TYPE nexus_cost_usd_total counter$/gm)?.length, 1);
  });

  it('re-renders health only when a health metric changed', async () => {
    const model = new MetricsModel();
    const output = new PrometheusOutput(model);
    const labels = { provider: 'openai', account: 'a' };
    model.setHealth('nexus_provider_up', labels, 1);
    await output.render();
    const n = output.stats.healthRenders;
    await output.render();
    assert.equal(output.stats.healthRenders, n);
    model.setHealth('nexus_provider_up', labels, 0);
    model.observeDuration({ ...labels, endpoint: '/x', code: '200' }, 0.2);
    const t = await text(output.exposition(true));
    assert.equal(output.stats.healthRenders, n + 1);
    assert.match(t, /^nexus_provider_up\{provider="openai",account="a"\} 0$/m);
    assert.match(
      t,
      /^nexus_provider_request_duration_seconds_count\{provider="openai",account="a",endpoint="\/x",code="200"\} 1$/m
    );
  });

  it('renders process metrics fresh on every scrape', async () => {
    const output = new PrometheusOutput(new MetricsModel());
    const cpu = (t: string) => Number(/^process_cpu_user_seconds_total (\S+)$/m.exec(t)![1]);
    const a = await text(output.exposition(false));
    const renders = output.stats.processRenders;
    const until = performance.now() + 30;
    while (performance.now() < until); // burn CPU time
    const b = await text(output.exposition(true));
    assert.equal(output.stats.processRenders, renders + 1);
    assert.ok(cpu(b) > cpu(a), `CPU time moves between scrapes: ${cpu(a)} then ${cpu(b)}`);
  });
});

describe('/metrics over HTTP', () => {
  const TOKEN = 'metrics-token-0123456789abcdef';
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let running: RunningExporter;

  before(async () => {
    dir = await tempDir();
    const config = configSchema.parse({
      listen: '127.0.0.1:0',
      stateDir: dir.path,
      metricsAuth: { type: 'bearer', token: TOKEN },
    }) as ExporterConfig;
    running = await runExporter(config, { log: silentLogger, ephemeral: true });
    for (let i = 0; i < 50; i++) running.exporter.model.swapSnapshot(`openai/a${i}`, account(`a${i}`, i));
  });
  after(async () => {
    await running.close();
    await dir.remove();
  });

  function get(headers: Record<string, string>, method = 'GET') {
    return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>(
      (resolve, reject) => {
        const req = request(`${running.url}/metrics`, { method, headers }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
        });
        req.on('error', reject);
        req.end();
      }
    );
  }

  it('still requires the configured credentials', async () => {
    assert.equal((await get({ 'accept-encoding': 'gzip' })).status, 401);
  });

  it('answers gzip to a scraper that accepts it, identity otherwise, with the same text', async () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    const plain = await get(auth);
    assert.equal(plain.status, 200);
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.equal(Number(plain.headers['content-length']), plain.body.length);
    assert.match(String(plain.headers['content-type']), /^text\/plain; version=0\.0\.4; charset=utf-8$/);
    assert.equal(plain.headers.vary, 'Accept-Encoding');
    assert.equal(plain.headers['x-content-type-options'], 'nosniff');

    const gz = await get({ ...auth, 'accept-encoding': 'gzip, deflate' });
    assert.equal(gz.status, 200);
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.equal(Number(gz.headers['content-length']), gz.body.length);
    assert.ok(gz.body.length < plain.body.length / 3, 'gz.body.length < plain.body.length / 3');
    const unzipped = gunzipSync(gz.body).toString('utf8');
    assert.equal(dataAndHealth(unzipped), dataAndHealth(plain.body.toString('utf8')));
    assert.match(unzipped, /^nexus_spend_usd\{provider="openai",account="a49",period="day"\} 24.5$/m);
    assert.match(unzipped, /^process_cpu_user_seconds_total /m);

    const head = await get({ ...auth, 'accept-encoding': 'gzip' }, 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.body.length, 0);
  });
});
