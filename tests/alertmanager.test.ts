// The shipped Alertmanager configuration: amtool accepts it, alerts route by severity and group by
// provider account, inhibition pairs name real alerts, secrets are read from files, and the
// notification templates render.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { binaries, run } from './lib/procs.js';
import { PATHS, alertingRules, readYaml } from './lib/repo.js';

interface Route {
  receiver?: string;
  group_by?: string[];
  matchers?: string[];
  routes?: Route[];
}
interface Inhibit {
  source_matchers: string[];
  target_matchers: string[];
  equal: string[];
}
interface AmConfig {
  global?: Record<string, unknown>;
  route: Route;
  inhibit_rules: Inhibit[];
  receivers: Array<Record<string, unknown> & { name: string }>;
  templates?: string[];
}

const config = readYaml<AmConfig>(PATHS.alertmanagerConfig);
const alertNames = alertingRules().map((a) => a.alert);

/** The receiver amtool routes a label set to. */
function routeOf(labels: Record<string, string>): string {
  const r = run(binaries.amtool(), [
    'config',
    'routes',
    'test',
    `--config.file=${PATHS.alertmanagerConfig}`,
    ...Object.entries(labels).map(([k, v]) => `${k}=${v}`),
  ]);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

/** Alert names a matcher such as alertname=~"A|B" selects among the shipped alerts. */
function alertsMatched(matchers: string[]): string[] {
  const m = matchers.map((x) => /^alertname(=~|=)"(.+)"$/.exec(x)).find(Boolean);
  if (!m) return alertNames;
  const re = new RegExp(`^(?:${m[2]})$`);
  return alertNames.filter((n) => (m[1] === '=' ? n === m[2] : re.test(n)));
}

/** Every key anywhere in the config, with its path. */
function keysOf(value: unknown, path = ''): Array<{ key: string; path: string; value: unknown }> {
  if (Array.isArray(value)) return value.flatMap((v, i) => keysOf(v, `${path}[${i}]`));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => [
      { key: k, path: `${path}.${k}`, value: v },
      ...keysOf(v, `${path}.${k}`),
    ]);
  }
  return [];
}

describe('Alertmanager configuration', () => {
  test('amtool check-config accepts it, with its templates', () => {
    const r = run(binaries.amtool(), ['check-config', PATHS.alertmanagerConfig]);
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /SUCCESS/);
    assert.match(r.stdout, /1 templates/);
  });

  test('routes by severity: critical pages, warning to Slack, info nowhere, the rest by email', () => {
    const account = { provider: 'openai', account: 'prod' };
    assert.equal(routeOf({ ...account, alertname: 'NexusBudgetExceeded', severity: 'critical' }), 'nexus-critical');
    assert.equal(
      routeOf({ ...account, alertname: 'NexusBudgetAlmostExhausted', severity: 'warning' }),
      'nexus-warning'
    );
    assert.equal(routeOf({ ...account, alertname: 'Something', severity: 'info' }), 'nexus-null');
    assert.equal(routeOf({ alertname: 'Unlabelled' }), 'nexus-email');
  });

  test('every shipped alert severity has a route', () => {
    const severities = new Set(alertingRules().map((a) => a.labels?.severity));
    for (const s of severities)
      assert.notEqual(routeOf({ alertname: 'X', severity: s! }), 'nexus-email', `severity ${s}`);
  });

  test('every shipped alert, with its own labels, reaches the receiver of its severity', () => {
    const receivers: Record<string, string> = {
      critical: 'nexus-critical',
      warning: 'nexus-warning',
      info: 'nexus-null',
    };
    for (const a of alertingRules()) {
      // Label values as an alert of it carries them; alerts without an account (NexusUnattributedUsage is
      // per provider and model) route and group by provider alone.
      const labels = { alertname: a.alert, provider: 'openai', ...a.labels };
      assert.equal(routeOf(labels), receivers[a.labels?.severity ?? ''], a.alert);
    }
  });

  test('groups notifications by provider and account', () => {
    assert.deepEqual([...(config.route.group_by ?? [])].sort(), ['account', 'provider']);
    for (const r of config.route.routes ?? []) assert.equal(r.group_by, undefined, 'sub-routes inherit the grouping');
  });

  test('inhibition: a critical alert mutes matching warnings of the same account, and names real alerts', () => {
    assert.ok(config.inhibit_rules.length >= 3, 'config.inhibit_rules.length >= 3');
    const severity = (name: string) => alertingRules().find((a) => a.alert === name)?.labels?.severity;
    for (const rule of config.inhibit_rules) {
      const sources = alertsMatched(rule.source_matchers);
      const targets = alertsMatched(rule.target_matchers);
      assert.ok(sources.length > 0 && targets.length > 0, `${JSON.stringify(rule)} matches no shipped alert`);
      for (const s of sources) assert.equal(severity(s), 'critical', `source ${s}`);
      for (const t of targets) assert.equal(severity(t), 'warning', `target ${t}`);
      assert.ok(rule.equal.includes('provider') && rule.equal.includes('account'), `${JSON.stringify(rule.equal)}`);
      // Every name in an alternation is a shipped alert (a typo would silently match nothing).
      for (const m of [...rule.source_matchers, ...rule.target_matchers]) {
        const alt = /^alertname=~?"(.+)"$/.exec(m)?.[1];
        for (const name of alt?.split('|') ?? [])
          assert.ok(alertNames.includes(name), `inhibit rule names unknown alert ${name}`);
      }
    }
    const targeted = config.inhibit_rules.flatMap((r) => alertsMatched(r.target_matchers));
    assert.ok(targeted.includes('NexusBudgetAlmostExhausted'), 'budget warning muted by budget exceeded');
  });

  test('example receivers: webhook, email and Slack, with every secret read from a file', () => {
    const kinds = new Set(config.receivers.flatMap((r) => Object.keys(r).filter((k) => k.endsWith('_configs'))));
    for (const k of ['webhook_configs', 'email_configs', 'slack_configs']) assert.ok(kinds.has(k), k);
    const inline = [
      'api_url',
      'slack_api_url',
      'smtp_auth_password',
      'auth_password',
      'auth_secret',
      'credentials',
      'password',
      'bearer_token',
      'routing_key',
      'service_key',
      'api_key',
      'token',
    ];
    const keys = keysOf(config);
    assert.deepEqual(
      keys.filter((k) => inline.includes(k.key)).map((k) => k.path),
      [],
      'secrets must use the *_file variant'
    );
    const files = keys.filter((k) => k.key.endsWith('_file')).map((k) => String(k.value));
    assert.ok(files.length >= 3, 'files.length >= 3');
    for (const f of files) assert.match(f, /^\/run\/secrets\/\w+$/);
  });

  describe('notification templates', () => {
    let dir = '';
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'nexus-am-tmpl-'));
    });
    after(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    test('title and text render the alerts of an account', async () => {
      const data = {
        receiver: 'nexus-critical',
        status: 'firing',
        alerts: [
          {
            status: 'firing',
            labels: {
              alertname: 'NexusBudgetExceeded',
              severity: 'critical',
              provider: 'openai',
              account: 'prod',
              period: 'day',
            },
            annotations: {
              summary: 'Spend is over budget.',
              description: 'openai account prod has spent 105% of its day budget.',
              runbook_url: 'docs/runbooks.md#nexusbudgetexceeded',
            },
          },
          {
            status: 'resolved',
            labels: { alertname: 'NexusProviderDown', severity: 'critical', provider: 'openai', account: 'prod' },
            annotations: { summary: 'Polls of a provider account keep failing.', description: 'd' },
          },
        ],
        groupLabels: { provider: 'openai', account: 'prod' },
        commonLabels: { provider: 'openai', account: 'prod', severity: 'critical' },
        commonAnnotations: {},
        externalURL: 'http://alertmanager:9093',
      };
      const file = join(dir, 'data.json');
      await writeFile(file, JSON.stringify(data));
      const render = (text: string) => {
        const r = run(binaries.amtool(), [
          'template',
          'render',
          `--template.glob=${join(PATHS.alertmanagerTemplates, '*.tmpl')}`,
          `--template.data=${file}`,
          `--template.text=${text}`,
        ]);
        assert.equal(r.status, 0, r.stderr);
        return r.stdout;
      };
      assert.equal(render('{{ template "nexus.title" . }}').trim(), '[FIRING:1] openai/prod: NexusBudgetExceeded');
      assert.equal(
        render('{{ template "nexus.text" . }}').trim(),
        [
          'FIRING NexusBudgetExceeded (critical): Spend is over budget.',
          'openai account prod has spent 105% of its day budget.',
          'Runbook: docs/runbooks.md#nexusbudgetexceeded',
          '',
          'RESOLVED NexusProviderDown (critical): Polls of a provider account keep failing.',
          'd',
        ].join('\n')
      );
    });
  });
});
