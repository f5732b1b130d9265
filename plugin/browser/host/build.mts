// Builds the host page (page/main.tsx) once per Grafana version under test, with esbuild: every import
// of @grafana/{data,ui,runtime,schema,i18n,e2e-selectors} resolves to that version's packages (for
// 12.4 the `@grafana/<name>-12` npm aliases in package.json, for 13.1 the plugin's own), and the React
// Router packages Grafana shares come from that @grafana/ui's dependencies. The plugin itself is not
// bundled here: the page loads the built dist/ at run time, as Grafana does.
import { build, type Plugin } from 'esbuild';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const PLUGIN_ROOT = path.resolve(here, '..', '..');
export const BUILD_DIR = path.join(PLUGIN_ROOT, 'browser', '.build');

export interface GrafanaVersion {
  /** Short name used in test names and URLs, e.g. "12.4". */
  name: string;
  /** The @grafana/* package version the host is built from. */
  version: string;
  /** The npm alias suffix of those packages ("" for the plugin's own dependencies). */
  alias: string;
}

/**
 * The Grafana versions the plugin is tested against: the lowest its plugin.json `grafanaDependency`
 * allows and the one it is built with. (12.4.6 is the lowest 12.x whose @grafana/* packages install
 * from the npm registry alone; see plugin/README.md.)
 */
export const GRAFANA_VERSIONS: GrafanaVersion[] = [
  { name: '12.4', version: '12.4.6', alias: '-12' },
  { name: '13.1', version: '13.1.0', alias: '' },
];

const GRAFANA_PACKAGES = /^@grafana\/(data|ui|runtime|schema|i18n|e2e-selectors)(\/.*)?$/;

function packageDir(name: string): string {
  return path.join(PLUGIN_ROOT, '..', 'node_modules', ...name.split('/'));
}

function grafanaVersionPlugin(v: GrafanaVersion): Plugin {
  const uiDir = packageDir(`@grafana/ui${v.alias}`);
  const runtimeDir = packageDir(`@grafana/runtime${v.alias}`);
  return {
    name: 'grafana-version',
    setup(b) {
      b.onResolve({ filter: GRAFANA_PACKAGES }, async (args) => {
        if (args.pluginData === 'redirected') {
          return undefined;
        }
        const [, name, rest = ''] = GRAFANA_PACKAGES.exec(args.path)!;
        const r = await b.resolve(`@grafana/${name}${v.alias}${rest}`, {
          kind: args.kind,
          resolveDir: PLUGIN_ROOT,
          pluginData: 'redirected',
        });
        return r.errors.length ? { errors: r.errors } : { path: r.path, sideEffects: r.sideEffects };
      });
      // React Router as Grafana has it: the packages its @grafana/ui depends on (5, and the v5-compat
      // package that is React Router 6).
      b.onResolve({ filter: /^host:react-router-dom-v5(-compat)?$/ }, async (args) => {
        const name = args.path === 'host:react-router-dom-v5' ? 'react-router-dom' : 'react-router-dom-v5-compat';
        const r = await b.resolve(name, { kind: args.kind, resolveDir: uiDir });
        return r.errors.length ? { errors: r.errors } : { path: r.path };
      });
      b.onResolve({ filter: /^host:runtime-plugin-page$/ }, () => ({
        path: path.join(runtimeDir, 'dist', 'esm', 'components', 'PluginPage.mjs'),
      }));
    },
  };
}

async function sourcesHash(v: GrafanaVersion): Promise<string> {
  const h = createHash('sha256').update(JSON.stringify(v));
  const pageDir = path.join(here, 'page');
  for (const f of (await readdir(pageDir)).sort()) {
    h.update(f).update(await readFile(path.join(pageDir, f)));
  }
  h.update(await readFile(fileURLToPath(import.meta.url)));
  return h.digest('hex').slice(0, 16);
}

/** Builds (or reuses an up-to-date build of) the host page for `v`; returns its directory. */
export async function buildHost(v: GrafanaVersion): Promise<string> {
  const outDir = path.join(BUILD_DIR, `grafana-${v.name}`);
  const stamp = path.join(outDir, 'sources.sha256');
  const hash = await sourcesHash(v);
  if (
    existsSync(stamp) &&
    (await readFile(stamp, 'utf8')) === hash &&
    (await stat(path.join(outDir, 'host.js'))).size > 0
  ) {
    return outDir;
  }
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  await build({
    entryPoints: [path.join(here, 'page', 'main.tsx')],
    bundle: true,
    outdir: outDir,
    entryNames: 'host',
    chunkNames: 'chunks/[name]-[hash]',
    // Code splitting keeps dynamic import() real (Grafana's own bundle has chunks too); without it,
    // esbuild's lazily initialised module wrappers run @grafana/data before lodash is ready.
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    minify: process.env.NEXUS_HOST_MINIFY !== '0',
    sourcemap: false,
    logLevel: 'error',
    jsx: 'transform',
    plugins: [grafanaVersionPlugin(v)],
    define: { 'process.env.NODE_ENV': '"production"', global: 'window' },
    loader: { '.svg': 'text', '.woff': 'empty', '.woff2': 'empty', '.ttf': 'empty', '.png': 'empty', '.css': 'css' },
  });
  await writeFile(stamp, hash);
  return outDir;
}
