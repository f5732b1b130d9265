// The OTLP path end to end: the exporter's OTLP output pushes to a real HTTP receiver on loopback,
// which decodes the body with the receiver's messages, built from the official opentelemetry-proto
// .proto files (receiver/otlp.ts), as binary protobuf or as OTLP/JSON according to its Content-Type;
// values, attributes, temporality and names are checked, in both protocols.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { MetricsModel } from './model.js';
import { OtlpOutput, otlpName } from './otlp.js';
import { CATALOG } from './catalog.js';
import type { OtlpProtocol } from '../config/otlp.js';
import { configSchema, type ExporterConfig } from '../config/schema.js';
import { Exporter } from '../exporter.js';
import { silentLogger } from '../log.js';
import {
  decodeRequest,
  encodeResponse,
  type Encoding,
  type ExportRequest,
  type KeyValue,
  type NumberDataPoint,
} from '../receiver/otlp.js';
import { OpenAISimulator } from '../simulators/openai.js';

/** One request as the receiver saw it: its Content-Type and the decoded ExportMetricsServiceRequest. */
interface Received {
  contentType: string;
  tenant?: string;
  body: ExportRequest;
}

const received: Received[] = [];
let server: Server;
let endpoint: string;

/** The encoding a Content-Type names, exactly as the OTLP specification spells them. */
const ENCODINGS: Record<string, Encoding> = { 'application/x-protobuf': 'protobuf', 'application/json': 'json' };
const CONTENT_TYPES: Record<OtlpProtocol, string> = {
  'http/protobuf': 'application/x-protobuf',
  'http/json': 'application/json',
};

const attrs = (p: { attributes: KeyValue[] }) =>
  Object.fromEntries(p.attributes.map((a) => [a.key, a.value?.stringValue]));
const metricsOf = (requests: Received[]) =>
  requests.flatMap((r) => r.body.resourceMetrics.flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics)));

describe('OTLP output', () => {
  before(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const contentType = req.headers['content-type'] ?? '';
        const encoding = ENCODINGS[contentType];
        if (req.url !== '/v1/metrics' || !encoding) {
          res.writeHead(req.url === '/v1/metrics' ? 415 : 404).end();
          received.push({ contentType, body: { resourceMetrics: [] } });
          return;
        }
        const tenant = req.headers['x-tenant'] as string | undefined;
        received.push({
          contentType,
          ...(tenant ? { tenant } : {}),
          body: decodeRequest(Buffer.concat(chunks), encoding),
        });
        res.writeHead(200, { 'content-type': contentType }).end(encodeResponse(encoding));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/metrics`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  // No protocol is http/protobuf, as the OpenTelemetry specification asks of an exporter's default.
  for (const [protocol, expected] of [
    [undefined, 'http/protobuf'],
    ['http/protobuf', 'http/protobuf'],
    ['http/json', 'http/json'],
  ] as const) {
    it(`pushes the model with the same values and labels as /metrics, protocol ${protocol ?? 'not set'}: ${CONTENT_TYPES[expected]}`, async () => {
      const model = new MetricsModel();
      const output = new OtlpOutput(
        model,
        { endpoint, ...(protocol ? { protocol } : {}), intervalSeconds: 3600, headers: { 'x-tenant': 't1' } },
        '9.9.9'
      );
      const labels = { provider: 'openai', account: 'prod' };
      model.swapSnapshot('openai/prod', [
        {
          metric: 'nexus_cost_usd_total',
          labels: { ...labels, category: 'gpt-4o, input', project: 'p1' },
          value: 12.5,
        },
        { metric: 'nexus_spend_usd', labels: { ...labels, period: 'month' }, value: 40.25 },
      ]);
      model.observeDuration({ ...labels, endpoint: '/organization/costs', code: '200' }, 0.3);
      model.observeDuration({ ...labels, endpoint: '/organization/costs', code: '200' }, 0.7);
      received.length = 0;
      await output.flush();
      await output.shutdown();

      assert.ok(received.length >= 1, 'the receiver got a request');
      assert.deepEqual(new Set(received.map((r) => r.contentType)), new Set([CONTENT_TYPES[expected]]));
      assert.equal(received[0]!.tenant, 't1', 'the configured headers are sent');
      const body = received[0]!.body;
      const resource = Object.fromEntries(
        body.resourceMetrics[0]!.resource!.attributes.map((a) => [a.key, a.value?.stringValue])
      );
      assert.equal(resource['service.name'], 'nexus-exporter');
      assert.equal(resource['service.version'], '9.9.9');
      const byName = new Map(metricsOf(received).map((m) => [m.name, m]));

      const cost = byName.get('nexus_cost_usd')!;
      assert.ok(cost.sum, 'a counter is an OTLP sum');
      assert.equal(cost.sum.isMonotonic, true);
      assert.equal(cost.sum.aggregationTemporality, 2, 'cumulative');
      assert.equal(cost.unit, '{USD}');
      assert.equal(cost.sum.dataPoints.length, 1);
      const point = cost.sum.dataPoints[0]!;
      assert.deepEqual(attrs(point), { provider: 'openai', account: 'prod', category: 'gpt-4o, input', project: 'p1' });
      assert.equal(point.asDouble, 12.5);

      const spend = byName.get('nexus_spend_usd')!;
      assert.ok(spend.gauge, 'a gauge is an OTLP gauge');
      const spendPoint = spend.gauge.dataPoints[0] as NumberDataPoint;
      assert.deepEqual(attrs(spendPoint), { ...labels, period: 'month' });
      assert.equal(spendPoint.asDouble, 40.25);

      const duration = byName.get('nexus_provider_request_duration_seconds')!;
      const h = duration.histogram!.dataPoints[0]!;
      assert.equal(Number(h.count), 2);
      assert.ok(Math.abs((h.sum ?? 0) - 1.0) < 1e-9, 'Math.abs((h.sum ?? 0) - 1.0) < 1e-9');
      assert.deepEqual(
        h.bucketCounts.map(Number).reduce((a, b) => a + b, 0),
        2
      );
      assert.equal(duration.unit, 's');
    });
  }

  it('exports every series of a large model, not 2,000 per instrument and an overflow series', async () => {
    const model = new MetricsModel();
    const output = new OtlpOutput(model, { endpoint, intervalSeconds: 3600 }, '9.9.9');
    const labels = { provider: 'openrouter', account: 'big' };
    const samples = [];
    for (let m = 0; m < 2500; m++)
      samples.push({
        metric: 'nexus_tokens_total' as const,
        labels: { ...labels, model: `model-${m}`, type: 'input' },
        value: m,
      });
    model.swapSnapshot('openrouter/big', samples);
    received.length = 0;
    await output.flush();
    await output.shutdown();
    assert.equal(received[0]?.contentType, 'application/x-protobuf');
    const points = metricsOf(received).find((m) => m.name === 'nexus_tokens')!.sum!.dataPoints;
    assert.equal(points.length, 2500);
    assert.ok(
      points.every((p) => attrs(p).model?.startsWith('model-')),
      'no otel.metric.overflow series'
    );
    assert.equal(
      points.reduce((sum, p) => sum + p.asDouble, 0),
      (2499 * 2500) / 2
    );
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

  /** The exporter with one OpenAI account and the given `otlp` section, polled once and flushed. */
  async function pushedByExporter(
    otlp: Record<string, unknown> | undefined,
    env: Record<string, string> = {}
  ): Promise<{ metrics: ReturnType<typeof metricsOf>; contentTypes: Set<string>; exposed: number }> {
    const sim = new OpenAISimulator({ adminKey: 'sk-admin-otlp-0123456789abcdef' });
    const simUrl = await sim.start();
    const config = configSchema.parse({
      providers: {
        openai: [
          {
            account: 'prod',
            adminKey: 'sk-admin-otlp-0123456789abcdef',
            baseUrl: `${simUrl}/v1`,
            usageEndpoints: ['completions'],
          },
        ],
      },
      ...(otlp ? { otlp } : {}),
    }) as ExporterConfig;
    // The exporter reads the standard variables from the process environment, as the SDK does.
    const saved = Object.fromEntries(OTEL_VARIABLES.map((k) => [k, process.env[k]]));
    for (const k of OTEL_VARIABLES) delete process.env[k];
    Object.assign(process.env, env);
    const exporter = new Exporter(config, { log: silentLogger, ephemeral: true });
    try {
      await exporter.init();
      assert.equal(await exporter.pollAll(), 0);
      received.length = 0;
      await exporter.flushOtlp();
      const exposed = exporter.model.series('nexus_cost_usd_total').reduce((sum, x) => sum + x.value, 0);
      return { metrics: metricsOf(received), contentTypes: new Set(received.map((r) => r.contentType)), exposed };
    } finally {
      await exporter.stop();
      await sim.stop();
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  }
  const OTEL_VARIABLES = [
    'OTEL_EXPORTER_OTLP_ENDPOINT',
    'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT',
    'OTEL_EXPORTER_OTLP_PROTOCOL',
    'OTEL_EXPORTER_OTLP_METRICS_PROTOCOL',
  ];

  it('is switched on by the otlp config section and pushes what the exporter polled, as protobuf by default', async () => {
    const { metrics, contentTypes, exposed } = await pushedByExporter({ endpoint, intervalSeconds: 3600 });
    assert.deepEqual(contentTypes, new Set(['application/x-protobuf']));
    const cost = metrics.find((m) => m.name === 'nexus_cost_usd');
    const pushed = cost!.sum!.dataPoints.reduce((sum, p) => sum + p.asDouble, 0);
    assert.ok(exposed > 0, 'exposed > 0');
    assert.ok(Math.abs(pushed - exposed) < 1e-6, `${pushed} vs ${exposed}`);
    assert.equal(
      (metrics.find((m) => m.name === 'nexus_provider_up')!.gauge!.dataPoints[0] as NumberDataPoint).asDouble,
      1
    );
  });

  it('takes the protocol from otlp.protocol, else OTEL_EXPORTER_OTLP_METRICS_PROTOCOL, else OTEL_EXPORTER_OTLP_PROTOCOL', async () => {
    const section = { endpoint, intervalSeconds: 3600 };
    const cases: Array<[Record<string, unknown> | undefined, Record<string, string>, string]> = [
      [{ ...section, protocol: 'http/json' }, {}, 'application/json'],
      [
        { ...section, protocol: 'http/protobuf' },
        { OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'http/json' },
        'application/x-protobuf',
      ],
      [
        section,
        { OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'http/json', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' },
        'application/json',
      ],
      [section, { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }, 'application/json'],
      // No section: the endpoint and the protocol both come from the variables.
      [
        undefined,
        { OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' },
        'application/json',
      ],
      [undefined, { OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: endpoint }, 'application/x-protobuf'],
    ];
    for (const [otlp, env, contentType] of cases) {
      const { metrics, contentTypes } = await pushedByExporter(otlp, env);
      const what = `${JSON.stringify(otlp?.protocol)} ${JSON.stringify(env)}`;
      assert.deepEqual(contentTypes, new Set([contentType]), what);
      assert.ok(
        metrics.some((m) => m.name === 'nexus_cost_usd'),
        what
      );
    }
  });

  it('refuses grpc from the environment, naming the variable, before it starts pushing', async () => {
    await assert.rejects(
      pushedByExporter({ endpoint, intervalSeconds: 3600 }, { OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'grpc' }),
      (e: Error) => {
        assert.equal(e.name, 'ConfigError');
        assert.match(e.message, /OTEL_EXPORTER_OTLP_METRICS_PROTOCOL \(environment variable\): grpc is not supported/);
        return true;
      }
    );
  });
});
