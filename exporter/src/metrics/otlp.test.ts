// The OTLP path end to end: the exporter's OTLP output pushes to a real HTTP receiver on loopback,
// which decodes the OTLP/JSON body; values, attributes, temporality and names are checked.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { MetricsModel } from './model.js';
import { OtlpOutput, otlpName } from './otlp.js';
import { CATALOG } from './catalog.js';
import { configSchema, type ExporterConfig } from '../config/schema.js';
import { Exporter } from '../exporter.js';
import { silentLogger } from '../log.js';
import { OpenAISimulator } from '../simulators/openai.js';

interface KeyValue { key: string; value: { stringValue?: string } }
interface DataPoint { attributes: KeyValue[]; asDouble?: number; asInt?: string | number; count?: string | number; sum?: number }
interface OtlpMetric {
  name: string;
  unit?: string;
  sum?: { dataPoints: DataPoint[]; isMonotonic: boolean; aggregationTemporality: number };
  gauge?: { dataPoints: DataPoint[] };
  histogram?: { dataPoints: DataPoint[] };
}
interface Body { resourceMetrics: Array<{ resource: { attributes: KeyValue[] }; scopeMetrics: Array<{ metrics: OtlpMetric[] }> }> }

const received: Body[] = [];
let server: Server;
let endpoint: string;

const attrs = (p: DataPoint) => Object.fromEntries(p.attributes.map((a) => [a.key, a.value.stringValue]));
const num = (v: string | number | undefined) => Number(v);

describe('OTLP output', () => {
  before(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        assert.equal(req.url, '/v1/metrics');
        assert.match(req.headers['content-type'] ?? '', /application\/json/);
        received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Body);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/metrics`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  it('pushes the model as OTLP with the same values and labels as /metrics', async () => {
    const model = new MetricsModel();
    const output = new OtlpOutput(model, { endpoint, intervalSeconds: 3600, headers: { 'x-tenant': 't1' } }, '9.9.9');
    const labels = { provider: 'openai', account: 'prod' };
    model.swapSnapshot('openai/prod', [
      { metric: 'nexus_cost_usd_total', labels: { ...labels, category: 'gpt-4o, input', project: 'p1' }, value: 12.5 },
      { metric: 'nexus_spend_usd', labels: { ...labels, period: 'month' }, value: 40.25 },
    ]);
    model.observeDuration({ ...labels, endpoint: '/organization/costs', code: '200' }, 0.3);
    model.observeDuration({ ...labels, endpoint: '/organization/costs', code: '200' }, 0.7);
    await output.flush();
    await output.shutdown();

    assert.ok(received.length >= 1, 'the receiver got a request');
    const body = received.at(-1)!;
    const resource = Object.fromEntries(body.resourceMetrics[0]!.resource.attributes.map((a) => [a.key, a.value.stringValue]));
    assert.equal(resource['service.name'], 'nexus-exporter');
    assert.equal(resource['service.version'], '9.9.9');
    const metrics = body.resourceMetrics.flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics));
    const byName = new Map(metrics.map((m) => [m.name, m]));

    const cost = byName.get('nexus_cost_usd')!;
    assert.ok(cost.sum, 'a counter is an OTLP sum');
    assert.equal(cost.sum.isMonotonic, true);
    assert.equal(cost.sum.aggregationTemporality, 2, 'cumulative');
    assert.equal(cost.unit, '{USD}');
    const point = cost.sum.dataPoints[0]!;
    assert.deepEqual(attrs(point), { provider: 'openai', account: 'prod', category: 'gpt-4o, input', project: 'p1' });
    assert.equal(point.asDouble, 12.5);

    const spend = byName.get('nexus_spend_usd')!;
    assert.equal(spend.gauge!.dataPoints[0]!.asDouble, 40.25);

    const duration = byName.get('nexus_provider_request_duration_seconds')!;
    const h = duration.histogram!.dataPoints[0]!;
    assert.equal(num(h.count), 2);
    assert.ok(Math.abs((h.sum ?? 0) - 1.0) < 1e-9);
    assert.equal(duration.unit, 's');
  });

  it('exports every series of a large model, not 2,000 per instrument and an overflow series', async () => {
    const model = new MetricsModel();
    const output = new OtlpOutput(model, { endpoint, intervalSeconds: 3600 }, '9.9.9');
    const labels = { provider: 'openrouter', account: 'big' };
    const samples = [];
    for (let m = 0; m < 2500; m++) samples.push({ metric: 'nexus_tokens_total' as const, labels: { ...labels, model: `model-${m}`, type: 'input' }, value: m });
    model.swapSnapshot('openrouter/big', samples);
    await output.flush();
    await output.shutdown();
    const metrics = received.at(-1)!.resourceMetrics.flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics));
    const points = metrics.find((m) => m.name === 'nexus_tokens')!.sum!.dataPoints;
    assert.equal(points.length, 2500);
    assert.ok(points.every((p) => attrs(p).model?.startsWith('model-')), 'no otel.metric.overflow series');
  });

  it('names every instrument so that OTLP→Prometheus translation gives back the catalog name', () => {
    for (const def of CATALOG) {
      const name = otlpName(def.name);
      // Translation appends `_total` to monotonic sums and a unit suffix unless the unit is an
      // {annotation}, empty, or already the name's suffix.
      const translated = def.type === 'counter' ? `${name}_total` : name;
      assert.equal(translated, def.name);
      if (def.unit === 's') assert.match(name, /_seconds$/);
      else assert.ok(def.unit === '' || /^\{.+\}$/.test(def.unit), `${def.name}: unit ${def.unit} would add a suffix`);
    }
  });

  it('is switched on by the otlp config section and pushes what the exporter polled', async () => {
    const sim = new OpenAISimulator({ adminKey: 'sk-admin-otlp-0123456789abcdef' });
    const simUrl = await sim.start();
    const config = configSchema.parse({
      providers: { openai: [{ account: 'prod', adminKey: 'sk-admin-otlp-0123456789abcdef', baseUrl: `${simUrl}/v1`, usageEndpoints: ['completions'] }] },
      otlp: { endpoint, intervalSeconds: 3600 },
    }) as ExporterConfig;
    const exporter = new Exporter(config, { log: silentLogger, ephemeral: true });
    try {
      await exporter.init();
      assert.equal(await exporter.pollAll(), 0);
      received.length = 0;
      await exporter.flushOtlp();
      const metrics = received.flatMap((b) => b.resourceMetrics.flatMap((r) => r.scopeMetrics.flatMap((sm) => sm.metrics)));
      const cost = metrics.find((m) => m.name === 'nexus_cost_usd');
      const exposed = exporter.model.series('nexus_cost_usd_total').reduce((sum, x) => sum + x.value, 0);
      const pushed = cost!.sum!.dataPoints.reduce((sum, p) => sum + (p.asDouble ?? 0), 0);
      assert.ok(exposed > 0);
      assert.ok(Math.abs(pushed - exposed) < 1e-6, `${pushed} vs ${exposed}`);
      assert.equal(metrics.find((m) => m.name === 'nexus_provider_up')!.gauge!.dataPoints[0]!.asDouble, 1);
    } finally {
      await exporter.stop();
      await sim.stop();
    }
  });
});
