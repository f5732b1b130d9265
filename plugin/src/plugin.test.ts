// The plugin's manifest and the built package: plugin.json against the schema in schema/, the
// `exporter` route, and dist/ as Grafana loads it (run `npm run build` first; test:plugin does).
import fs from 'fs';
import path from 'path';
import Ajv from 'ajv';
import schema from '../schema/plugin.schema.json';
import srcPluginJson from './plugin.json';

import { ADMIN_API } from './constants';
import { extractProxyPath, handleRequest, type PluginRoute } from './test/grafana/pluginProxy';

const { readDashboards, readExporterOpenApi } = require('../scripts/sources');

const ROOT = path.resolve(__dirname, '..');
const DIST = path.join(ROOT, 'dist');
const packageJson = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

function validator() {
  // Grafana's patterns escape '-' outside classes, which unicode-mode regular expressions reject.
  const ajv = new Ajv({ allErrors: true, strict: true, unicodeRegExp: false });
  ajv.addFormat('email', /^[^\s@]+@[^\s@]+$/);
  ajv.addFormat('uri', (v: string) => URL.canParse(v));
  return ajv.compile(schema);
}

function readDist(file: string): string {
  const full = path.join(DIST, file);
  if (!fs.existsSync(full)) {
    throw new Error(`dist/${file} is missing: run \`npm run build -w plugin\` before this test`);
  }
  return fs.readFileSync(full, 'utf8');
}

describe('src/plugin.json', () => {
  test('matches the plugin.json schema', () => {
    const validate = validator();
    expect(validate(srcPluginJson) ? [] : validate.errors).toEqual([]);
  });

  test('the schema rejects a misspelt key (the test can fail)', () => {
    const validate = validator();
    expect(validate({ ...srcPluginJson, include: [] })).toBe(false);
    expect(validate({ ...srcPluginJson, id: 'nexus-api-monitor-app' })).toBe(false);
  });

  test('the exporter route injects the admin token server-side from secureJsonData', () => {
    const route = srcPluginJson.routes.find((r) => r.path === 'exporter/*')!;
    expect(route.url).toBe('{{ .JsonData.exporterUrl }}');
    expect(route.reqRole).toBe('Admin');
    expect(route.headers).toEqual([{ name: 'Authorization', content: 'Bearer {{ .SecureJsonData.exporterToken }}' }]);
  });

  test('lists every screenshot of src/img/screenshots (both themes of every page), each in the README', () => {
    const listed = srcPluginJson.info.screenshots.map((x: { path: string }) => x.path).sort();
    const files = fs
      .readdirSync(path.join(ROOT, 'src', 'img', 'screenshots'))
      .map((f) => `img/screenshots/${f}`)
      .sort();
    expect(listed).toEqual(files);
    const pages = srcPluginJson.includes.filter((i) => i.type === 'page').map((i) => i.name.toLowerCase());
    for (const page of pages) {
      for (const theme of ['dark', 'light']) {
        expect(listed).toContain(`img/screenshots/${page}-${theme}.png`);
      }
    }
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    for (const p of listed) {
      expect(readme).toContain(`(src/${p})`);
    }
  });

  test('lists no dashboards itself: the build adds them from ../dashboards', () => {
    expect(srcPluginJson.includes.filter((i) => i.type === 'dashboard')).toEqual([]);
  });
});

describe('dist/ (the built plugin)', () => {
  const dist = () => JSON.parse(readDist('plugin.json'));

  test('dist/plugin.json matches the schema, with version and date substituted', () => {
    const json = dist();
    const validate = validator();
    expect(validate(json) ? [] : validate.errors).toEqual([]);
    expect(json.info.version).toBe(packageJson.version);
    expect(json.info.updated).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(JSON.stringify(json)).not.toMatch(/%(VERSION|TODAY|PLUGIN_ID)%/);
    expect(json.buildMode).toBe('production');
  });

  test('every included dashboard file is in dist, and every repository dashboard is included', () => {
    const json = dist();
    const included = json.includes.filter((i: { type: string }) => i.type === 'dashboard');
    for (const inc of included) {
      const file = JSON.parse(readDist(inc.path));
      expect({ path: inc.path, uid: file.uid }).toEqual({ path: inc.path, uid: inc.uid });
    }
    const repo = readDashboards() as Array<{ file: string; uid: string }>;
    expect(included.map((i: { path: string }) => i.path).sort()).toEqual(
      repo.map((d) => `dashboards/${d.file}`).sort()
    );
  });

  test('has the screenshots plugin.json lists', () => {
    for (const shot of dist().info.screenshots) {
      expect(fs.existsSync(path.join(DIST, shot.path))).toBe(true);
    }
  });

  test('has the module, its source map, README, CHANGELOG, LICENSE and logo', () => {
    expect(readDist('module.js')).toMatch(/define\(\[/);
    for (const f of ['module.js.map', 'README.md', 'CHANGELOG.md', 'LICENSE', 'img/logo.svg']) {
      expect(readDist(f).length).toBeGreaterThan(0);
    }
    expect(readDist('README.md')).toContain('GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS=nexus-apimonitor-app');
  });

  test("every admin API path the app can call matches a route of dist/plugin.json (Grafana's matcher)", () => {
    const routes = dist().routes as PluginRoute[];
    const paths = Object.keys(readExporterOpenApi().paths as Record<string, unknown>);
    expect(paths.length).toBeGreaterThan(4);
    for (const p of paths) {
      const url = `${ADMIN_API}${p.replace(/\{provider\}/, 'openai').replace(/\{account\}/, 'main')}`;
      for (const method of ['GET', 'PUT', 'POST', 'DELETE']) {
        const decision = handleRequest(routes, method, extractProxyPath(url), 'Admin');
        expect({ url, method, matched: !('status' in decision) }).toEqual({ url, method, matched: true });
        if (!('status' in decision)) {
          expect(decision.proxyPath).toBe(
            `api/v1${p.replace(/\{provider\}/, 'openai').replace(/\{account\}/, 'main')}`
          );
        }
      }
    }
  });

  test('bundles no copy of React or the Grafana packages Grafana provides', () => {
    const module = readDist('module.js');
    const deps = /define\((\[[^\]]*\])/.exec(module)![1];
    for (const external of ['react', '@grafana/ui', '@grafana/runtime', '@grafana/data', 'rxjs']) {
      expect(deps).toContain(`"${external}"`);
    }
  });
});
