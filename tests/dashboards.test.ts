// Grafana dashboard conventions (the dashboard-linter rules and the project's own): fixed uids and
// versions, a `datasource` variable used everywhere, label_values variables, known units, rate
// windows from Grafana, a sane grid, working links, and the panels the issue asks for.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { binaries, run } from './lib/procs.js';
import { dashboardVariablesIn, scanPromql } from './lib/promql.js';
import { PLUGIN_ID, dashboards, panelsOf, variableQuery, type Dashboard, type Panel } from './lib/repo.js';

const DS = { type: 'prometheus', uid: '${datasource}' };
const UNITS = new Set(['currencyUSD', 's', 'short', 'percentunit']);
const all = dashboards();
const byUid = new Map(all.map((d) => [d.dashboard.uid, d.dashboard]));

function queryPanels(d: Dashboard): Panel[] {
  return panelsOf(d).filter((p) => p.type !== 'row');
}

function metricsOf(d: Dashboard): Set<string> {
  return new Set(queryPanels(d).flatMap((p) => (p.targets ?? []).flatMap((t) => [...scanPromql(t.expr).metrics])));
}

describe('dashboards', () => {
  test('the five dashboards exist with fixed, unique uids', () => {
    assert.deepEqual([...byUid.keys()].sort(), [
      'nexus-cost',
      'nexus-exporter',
      'nexus-overview',
      'nexus-provider',
      'nexus-slo',
    ]);
  });

  for (const { path, dashboard: d } of all) {
    describe(d.uid, () => {
      test('top level: id null, uid, title, tags, numeric version and revision, schemaVersion', () => {
        assert.equal(d.id, null, path);
        assert.match(d.uid, /^[a-z0-9-]{1,40}$/);
        assert.match(d.title, /^Nexus \/ /);
        assert.ok(d.tags.includes('nexus'), "d.tags.includes('nexus')");
        assert.ok(Number.isInteger(d.version) && d.version >= 1, 'version');
        assert.ok(Number.isInteger(d.revision) && d.revision >= 1, 'revision (the app re-imports on change)');
        assert.ok(d.schemaVersion >= 39, 'schemaVersion');
      });

      test('a datasource variable first, and every query variable is a label_values query on it', () => {
        const [first, ...rest] = d.templating.list;
        assert.deepEqual(
          { name: first?.name, type: first?.type, query: first?.query },
          { name: 'datasource', type: 'datasource', query: 'prometheus' }
        );
        for (const v of rest) {
          assert.equal(v.type, 'query', `$${v.name}`);
          assert.deepEqual(v.datasource, DS, `$${v.name} datasource`);
          assert.match(variableQuery(v) ?? '', /^label_values\(.+, *\w+\)$/, `$${v.name}`);
          if (v.includeAll) assert.equal(v.allValue, '.*', `$${v.name} allValue`);
        }
      });

      test('every panel and target uses the ${datasource} variable', () => {
        for (const p of queryPanels(d)) {
          assert.deepEqual(p.datasource, DS, `"${p.title}"`);
          assert.ok(p.targets?.length, `"${p.title}" has no query`);
          const refIds = new Set<string>();
          for (const t of p.targets!) {
            assert.deepEqual(t.datasource, DS, `"${p.title}" ${t.refId}`);
            assert.ok(t.expr.trim(), `"${p.title}" ${t.refId} has no expr`);
            assert.ok(!refIds.has(t.refId), `"${p.title}" repeats refId ${t.refId}`);
            refIds.add(t.refId);
          }
        }
      });

      test('units are currencyUSD, s, short or percentunit', () => {
        for (const p of queryPanels(d))
          assert.ok(
            UNITS.has(p.fieldConfig?.defaults?.unit ?? ''),
            `"${p.title}": unit ${p.fieldConfig?.defaults?.unit}`
          );
      });

      test('rate() and increase() windows come from Grafana ($__rate_interval, or $__range for totals), or are the 7-day baseline of a forecast', () => {
        for (const p of queryPanels(d)) {
          for (const t of p.targets ?? []) {
            for (const m of t.expr.matchAll(/\b(rate|irate|increase)\(([^()]|\([^()]*\))*?\[([^\]]+)\]/g)) {
              // The month-end forecast of accounts with daily buckets is the alert's: the 7-day average cost.
              const baseline = m[3] === '7d' && m[1] === 'rate' && /days_in_month\(\)/.test(t.expr);
              assert.ok(
                ['$__rate_interval', '$__range'].includes(m[3]!) || baseline,
                `"${p.title}" ${t.refId}: ${m[1]}(...[${m[3]}])`
              );
            }
          }
        }
      });

      test('dashboard variables in queries are defined and only used in =~ matchers', () => {
        const defined = new Set(d.templating.list.map((v) => v.name));
        const texts = [
          ...queryPanels(d).flatMap((p) => (p.targets ?? []).map((t) => ({ where: `"${p.title}"`, text: t.expr }))),
          ...d.templating.list.map((v) => ({ where: `$${v.name}`, text: variableQuery(v) ?? '' })),
        ];
        for (const { where, text } of texts) {
          for (const name of dashboardVariablesIn(text))
            assert.ok(defined.has(name), `${where} uses undefined $${name}`);
          const uses = text.match(/\$\{?(?!__)\w+\}?/g) ?? [];
          const inRegex = text.match(/=~"\$\{?(?!__)\w+\}?"/g) ?? [];
          assert.equal(uses.length, inRegex.length, `${where}: variables must be used as label=~"$var": ${text}`);
        }
      });

      test('panel ids are unique and the grid has no overlaps', () => {
        const ids = new Set<number>();
        const cells = new Set<string>();
        for (const p of panelsOf(d)) {
          assert.ok(!ids.has(p.id), `duplicate panel id ${p.id}`);
          ids.add(p.id);
          const { x, y, w, h } = p.gridPos;
          assert.ok(x >= 0 && w > 0 && x + w <= 24 && h > 0, `"${p.title}" gridPos ${JSON.stringify(p.gridPos)}`);
          for (let i = x; i < x + w; i++) {
            for (let j = y; j < y + h; j++) {
              assert.ok(!cells.has(`${i},${j}`), `"${p.title}" overlaps another panel at ${i},${j}`);
              cells.add(`${i},${j}`);
            }
          }
        }
      });

      test('links: the nexus dashboards dropdown, the app, and panel links to existing dashboards', () => {
        assert.ok(
          d.links.some((l) => l.type === 'dashboards' && l.tags?.includes('nexus')),
          'dashboards dropdown'
        );
        assert.ok(
          d.links.some((l) => l.type === 'link' && l.url === `/a/${PLUGIN_ID}`),
          'app link'
        );
        for (const p of queryPanels(d)) {
          for (const link of p.fieldConfig?.defaults?.links ?? []) {
            const uid = /^\/d\/([^/?]+)/.exec(link.url)?.[1];
            assert.ok(uid && byUid.has(uid), `"${p.title}" links to ${link.url}`);
          }
        }
      });
    });
  }

  test('Overview: spend today and month to date, cost rate, budget, forecast, tokens, credits, up, latency, errors', () => {
    const d = byUid.get('nexus-overview')!;
    const metrics = metricsOf(d);
    for (const m of [
      'nexus_spend_usd',
      'nexus_cost_usd_total',
      'nexus_budget_usd',
      'nexus_tokens_total',
      'nexus_credits_remaining',
      'nexus_balance_usd',
      'nexus_provider_up',
      'nexus_provider_request_duration_seconds_bucket',
      'nexus_provider_errors_total',
    ]) {
      assert.ok(metrics.has(m), `Overview does not show ${m}`);
    }
    const exprs = queryPanels(d)
      .flatMap((p) => (p.targets ?? []).map((t) => t.expr))
      .join('\n');
    assert.match(exprs, /period="day"/);
    assert.match(exprs, /period="month"/);
    assert.match(exprs, /predict_linear\(/);
    assert.match(exprs, /histogram_quantile\(0\.95/);
  });

  test('Provider detail: provider and account variables', () => {
    const names = byUid.get('nexus-provider')!.templating.list.map((v) => v.name);
    assert.ok(names.includes('provider') && names.includes('account'), names.join());
  });

  test('Provider detail: one key\'s spend (scope="key") is named so, never summed with account-wide spend (promtool)', () => {
    const panels = queryPanels(byUid.get('nexus-provider')!).filter(
      (p) => p.title === 'Spend today' || p.title === 'Month to date'
    );
    assert.equal(panels.length, 2);
    // Three accounts: OpenAI (account-wide), OpenRouter with a management key (account-wide) and one without (its key).
    const series = (period: string, v: [number, number, number]) => [
      {
        series: `nexus_spend_usd{provider="openai",account="main",period="${period}",scope="account"}`,
        values: `${v[0]}x5`,
      },
      {
        series: `nexus_spend_usd{provider="openrouter",account="org",period="${period}",scope="account"}`,
        values: `${v[1]}x5`,
      },
      {
        series: `nexus_spend_usd{provider="openrouter",account="team",period="${period}",scope="key"}`,
        values: `${v[2]}x5`,
      },
    ];
    const tests = panels.map((p) => {
      const period = p.title === 'Spend today' ? 'day' : 'month';
      const v: [number, number, number] = period === 'day' ? [5, 7, 2] : [50, 70, 20];
      return {
        name: p.title,
        interval: '1m',
        input_series: series(period, v),
        promql_expr_test: [
          {
            expr: p.targets![0]!.expr.replaceAll('$provider', '.*').replaceAll('$account', '.*'),
            eval_time: '2m',
            exp_samples: [
              { labels: '{account="main"}', value: v[0] },
              { labels: '{account="org"}', value: v[1] },
              { labels: '{account="team (one key only)"}', value: v[2] },
            ],
          },
        ],
      };
    });
    const dir = mkdtempSync(join(tmpdir(), 'nexus-dash-'));
    try {
      const file = join(dir, 'spend-scope.yml');
      writeFileSync(file, JSON.stringify({ rule_files: [], tests }));
      const r = run(binaries.promtool(), ['test', 'rules', file]);
      assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('Cost and budgets: burn against budget, predict_linear forecast, cost by category and project, top models', () => {
    const exprs = queryPanels(byUid.get('nexus-cost')!)
      .flatMap((p) => (p.targets ?? []).map((t) => t.expr))
      .join('\n');
    assert.match(exprs, /nexus_budget_usd\{period="month"/);
    assert.match(exprs, /predict_linear\(nexus_spend_usd\{period="month"/);
    assert.match(exprs, /sum by \(category\) \(\s*increase\(nexus_cost_usd_total/);
    assert.match(exprs, /sum by \([^)]*project\) \(\s*increase\(nexus_cost_usd_total/);
    assert.match(exprs, /topk\(10, sum by \([^)]*model\) \(increase\(nexus_tokens_total/);
  });

  test('Exporter health: polls, errors by reason, call latency, last success age, series counts', () => {
    const d = byUid.get('nexus-exporter')!;
    const metrics = metricsOf(d);
    for (const m of [
      'nexus_provider_polls_total',
      'nexus_provider_errors_total',
      'nexus_provider_request_duration_seconds_bucket',
      'nexus_provider_last_success_timestamp_seconds',
      'nexus_exporter_series',
    ]) {
      assert.ok(metrics.has(m), `Exporter health does not show ${m}`);
    }
    const exprs = queryPanels(d)
      .flatMap((p) => (p.targets ?? []).map((t) => t.expr))
      .join('\n');
    assert.match(exprs, /sum by \([^)]*reason\) \(increase\(nexus_provider_errors_total/);
  });

  test('Provider SLOs: objective, SLI, error budget remaining and burn rates over every alerting window', () => {
    const d = byUid.get('nexus-slo')!;
    const metrics = metricsOf(d);
    for (const m of [
      'slo:nexus_slo_objective:ratio',
      'slo:nexus_slo_errors:ratio_rate30d',
      'slo:nexus_slo_error_budget_remaining:ratio',
      'slo:nexus_slo_calls:rate5m',
    ]) {
      assert.ok(metrics.has(m), `Provider SLOs does not show ${m}`);
    }
    // A burn rate is a window's error ratio over the error budget, for each window the alerts use.
    const exprs = queryPanels(d)
      .flatMap((p) => (p.targets ?? []).map((t) => t.expr))
      .join('\n');
    for (const w of ['5m', '30m', '1h', '2h', '6h', '1d', '3d']) {
      assert.match(
        exprs,
        new RegExp(
          `slo:nexus_slo_errors:ratio_rate${w}\\{[^}]*\\}\\s*/ on \\(provider, slo\\) group_left \\(\\) \\(1 - slo:nexus_slo_objective:ratio\\)`
        ),
        `burn rate over ${w}`
      );
    }
  });
});
