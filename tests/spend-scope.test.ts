// Totals that do not double count (docs/metrics.md, "Totals that do not double count"), evaluated by promtool
// (Prometheus' own engine): an Exa team read twice, once account-wide (every key, scope="account")
// and once for one of its keys (apiKeyIds, scope="key"), beside an OpenRouter account of one key with
// no account-wide OpenRouter account, and an OpenAI organization. Every place that totals spend or
// cost per provider (the Overview, Cost and Provider detail dashboards, the plugin's Overview page)
// must show the Exa team's figure, not the team plus its key again, the key as a part ("of which"),
// and OpenRouter's key, which nothing else covers, in full.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { binaries, run } from './lib/procs.js';
import { ROOT, dashboards, panelsOf, type Panel } from './lib/repo.js';

// The plugin's own module (a CommonJS package to tsc, so imported at run time by path, through tsx).
const OVERVIEW_QUERIES = (
  (await import(pathToFileURL(join(ROOT, 'plugin/src/pages/Overview/Overview.queries.ts')).href)) as {
    OVERVIEW_QUERIES: Record<string, string>;
  }
).OVERVIEW_QUERIES;

const COMMON = 'job="nexus",instance="exporter:9464"';
const KEY_A = '3c90c3cc-0d44-4b50-8888-8dd25736052a';
const KEY_B = '7a1e5f20-9b3d-4c6e-a2f8-1d4b6c8e0f13';

// Spend in USD. The Exa team's figures include its key A's (the key-only account's).
const SPEND = {
  exa: { team: { day: 10, month: 300 }, search: { day: 4, month: 120 } },
  openrouter: { solo: { day: 3, month: 50 } },
  openai: { main: { day: 5, month: 80 } },
};
// Cost per minute in USD: the team books keys A and B, the key-only account key A again.
const COST = { teamA: 1, teamB: 2, searchA: 1, openai: 0.5 };

function inputSeries(): Array<{ series: string; values: string }> {
  const series: Array<{ series: string; values: string }> = [];
  const spend = (provider: string, account: string, scope: string, v: { day: number; month: number }) => {
    for (const period of ['day', 'month'] as const) {
      series.push({
        series: `nexus_spend_usd{${COMMON},provider="${provider}",account="${account}",period="${period}",scope="${scope}"}`,
        values: `${v[period]}x180`,
      });
    }
  };
  spend('exa', 'team', 'account', SPEND.exa.team);
  spend('exa', 'search', 'key', SPEND.exa.search);
  spend('openrouter', 'solo', 'key', SPEND.openrouter.solo);
  spend('openai', 'main', 'account', SPEND.openai.main);
  const cost = (
    provider: string,
    account: string,
    category: string,
    project: string,
    scope: string,
    perMinute: number
  ) =>
    series.push({
      series: `nexus_cost_usd_total{${COMMON},provider="${provider}",account="${account}",category="${category}",project="${project}",scope="${scope}"}`,
      values: `0+${perMinute}x180`,
    });
  cost('exa', 'team', 'Neural Search', KEY_A, 'account', COST.teamA);
  cost('exa', 'team', 'Neural Search', KEY_B, 'account', COST.teamB);
  cost('exa', 'search', 'Neural Search', KEY_A, 'key', COST.searchA);
  cost('openai', 'main', 'gpt-4o', 'proj_1', 'account', COST.openai);
  for (const [account, project, name] of [
    ['team', KEY_A, 'Production'],
    ['team', KEY_B, 'Staging'],
    ['search', KEY_A, 'Production'],
  ]) {
    series.push({
      series: `nexus_project_info{${COMMON},provider="exa",account="${account}",project="${project}",name="${name}"}`,
      values: '1x180',
    });
  }
  return series;
}

interface Expect {
  labels: string;
  value: number;
}

/** A panel's query as Grafana sends it: every account and provider, a 5m rate interval, a 1h range. */
function grafanaExpr(expr: string): string {
  return expr
    .replaceAll('$provider', '.*')
    .replaceAll('$account', '.*')
    .replaceAll('$__rate_interval', '5m')
    .replaceAll('$__range', '1h');
}

// Expressions are looked up inside each test, so a missing panel or target fails that test alone.
const cases: Array<{ name: string; expr: () => string; exp: Expect[] }> = [];
const panel = (uid: string, title: string): Panel => {
  const d = dashboards().find((x) => x.dashboard.uid === uid)!.dashboard;
  const p = panelsOf(d).find((x) => x.title === title);
  assert.ok(p, `${uid}: no panel "${title}"`);
  return p;
};
const target = (uid: string, title: string, refId: string) => () => {
  const t = panel(uid, title).targets?.find((x) => x.refId === refId);
  assert.ok(t, `${uid} "${title}" has no target ${refId}`);
  return grafanaExpr(t.expr);
};

const perProvider = (period: 'day' | 'month'): Expect[] => [
  { labels: '{provider="exa"}', value: SPEND.exa.team[period] },
  { labels: '{provider="openai"}', value: SPEND.openai.main[period] },
  { labels: '{provider="openrouter"}', value: SPEND.openrouter.solo[period] },
];
const keyPart = (period: 'day' | 'month'): Expect[] => [
  { labels: '{provider="exa",account="search"}', value: SPEND.exa.search[period] },
];
const costPerHour: Expect[] = [
  { labels: '{provider="exa"}', value: (COST.teamA + COST.teamB) * 60 },
  { labels: '{provider="openai"}', value: COST.openai * 60 },
];

for (const [title, period] of [
  ['Spend today', 'day'],
  ['Month to date', 'month'],
] as const) {
  cases.push({
    name: `Overview / ${title}: per provider`,
    expr: target('nexus-overview', title, 'A'),
    exp: perProvider(period),
  });
  cases.push({
    name: `Overview / ${title}: the key-only part`,
    expr: target('nexus-overview', title, 'B'),
    exp: keyPart(period),
  });
}
// Constant spend and no daily-bucket source: each account's forecast is its month to date.
cases.push({
  name: 'Overview / Month-end forecast',
  expr: target('nexus-overview', 'Month-end forecast', 'A'),
  exp: perProvider('month'),
});
cases.push({
  name: 'Overview / Cost per hour by provider',
  expr: target('nexus-overview', 'Cost per hour by provider', 'A'),
  exp: costPerHour,
});
cases.push({
  name: 'Cost / Cost per hour by provider',
  expr: target('nexus-cost', 'Cost per hour by provider', 'A'),
  exp: costPerHour,
});
cases.push({
  name: 'Cost / Cost by category',
  expr: target('nexus-cost', 'Cost by category', 'A'),
  exp: [
    { labels: '{category="Neural Search"}', value: (COST.teamA + COST.teamB) * 60 },
    { labels: '{category="gpt-4o"}', value: COST.openai * 60 },
  ],
});
cases.push({
  name: 'Cost / Cost by project',
  expr: target('nexus-cost', 'Cost by project', 'A'),
  exp: [
    { labels: `{provider="exa",project="${KEY_A}",name="Production"}`, value: COST.teamA * 60 },
    { labels: `{provider="exa",project="${KEY_B}",name="Staging"}`, value: COST.teamB * 60 },
    { labels: '{provider="openai",project="proj_1",name="proj_1"}', value: COST.openai * 60 },
  ],
});
// Provider detail shows one provider: the Exa team, whose key A is read a second time.
const exaOnly = (expr: () => string) => () => expr().replaceAll('provider=~".*"', 'provider=~"exa"');
cases.push({
  name: 'Provider detail / Cost per hour by category',
  expr: exaOnly(target('nexus-provider', 'Cost per hour by category', 'A')),
  exp: [{ labels: '{category="Neural Search"}', value: (COST.teamA + COST.teamB) * 60 }],
});
cases.push({
  name: 'Provider detail / Cost per hour by project',
  expr: exaOnly(target('nexus-provider', 'Cost per hour by project', 'A')),
  exp: [
    { labels: `{project="${KEY_A}",name="Production"}`, value: COST.teamA * 60 },
    { labels: `{project="${KEY_B}",name="Staging"}`, value: COST.teamB * 60 },
  ],
});
const plugin = (name: string) => () => {
  const expr = OVERVIEW_QUERIES[name];
  assert.ok(expr, `the plugin's Overview has no query ${name}`);
  return expr;
};
const sum = (period: 'day' | 'month') =>
  SPEND.exa.team[period] + SPEND.openrouter.solo[period] + SPEND.openai.main[period];
cases.push({
  name: 'plugin Overview / spendToday',
  expr: plugin('spendToday'),
  exp: [{ labels: '{}', value: sum('day') }],
});
cases.push({
  name: 'plugin Overview / spendMonth',
  expr: plugin('spendMonth'),
  exp: [{ labels: '{}', value: sum('month') }],
});
cases.push({ name: 'plugin Overview / providerToday', expr: plugin('providerToday'), exp: perProvider('day') });
cases.push({ name: 'plugin Overview / providerMonth', expr: plugin('providerMonth'), exp: perProvider('month') });
cases.push({ name: 'plugin Overview / keyPartsToday', expr: plugin('keyPartsToday'), exp: keyPart('day') });
cases.push({ name: 'plugin Overview / keyPartsMonth', expr: plugin('keyPartsMonth'), exp: keyPart('month') });
cases.push({
  name: 'plugin Overview / keyOnlyProviders',
  expr: plugin('keyOnlyProviders'),
  exp: [{ labels: '{provider="openrouter"}', value: 1 }],
});

describe('totals per provider count a key-only account inside an account-wide one once (promtool)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nexus-scope-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const c of cases) {
    test(c.name, () => {
      const file = join(dir, `${c.name.replace(/[^a-z0-9]+/gi, '-')}.yml`);
      const tests = [
        {
          name: c.name,
          interval: '1m',
          input_series: inputSeries(),
          promql_expr_test: [{ expr: c.expr(), eval_time: '2h', exp_samples: c.exp }],
        },
      ];
      writeFileSync(file, JSON.stringify({ rule_files: [], tests }));
      const r = run(binaries.promtool(), ['test', 'rules', file]);
      assert.equal(r.status, 0, `${c.expr()}\n${r.stdout}\n${r.stderr}`);
    });
  }
});
