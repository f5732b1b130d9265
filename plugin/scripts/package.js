#!/usr/bin/env node
// Zips dist/ as Grafana installs a plugin: one top-level folder named after the plugin id.
//   artifacts/nexus-apimonitor-app-<version>.zip
// Uses fflate (pure JS) so it works where the `zip` command is not installed. Reads the archive back
// and compares it with dist/ before reporting success.
const fs = require('fs');
const path = require('path');
const { zipSync, unzipSync } = require('fflate');

const ROOT = path.resolve(__dirname, '..');
const DIST = path.join(ROOT, 'dist');
const OUT_DIR = path.join(ROOT, 'artifacts');

function walk(dir, prefix = '') {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    return e.isDirectory() ? walk(path.join(dir, e.name), rel) : [rel];
  });
}

function main() {
  const pluginJsonPath = path.join(DIST, 'plugin.json');
  if (!fs.existsSync(pluginJsonPath)) {
    throw new Error('dist/plugin.json is missing: run `npm run build -w plugin` first');
  }
  const pluginJson = JSON.parse(fs.readFileSync(pluginJsonPath, 'utf8'));
  const { id } = pluginJson;
  const { version } = pluginJson.info;
  if (!/^\d+\.\d+\.\d+/.test(version)) {
    throw new Error(`dist/plugin.json has version "${version}": the build did not substitute it`);
  }

  const files = walk(DIST).sort();
  const dirs = new Set([id]);
  for (const f of files) {
    const parts = f.split('/').slice(0, -1);
    parts.forEach((_, i) => dirs.add(`${id}/${parts.slice(0, i + 1).join('/')}`));
  }
  // Directory entries first (fflate writes `{}` values as `<name>/`), for unzip tools that want them.
  const entries = Object.fromEntries([...dirs].sort().map((d) => [d, {}]));
  for (const f of files) {
    // A fixed timestamp keeps the archive reproducible for the same dist/.
    entries[`${id}/${f}`] = [fs.readFileSync(path.join(DIST, f)), { mtime: new Date('2000-01-01T00:00:00Z') }];
  }
  const zip = zipSync(entries, { level: 9 });

  fs.mkdirSync(OUT_DIR, { recursive: true });
  const out = path.join(OUT_DIR, `${id}-${version}.zip`);
  fs.writeFileSync(out, zip);

  const back = unzipSync(fs.readFileSync(out));
  for (const f of files) {
    const got = back[`${id}/${f}`];
    if (!got || Buffer.compare(Buffer.from(got), fs.readFileSync(path.join(DIST, f))) !== 0) {
      throw new Error(`${path.relative(ROOT, out)}: ${id}/${f} is missing or differs from dist/`);
    }
  }
  const backFiles = Object.keys(back).filter((k) => !k.endsWith('/'));
  if (backFiles.length !== files.length) {
    throw new Error(`${path.relative(ROOT, out)}: has ${backFiles.length} files, dist/ has ${files.length}`);
  }
  console.log(
    `package: ${path.relative(process.cwd(), out)} (${files.length} files, ${(zip.length / 1024).toFixed(0)} KiB)`
  );
}

try {
  main();
} catch (e) {
  console.error(`package: ${e.message}`);
  process.exit(1);
}
