// Bundles the harness (index.tsx) with esbuild: React, @grafana/ui and @grafana/data included, and
// @grafana/runtime replaced by the shim. Output: browser/.build/harness.js.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
export const OUT_DIR = path.resolve(here, '..', '.build');

export async function buildHarness() {
  await build({
    entryPoints: [path.join(here, 'index.tsx')],
    bundle: true,
    outfile: path.join(OUT_DIR, 'harness.js'),
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    minify: false,
    sourcemap: false,
    logLevel: 'error',
    alias: { '@grafana/runtime': path.join(here, 'runtime-shim.tsx') },
    define: { 'process.env.NODE_ENV': '"production"', global: 'window' },
    loader: { '.svg': 'text', '.woff': 'empty', '.woff2': 'empty', '.ttf': 'empty', '.png': 'empty' },
  });
  return path.join(OUT_DIR, 'harness.js');
}
