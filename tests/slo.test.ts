// The provider SLO rules (provisioning/prometheus/rules/nexus-slo.yml, which scripts/slo.ts generates from
// provisioning/prometheus/slos.yml; `npm run generate -- --check` keeps them current): the definitions are validated with clear errors, and the scaled
// variant the end-to-end test uses differs only in its windows. promtool runs the rules themselves
// (tests/rules.test.ts runs provisioning/prometheus/tests/slo.yml); tests/slo-e2e.test.ts runs them in a
// real Prometheus and Alertmanager.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { GENAI_DURATION_BUCKETS } from '../exporter/src/receiver/semconv.js';
import {
  BURN_RATES,
  DEFAULT_MIN_BAD_CALLS,
  SLO_RULES,
  SloDefinitionError,
  generateSloRules,
  parseSloDefinitions,
  promDuration,
  readSloDefinitions,
} from '../scripts/slo.js';
import { ROOT } from './lib/repo.js';

interface Rule {
  record?: string;
  alert?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
}
const groupsOf = (text: string) => (parse(text) as { groups: Array<{ name: string; rules: Rule[] }> }).groups;

function problems(text: string): string[] {
  try {
    parseSloDefinitions(text, 'test.yml');
  } catch (e) {
    if (e instanceof SloDefinitionError) return e.problems;
    throw e;
  }
  return [];
}

describe('provider SLO rules', () => {
  test('every provider of the definitions has an availability and a latency objective', () => {
    const defs = readSloDefinitions();
    const objectives = groupsOf(generateSloRules(defs))
      .flatMap((g) => g.rules)
      .filter((r) => r.record === 'slo:nexus_slo_objective:ratio');
    const got = objectives
      .map((r) => `${r.labels!.provider}/${r.labels!.slo}=${/vector\((.+)\)/.exec(r.expr)![1]}`)
      .sort();
    const want = Object.entries(defs.providers)
      .flatMap(([p, d]) => [
        `${p}/availability=${d.availability.objective / 100}`,
        `${p}/latency=${d.latency.objective / 100}`,
      ])
      .sort();
    assert.deepEqual(got, want);
    assert.deepEqual(Object.keys(defs.providers).sort(), ['apollo', 'exa', 'openai', 'openrouter', 'twilio']);
  });

  test('the alerts are the SRE workbook pairs: 14.4× 1h/5m and 6× 6h/30m page, 3× 1d/2h and 1× 3d/6h ticket', () => {
    const alerts = groupsOf(readFileSync(SLO_RULES, 'utf8'))
      .flatMap((g) => g.rules)
      .filter((r) => r.alert);
    const pairs = (r: Rule) =>
      [
        ...r.expr.matchAll(
          /ratio_rate(\w+) > on \(provider, slo\) group_left \(\) \(([\d.]+) \* \(1 - slo:nexus_slo_objective:ratio\)\)\s*and\s*slo:nexus_slo_errors:ratio_rate(\w+) > on \(provider, slo\) group_left \(\) \(([\d.]+) \*/g
        ),
      ].map((m) => {
        assert.equal(m[2], m[4]);
        return `${m[1]}/${m[3]}@${m[2]}`;
      });
    assert.deepEqual(
      alerts.map((a) => [a.alert, a.labels!.severity, pairs(a)]),
      [
        ['NexusProviderSLOFastBurn', 'critical', ['1h/5m@14.4', '6h/30m@6']],
        ['NexusProviderSLOSlowBurn', 'warning', ['1d/2h@3', '3d/6h@1']],
      ]
    );
    // Each pair also needs its SLO's minimum of bad calls in the long window.
    const guards = (r: Rule) =>
      [
        ...r.expr.matchAll(
          /\(\n {2}slo:nexus_slo_errors:ratio_rate(\w+) [^\n]*\n {2}and\n[^\n]*\n {2}and\n {2}sum_over_time\(slo:nexus_slo_errors:rate5m\[(\w+):5m\]\) \* 300 >= on \(provider, slo\) group_left \(\) slo:nexus_slo_min_bad_calls:count\n\)/g
        ),
      ].map((m) => `${m[1]}=${m[2]}`);
    assert.deepEqual(alerts.map(guards), [
      ['1h=1h', '6h=6h'],
      ['1d=1d', '3d=3d'],
    ]);
  });

  test('scaled for tests: the same rules and names, every window and for: divided', () => {
    const defs = readSloDefinitions();
    const normal = groupsOf(generateSloRules(defs)).flatMap((g) => g.rules);
    const scaled = groupsOf(generateSloRules(defs, { scale: 60 })).flatMap((g) => g.rules);
    assert.deepEqual(
      scaled.map((r) => r.record ?? r.alert),
      normal.map((r) => r.record ?? r.alert)
    );
    const windows = (rules: Rule[]) => rules.flatMap((r) => [...r.expr.matchAll(/\[(\w+)\]/g)].map((m) => m[1]!));
    assert.deepEqual(
      windows(scaled),
      windows(normal).map((w) => {
        const seconds = [...w.matchAll(/(\d+)([dhms])/g)].reduce(
          (s, [, n, u]) => s + Number(n) * { d: 86400, h: 3600, m: 60, s: 1 }[u as 'd']!,
          0
        );
        return promDuration(seconds / 60);
      })
    );
    assert.deepEqual(
      scaled.filter((r) => r.alert).map((r) => r.for),
      ['2s', '15s']
    );
    assert.ok(windows(normal).includes('30d'), "windows(normal).includes('30d')");
    // The bad-call count: its window and 5-minute step scale, the minimum does not (how many calls are enough
    // evidence does not depend on how long they took to happen).
    const guards = (rules: Rule[]) =>
      rules.flatMap((r) =>
        [...r.expr.matchAll(/\[(\w+):(\w+)\]\) \* (\d+) >=/g)].map((m) => `${m[1]}:${m[2]}*${m[3]}`)
      );
    assert.deepEqual(guards(normal), ['1h:5m*300', '6h:5m*300', '1d:5m*300', '3d:5m*300']);
    assert.deepEqual(guards(scaled), ['1m:5s*5', '6m:5s*5', '24m:5s*5', '1h12m:5s*5']);
    const minimums = (rules: Rule[]) =>
      rules.filter((r) => r.record === 'slo:nexus_slo_min_bad_calls:count').map((r) => r.expr);
    assert.deepEqual(minimums(scaled), minimums(normal));
  });

  test('promDuration writes Prometheus durations', () => {
    assert.deepEqual([300, 3600, 86400, 4320, 72 * 60, 12 * 3600, 5].map(promDuration), [
      '5m',
      '1h',
      '1d',
      '1h12m',
      '1h12m',
      '12h',
      '5s',
    ]);
    assert.throws(() => promDuration(2.5), /whole number/);
  });

  test('defaults: 99 % availability, 95 % latency, 10.24 s for GenAI and 5 s for HTTP; rate limits do not count', () => {
    const defs = parseSloDefinitions('providers: { openai: {}, exa: {} }');
    assert.equal(defs.providers.openai!.availability.objective, 99);
    assert.equal(defs.providers.openai!.latency.objective, 95);
    const text = generateSloRules(defs);
    assert.match(
      text,
      /client:nexus_client_operation_duration_seconds_bucket:rate5m\{provider="openai", error_type="", le="10.24"\}/
    );
    // A whole-number boundary as Prometheus 2 (5) and 3 (5.0) spell it; \\. in a PromQL string is a regex's \.
    assert.ok(
      text.includes(
        'client:nexus_client_http_request_duration_seconds_bucket:rate5m{provider="exa", error_type="", le=~"5|5\\\\.0"}'
      ),
      'text.includes(\'client:nexus_client_http_request_duration_seconds_bucket:rate5m{provider="exa", error_type="", le=~"5|5\\\\\\\\.0"}\')'
    );
    assert.match(text, /error_type!~"4\[0-9\]\[0-9\]\|[^"]*RateLimitError/);
  });

  test('minBadCalls: 5 by default, per provider and SLO, recorded beside the objectives', () => {
    assert.equal(DEFAULT_MIN_BAD_CALLS, 5);
    const defs = parseSloDefinitions(
      'providers:\n  openai: { availability: { minBadCalls: 12 } }\n  exa: { latency: { minBadCalls: 0 } }\n'
    );
    const minimums = groupsOf(generateSloRules(defs))
      .flatMap((g) => g.rules)
      .filter((r) => r.record === 'slo:nexus_slo_min_bad_calls:count');
    assert.deepEqual(
      minimums.map((r) => `${r.labels!.provider}/${r.labels!.slo}=${r.expr}`),
      [
        'openai/availability=vector(12)',
        'openai/latency=vector(5)',
        'exa/availability=vector(5)',
        'exa/latency=vector(0)',
      ]
    );
  });

  test('a per-operation threshold applies to that operation, the provider threshold to every other', () => {
    const text = generateSloRules(
      parseSloDefinitions(
        'providers:\n  openai:\n    latency: { thresholdSeconds: 20.48, operations: { embeddings: 0.64, text_completion: 5.12 } }\n'
      )
    );
    assert.match(text, /operation="embeddings", le="0.64"/);
    assert.match(text, /operation="text_completion", le="5.12"/);
    assert.match(text, /operation!~"embeddings\|text_completion", le="20.48"/);
  });

  describe('invalid definitions: every problem, with its key', () => {
    test('a latency threshold that is not a bucket boundary', () => {
      assert.deepEqual(problems('providers:\n  openai:\n    latency: { thresholdSeconds: 10 }\n'), [
        `providers.openai.latency.thresholdSeconds: 10 s is not a bucket boundary of nexus_client_operation_duration_seconds (${GENAI_DURATION_BUCKETS.join(', ')}); the share of calls faster than it cannot be counted`,
      ]);
      const [p] = problems('providers:\n  twilio:\n    latency: { operations: { POST: 2.56 } }\n');
      assert.match(
        p!,
        /^providers\.twilio\.latency\.operations\.POST: 2\.56 s is not a bucket boundary of nexus_client_http_request_duration_seconds \(0\.005, /
      );
    });

    test('an objective the fastest burn rate cannot reach, or out of range', () => {
      assert.deepEqual(problems('providers:\n  openai:\n    availability: { objective: 90 }\n'), [
        'providers.openai.availability.objective: 90 % leaves an error budget so large that a 14.4× burn is impossible; use more than 93.06',
      ]);
      assert.match(
        problems('providers:\n  openai:\n    latency: { objective: 100 }\n')[0]!,
        /^providers\.openai\.latency\.objective: /
      );
    });

    test('a minBadCalls that is not a whole number of calls, zero or more', () => {
      for (const bad of ['-1', '2.5', '"five"', 'null']) {
        const got = problems(`providers:\n  twilio:\n    availability: { minBadCalls: ${bad} }\n`);
        assert.equal(got.length, 1, `${bad}: ${got.join('; ')}`);
        assert.equal(
          got[0],
          'providers.twilio.availability.minBadCalls: must be a whole number of calls, 0 or more (0: no minimum)',
          bad
        );
      }
      assert.match(
        problems('providers:\n  openai:\n    latency: { minBadCalls: -3 }\n')[0]!,
        /^providers\.openai\.latency\.minBadCalls: must be a whole number/
      );
      assert.deepEqual(
        problems('providers:\n  openai:\n    availability: { minBadCalls: 0 }\n    latency: { minBadCalls: 100 }\n'),
        []
      );
    });

    test('unknown keys, a provider without a source, bad regular expressions, YAML errors', () => {
      assert.match(problems('providers:\n  openai:\n    latencee: {}\n')[0]!, /^providers\.openai: .*latencee/);
      assert.deepEqual(problems('providers:\n  anthropic: {}\n'), [
        'providers.anthropic.source: is required for a provider other than openai, openrouter, exa, twilio, apollo (genai or http)',
      ]);
      assert.match(
        problems('providers:\n  openai:\n    availability: { ignoreErrorTypes: ["(unclosed"] }\n')[0]!,
        /^providers\.openai\.availability\.ignoreErrorTypes\[0\]: must be a regular expression/
      );
      assert.match(problems('providers:\n  openai: {}\n  openai: {}\n')[0]!, /^YAML syntax: /);
      assert.ok(
        generateSloRules(parseSloDefinitions('providers:\n  anthropic: { source: genai }\n')).includes(
          'provider="anthropic"'
        ),
        "generateSloRules(parseSloDefinitions('providers:\\n anthropic: { source: genai }\\n')).includes('provider=\"anthropic\"')"
      );
    });
  });

  test('docs/slos.md documents every definitions key with the defaults the generator uses', () => {
    const section = readFileSync(`${ROOT}/docs/slos.md`, 'utf8');
    const row = (key: string) => section.split('\n').find((l) => l.startsWith(`| \`${key}\` |`));
    const d = parseSloDefinitions('providers: { openai: {}, exa: {} }').providers;
    const rows: Array<[string, string[]]> = [
      ['source', ['`genai` for `openai` and `openrouter`', '`http` for `exa`, `twilio` and `apollo`']],
      ['availability.objective', [`\`${d.openai!.availability.objective}\``]],
      ['availability.ignoreErrorTypes', ['4xx']],
      ['latency.objective', [`\`${d.openai!.latency.objective}\``]],
      ['latency.thresholdSeconds', ['`10.24` (genai), `5` (http)']],
      ['latency.operations', ['`{}`']],
      ['availability.minBadCalls', [`\`${d.openai!.availability.minBadCalls}\``]],
      ['latency.minBadCalls', [`\`${d.openai!.latency.minBadCalls}\``]],
    ];
    for (const [key, says] of rows) {
      assert.ok(row(key), `docs/slos.md has no row for ${key}`);
      for (const text of says) assert.ok(row(key)!.includes(text), `${key}: ${text}`);
    }
    // Every documented key is one the schema accepts, with the value form the table gives.
    const accepted =
      'providers:\n  openai:\n    source: genai\n    availability: { objective: 99.5, ignoreErrorTypes: ["400"], minBadCalls: 10 }\n    latency: { objective: 97, thresholdSeconds: 5.12, operations: { chat: 20.48 }, minBadCalls: 3 }\n';
    assert.deepEqual(problems(accepted), []);
    for (const type of d.openai!.availability.ignoreErrorTypes.filter((t) => /^[A-Z]/.test(t)))
      assert.ok(section.includes(`\`${type}\``), `docs/slos.md lists ${type}`);
    const generated = generateSloRules(parseSloDefinitions('providers: { openai: {}, exa: {} }'));
    assert.match(generated, /le="10.24"/);
    assert.match(generated, /le=~"5\|/);
  });

  test('BURN_RATES spend the budget shares of the SRE workbook: 2 % in 1h, 5 % in 6h, 10 % in 1d and 3d', () => {
    const share = BURN_RATES.map((b) => Math.round(((b.factor * b.long) / (30 * 86400)) * 1000) / 10);
    assert.deepEqual(share, [2, 5, 10, 10]);
  });
});
