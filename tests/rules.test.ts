// The Prometheus rules: promtool accepts them and their unit tests pass; every alert follows the
// naming and annotation conventions, has a runbook section, and has promtool tests where it fires and
// where it does not.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { binaries, run } from './lib/procs.js';
import { scanPromql } from './lib/promql.js';
import {
  PATHS,
  ROOT,
  alertingRules,
  dashboardExprs,
  filesIn,
  readYaml,
  recordingRules,
  ruleExprs,
  ruleFiles,
} from './lib/repo.js';

interface AlertTest {
  eval_time: string;
  alertname: string;
  exp_alerts?: Array<{ exp_labels?: Record<string, string>; exp_annotations?: Record<string, string> }>;
}
interface TestFile {
  rule_files: string[];
  group_eval_order?: string[];
  tests: Array<{ name?: string; alert_rule_test?: AlertTest[] }>;
}

const testFiles = filesIn(PATHS.ruleTests, '.yml').map((path) => ({ path, spec: readYaml<TestFile>(path) }));
const alerts = alertingRules();

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes. */
function anchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\w\- ]/g, '')
    .replace(/ /g, '-');
}

describe('Prometheus rules', () => {
  test('promtool check rules accepts every rule file', () => {
    const files = ruleFiles().map((f) => f.path);
    assert.ok(files.length >= 2, 'files.length >= 2');
    const r = run(binaries.promtool(), ['check', 'rules', ...files]);
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  });

  test('promtool test rules: every unit test passes', () => {
    // Days of lumpy series (daily-buckets.yml) take a while on a loaded machine.
    const r = run(binaries.promtool(), ['test', 'rules', ...testFiles.map((f) => f.path)], {
      cwd: ROOT,
      timeoutMs: 600_000,
    });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.equal((r.stdout.match(/SUCCESS/g) ?? []).length, testFiles.length, r.stdout);
  });

  test('alerts: unique CamelCase names with the Nexus prefix, a severity, summary, description and runbook_url', () => {
    const names = alerts.map((a) => a.alert);
    assert.equal(new Set(names).size, names.length, 'duplicate alert names');
    for (const a of alerts) {
      assert.match(a.alert, /^Nexus[A-Z][a-zA-Z0-9]+$/, a.alert);
      assert.ok(
        ['critical', 'warning', 'info'].includes(a.labels?.severity ?? ''),
        `${a.alert}: severity ${a.labels?.severity}`
      );
      assert.match(a.annotations?.summary ?? '', /^[A-Z].*\.$/, `${a.alert}: summary is a sentence`);
      assert.ok(!a.annotations?.summary?.includes('{{'), `${a.alert}: summary is static; details go in description`);
      assert.match(a.annotations?.description ?? '', /\{\{ *\$(labels|value)/, `${a.alert}: description is templated`);
      assert.equal(a.annotations?.runbook_url, `docs/runbooks.md#${a.alert.toLowerCase()}`, `${a.alert}: runbook_url`);
      assert.match(a.for ?? '', /^\d+[smh]$/, `${a.alert}: for`);
    }
  });

  test('the alerts the issue asks for exist', () => {
    const names = new Set(alerts.map((a) => a.alert));
    const required = [
      'NexusProviderDown',
      'NexusProviderErrorRateHigh',
      'NexusProviderLatencyHigh',
      'NexusProviderAuthFailing',
      'NexusRateLimitNearlyExhausted',
      'NexusCreditsLow',
      'NexusCreditsExhaustionPredicted',
      'NexusBudgetAlmostExhausted',
      'NexusBudgetExceeded',
      'NexusMonthEndForecastOverBudget',
      'NexusCostSpike',
      'NexusExporterDataStale',
    ];
    assert.deepEqual(
      required.filter((n) => !names.has(n)),
      []
    );
    const expr = (n: string) => alerts.find((a) => a.alert === n)!.expr;
    assert.match(expr('NexusProviderAuthFailing'), /reason="auth"/);
    assert.match(expr('NexusCreditsExhaustionPredicted'), /predict_linear\(/);
    // The anomaly rule compares with the account's own history, not only a fixed number.
    assert.match(expr('NexusCostSpike'), /avg_over_time\(/);
  });

  test('recording rules are named level:metric:operations and are all used', () => {
    const used = [...ruleExprs(), ...dashboardExprs()].flatMap((e) => [...scanPromql(e.expr).metrics]);
    for (const r of recordingRules()) {
      assert.match(r.record, /^[a-z_]+:nexus_[a-z0-9_]+:[a-z0-9_]+$/, r.record);
      assert.ok(used.includes(r.record), `${r.record} is not used by any rule or dashboard`);
    }
  });

  test('every alert has a runbook section, and every runbook section an alert', () => {
    const headings = readFileSync(PATHS.runbooks, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('## '))
      .map((l) => l.slice(3));
    const anchors = new Set(headings.map(anchor));
    for (const a of alerts) assert.ok(anchors.has(a.alert.toLowerCase()), `docs/runbooks.md has no "## ${a.alert}"`);
    const names = new Set(alerts.map((a) => a.alert.toLowerCase()));
    for (const h of headings.filter((x) => x.startsWith('Nexus')))
      assert.ok(names.has(anchor(h)), `runbook "${h}" has no alert`);
  });

  test('every alert has a promtool test where it fires and one where it does not', () => {
    const fires = new Set<string>();
    const quiet = new Set<string>();
    for (const { spec } of testFiles) {
      for (const t of spec.tests) {
        for (const a of t.alert_rule_test ?? []) (a.exp_alerts?.length ? fires : quiet).add(a.alertname);
      }
    }
    const problems = alerts.flatMap((a) => [
      ...(fires.has(a.alert) ? [] : [`${a.alert}: no test where it fires`]),
      ...(quiet.has(a.alert) ? [] : [`${a.alert}: no test where it does not fire`]),
    ]);
    assert.deepEqual(problems, []);
  });

  test('every rule file is unit tested, with recording rules evaluated first', () => {
    const tested = new Set<string>();
    for (const { path, spec } of testFiles) {
      const groups: string[] = [];
      for (const f of spec.rule_files) {
        const abs = resolve(dirname(path), f);
        tested.add(abs);
        groups.push(...readYaml<{ groups: Array<{ name: string }> }>(abs).groups.map((g) => g.name));
      }
      // Without an order promtool evaluates groups at random and the `for:` boundaries move.
      assert.deepEqual(
        [...(spec.group_eval_order ?? [])].sort(),
        [...groups].sort(),
        `${basename(path)}: group_eval_order`
      );
      if (spec.group_eval_order?.includes('nexus.recording')) assert.equal(spec.group_eval_order[0], 'nexus.recording');
    }
    for (const f of ruleFiles()) {
      if (f.groups.every((g) => g.rules.every((r) => 'record' in r))) continue;
      assert.ok(tested.has(f.path), `${basename(f.path)} has no promtool test file`);
    }
  });
});
