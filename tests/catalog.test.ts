// Every metric and label name used by the dashboards and the Prometheus rules exists in the exporter's
// metric catalog (exporter/src/metrics/catalog.ts), so a renamed metric cannot leave a dashboard or an
// alert silently empty; and every catalog metric is shown somewhere.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CATALOG, labelNames } from '../exporter/src/metrics/catalog.js';
import { catalogEntry, nameProblems } from './lib/names.js';
import { scanPromql } from './lib/promql.js';
import { dashboardExprs, dashboards, recordingRules, ruleExprs, variableQuery } from './lib/repo.js';

const recorded = new Set(recordingRules().map((r) => r.record));

describe('metric names in dashboards and rules', () => {
  test('the check itself rejects unknown metrics, labels and recording rules', () => {
    assert.deepEqual(
      nameProblems('sum by (provider) (rate(nexus_cost_usd_total{provider="openai"}[5m]))', recorded),
      []
    );
    assert.deepEqual(nameProblems('rate(nexus_costs_usd_total[5m])', recorded), [
      'metric nexus_costs_usd_total is not in the catalog',
    ]);
    // `model` exists (on nexus_tokens_total), but not on nexus_spend_usd.
    assert.deepEqual(nameProblems('nexus_spend_usd{model="x"}', recorded), ['nexus_spend_usd has no label model']);
    assert.deepEqual(nameProblems('sum by (tenant) (nexus_spend_usd)', recorded), ['no metric has a label tenant']);
    assert.deepEqual(nameProblems('provider:nexus_spend_usd:sum', recorded), [
      'recording rule provider:nexus_spend_usd:sum is not defined',
    ]);
    assert.deepEqual(nameProblems('node_cpu_seconds_total', recorded), [
      'metric node_cpu_seconds_total is neither in the catalog nor a Prometheus scrape series',
    ]);
    // Histogram series resolve to their base metric, and `le` is only on buckets.
    assert.deepEqual(nameProblems('nexus_provider_request_duration_seconds_bucket{le="1"}', recorded), []);
    assert.deepEqual(nameProblems('nexus_provider_request_duration_seconds_count{le="1"}', recorded), [
      'nexus_provider_request_duration_seconds_count has no label le',
    ]);
    assert.equal(catalogEntry('nexus_spend_usd_bucket'), undefined);
  });

  test('every dashboard query uses catalog metrics and labels', () => {
    const problems = dashboardExprs().flatMap((e) => nameProblems(e.expr, recorded).map((p) => `${e.where}: ${p}`));
    assert.deepEqual(problems, []);
  });

  test('every dashboard variable queries a catalog metric and one of its labels', () => {
    const problems: string[] = [];
    for (const { dashboard } of dashboards()) {
      for (const v of dashboard.templating.list) {
        const q = variableQuery(v);
        if (q === undefined) continue;
        const m = /^label_values\((.+),\s*(\w+)\)$/.exec(q.trim());
        if (!m) {
          problems.push(`${dashboard.uid} $${v.name}: not a label_values(metric, label) query: ${q}`);
          continue;
        }
        const [, selector, label] = m as unknown as [string, string, string];
        problems.push(...nameProblems(selector, recorded).map((p) => `${dashboard.uid} $${v.name}: ${p}`));
        const [metric] = [...scanPromql(selector).metrics];
        const def = metric ? catalogEntry(metric) : undefined;
        if (def && !labelNames(def).includes(label) && !['job', 'instance'].includes(label)) {
          problems.push(`${dashboard.uid} $${v.name}: ${metric} has no label ${label}`);
        }
      }
    }
    assert.deepEqual(problems, []);
  });

  test('every rule uses catalog metrics and labels', () => {
    const problems = ruleExprs().flatMap((e) => nameProblems(e.expr, recorded).map((p) => `${e.where}: ${p}`));
    assert.deepEqual(problems, []);
  });

  test('every catalog metric is shown on at least one dashboard', () => {
    const used = new Set(
      dashboardExprs().flatMap((e) => [...scanPromql(e.expr).metrics].map((m) => catalogEntry(m)?.name).filter(Boolean))
    );
    const missing = CATALOG.map((d) => d.name).filter((name) => !used.has(name));
    assert.deepEqual(missing, [], 'add a panel for each new catalog metric');
  });
});
