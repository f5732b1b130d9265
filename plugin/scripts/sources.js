// The repository files the plugin is built from but does not own: dashboards (../dashboards/*.json) and
// Prometheus alert rules (../provisioning/prometheus/rules/*.yml). The webpack config and
// scripts/generate.js both read them through here, so there is one reading of each source.
const fs = require('fs');
const path = require('path');
const YAML = require('yaml');

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const DASHBOARDS_DIR = path.join(REPO_ROOT, 'dashboards');
const RULES_DIR = path.join(REPO_ROOT, 'provisioning', 'prometheus', 'rules');
const RUNBOOKS = path.join(REPO_ROOT, 'docs', 'runbooks.md');

function listFiles(dir, pattern) {
  if (!fs.existsSync(dir)) {
    return [];
  }
  return fs
    .readdirSync(dir)
    .filter((f) => pattern.test(f))
    .sort()
    .map((f) => path.join(dir, f));
}

/** Every dashboard JSON in ../dashboards as `{ file, uid, title, tags }`; throws on a file Grafana could not import. */
function readDashboards(dir = DASHBOARDS_DIR) {
  return listFiles(dir, /\.json$/).map((full) => {
    const file = path.basename(full);
    let json;
    try {
      json = JSON.parse(fs.readFileSync(full, 'utf8'));
    } catch (e) {
      throw new Error(`dashboards/${file}: not valid JSON: ${e.message}`);
    }
    if (typeof json.uid !== 'string' || !json.uid) {
      throw new Error(`dashboards/${file}: needs a fixed "uid" (the app links to /d/<uid>)`);
    }
    if (typeof json.title !== 'string' || !json.title) {
      throw new Error(`dashboards/${file}: needs a "title"`);
    }
    return { file, uid: json.uid, title: json.title, tags: Array.isArray(json.tags) ? json.tags : [] };
  });
}

/**
 * Converts Prometheus rule files (`groups[].rules[]`) into the alert list the Alerts page shows.
 * Recording rules (`record:`) are skipped: they are not alerts.
 */
function convertRuleFiles(files) {
  const alerts = [];
  for (const { name, text } of files) {
    let doc;
    try {
      doc = YAML.parse(text);
    } catch (e) {
      throw new Error(`${name}: not valid YAML: ${e.message}`);
    }
    const groups = doc && Array.isArray(doc.groups) ? doc.groups : null;
    if (!groups) {
      throw new Error(`${name}: expected a Prometheus rule file with a top-level "groups" list`);
    }
    for (const group of groups) {
      for (const rule of group.rules || []) {
        if (!rule.alert) {
          continue;
        }
        const annotations = rule.annotations || {};
        const labels = rule.labels || {};
        alerts.push({
          name: String(rule.alert),
          group: String(group.name || ''),
          file: name,
          expr: String(rule.expr || '').trim(),
          for: rule.for ? String(rule.for) : undefined,
          severity: labels.severity ? String(labels.severity) : undefined,
          labels: Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, String(v)])),
          summary: annotations.summary ? String(annotations.summary) : undefined,
          description: annotations.description ? String(annotations.description) : undefined,
          runbookUrl: annotations.runbook_url ? String(annotations.runbook_url) : undefined,
        });
      }
    }
  }
  return alerts;
}

function ruleFiles(dir) {
  const files = listFiles(dir, /\.ya?ml$/).filter((f) => !/\.test\.ya?ml$/.test(f) && !/-test\.ya?ml$/.test(f));
  return files.map((full) => ({ name: path.relative(REPO_ROOT, full), text: fs.readFileSync(full, 'utf8') }));
}

function readAlertRules(dir = RULES_DIR) {
  return convertRuleFiles(ruleFiles(dir));
}

/**
 * Every recording rule of the rule files: `{ record: [expr, ...] }`. A name may be recorded by several
 * rules with different labels (the SLO rules record one series per provider under one name).
 */
function recordingRules(files) {
  const out = {};
  for (const { text } of files) {
    for (const group of YAML.parse(text).groups || []) {
      for (const rule of group.rules || []) {
        if (rule.record) {
          (out[rule.record] = out[rule.record] || []).push(String(rule.expr).trim());
        }
      }
    }
  }
  return out;
}

const RATIO = 'provider_account_period:nexus_spend_usd_per_budget_usd:ratio';
const FORECAST = 'provider_account:nexus_spend_usd:month_end_forecast';

/**
 * What the Budgets page needs to judge a budget as the alerts do: the expressions of the spend/budget
 * ratio and month-end forecast recording rules, the alerts on that ratio (`<ratio> >= <threshold>`) with
 * their severities, and the alert on the forecast. Throws when the rules no longer have that shape, so
 * the page cannot silently drift from the alerts.
 */
function budgetRules(dir = RULES_DIR) {
  const files = ruleFiles(dir);
  const records = recordingRules(files);
  for (const r of [RATIO, FORECAST]) {
    if (!records[r]) {
      throw new Error(`the budget status needs the recording rule ${r} in ${path.relative(REPO_ROOT, dir)}`);
    }
    // The page repeats the one expression; two would mean it could pick the wrong one.
    if (records[r].length > 1) {
      throw new Error(`recording rule ${r} is defined twice in ${path.relative(REPO_ROOT, dir)}`);
    }
  }
  const alerts = convertRuleFiles(files);
  const thresholds = [];
  for (const a of alerts) {
    const m = new RegExp(`^${RATIO.replace(/[.:]/g, '\\$&')}\\s*>=\\s*([0-9.]+)$`).exec(a.expr);
    if (m) {
      thresholds.push({ alert: a.name, severity: a.severity, ratio: Number(m[1]) });
    }
  }
  const forecast = alerts.find((a) => a.expr.startsWith(FORECAST) && /nexus_budget_usd\{period="month"\}/.test(a.expr));
  if (thresholds.length === 0 || !forecast) {
    throw new Error(`expected alerts on ${RATIO} >= <threshold> and on ${FORECAST} against the monthly budget`);
  }
  thresholds.sort((a, b) => b.ratio - a.ratio);
  return {
    ratio: { record: RATIO, expr: records[RATIO][0] },
    forecast: { record: FORECAST, expr: records[FORECAST][0], alert: forecast.name, severity: forecast.severity },
    thresholds,
  };
}

/** docs/runbooks.md split at its `## <AlertName>` headings: `{ anchor: { title, markdown } }`. */
function readRunbooks(file = RUNBOOKS) {
  if (!fs.existsSync(file)) {
    return {};
  }
  const out = {};
  const parts = fs.readFileSync(file, 'utf8').split(/^## /m).slice(1);
  for (const part of parts) {
    const [heading, ...body] = part.split('\n');
    const title = heading.trim();
    out[title.toLowerCase()] = {
      title,
      markdown: body
        .join('\n')
        .replace(/\n---\s*$/, '')
        .trim(),
    };
  }
  return out;
}

/**
 * The exporter admin API's OpenAPI document, as the exporter's own code builds it
 * (exporter/src/server/api/openapi.ts), read by running that module with tsx.
 */
function readExporterOpenApi() {
  const { spawnSync } = require('child_process');
  const script =
    "import('./exporter/src/server/api/openapi.ts').then((m) => process.stdout.write(JSON.stringify(m.openApiDocument())))";
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (r.status !== 0) {
    throw new Error(`could not read the exporter's OpenAPI document:\n${r.stderr}`);
  }
  return JSON.parse(r.stdout);
}

/**
 * Per provider with an account schema: its fields, the defaults the form shows as placeholders, and
 * each field's JSON Schema (without the `null` a PUT may send to reset it), so the form's option
 * inputs take their types, defaults and patterns from the exporter.
 */
function providerDefaults(openapi) {
  const schemas = openapi.components.schemas;
  const out = {};
  for (const [name, schema] of Object.entries(schemas)) {
    const m = /^(.+)AccountInput$/.exec(name);
    if (!m) {
      continue;
    }
    const props = schema.properties || {};
    const nonNull = (p) => (p && p.anyOf ? p.anyOf.find((a) => a.type !== 'null') : p) || {};
    const fields = Object.keys(props).filter((k) => k !== 'account');
    out[m[1]] = {
      fields,
      schemas: Object.fromEntries(fields.map((k) => [k, nonNull(props[k])])),
      baseUrl: nonNull(props.baseUrl).default,
      pollIntervalSeconds: nonNull(props.pollIntervalSeconds).default,
      minPollIntervalSeconds: nonNull(props.pollIntervalSeconds).minimum,
    };
  }
  return out;
}

module.exports = {
  budgetRules,
  readRunbooks,
  recordingRules,
  readExporterOpenApi,
  providerDefaults,
  REPO_ROOT,
  DASHBOARDS_DIR,
  RULES_DIR,
  readDashboards,
  convertRuleFiles,
  readAlertRules,
};
