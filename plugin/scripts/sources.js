// The repository files the plugin is built from but does not own: dashboards (../dashboards/*.json) and
// Prometheus alert rules (../provisioning/prometheus/rules/*.yml). The webpack config and
// scripts/generate.js both read them through here, so there is one reading of each source.
const fs = require('fs');
const path = require('path');
const YAML = require('yaml');

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const DASHBOARDS_DIR = path.join(REPO_ROOT, 'dashboards');
const RULES_DIR = path.join(REPO_ROOT, 'provisioning', 'prometheus', 'rules');

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

function readAlertRules(dir = RULES_DIR) {
  const files = listFiles(dir, /\.ya?ml$/).filter((f) => !/\.test\.ya?ml$/.test(f) && !/-test\.ya?ml$/.test(f));
  return convertRuleFiles(
    files.map((full) => ({ name: path.relative(REPO_ROOT, full), text: fs.readFileSync(full, 'utf8') }))
  );
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

/** Per provider with an account schema: its fields and the defaults the form shows as placeholders. */
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
    out[m[1]] = {
      fields: Object.keys(props).filter((k) => k !== 'account'),
      baseUrl: nonNull(props.baseUrl).default,
      pollIntervalSeconds: nonNull(props.pollIntervalSeconds).default,
      minPollIntervalSeconds: nonNull(props.pollIntervalSeconds).minimum,
    };
  }
  return out;
}

module.exports = {
  readExporterOpenApi,
  providerDefaults,
  REPO_ROOT,
  DASHBOARDS_DIR,
  RULES_DIR,
  readDashboards,
  convertRuleFiles,
  readAlertRules,
};
