// POST /v1/metrics over real HTTP, with bodies made by the OpenTelemetry JS SDK and its official
// OTLP serializers (@opentelemetry/otlp-transformer), and the error answers of the OTLP/HTTP spec.
import assert from 'node:assert/strict';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { JsonMetricsSerializer, ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { configSchema, type ExporterConfig } from '../config/schema.js';
import { silentLogger } from '../log.js';
import { runExporter, type RunningExporter } from '../server/listen.js';
import { bucketsOf, histogramMetric, requestJson, sumMetric } from '../testing/otlp.js';
import {
  decodeRequest,
  decodeResponse,
  decodeStatus,
  encodeRequest,
  encodeResponse,
  type ExportRequest,
} from './otlp.js';
import { GENAI_DURATION_BUCKETS } from './semconv.js';

const TOKEN = 'receiver-token-0123456789';

class CollectingReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

/** What an app instrumented with the OpenTelemetry SDK exports: two chat calls, one failed, and their tokens. */
async function sdkExport(service = 'chat-app'): Promise<ResourceMetrics> {
  const reader = new CollectingReader();
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    readers: [reader],
  });
  const meter = provider.getMeter('@opentelemetry/instrumentation-openai', '0.21.0');
  const duration = meter.createHistogram('gen_ai.client.operation.duration', {
    unit: 's',
    advice: { explicitBucketBoundaries: GENAI_DURATION_BUCKETS },
  });
  const tokens = meter.createHistogram('gen_ai.client.token.usage', { unit: '{token}' });
  const attrs = {
    'gen_ai.operation.name': 'chat',
    'gen_ai.system': 'openai',
    'gen_ai.request.model': 'gpt-4o-mini',
    'server.address': 'api.openai.com',
    'server.port': 443,
  };
  duration.record(0.42, { ...attrs, 'gen_ai.response.model': 'gpt-4o-mini-2024-07-18' });
  duration.record(1.9, { ...attrs, 'error.type': 'RateLimitError' });
  tokens.record(57, { ...attrs, 'gen_ai.response.model': 'gpt-4o-mini-2024-07-18', 'gen_ai.token.type': 'input' });
  tokens.record(112, { ...attrs, 'gen_ai.response.model': 'gpt-4o-mini-2024-07-18', 'gen_ai.token.type': 'output' });
  meter.createCounter('app.jobs').add(1);
  const { resourceMetrics } = await reader.collect();
  await provider.shutdown();
  return resourceMetrics;
}

interface Answer {
  status: number;
  type?: string;
  body: Buffer;
  headers: Record<string, string | string[] | undefined>;
}

/** A raw HTTP request (fetch would refuse some of the bodies and headers under test). */
function post(url: string, body: Buffer, headers: Record<string, string>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${url}/v1/metrics`,
      { method: 'POST', headers: { 'content-length': String(body.length), ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            type: res.headers['content-type'],
            body: Buffer.concat(chunks),
            headers: res.headers,
          })
        );
        res.on('error', reject);
      }
    );
    req.on('error', reject);
    req.end(body);
  });
}

const PB = 'application/x-protobuf';
const JSON_TYPE = 'application/json';

async function metricsText(url: string): Promise<string> {
  return (await fetch(`${url}/metrics`)).text();
}

function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)))
      return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

async function start(receiver: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<RunningExporter> {
  const config = configSchema.parse({
    listen: '127.0.0.1:0',
    stateDir: '/nonexistent',
    receiver,
    ...extra,
  }) as ExporterConfig;
  return runExporter(config, { log: silentLogger, ephemeral: true });
}

describe('POST /v1/metrics', () => {
  let running: RunningExporter;
  before(async () => {
    running = await start({ enabled: true, token: TOKEN, maxBodyBytes: 65_536 });
  });
  after(async () => {
    await running.close();
  });
  const auth = { authorization: `Bearer ${TOKEN}` };

  it('takes the SDK’s protobuf export, answers an empty ExportMetricsServiceResponse, and shows the calls on /metrics', async () => {
    const body = Buffer.from(ProtobufMetricsSerializer.serializeRequest(await sdkExport('pb-app'))!);
    const a = await post(running.url, body, { ...auth, 'content-type': PB });
    assert.equal(a.status, 200);
    assert.equal(a.type, PB);
    assert.deepEqual(decodeResponse(a.body, 'protobuf'), {});
    const text = await metricsText(running.url);
    const common = { provider: 'openai', operation: 'chat', service: 'pb-app' };
    assert.equal(
      sample(text, 'nexus_client_operation_duration_seconds_count', {
        ...common,
        model: 'gpt-4o-mini-2024-07-18',
        error_type: '',
      }),
      1
    );
    assert.equal(
      sample(text, 'nexus_client_operation_duration_seconds_bucket', {
        ...common,
        model: 'gpt-4o-mini',
        error_type: 'RateLimitError',
        le: '1.28',
      }),
      0
    );
    assert.equal(
      sample(text, 'nexus_client_operation_duration_seconds_bucket', {
        ...common,
        model: 'gpt-4o-mini',
        error_type: 'RateLimitError',
        le: '2.56',
      }),
      1
    );
    assert.equal(sample(text, 'nexus_client_tokens_total', { ...common, type: 'output' }), 112);
    // app.jobs is not Nexus' business: accepted, not counted, not rejected.
    assert.ok(
      sample(text, 'nexus_receiver_dropped_points_total', { reason: 'ignored' })! >= 1,
      "sample(text, 'nexus_receiver_dropped_points_total', { reason: 'ignored' })! >= 1"
    );
  });

  it('takes OTLP/JSON, gzip-compressed, and answers JSON', async () => {
    const body = gzipSync(Buffer.from(JsonMetricsSerializer.serializeRequest(await sdkExport('json-app'))!));
    const a = await post(running.url, body, {
      ...auth,
      'content-type': `${JSON_TYPE}; charset=utf-8`,
      'content-encoding': 'gzip',
    });
    assert.equal(a.status, 200, a.body.toString());
    assert.equal(a.type, JSON_TYPE);
    assert.deepEqual(JSON.parse(a.body.toString()), {});
    assert.equal(
      sample(await metricsText(running.url), 'nexus_client_tokens_total', { service: 'json-app', type: 'input' }),
      57
    );
  });

  it('reads OTLP/JSON as the spec writes it: 64-bit integers as strings or numbers, enums as integers, hex ids, unknown keys ignored', async () => {
    const now = Date.now();
    const json = {
      resourceMetrics: [
        {
          resource: {
            attributes: [{ key: 'service.name', value: { stringValue: 'spec-app' } }],
            droppedAttributesCount: 0,
          },
          scopeMetrics: [
            {
              scope: { name: 'manual' },
              metrics: [
                {
                  name: 'gen_ai.client.operation.duration',
                  unit: 's',
                  someFutureField: { x: 1 },
                  histogram: {
                    aggregationTemporality: 1,
                    dataPoints: [
                      {
                        attributes: [
                          { key: 'gen_ai.provider.name', value: { stringValue: 'openai' } },
                          { key: 'gen_ai.request.model', value: { stringValue: 'gpt-4o' } },
                        ],
                        startTimeUnixNano: String(BigInt(now) * 1_000_000n),
                        timeUnixNano: Number(now + 1000) * 1_000_000,
                        count: 3,
                        sum: 2.5,
                        bucketCounts: ['0', '0', '0', '0', '0', '0', '1', '1', 1, '0', '0', '0', '0', '0', '0'],
                        explicitBounds: GENAI_DURATION_BUCKETS,
                        exemplars: [
                          {
                            asDouble: 0.9,
                            timeUnixNano: String(BigInt(now) * 1_000_000n),
                            traceId: '5b8efff798038103d269b633813fc60c',
                            spanId: 'eee19b7ec3c1b174',
                          },
                        ],
                      },
                    ],
                  },
                },
              ],
            },
          ],
        },
      ],
    };
    const a = await post(running.url, Buffer.from(JSON.stringify(json)), { ...auth, 'content-type': JSON_TYPE });
    assert.equal(a.status, 200, a.body.toString());
    assert.deepEqual(JSON.parse(a.body.toString()), {});
    assert.equal(
      sample(await metricsText(running.url), 'nexus_client_operation_duration_seconds_count', {
        service: 'spec-app',
        model: 'gpt-4o',
      }),
      3
    );
  });

  for (const encoding of ['protobuf', 'json'] as const) {
    const type = encoding === 'protobuf' ? PB : JSON_TYPE;
    const encode = (json: Record<string, unknown>) =>
      encoding === 'protobuf' ? encodeRequest(json) : Buffer.from(JSON.stringify(json));

    it(`reports unusable points in partial_success (${encoding})`, async () => {
      const t = Date.now();
      const good = histogramMetric('gen_ai.client.operation.duration', [
        { attrs: { 'gen_ai.provider.name': 'openai' }, startMs: t, timeMs: t + 1, counts: bucketsOf([0.2]), sum: 0.2 },
      ]);
      const bad = histogramMetric('gen_ai.client.operation.duration', [
        {
          attrs: { 'gen_ai.provider.name': 'openai', 'error.type': 'x' },
          startMs: t,
          timeMs: t + 1,
          counts: [1, 2],
          bounds: [1, 2, 3],
          sum: 1,
        },
      ]);
      const gauge = {
        name: 'gen_ai.client.operation.duration',
        unit: 's',
        gauge: { dataPoints: [{ asDouble: 1, timeUnixNano: '1' }] },
      };
      const a = await post(
        running.url,
        encode(requestJson([good, bad, gauge], { 'service.name': `partial-${encoding}` })),
        { ...auth, 'content-type': type }
      );
      assert.equal(a.status, 200);
      assert.equal(a.type, type);
      const { partialSuccess } = decodeResponse(a.body, encoding);
      assert.equal(partialSuccess?.rejectedDataPoints, 2);
      assert.match(partialSuccess!.errorMessage, /^2 data point\(s\) rejected: /);
      assert.match(partialSuccess!.errorMessage, /bucket_counts must have one more entry/);
      assert.match(partialSuccess!.errorMessage, /a gauge is not supported/);
      if (encoding === 'json')
        assert.equal(
          (JSON.parse(a.body.toString()) as { partialSuccess: { rejectedDataPoints: unknown } }).partialSuccess
            .rejectedDataPoints,
          '2',
          'int64 as a string'
        );
    });

    it(`answers a malformed body with 400 and a google.rpc.Status (${encoding})`, async () => {
      const body =
        encoding === 'protobuf'
          ? Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01])
          : Buffer.from('{"resourceMetrics": [{"scopeMetrics": "nope"}]}');
      const a = await post(running.url, body, { ...auth, 'content-type': type });
      assert.equal(a.status, 400);
      assert.equal(a.type, type);
      const status = decodeStatus(a.body, encoding);
      assert.equal(status.code, 3, 'INVALID_ARGUMENT');
      assert.match(status.message, /^malformed /);
    });
  }

  it('reads a string that is not valid UTF-8 with U+FFFD in its place', async () => {
    const t = Date.now();
    const body = encodeRequest(
      requestJson(
        [
          histogramMetric('gen_ai.client.operation.duration', [
            {
              attrs: { 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'model-XYZ' },
              startMs: t,
              timeMs: t + 1,
              counts: bucketsOf([0.2]),
              sum: 0.2,
            },
          ]),
        ],
        { 'service.name': 'utf8-app' }
      )
    );
    const at = body.indexOf('model-XYZ');
    body[at + 6] = 0xff;
    const a = await post(running.url, body, { ...auth, 'content-type': PB });
    assert.equal(a.status, 200);
    assert.equal(
      sample(await metricsText(running.url), 'nexus_client_operation_duration_seconds_count', {
        service: 'utf8-app',
        model: 'model-\uFFFDYZ',
      }),
      1
    );
  });

  it('answers 400 for truncated JSON and for a gzip body that is not gzip', async () => {
    const truncated = await post(running.url, Buffer.from('{"resourceMetrics": [{"res'), {
      ...auth,
      'content-type': JSON_TYPE,
    });
    assert.equal(truncated.status, 400);
    assert.match(decodeStatus(truncated.body, 'json').message, /malformed OTLP\/JSON/);
    const notGzip = await post(running.url, Buffer.from('plain text'), {
      ...auth,
      'content-type': PB,
      'content-encoding': 'gzip',
    });
    assert.equal(notGzip.status, 400);
    assert.equal(decodeStatus(notGzip.body, 'protobuf').code, 3);
  });

  it('answers 401 without the token or with a wrong one', async () => {
    const body = encodeRequest(requestJson([]));
    const missing = await post(running.url, body, { 'content-type': PB });
    assert.equal(missing.status, 401);
    assert.equal(missing.headers['www-authenticate'], 'Bearer realm="nexus-otlp"');
    assert.deepEqual(decodeStatus(missing.body, 'protobuf'), {
      code: 16,
      message: 'missing bearer token (Authorization: Bearer <receiver.token>)',
    });
    const wrong = await post(running.url, body, { 'content-type': JSON_TYPE, authorization: `Bearer ${TOKEN}x` });
    assert.equal(wrong.status, 401);
    assert.equal(decodeStatus(wrong.body, 'json').message, 'invalid bearer token');
    assert.ok(!wrong.body.toString().includes(TOKEN), '!wrong.body.toString().includes(TOKEN)');
  });

  it('answers 413 for a body over maxBodyBytes, before or after decompression (a gzip bomb)', async () => {
    const big = await post(running.url, Buffer.alloc(70_000, 1), { ...auth, 'content-type': PB });
    assert.equal(big.status, 413);
    assert.equal(decodeStatus(big.body, 'protobuf').code, 8);
    const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024, 0x20));
    assert.ok(bomb.length < 65_536, 'bomb.length < 65_536');
    const a = await post(running.url, bomb, { ...auth, 'content-type': JSON_TYPE, 'content-encoding': 'gzip' });
    assert.equal(a.status, 413);
    assert.match(decodeStatus(a.body, 'json').message, /after decompression/);
  });

  it('answers 415 for another content type or content encoding', async () => {
    const text = await post(running.url, Buffer.from('x'), { ...auth, 'content-type': 'text/plain' });
    assert.equal(text.status, 415);
    assert.equal(text.type, JSON_TYPE);
    assert.match(decodeStatus(text.body, 'json').message, /application\/x-protobuf or application\/json/);
    const br = await post(running.url, Buffer.from('x'), { ...auth, 'content-type': PB, 'content-encoding': 'br' });
    assert.equal(br.status, 415);
    assert.match(decodeStatus(br.body, 'protobuf').message, /content encoding "br"/);
  });

  it('never fails on arbitrary bodies: 200 or 400, and it keeps serving', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 512 }), fc.constantFrom(PB, JSON_TYPE), async (bytes, type) => {
        const a = await post(running.url, Buffer.from(bytes), { ...auth, 'content-type': type });
        assert.ok(a.status === 200 || a.status === 400, `${a.status} ${a.body.toString()}`);
      }),
      { numRuns: 150 }
    );
    const text = await metricsText(running.url);
    assert.ok(
      sample(text, 'nexus_receiver_requests_total', { code: '400' })! > 0,
      "sample(text, 'nexus_receiver_requests_total', { code: '400' })! > 0"
    );
    assert.ok(
      sample(text, 'nexus_receiver_requests_total', { code: '401' })! >= 2,
      "sample(text, 'nexus_receiver_requests_total', { code: '401' })! >= 2"
    );
  });
});

describe('a flood of new label values', () => {
  it('ends in other and dropped counters on /metrics, with the state capped', async () => {
    const running = await start(
      { enabled: true, maxSeries: 10, maxStreams: 100 },
      { limits: { maxValuesPerLabel: 3 } }
    );
    try {
      const t = Date.now();
      for (let batch = 0; batch < 10; batch++) {
        const metrics = Array.from({ length: 50 }, (_, k) =>
          histogramMetric('gen_ai.client.operation.duration', [
            {
              attrs: {
                'gen_ai.provider.name': `p-${k % 7}`,
                'gen_ai.request.model': `m-${batch}-${k}`,
                'error.type': `E${k}`,
              },
              startMs: t,
              timeMs: t + 1,
              counts: bucketsOf([0.1]),
              sum: 0.1,
            },
          ])
        );
        const a = await post(running.url, encodeRequest(requestJson(metrics, { 'service.name': `svc-${batch}` })), {
          'content-type': PB,
        });
        assert.equal(a.status, 200);
      }
      const text = await metricsText(running.url);
      assert.equal(sample(text, 'nexus_receiver_series', {}), 10);
      assert.ok(
        sample(text, 'nexus_receiver_streams', {})! <= 100,
        "sample(text, 'nexus_receiver_streams', {})! <= 100"
      );
      assert.ok(
        sample(text, 'nexus_receiver_dropped_points_total', { reason: 'series_limit' })! > 0,
        "sample(text, 'nexus_receiver_dropped_points_total', { reason: 'series_limit' })! > 0"
      );
      assert.equal(
        (sample(text, 'nexus_receiver_accepted_points_total', {}) ?? 0) +
          sample(text, 'nexus_receiver_dropped_points_total', { reason: 'series_limit' })!,
        500
      );
      const models = new Set(
        [...text.matchAll(/^nexus_client_operation_duration_seconds_count\{[^}]*model="([^"]*)"/gm)].map((m) => m[1])
      );
      assert.ok(models.has('other'), "models.has('other')");
      assert.ok(models.size <= 4, [...models].join());
    } finally {
      await running.close();
    }
  });
});

describe('the receiver switched off, and OTLP push', () => {
  it('is off by default: no route, no receiver metrics', async () => {
    const running = await start({});
    try {
      const a = await post(running.url, encodeRequest(requestJson([])), { 'content-type': PB });
      assert.equal(a.status, 404);
      assert.doesNotMatch(await metricsText(running.url), /nexus_receiver_|nexus_client_/);
    } finally {
      await running.close();
    }
  });

  it('pushes the client series over OTLP with the other metrics (protobuf, the default)', async () => {
    const received: Array<{ contentType?: string; body: ExportRequest }> = [];
    const sink: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const contentType = req.headers['content-type'];
        if (contentType !== PB) {
          received.push({ contentType, body: { resourceMetrics: [] } });
          res.writeHead(415).end();
          return;
        }
        received.push({ contentType, body: decodeRequest(Buffer.concat(chunks), 'protobuf') });
        res.writeHead(200, { 'content-type': PB }).end(encodeResponse('protobuf'));
      });
    });
    await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
    const running = await start(
      { enabled: true },
      {
        otlp: {
          endpoint: `http://127.0.0.1:${(sink.address() as AddressInfo).port}/v1/metrics`,
          intervalSeconds: 3600,
        },
      }
    );
    try {
      const t = Date.now();
      const body = encodeRequest(
        requestJson(
          [
            histogramMetric('gen_ai.client.operation.duration', [
              {
                attrs: { 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o' },
                startMs: t,
                timeMs: t + 1,
                counts: bucketsOf([0.2, 3]),
                sum: 3.2,
              },
            ]),
            sumMetric('gen_ai.client.token.usage', [
              {
                attrs: { 'gen_ai.provider.name': 'openai', 'gen_ai.token.type': 'input' },
                startMs: t,
                timeMs: t + 1,
                value: 99,
              },
            ]),
          ],
          { 'service.name': 'pushed-app' }
        )
      );
      assert.equal((await post(running.url, body, { 'content-type': PB })).status, 200);
      await running.exporter.flushOtlp();
      assert.deepEqual(new Set(received.map((r) => r.contentType)), new Set([PB]));
      const scope = received
        .flatMap((r) => r.body.resourceMetrics.flatMap((rm) => rm.scopeMetrics))
        .find((s) => s.scope?.name === 'nexus-exporter/receiver');
      assert.ok(scope, 'the receiver scope is pushed');
      const duration = scope.metrics.find((m) => m.name === 'nexus_client_operation_duration_seconds')!.histogram!
        .dataPoints;
      assert.equal(duration.length, 1);
      assert.equal(Number(duration[0]!.count), 2);
      assert.equal(duration[0]!.bucketCounts.length, GENAI_DURATION_BUCKETS.length + 1);
      assert.equal(scope.metrics.find((m) => m.name === 'nexus_client_tokens')!.sum!.dataPoints[0]!.asDouble, 99);
      assert.ok(
        scope.metrics.some((m) => m.name === 'nexus_receiver_dropped_points'),
        "scope.metrics.some((m) => m.name === 'nexus_receiver_dropped_points')"
      );
    } finally {
      await running.close();
      await new Promise((r) => sink.close(r));
    }
  });
});
