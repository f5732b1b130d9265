import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { DEFAULT_LIMITS, type LimitSettings } from '../metrics/limiter.js';
import { bucketsOf, histogramMetric, request, sumMetric, type Attrs } from '../testing/otlp.js';
import { Ingestor, OUTPUTS, labelValues, type ClientSeries } from './ingest.js';
import { GENAI_DURATION_BUCKETS, HTTP_CLIENT_DURATION_BUCKETS } from './semconv.js';

const T0 = 1_767_225_600_000; // 2026-01-01T00:00:00Z, the receiver's start in these tests
const DURATION = 'gen_ai.client.operation.duration';
const TOKENS = 'gen_ai.client.token.usage';
const HTTP = 'http.client.request.duration';
const CHAT: Attrs = {
  'gen_ai.operation.name': 'chat',
  'gen_ai.provider.name': 'openai',
  'gen_ai.request.model': 'gpt-4o-mini',
  'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
  'server.address': 'api.openai.com',
  'server.port': 443,
};

function ingestor(
  opts: {
    maxSeries?: number;
    maxStreams?: number;
    hosts?: Record<string, string>;
    limits?: LimitSettings;
    now?: () => number;
  } = {}
): Ingestor {
  return new Ingestor(
    {
      maxSeries: opts.maxSeries ?? 10_000,
      maxStreams: opts.maxStreams ?? 50_000,
      hosts: opts.hosts ?? {},
      limits: opts.limits ?? DEFAULT_LIMITS,
    },
    opts.now ?? (() => T0)
  );
}

/** The series as plain values: labels by name, and the histogram's count and sum or the counter's value. */
function view(s: ClientSeries): {
  labels: Record<string, string>;
  count?: number;
  sum?: number;
  value?: number;
  buckets?: number[];
} {
  const out = OUTPUTS[s.kind];
  const values = labelValues(s);
  const labels = Object.fromEntries(out.labels.map((l, i) => [l, values[i]!]));
  if (!out.bounds) return { labels, value: s.values[0] };
  const nb = out.bounds.length + 1;
  return { labels, buckets: s.values.slice(0, nb), count: s.values[nb], sum: s.values[nb + 1] };
}

function all(i: Ingestor) {
  return [...i.series.values()].map(view);
}

function only(i: Ingestor) {
  const list = all(i);
  assert.equal(list.length, 1, JSON.stringify(list));
  return list[0]!;
}

const duration = (
  points: Array<{ start: number; time: number; seconds: number[]; attrs?: Attrs; bounds?: number[] }>,
  opts?: { unit?: string; temporality?: 1 | 2 }
) =>
  histogramMetric(
    DURATION,
    points.map((p) => ({
      attrs: p.attrs ?? CHAT,
      startMs: p.start,
      timeMs: p.time,
      counts: bucketsOf(p.seconds, p.bounds),
      bounds: p.bounds,
      sum: p.seconds.reduce((a, b) => a + b, 0),
    })),
    opts
  );

describe('Ingestor: cumulative and delta accounting', () => {
  it('counts a cumulative stream started after the receiver in full, then only its growth', () => {
    const i = ingestor();
    const start = T0 + 1000;
    let r = i.ingest(request([duration([{ start, time: start + 10_000, seconds: [0.3, 1.5] }])]));
    assert.deepEqual({ accepted: r.accepted, rejected: r.rejected }, { accepted: 1, rejected: 0 });
    assert.equal(only(i).count, 2);
    r = i.ingest(request([duration([{ start, time: start + 20_000, seconds: [0.3, 1.5, 0.05] }])]));
    const s = only(i);
    assert.equal(s.count, 3);
    assert.ok(Math.abs(s.sum! - 1.85) < 1e-9, 'Math.abs(s.sum! - 1.85) < 1e-9');
    assert.deepEqual(s.buckets, bucketsOf([0.3, 1.5, 0.05]));
  });

  it('does not count a repeated export twice, nor an older one', () => {
    const i = ingestor();
    const start = T0 + 1000;
    const first = request([duration([{ start, time: start + 10_000, seconds: [0.3] }])]);
    i.ingest(first);
    const again = i.ingest(first);
    assert.deepEqual(
      { accepted: again.accepted, duplicate: again.dropped.duplicate, rejected: again.rejected },
      { accepted: 0, duplicate: 1, rejected: 0 }
    );
    i.ingest(request([duration([{ start, time: start + 30_000, seconds: [0.3, 0.3, 0.3] }])]));
    const late = i.ingest(request([duration([{ start, time: start + 20_000, seconds: [0.3, 0.3] }])]));
    assert.equal(late.dropped.duplicate, 1);
    assert.equal(only(i).count, 3);
  });

  it('treats a new start time (a restarted sender) as a new stream from zero, never lowering the counters', () => {
    const i = ingestor();
    i.ingest(request([duration([{ start: T0 + 1000, time: T0 + 60_000, seconds: [1, 1, 1, 1] }])]));
    // The app restarted: its cumulative values start again from zero.
    i.ingest(request([duration([{ start: T0 + 70_000, time: T0 + 80_000, seconds: [2] }])]));
    assert.equal(only(i).count, 5);
    i.ingest(request([duration([{ start: T0 + 70_000, time: T0 + 90_000, seconds: [2, 2] }])]));
    assert.equal(only(i).count, 6);
    // A decrease without a new start time is a reset too (some SDKs keep the start).
    i.ingest(request([duration([{ start: T0 + 70_000, time: T0 + 100_000, seconds: [3] }])]));
    assert.equal(only(i).count, 7);
  });

  it('takes a stream that started before the receiver as a baseline only: it may have been counted before a restart', () => {
    const i = ingestor();
    const start = T0 - 3_600_000;
    i.ingest(request([duration([{ start, time: T0 + 10_000, seconds: [0.1, 0.1, 0.1] }])]));
    assert.equal(only(i).count, 0, 'baseline only');
    i.ingest(request([duration([{ start, time: T0 + 20_000, seconds: [0.1, 0.1, 0.1, 0.2] }])]));
    assert.equal(only(i).count, 1);
  });

  it('adds delta points as they come, once each', () => {
    const i = ingestor();
    const d = (from: number, to: number, seconds: number[]) =>
      request([duration([{ start: from, time: to, seconds }], { temporality: 1 })]);
    i.ingest(d(T0 - 60_000, T0, [0.5])); // deltas carry no history: even one from before the start counts
    i.ingest(d(T0, T0 + 60_000, [0.5, 0.7]));
    const retry = i.ingest(d(T0, T0 + 60_000, [0.5, 0.7]));
    assert.equal(retry.dropped.duplicate, 1);
    assert.equal(only(i).count, 3);
  });

  it('keeps counting when a stream switches to a new series after its series was reclaimed', () => {
    let now = T0;
    const i = ingestor({ maxSeries: 1, now: () => now });
    const a = { ...CHAT, 'gen_ai.request.model': 'a', 'gen_ai.response.model': 'a' };
    const b = { ...CHAT, 'gen_ai.request.model': 'b', 'gen_ai.response.model': 'b' };
    i.ingest(request([duration([{ start: T0 + 1, time: T0 + 10, seconds: [1], attrs: a }])]));
    const refused = i.ingest(request([duration([{ start: T0 + 1, time: T0 + 10, seconds: [1], attrs: b }])]));
    assert.equal(refused.dropped.series_limit, 1);
    assert.equal(refused.rejected, 1);
    assert.match(refused.messages[0]!, /receiver\.maxSeries/);
    now = T0 + 2 * 3_600_000; // a idle for two hours: reclaimed for b
    i.ingest(request([duration([{ start: T0 + 1, time: now, seconds: [1, 1], attrs: b }])]));
    assert.deepEqual(
      all(i).map((s) => [s.labels.model, s.count]),
      [['b', 2]]
    );
  });

  it('forgets the least recently updated stream when full, and then counts its return only from there', () => {
    const i = ingestor({ maxStreams: 1 });
    const a = { ...CHAT, 'gen_ai.response.model': 'a' };
    const b = { ...CHAT, 'gen_ai.response.model': 'b' };
    i.ingest(request([duration([{ start: T0 + 1, time: T0 + 10_000, seconds: [1], attrs: a }])]));
    // b starts after a's last point; taking its place, a is forgotten.
    i.ingest(request([duration([{ start: T0 + 15_000, time: T0 + 20_000, seconds: [1], attrs: b }])]));
    assert.equal(i.streamCount, 1);
    // a again, with the same cumulative values: a baseline, not counted twice; then its growth.
    i.ingest(request([duration([{ start: T0 + 1, time: T0 + 30_000, seconds: [1], attrs: a }])]));
    i.ingest(request([duration([{ start: T0 + 1, time: T0 + 40_000, seconds: [1, 1], attrs: a }])]));
    assert.deepEqual(
      all(i)
        .map((s) => [s.labels.model, s.count])
        .sort(),
      [
        ['a', 2],
        ['b', 1],
      ]
    );
    // A stream that started before the last one forgotten is a baseline at first sight (it may be one
    // that was forgotten): conservative, it never counts twice.
    i.ingest(
      request([
        duration([
          { start: T0 + 2, time: T0 + 50_000, seconds: [1, 1, 1], attrs: { ...CHAT, 'gen_ai.response.model': 'c' } },
        ]),
      ])
    );
    assert.equal(all(i).find((s) => s.labels.model === 'c')!.count, 0);
  });

  it('equals what the sender recorded, whatever the exports, retries and restarts (property)', () => {
    type Event = { kind: 'record'; seconds: number } | { kind: 'export' } | { kind: 'retry' } | { kind: 'restart' };
    const event: fc.Arbitrary<Event> = fc.oneof(
      fc.record({ kind: fc.constant('record' as const), seconds: fc.double({ min: 0, max: 100, noNaN: true }) }),
      fc.constant({ kind: 'export' as const }),
      fc.constant({ kind: 'retry' as const }),
      fc.constant({ kind: 'restart' as const })
    );
    fc.assert(
      fc.property(fc.array(event, { maxLength: 60 }), fc.boolean(), (events, delta) => {
        const i = ingestor();
        let clock = T0 + 1000;
        let start = clock;
        let life: number[] = []; // recorded since the sender (re)started, or since the last delta export
        let recorded = 0;
        let exported = 0;
        let last: ReturnType<typeof request> | undefined;
        const exportNow = () => {
          clock += 1000;
          last = request([
            duration([{ start: delta ? start : start, time: clock, seconds: life }], { temporality: delta ? 1 : 2 }),
          ]);
          i.ingest(last);
          exported = recorded;
          if (delta) {
            life = [];
            start = clock;
          }
        };
        for (const e of events) {
          if (e.kind === 'record') {
            life.push(e.seconds);
            recorded++;
          } else if (e.kind === 'export') exportNow();
          else if (e.kind === 'retry' && last) i.ingest(last);
          else if (e.kind === 'restart') {
            // Whatever was not exported is lost with the process, as in a real app.
            recorded = exported;
            clock += 1000;
            start = clock;
            life = [];
          }
        }
        exportNow();
        const counted = [...i.series.values()].reduce((n, s) => n + s.values[GENAI_DURATION_BUCKETS.length + 1]!, 0);
        assert.equal(counted, recorded);
      }),
      { numRuns: 300 }
    );
  });
});

describe('Ingestor: buckets', () => {
  it('is exact with the advised boundaries and puts coarser buckets at the bucket holding their upper bound', () => {
    const i = ingestor();
    const start = T0 + 1;
    i.ingest(request([duration([{ start, time: start + 1, seconds: [0.005, 0.5, 3, 100] }])]));
    assert.deepEqual(only(i).buckets, bucketsOf([0.005, 0.5, 3, 100]));
    const j = ingestor();
    // Boundaries of 1 and 5 s: (0, 1] is counted at 1.28 s, (1, 5] at 5.12 s, above at +Inf.
    j.ingest(request([duration([{ start, time: start + 1, seconds: [0.2, 2, 9], bounds: [1, 5] }])]));
    const b = only(j).buckets!;
    const at = (le: number) => b[GENAI_DURATION_BUCKETS.indexOf(le)];
    assert.deepEqual([at(1.28), at(5.12), b.at(-1)], [1, 1, 1]);
    assert.equal(
      b.reduce((x, y) => x + y, 0),
      3
    );
  });

  it('reads milliseconds as seconds', () => {
    const i = ingestor();
    const start = T0 + 1;
    const ms = [10, 20, 40, 80, 160, 320, 640, 1280, 2560, 5120, 10240, 20480, 40960, 81920];
    i.ingest(
      request([
        histogramMetric(
          DURATION,
          [
            {
              attrs: CHAT,
              startMs: start,
              timeMs: start + 1,
              counts: bucketsOf([300, 1500], ms),
              bounds: ms,
              sum: 1800,
            },
          ],
          { unit: 'ms' }
        ),
      ])
    );
    const s = only(i);
    assert.deepEqual(s.buckets, bucketsOf([0.3, 1.5]));
    assert.ok(Math.abs(s.sum! - 1.8) < 1e-9, 'Math.abs(s.sum! - 1.8) < 1e-9');
  });
});

describe('Ingestor: attribution', () => {
  const start = T0 + 1;
  const one = (attrs: Attrs, resource?: Attrs, name = DURATION) => {
    const i = ingestor({ hosts: { 'llm-proxy.internal:8443': 'openai', 'exa-proxy.internal': 'exa' } });
    const r = i.ingest(
      request(
        [
          name === HTTP
            ? histogramMetric(HTTP, [
                {
                  attrs,
                  startMs: start,
                  timeMs: start + 1,
                  counts: bucketsOf([0.2], HTTP_CLIENT_DURATION_BUCKETS),
                  bounds: HTTP_CLIENT_DURATION_BUCKETS,
                  sum: 0.2,
                },
              ])
            : duration([{ start, time: start + 1, seconds: [0.2], attrs }]),
        ],
        resource
      )
    );
    return { r, series: all(i) };
  };

  it('attributes a GenAI point to provider, model, operation, error type and service', () => {
    assert.deepEqual(one(CHAT, { 'service.name': 'checkout', 'service.instance.id': 'i-1' }).series[0]!.labels, {
      provider: 'openai',
      model: 'gpt-4o-mini-2024-07-18',
      operation: 'chat',
      error_type: '',
      service: 'checkout',
    });
    const failed = one({ ...CHAT, 'gen_ai.response.model': '', 'error.type': 'RateLimitError' }).series[0]!.labels;
    assert.deepEqual([failed.model, failed.error_type], ['gpt-4o-mini', 'RateLimitError']);
  });

  it('takes the provider from a known host first, then gen_ai.provider.name, then gen_ai.system, then the host', () => {
    const p = (attrs: Attrs) => one(attrs).series[0]!.labels.provider;
    assert.equal(
      p({ ...CHAT, 'server.address': 'openrouter.ai' }),
      'openrouter',
      'an OpenAI client pointed at OpenRouter'
    );
    assert.equal(
      p({ 'gen_ai.system': 'openai', 'gen_ai.operation.name': 'chat' }),
      'openai',
      'the deprecated gen_ai.system'
    );
    assert.equal(
      p({ 'gen_ai.provider.name': 'anthropic', 'gen_ai.system': 'openai', 'server.address': 'api.anthropic.com' }),
      'anthropic'
    );
    assert.equal(p({ 'server.address': 'llm.example.com' }), 'llm.example.com');
    assert.equal(
      p({ 'gen_ai.provider.name': 'openai', 'server.address': 'llm-proxy.internal', 'server.port': 8443 }),
      'openai',
      'receiver.hosts by host:port'
    );
  });

  it('keeps HTTP client durations to provider hosts only', () => {
    const kept = one(
      {
        'http.request.method': 'POST',
        'server.address': 'api.exa.ai',
        'server.port': 443,
        'http.response.status_code': 500,
        'error.type': '500',
      },
      { 'service.name': 'crawler' },
      HTTP
    );
    assert.deepEqual(kept.series[0]!.labels, {
      provider: 'exa',
      method: 'POST',
      error_type: '500',
      service: 'crawler',
    });
    assert.equal(
      one({ 'http.request.method': 'GET', 'server.address': 'exa-proxy.internal' }, undefined, HTTP).series[0]!.labels
        .provider,
      'exa',
      'receiver.hosts by host'
    );
    const other = one({ 'http.request.method': 'GET', 'server.address': 'example.com' }, undefined, HTTP);
    assert.deepEqual(
      { series: other.series.length, ignored: other.r.dropped.ignored, rejected: other.r.rejected },
      { series: 0, ignored: 1, rejected: 0 }
    );
  });

  it('counts tokens from the token usage histogram sum or a monotonic sum, by token type', () => {
    const i = ingestor();
    i.ingest(
      request([
        histogramMetric(
          TOKENS,
          [
            {
              attrs: { ...CHAT, 'gen_ai.token.type': 'input' },
              startMs: start,
              timeMs: start + 1,
              counts: bucketsOf([120, 80], [1, 4, 16, 64, 256]),
              bounds: [1, 4, 16, 64, 256],
              sum: 200,
            },
            {
              attrs: { ...CHAT, 'gen_ai.token.type': 'output' },
              startMs: start,
              timeMs: start + 1,
              counts: bucketsOf([40], [1, 4, 16, 64, 256]),
              bounds: [1, 4, 16, 64, 256],
              sum: 40,
            },
          ],
          { unit: '{token}' }
        ),
        sumMetric(TOKENS, [
          {
            attrs: { ...CHAT, 'gen_ai.response.model': 'o3-mini', 'gen_ai.token.type': 'output' },
            startMs: start,
            timeMs: start + 1,
            value: 7,
          },
        ]),
      ])
    );
    assert.deepEqual(
      all(i).map((s) => [s.labels.model, s.labels.type, s.value]),
      [
        ['gpt-4o-mini-2024-07-18', 'input', 200],
        ['gpt-4o-mini-2024-07-18', 'output', 40],
        ['o3-mini', 'output', 7],
      ]
    );
  });

  it('ignores metrics Nexus does not keep, without rejecting them', () => {
    const i = ingestor();
    const r = i.ingest(
      request([sumMetric('http.server.request.count', [{ attrs: {}, startMs: start, timeMs: start + 1, value: 3 }])])
    );
    assert.deepEqual(
      { ignored: r.dropped.ignored, rejected: r.rejected, series: i.series.size },
      { ignored: 1, rejected: 0, series: 0 }
    );
  });
});

describe('Ingestor: points that cannot be used', () => {
  const start = T0 + 1;
  const point = (over: Record<string, unknown>) => {
    const m = histogramMetric(DURATION, [
      { attrs: CHAT, startMs: start, timeMs: start + 1, counts: bucketsOf([0.3]), sum: 0.3 },
    ]) as { histogram: { dataPoints: Array<Record<string, unknown>> } };
    Object.assign(m.histogram.dataPoints[0]!, over);
    return m;
  };
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ['bucket counts that do not match the bounds', { bucketCounts: ['1', '0'] }, /one more entry than explicit_bounds/],
    ['a histogram without buckets', { bucketCounts: [], explicitBounds: [] }, /needs buckets/],
    ['a count that is not the sum of the buckets', { count: '7' }, /count must equal/],
    ['bounds that are not increasing', { explicitBounds: [...GENAI_DURATION_BUCKETS].reverse() }, /increasing/],
    ['a negative sum', { sum: -1 }, /not negative/],
    ['a sum that is not a number', { sum: 'NaN' }, /finite/],
    ['no time', { timeUnixNano: '0' }, /time_unix_nano/],
    [
      'a model name of 300 characters',
      { attributes: [{ key: 'gen_ai.response.model', value: { stringValue: 'm'.repeat(300) } }] },
      /longer than 256/,
    ],
    [
      '200 attributes',
      { attributes: Array.from({ length: 200 }, (_, k) => ({ key: `a${k}`, value: { stringValue: 'x' } })) },
      /more than 128 attributes/,
    ],
  ];
  for (const [what, over, message] of cases) {
    it(`rejects ${what}, with a message`, () => {
      const i = ingestor();
      const r = i.ingest(request([point(over)]));
      assert.deepEqual(
        { rejected: r.rejected, invalid: r.dropped.invalid, accepted: r.accepted, series: i.series.size },
        { rejected: 1, invalid: 1, accepted: 0, series: 0 }
      );
      assert.match(r.messages.join(), message);
      assert.match(r.messages.join(), /^gen_ai\.client\.operation\.duration: /);
    });
  }

  it('rejects kept metrics of an unusable type or temporality, once per point', () => {
    const i = ingestor();
    const r = i.ingest(
      request([
        {
          name: DURATION,
          unit: 's',
          gauge: {
            dataPoints: [
              { asDouble: 1, timeUnixNano: '1' },
              { asDouble: 2, timeUnixNano: '2' },
            ],
          },
        },
        {
          name: DURATION,
          unit: 's',
          exponentialHistogram: { aggregationTemporality: 2, dataPoints: [{ count: '1', timeUnixNano: '1' }] },
        },
        sumMetric(TOKENS, [{ attrs: CHAT, startMs: start, timeMs: start + 1, value: 3 }], { monotonic: false }),
        duration([{ start, time: start + 1, seconds: [1] }], { unit: 'min' }),
        {
          ...duration([{ start, time: start + 1, seconds: [1] }]),
          histogram: {
            ...(duration([{ start, time: start + 1, seconds: [1] }]).histogram as object),
            aggregationTemporality: 0,
          },
        },
      ])
    );
    assert.equal(r.rejected, 6);
    assert.equal(r.dropped.unsupported, 6);
    assert.match(r.messages.join('\n'), /a gauge is not supported/);
    assert.match(r.messages.join('\n'), /exponential histogram/);
    assert.match(r.messages.join('\n'), /non-monotonic sum/);
    assert.match(r.messages.join('\n'), /unit "min"/);
    assert.match(r.messages.join('\n'), /temporality/);
  });

  it('rejects token usage without a token type, and skips points without a recorded value', () => {
    const i = ingestor();
    const r = i.ingest(
      request([
        sumMetric(TOKENS, [{ attrs: CHAT, startMs: start, timeMs: start + 1, value: 3 }]),
        histogramMetric(DURATION, [
          { attrs: CHAT, startMs: start, timeMs: start + 1, counts: bucketsOf([]), sum: 0, flags: 1 },
        ]),
      ])
    );
    assert.deepEqual(
      { rejected: r.rejected, invalid: r.dropped.invalid, noValue: r.dropped.no_value },
      { rejected: 1, invalid: 1, noValue: 1 }
    );
    assert.match(r.messages[0]!, /gen_ai\.token\.type is missing/);
  });
});

describe('Ingestor: a request with too many points', () => {
  it('rejects the metrics whose points go past 100,000 in one request', () => {
    const i = ingestor();
    const start = T0 + 1;
    const point = { attrs: CHAT, startMs: start, timeMs: start + 1, counts: bucketsOf([0.1]), sum: 0.1 };
    const big = histogramMetric(
      DURATION,
      Array.from({ length: 60_000 }, () => point)
    );
    const r = i.ingest(
      request([big, big, sumMetric('other.metric', [{ attrs: {}, startMs: start, timeMs: start + 1, value: 1 }])])
    );
    // The first 60,000 are one stream's points (one accepted, the rest repeats); the next 60,000 and the last metric go over the budget.
    assert.equal(r.accepted + (r.dropped.duplicate ?? 0), 60_000);
    assert.equal(r.dropped.invalid, 60_001);
    assert.equal(r.rejected, 60_001);
    assert.match(r.messages.join(), /more than 100000 data points in one request/);
  });
});

describe('Ingestor: a flood of new label values', () => {
  it('folds new values into other, refuses series beyond maxSeries, forgets streams beyond maxStreams, and stays bounded', () => {
    const i = ingestor({ maxSeries: 40, maxStreams: 300, limits: { maxValuesPerLabel: 5, allow: {} } });
    const start = T0 + 1;
    let points = 0;
    let accepted = 0;
    let seriesLimit = 0;
    for (let batch = 0; batch < 20; batch++) {
      const metrics = [];
      for (let k = 0; k < 100; k++) {
        const n = batch * 100 + k;
        metrics.push(
          duration([
            {
              start,
              time: start + 1,
              seconds: [0.1],
              attrs: { ...CHAT, 'gen_ai.response.model': `model-${n}`, 'error.type': `E${n % 9}` },
            },
          ])
        );
        points++;
      }
      // Each batch from another service, a new one every time.
      const r = i.ingest(request(metrics, { 'service.name': `svc-${batch}` }));
      accepted += r.accepted;
      seriesLimit += r.dropped.series_limit ?? 0;
      assert.equal(r.accepted + (r.dropped.series_limit ?? 0), 100);
    }
    assert.ok(i.series.size <= 40, `${i.series.size} series`);
    assert.ok(i.streamCount <= 300, `${i.streamCount} streams`);
    const labels = all(i).map((s) => s.labels);
    assert.equal(new Set(labels.map((l) => l.model).filter((m) => m !== 'other')).size, 5, 'five models admitted');
    assert.equal(new Set(labels.map((l) => l.service).filter((m) => m !== 'other')).size, 5, 'five services admitted');
    assert.ok(
      labels.some((l) => l.model === 'other' && l.service === 'other'),
      "labels.some((l) => l.model === 'other' && l.service === 'other')"
    );
    assert.ok(seriesLimit > 0, 'seriesLimit > 0');
    assert.equal(accepted + seriesLimit, points);
  });
});
