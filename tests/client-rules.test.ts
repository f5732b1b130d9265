// The recording rules that give real traffic one set of names (provisioning/prometheus/rules/
// nexus-client.yml) against the two things they must agree with: the OTLP→Prometheus translation
// (ported in lib/otlp-translate.ts and checked here with prometheus/otlptranslator's own test cases),
// and the exporter's own attribution of a point (exporter/src/receiver/semconv.ts), which the rules
// repeat in PromQL. promtool runs the rules themselves (tests/rules.test.ts runs tests/client.yml).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { labelNames } from '../exporter/src/metrics/catalog.js';
import { ATTR, PROVIDER_HOSTS, SEMCONV_METRICS, genaiModel, genaiProvider } from '../exporter/src/receiver/semconv.js';
import { catalogEntry, seriesLabels, TRANSLATED_SERIES } from './lib/names.js';
import { promLabelName, promMetricName, type TranslatedType } from './lib/otlp-translate.js';
import { PATHS, readYaml, recordingRules } from './lib/repo.js';

describe('OTLP→Prometheus translation (port of prometheus/otlptranslator v1.0.0)', () => {
  // metric_namer_test.go, TestMetricNamer_Build: the cases with UTF8Allowed false and suffixes on.
  const metricCases: Array<[name: string, unit: string, type: TranslatedType, want: string]> = [
    ['requests', '', 'monotonic_counter', 'requests_total'],
    ['cpu_usage', '1', 'gauge', 'cpu_usage_ratio'],
    ['items', '1', 'monotonic_counter', 'items_total'],
    ['response_time', 'ms', 'gauge', 'response_time_milliseconds'],
    ['memory_usage', 'By', 'gauge', 'memory_usage_bytes'],
    ['requests', '1/s', 'gauge', 'requests_per_second'],
    ['throughput', 'By/s', 'gauge', 'throughput_bytes_per_second'],
    ['custom_metric', 'custom_unit', 'gauge', 'custom_metric_custom_unit'],
    ['custom_metric', '{custom}', 'gauge', 'custom_metric'],
    ['custom_metric', 'By/{custom}', 'gauge', 'custom_metric_bytes'],
    ['requests_total', '', 'monotonic_counter', 'requests_total'],
    ['cpu_usage_ratio', '1', 'gauge', 'cpu_usage_ratio'],
    ['response_time_seconds', 's', 'gauge', 'response_time_seconds'],
    ['request_duration', 's', 'histogram', 'request_duration_seconds'],
    ['request_size', 'By', 'exponential_histogram', 'request_size_bytes'],
    ['response_time', 'ms', 'summary', 'response_time_milliseconds'],
    ['active_connections', '', 'non_monotonic_counter', 'active_connections'],
    ['unknown_metric', '', 'unknown', 'unknown_metric'],
    ['uptime', 'd', 'gauge', 'uptime_days'],
    ['duration', 'h', 'gauge', 'duration_hours'],
    ['timeout', 'min', 'gauge', 'timeout_minutes'],
    ['memory', 'MiBy', 'gauge', 'memory_mebibytes'],
    ['distance', 'm', 'gauge', 'distance_meters'],
    // The Collector's README examples of dots in names.
    ['http.server.duration', 's', 'histogram', 'http_server_duration_seconds'],
    ['system.network.io', 'By', 'monotonic_counter', 'system_network_io_bytes_total'],
  ];
  for (const [name, unit, type, want] of metricCases) {
    test(`${name} (${unit || 'no unit'}, ${type}) → ${want}`, () =>
      assert.equal(promMetricName(name, unit, type), want));
  }

  // label_namer_test.go, labelTestCases (`sanitized`, multiple underscores collapsed).
  const labelCases: Array<[string, string]> = [
    ['label:with:colons', 'label_with_colons'],
    ['LabelWithCapitalLetters', 'LabelWithCapitalLetters'],
    ['label!with&special$chars)', 'label_with_special_chars_'],
    ['label_with_foreign_characters_字符', 'label_with_foreign_characters_'],
    ['label.with.dots', 'label_with_dots'],
    ['123label', 'key_123label'],
    ['_label_starting_with_underscore', '_label_starting_with_underscore'],
    ['__label_starting_with_2underscores', '_label_starting_with_2underscores'],
    ['ようこそ', ''],
    ['label__with__double__underscores', 'label_with_double_underscores'],
    ['label.name__with&&special##chars', 'label_name_with_special_chars'],
    ['__reserved__label__name__', '__reserved_label_name__'],
    ['trailing_underscores___', 'trailing_underscores_'],
  ];
  for (const [label, want] of labelCases)
    test(`label ${label} → ${want || '(invalid)'}`, () => assert.equal(promLabelName(label), want));

  test('the kept semantic-convention metrics become the names the rules read', () => {
    assert.deepEqual(
      SEMCONV_METRICS.map((m) => promMetricName(m.name, m.unit, m.instrument)),
      ['gen_ai_client_operation_duration_seconds', 'gen_ai_client_token_usage', 'http_client_request_duration_seconds']
    );
    assert.equal(promLabelName(ATTR.providerName), 'gen_ai_provider_name');
    assert.equal(promLabelName(ATTR.errorType), 'error_type');
  });
});

const rules = recordingRules().filter((r) => r.record.startsWith('client:'));

/** The label_replace steps of a rule's translated branch, innermost (applied first) first. */
function labelReplaceSteps(expr: string): Array<{ dst: string; replacement: string; src: string; regex: RegExp }> {
  const str = '"((?:[^"\\\\]|\\\\.)*)"';
  const re = new RegExp(`${str},\\s*${str},\\s*${str},\\s*${str}\\)`, 'g');
  return [...expr.matchAll(re)].map((m) => {
    const [dst, replacement, src, regex] = m.slice(1, 5).map((s) => JSON.parse(`"${s}"`) as string) as [
      string,
      string,
      string,
      string,
    ];
    return { dst, replacement, src, regex: new RegExp(`^(?:${regex})$`) };
  });
}

/** Prometheus' label_replace: set dst from src when the anchored regex matches; an empty result removes dst. */
function applySteps(
  labels: Record<string, string>,
  steps: ReturnType<typeof labelReplaceSteps>
): Record<string, string> {
  const out = { ...labels };
  for (const s of steps) {
    const m = s.regex.exec(out[s.src] ?? '');
    if (!m) continue;
    const value = s.replacement.replace(/\$(\d)/g, (_, n: string) => m[Number(n)] ?? '');
    if (value === '') delete out[s.dst];
    else out[s.dst] = value;
  }
  return out;
}

describe('rules/nexus-client.yml', () => {
  test('records one client: series per client metric, and reads every translated name it needs', () => {
    assert.deepEqual(rules.map((r) => r.record).sort(), [
      'client:nexus_client_http_request_duration_seconds_bucket:rate5m',
      'client:nexus_client_http_request_duration_seconds_count:rate5m',
      'client:nexus_client_operation_duration_seconds_bucket:rate5m',
      'client:nexus_client_operation_duration_seconds_count:rate5m',
      'client:nexus_client_operation_duration_seconds_sum:rate5m',
      'client:nexus_client_tokens:rate5m',
    ]);
    for (const r of rules) {
      const [direct, translated] = r.expr.split(/\n\s*or\s*\n/);
      assert.ok(direct && translated, `${r.record}: a direct and a translated branch joined by or`);
      const directMetric = /rate\((nexus_client_\w+)\[5m\]\)/.exec(direct)?.[1];
      const translatedMetric = /rate\(((?:gen_ai|http)_\w+?)(?:\{[^}]*\})?\[5m\]\)/.exec(translated)?.[1];
      assert.ok(directMetric && catalogEntry(directMetric), `${r.record}: direct branch reads ${directMetric}`);
      assert.ok(
        translatedMetric && TRANSLATED_SERIES.has(translatedMetric),
        `${r.record}: translated branch reads ${translatedMetric}`
      );
      // The same family on both sides: ..._bucket with ..._bucket, tokens with the token usage sum.
      assert.equal(
        directMetric
          .replace(/^nexus_client_/, '')
          .replace(/_total$/, '_sum')
          .split('_')
          .at(-1),
        translatedMetric.split('_').at(-1)
      );
      // Both branches keep the same labels, which are the client metric's own.
      const by = [...r.expr.matchAll(/sum by \(([^)]*)\)/g)].map((m) => m[1]!.split(',').map((x) => x.trim()));
      assert.equal(by.length, 2);
      assert.deepEqual(by[0], by[1]);
      const def = catalogEntry(directMetric)!;
      assert.deepEqual(
        by[0]!.filter((l) => l !== 'le'),
        labelNames(def)
      );
    }
  });

  test('the PromQL attribution gives the exporter’s attribution for any attributes', () => {
    const steps = labelReplaceSteps(
      rules.find((r) => r.record === 'client:nexus_client_operation_duration_seconds_count:rate5m')!.expr
    );
    assert.ok(steps.length >= 8, 'steps.length >= 8');
    const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
    const attributes = fc.record({
      providerName: maybe(fc.constantFrom('openai', 'anthropic', 'openrouter', 'azure.ai.openai', '')),
      system: maybe(fc.constantFrom('openai', 'cohere', '')),
      host: maybe(
        fc.constantFrom(
          ...Object.keys(PROVIDER_HOSTS),
          'api.anthropic.com',
          '127.0.0.1',
          'openai.example.com',
          'xapi.openai.com',
          ''
        )
      ),
      requestModel: maybe(fc.constantFrom('gpt-4o', 'gpt-4o-mini', '')),
      responseModel: maybe(fc.constantFrom('gpt-4o-2024-08-06', '')),
      operation: maybe(fc.constantFrom('chat', 'embeddings', '')),
      namespace: maybe(fc.constantFrom('shop', 'team-a')),
      service: fc.constantFrom('chat-app', 'search.api', 'svc_1'),
    });
    fc.assert(
      fc.property(attributes, (a) => {
        const otel: Record<string, string | undefined> = {
          [ATTR.providerName]: a.providerName,
          [ATTR.system]: a.system,
          [ATTR.serverAddress]: a.host,
          [ATTR.requestModel]: a.requestModel,
          [ATTR.responseModel]: a.responseModel,
          [ATTR.operationName]: a.operation,
        };
        // The exporter (receiver/ingest.ts reads the attributes the same way).
        const attr = (k: string) => otel[k];
        const expected = {
          provider: genaiProvider(attr, PROVIDER_HOSTS),
          model: genaiModel(attr),
          operation: a.operation ?? '',
          service: a.service,
        };
        // Prometheus: attributes as labels (empty ones are absent), service.namespace/service.name as job.
        const labels: Record<string, string> = {
          job: a.namespace ? `${a.namespace}/${a.service}` : a.service,
          instance: 'i-1',
        };
        for (const [k, v] of Object.entries(otel)) if (v) labels[promLabelName(k)] = v;
        const got = applySteps(labels, steps);
        assert.deepEqual(
          {
            provider: got.provider ?? '',
            model: got.model ?? '',
            operation: got.operation ?? '',
            service: got.service ?? '',
          },
          expected,
          JSON.stringify(a)
        );
      }),
      { numRuns: 500 }
    );
  });

  test('every provider host maps to its provider, in the GenAI and the HTTP rules alike', () => {
    for (const r of rules) {
      const steps = labelReplaceSteps(r.expr).filter(
        (s) => s.dst === 'provider' && s.src === 'server_address' && s.replacement.startsWith('$1$2')
      );
      assert.equal(steps.length, 1, r.record);
      for (const [host, provider] of Object.entries(PROVIDER_HOSTS))
        assert.equal(applySteps({ server_address: host }, steps).provider, provider, `${r.record}: ${host}`);
      for (const other of ['api.anthropic.com', 'openrouter.ai.evil.com', 'api.openai.com.', ''])
        assert.equal(applySteps({ server_address: other }, steps).provider, undefined, `${r.record}: ${other}`);
      const selector = /server_address=~"((?:[^"\\]|\\.)*)"/.exec(r.expr)?.[1];
      if (r.record.includes('_http_')) {
        const re = new RegExp(`^(?:${JSON.parse(`"${selector}"`) as string})$`);
        for (const host of Object.keys(PROVIDER_HOSTS)) assert.ok(re.test(host), `${r.record} selects ${host}`);
        assert.ok(!re.test('example.com'), "!re.test('example.com')");
      }
    }
  });
});

describe('provisioning/prometheus/tests/client.yml', () => {
  const spec = readYaml<{ tests: Array<{ input_series: Array<{ series: string }> }> }>(
    join(PATHS.ruleTests, 'client.yml')
  );
  test('its inputs are named and labelled as the exporter and the OTLP translation name them', () => {
    const problems: string[] = [];
    let translated = 0;
    for (const t of spec.tests) {
      for (const { series } of t.input_series) {
        const m = /^(\w+)\{(.*)\}$/.exec(series);
        if (!m) {
          problems.push(`unparsable series ${series}`);
          continue;
        }
        const [, name, body] = m as unknown as [string, string, string];
        const allowed = seriesLabels(name);
        if (!allowed) {
          problems.push(`${name} is neither a catalog series nor a translated one`);
          continue;
        }
        if (TRANSLATED_SERIES.has(name)) translated++;
        for (const [, label] of body.matchAll(/(\w+)="(?:[^"\\]|\\.)*"/g))
          if (!allowed.has(label!)) problems.push(`${name} has no label ${label}`);
      }
    }
    assert.deepEqual(problems, []);
    assert.ok(translated >= 8, `${translated} translated inputs`);
  });
});
