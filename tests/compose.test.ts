// docker-compose.yml, the exporter's Dockerfile and the Grafana/Prometheus provisioning, checked
// statically (there is no Docker engine here): the files parse, every mounted host path exists, images
// are pinned, and the service names and ports agree with the Prometheus scrape config, the Grafana
// data sources and the app plugin settings. promtool checks the shipped Prometheus config.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { binaries, run } from './lib/procs.js';
import { PATHS, PLUGIN_ID, ROOT, filesIn, readYaml } from './lib/repo.js';

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[] | string;
  entrypoint?: string[] | string;
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  expose?: string[];
  secrets?: string[];
}
interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
  secrets?: Record<string, { environment?: string; file?: string }>;
}

const compose = readYaml<Compose>(PATHS.compose);
const services = compose.services;

/** Host paths that are build outputs and may be missing from a fresh checkout. */
const BUILD_OUTPUTS = new Set(['./plugin/dist']);

interface Mount {
  source: string;
  target: string;
  bind: boolean;
}

function mounts(s: Service): Mount[] {
  return (s.volumes ?? []).map((v) => {
    const [source, target] = v.split(':') as [string, string];
    return { source, target, bind: source.startsWith('.') || source.startsWith('/') };
  });
}

/** Ports a service listens on inside the network (container side of `ports`, and `expose`). */
function containerPorts(s: Service): Set<number> {
  const out = new Set<number>();
  for (const p of s.ports ?? []) out.add(Number(p.split(':').at(-1)));
  for (const p of s.expose ?? []) out.add(Number(p));
  return out;
}

/** `host:port` (or a URL) → the compose service and port it points at, checked to exist. */
function assertServiceAddress(address: string, what: string): void {
  const u = new URL(address.includes('://') ? address : `http://${address}`);
  const service = services[u.hostname];
  assert.ok(service, `${what}: ${u.hostname} is not a compose service`);
  assert.ok(
    containerPorts(service).has(Number(u.port)),
    `${what}: service ${u.hostname} does not listen on ${u.port} (${[...containerPorts(service)]})`
  );
}

/** The host file a container path resolves to through the service's bind mounts. */
function hostPathOf(s: Service, containerPath: string): string | undefined {
  const m = mounts(s)
    .filter((x) => x.bind && (containerPath === x.target || containerPath.startsWith(`${x.target}/`)))
    .sort((a, b) => b.target.length - a.target.length)[0];
  return m && join(ROOT, m.source, containerPath.slice(m.target.length));
}

function flag(s: Service, name: string): string | undefined {
  const args = Array.isArray(s.command) ? s.command : [];
  return args.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
}

function versionOf(image: string): number[] {
  const tag = image.split(':')[1] ?? '';
  return (/^v?(\d+)\.(\d+)\.(\d+)/.exec(tag) ?? []).slice(1).map(Number);
}

const g = () => services.grafana!;

describe('docker-compose.yml', () => {
  test('has the exporter, Prometheus, Alertmanager and Grafana', () => {
    assert.deepEqual(Object.keys(services).sort(), ['alertmanager', 'exporter', 'grafana', 'prometheus']);
  });

  test('every image is pinned to a version, and Grafana is one the plugin supports', () => {
    for (const [name, s] of Object.entries(services)) {
      assert.ok(s.image, `${name} has an image`);
      assert.equal(versionOf(s.image).length, 3, `${name}: ${s.image} is not pinned to x.y.z`);
    }
    const dependency = (
      JSON.parse(readFileSync(join(ROOT, 'plugin', 'src', 'plugin.json'), 'utf8')) as {
        dependencies: { grafanaDependency: string };
      }
    ).dependencies.grafanaDependency;
    const min = /^>=(\d+)\.(\d+)\.(\d+)$/.exec(dependency)?.slice(1).map(Number);
    assert.ok(min, `grafanaDependency ${dependency} is a >=x.y.z range`);
    const v = versionOf(services.grafana!.image!);
    const cmp = v[0]! - min[0]! || v[1]! - min[1]! || v[2]! - min[2]!;
    assert.ok(cmp >= 0, `${services.grafana!.image} is older than the plugin's grafanaDependency ${dependency}`);
  });

  test('every mounted host path exists in the repository (plugin/dist is a build output)', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const m of mounts(s)) {
        if (!m.bind) {
          assert.ok(
            compose.volumes && m.source in compose.volumes,
            `${name}: named volume ${m.source} is not declared`
          );
          continue;
        }
        if (BUILD_OUTPUTS.has(m.source)) continue;
        assert.ok(existsSync(join(ROOT, m.source)), `${name}: ${m.source} does not exist`);
      }
    }
    assert.ok(
      mounts(services.grafana!).some(
        (m) => m.source === './plugin/dist' && m.target === `/var/lib/grafana/plugins/${PLUGIN_ID}`
      ),
      'the built plugin is mounted'
    );
  });

  test('the exporter is built from exporter/Dockerfile and runs the demo unless a nexus.yaml is mounted', () => {
    const e = services.exporter!;
    assert.deepEqual(e.build, { context: '.', dockerfile: 'exporter/Dockerfile' });
    assert.ok(
      existsSync(join(ROOT, e.build!.context, e.build!.dockerfile)),
      'existsSync(join(ROOT, e.build!.context, e.build!.dockerfile))'
    );
    const cmd = ([] as string[]).concat(e.command ?? []).join(' ');
    assert.match(cmd, /-f \/etc\/nexus\/nexus\.yaml/);
    assert.match(cmd, /dist\/cli\.js --config \/etc\/nexus\/nexus\.yaml/);
    assert.match(cmd, /dist\/demo\.js/);
    // The demo and dist/ come from exporter/src (the build compiles every non-test source).
    assert.ok(
      existsSync(join(ROOT, 'exporter', 'src', 'demo.ts')) && existsSync(join(ROOT, 'exporter', 'src', 'cli.ts')),
      "existsSync(join(ROOT, 'exporter', 'src', 'demo.ts')) && existsSync(join(ROOT, 'exporter', 'src', 'cli.ts'))"
    );
    assert.match(e.environment?.NEXUS_LISTEN ?? '', /^0\.0\.0\.0:\d+$/);
    const port = Number(e.environment!.NEXUS_LISTEN!.split(':')[1]);
    assert.ok(containerPorts(e).has(port), 'published port = NEXUS_LISTEN port');
    // The image's HEALTHCHECK asks the same port.
    const health = /NEXUS_HEALTHCHECK_URL=(\S+)/.exec(readFileSync(PATHS.dockerfile, 'utf8'))?.[1];
    assert.equal(new URL(health ?? 'http://x').port, String(port), 'HEALTHCHECK port');
    const version = (JSON.parse(readFileSync(join(ROOT, 'exporter', 'package.json'), 'utf8')) as { version: string })
      .version;
    assert.equal(e.image, `nexus-exporter:${version}`, 'the built image is tagged with the exporter version');
  });

  test('Prometheus: config and rules mounted where --config.file points; targets are compose services', () => {
    const p = services.prometheus!;
    const configPath = flag(p, '--config.file');
    assert.ok(configPath, '--config.file');
    const host = hostPathOf(p, configPath);
    assert.equal(host, PATHS.prometheusConfig);
    assert.equal(Number(/:(\d+)$/.exec(flag(p, '--web.listen-address') ?? ':9090')![1]), [...containerPorts(p)][0]);
    const cfg = readYaml<{
      scrape_configs: Array<{ job_name: string; static_configs: Array<{ targets: string[] }> }>;
      alerting: { alertmanagers: Array<{ static_configs: Array<{ targets: string[] }> }> };
    }>(PATHS.prometheusConfig);
    for (const sc of cfg.scrape_configs) {
      for (const t of sc.static_configs.flatMap((c) => c.targets)) {
        if (t.startsWith('localhost:')) continue; // Prometheus itself
        assertServiceAddress(t, `scrape job ${sc.job_name}`);
      }
    }
    assert.ok(
      cfg.scrape_configs.some((sc) => sc.static_configs.some((c) => c.targets.some((t) => t.startsWith('exporter:')))),
      'the exporter is scraped'
    );
    for (const t of cfg.alerting.alertmanagers.flatMap((a) => a.static_configs.flatMap((c) => c.targets)))
      assertServiceAddress(t, 'alerting target');
  });

  test('promtool check config accepts the shipped prometheus.yml and its rule files', () => {
    const r = run(binaries.promtool(), ['check', 'config', PATHS.prometheusConfig]);
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /SUCCESS: \d+ rule files found/);
  });

  test('Alertmanager: config mounted where --config.file points, clustering off, secrets provided', () => {
    const a = services.alertmanager!;
    assert.equal(hostPathOf(a, flag(a, '--config.file') ?? ''), PATHS.alertmanagerConfig);
    assert.equal(flag(a, '--cluster.listen-address'), '');
    const text = readFileSync(PATHS.alertmanagerConfig, 'utf8');
    const needed = [...text.matchAll(/_file: \/run\/secrets\/(\w+)/g)].map((m) => m[1]!);
    assert.ok(needed.length > 0, 'needed.length > 0');
    for (const name of needed) {
      assert.ok(a.secrets?.includes(name), `alertmanager service lacks secret ${name}`);
      const def = compose.secrets?.[name];
      assert.ok(def?.environment, `secret ${name} comes from the environment`);
    }
  });

  test('Grafana: unsigned plugin allowed, data sources and the app provisioned where Grafana looks', () => {
    const g = services.grafana!;
    assert.ok(
      (g.environment?.GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS ?? '').split(',').includes(PLUGIN_ID),
      "(g.environment?.GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS ?? '').split(',').includes(PLUGIN_ID)"
    );
    for (const kind of ['datasources', 'plugins']) {
      assert.equal(hostPathOf(g, `/etc/grafana/provisioning/${kind}`), join(PATHS.grafana, kind), kind);
    }
    const home = g.environment?.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH;
    if (home) assert.ok(existsSync(hostPathOf(g, home) ?? ''), home);
  });

  test('Grafana gets each dashboard one way: from the app (plugin.json includes), not also from file provisioning', () => {
    // The build includes every dashboards/*.json in dist/plugin.json (plugin/webpack.config.ts); Grafana
    // imports them when the app is enabled and refuses to overwrite a file-provisioned dashboard of the
    // same uid, so the compose stack must not provision them from files too.
    const fromApp = new Set(
      filesIn(PATHS.dashboards, '.json').map((f) => (JSON.parse(readFileSync(f, 'utf8')) as { uid: string }).uid)
    );
    assert.ok(fromApp.size > 0, 'fromApp.size > 0');
    const fromFiles = new Set<string>();
    const providersDir = hostPathOf(g(), '/etc/grafana/provisioning/dashboards');
    for (const file of providersDir && existsSync(providersDir)
      ? filesIn(providersDir, '.yml').concat(filesIn(providersDir, '.yaml'))
      : []) {
      for (const p of readYaml<{ providers?: Array<{ options?: { path?: string } }> }>(file).providers ?? []) {
        const dir = p.options?.path && hostPathOf(g(), p.options.path);
        assert.ok(dir && existsSync(dir), `${file}: provider path ${p.options?.path} is not mounted`);
        for (const f of filesIn(dir, '.json'))
          fromFiles.add((JSON.parse(readFileSync(f, 'utf8')) as { uid: string }).uid);
      }
    }
    assert.deepEqual(
      [...fromApp].filter((uid) => fromFiles.has(uid)),
      [],
      'dashboards both included by the app and file-provisioned'
    );
    assert.ok(
      !mounts(g()).some((m) => m.source === './dashboards'),
      'dashboards/ is not mounted into Grafana: the app brings them'
    );
  });
});

describe('Grafana provisioning', () => {
  const datasources = readYaml<{
    datasources: Array<{ name: string; type: string; uid: string; url: string; jsonData?: Record<string, unknown> }>;
  }>(join(PATHS.grafana, 'datasources', 'nexus.yml')).datasources;

  test('Prometheus and Alertmanager data sources with fixed uids and URLs of compose services', () => {
    const prom = datasources.find((d) => d.type === 'prometheus');
    const am = datasources.find((d) => d.type === 'alertmanager');
    assert.equal(prom?.uid, 'prometheus');
    assert.equal(am?.uid, 'alertmanager');
    assertServiceAddress(prom!.url, 'Prometheus data source');
    assertServiceAddress(am!.url, 'Alertmanager data source');
    assert.equal(prom!.jsonData?.alertmanagerUid, am!.uid);
    const scrape = readYaml<{ global: { scrape_interval: string } }>(PATHS.prometheusConfig).global.scrape_interval;
    assert.equal(prom!.jsonData?.timeInterval, scrape, 'timeInterval = scrape interval ($__rate_interval)');
  });

  test('the app plugin is enabled with its jsonData, and its token comes from the environment', () => {
    const files = filesIn(join(PATHS.grafana, 'plugins'), '.yml');
    const apps = files.flatMap(
      (f) =>
        readYaml<{
          apps: Array<{
            type: string;
            disabled?: boolean;
            jsonData: Record<string, string>;
            secureJsonData: Record<string, string>;
          }>;
        }>(f).apps
    );
    const app = apps.find((a) => a.type === PLUGIN_ID);
    assert.ok(app, `${PLUGIN_ID} is provisioned`);
    assert.notEqual(app.disabled, true);
    assertServiceAddress(app.jsonData.exporterUrl!, 'exporterUrl');
    assert.ok(
      datasources.some((d) => d.uid === app.jsonData.prometheusDatasourceUid),
      'prometheusDatasourceUid is a provisioned data source'
    );
    for (const [key, value] of Object.entries(app.secureJsonData)) {
      const env = /^\$\{?(\w+)\}?$/.exec(value)?.[1];
      assert.ok(env, `secureJsonData.${key} must be an environment reference, not a literal`);
      assert.ok(env in (services.grafana!.environment ?? {}), `grafana service passes ${env}`);
    }
    // The keys are the ones the plugin reads (plugin/src/types.ts: AppSettings and AppSecrets).
    const types = readFileSync(join(ROOT, 'plugin', 'src', 'types.ts'), 'utf8');
    for (const key of [...Object.keys(app.jsonData), ...Object.keys(app.secureJsonData)]) {
      assert.match(types, new RegExp(`\\b${key}\\??:`), `the plugin has no setting ${key}`);
    }
    const pluginJson = JSON.parse(readFileSync(join(ROOT, 'plugin', 'src', 'plugin.json'), 'utf8')) as { id: string };
    assert.equal(pluginJson.id, PLUGIN_ID);
  });
});

describe('exporter/Dockerfile', () => {
  const text = readFileSync(PATHS.dockerfile, 'utf8');
  const lines = text.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'));
  const stages = lines.filter((l) => /^FROM /i.test(l));
  const final = text.slice(text.lastIndexOf('\nFROM '));

  test('multi-stage, on a pinned Node 20 image', () => {
    assert.ok(stages.length >= 2, 'multi-stage');
    const arg = /^ARG NODE_IMAGE=(\S+)/m.exec(text)?.[1];
    const images = stages.map((l) => l.split(/\s+/)[1]!).map((i) => (i === '${NODE_IMAGE}' ? arg! : i));
    for (const i of images) assert.match(i, /^node:20\.\d+\.\d+-/, `base image ${i}`);
  });

  test('the runtime stage runs as a non-root user and has a HEALTHCHECK on /healthz', () => {
    const user = /^USER (\S+)/m.exec(final)?.[1];
    assert.ok(user && !['root', '0', '0:0'].includes(user), `USER ${user}`);
    assert.match(final, /^HEALTHCHECK .*\\\n.*\bCMD\b/m);
    assert.match(final, /NEXUS_HEALTHCHECK_URL=http:\/\/127\.0\.0\.1:9464\/healthz/);
    assert.match(final, /^EXPOSE 9464$/m);
    assert.match(final, /^ENTRYPOINT \["node", "dist\/cli\.js"\]$/m);
  });

  test('copies every workspace package.json, so npm ci matches the lockfile', () => {
    const workspaces = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { workspaces: string[] })
      .workspaces;
    for (const w of workspaces) assert.match(text, new RegExp(`^COPY ${w}/package\\.json ${w}/$`, 'm'), w);
  });

  test('.dockerignore keeps node_modules, builds and the repository history out of the context', () => {
    const ignore = readFileSync(PATHS.dockerignore, 'utf8')
      .split('\n')
      .map((l) => l.trim());
    for (const p of ['**/node_modules', '**/dist', '.git']) assert.ok(ignore.includes(p), p);
    // What the Dockerfile copies must not be ignored.
    assert.ok(
      !ignore.includes('exporter') && !ignore.includes('exporter/src'),
      "!ignore.includes('exporter') && !ignore.includes('exporter/src')"
    );
    if (ignore.includes('plugin/*'))
      assert.ok(ignore.includes('!plugin/package.json'), "ignore.includes('!plugin/package.json')");
  });
});
