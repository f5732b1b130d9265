// The build-time readers in scripts/sources.js: rule files → Alerts page data, dashboards → includes.
import fs from 'fs';
import os from 'os';
import path from 'path';

const { convertRuleFiles, readDashboards } = require('../scripts/sources');

describe('convertRuleFiles', () => {
  test('turns alerting rules into the Alerts page list and skips recording rules', () => {
    const text = `
groups:
  - name: nexus.spend
    rules:
      - record: provider_account:nexus_cost_usd:rate1h
        expr: sum by (provider, account) (rate(nexus_cost_usd_total[1h]))
      - alert: NexusBudgetExceeded
        expr: provider_account_period:nexus_spend_usd_per_budget_usd:ratio >= 1
        for: 5m
        labels: { severity: critical }
        annotations:
          summary: Spend is over budget.
          description: '{{ $labels.provider }} is at {{ $value | humanizePercentage }}.'
          runbook_url: docs/runbooks.md#nexusbudgetexceeded
`;
    expect(convertRuleFiles([{ name: 'rules/spend.yml', text }])).toEqual([
      {
        name: 'NexusBudgetExceeded',
        group: 'nexus.spend',
        file: 'rules/spend.yml',
        expr: 'provider_account_period:nexus_spend_usd_per_budget_usd:ratio >= 1',
        for: '5m',
        severity: 'critical',
        labels: { severity: 'critical' },
        summary: 'Spend is over budget.',
        description: '{{ $labels.provider }} is at {{ $value | humanizePercentage }}.',
        runbookUrl: 'docs/runbooks.md#nexusbudgetexceeded',
      },
    ]);
  });

  test('names the file when it is not a Prometheus rule file', () => {
    expect(() => convertRuleFiles([{ name: 'rules/bad.yml', text: 'apiVersion: 1\nrules: []' }])).toThrow(
      'rules/bad.yml: expected a Prometheus rule file with a top-level "groups" list'
    );
    expect(() => convertRuleFiles([{ name: 'rules/broken.yml', text: 'groups: [' }])).toThrow(
      /rules\/broken.yml: not valid YAML/
    );
  });
});

describe('readDashboards', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nexus-dashboards-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('reads uid and title of every dashboard, sorted by file', () => {
    fs.writeFileSync(path.join(dir, 'b.json'), JSON.stringify({ uid: 'nexus-b', title: 'B', tags: ['nexus'] }));
    fs.writeFileSync(path.join(dir, 'a.json'), JSON.stringify({ uid: 'nexus-a', title: 'A' }));
    fs.writeFileSync(path.join(dir, 'notes.md'), '# not a dashboard');
    expect(readDashboards(dir)).toEqual([
      { file: 'a.json', uid: 'nexus-a', title: 'A', tags: [] },
      { file: 'b.json', uid: 'nexus-b', title: 'B', tags: ['nexus'] },
    ]);
  });

  test('refuses a dashboard without a fixed uid', () => {
    fs.writeFileSync(path.join(dir, 'x.json'), JSON.stringify({ title: 'X' }));
    expect(() => readDashboards(dir)).toThrow('dashboards/x.json: needs a fixed "uid"');
  });

  test('a missing directory means no dashboards', () => {
    expect(readDashboards(path.join(dir, 'nope'))).toEqual([]);
  });
});
