#!/usr/bin/env node
// The Debian tools the tests run for real: prometheus and promtool (package prometheus), alertmanager
// and amtool (prometheus-alertmanager), chromium (the plugin's browser tests). Called first by
// `npm test` and by .ci/run, so a fresh clone needs nothing installed by hand:
//   - all present: says nothing, exits 0;
//   - some missing, running as root with apt-get: installs the missing packages, saying which, then
//     stops the services Debian starts with them (the tests run their own, on free ports);
//   - otherwise: exits 1 at once with the one command to run.
// NEXUS_TOOL_DIRS (a PATH-like list) replaces where binaries are looked for; CHROMIUM_PATH is where the
// browser tests find chromium (default /usr/bin/chromium). Both exist for the tests of this script.
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

const TOOLS = [
  { name: 'prometheus', pkg: 'prometheus' },
  { name: 'promtool', pkg: 'prometheus' },
  // Debian names the daemon prometheus-alertmanager; upstream calls it alertmanager.
  { name: 'alertmanager', also: ['prometheus-alertmanager'], pkg: 'prometheus-alertmanager' },
  { name: 'amtool', pkg: 'prometheus-alertmanager' },
  { name: 'chromium', pkg: 'chromium', path: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium' },
];
const SERVICES = ['prometheus', 'prometheus-alertmanager', 'prometheus-node-exporter'];

const pathDirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
const toolDirs =
  process.env.NEXUS_TOOL_DIRS !== undefined
    ? process.env.NEXUS_TOOL_DIRS.split(delimiter).filter(Boolean)
    : [...pathDirs, '/usr/bin', '/usr/sbin', '/usr/local/bin'];

function executable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Where a command is on PATH, or undefined. */
function onPath(name) {
  return pathDirs.map((d) => join(d, name)).find(executable);
}

function present(tool) {
  if (tool.path) return executable(tool.path);
  return [tool.name, ...(tool.also ?? [])].some((n) => toolDirs.some((d) => executable(join(d, n))));
}

function say(message) {
  process.stderr.write(`ensure-tools: ${message}\n`);
}

const missing = TOOLS.filter((t) => !present(t));
if (missing.length === 0) process.exit(0);

const packages = [...new Set(missing.map((t) => t.pkg))];
const what = `${missing.map((t) => t.name).join(', ')} (Debian package${packages.length > 1 ? 's' : ''} ${packages.join(', ')})`;
const command = `apt-get install -y --no-install-recommends ${packages.join(' ')}`;
const aptGet = onPath('apt-get');

if (process.getuid?.() !== 0 || !aptGet) {
  say(
    `the tests need ${what}, which ${missing.length > 1 ? 'are' : 'is'} not installed. Install with:\n\n  sudo ${command}\n`
  );
  process.exit(1);
}

say(`installing ${packages.join(', ')} for ${missing.map((t) => t.name).join(', ')}: apt-get update && ${command}`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
for (const args of [
  ['update', '-qq'],
  ['install', '-y', '-qq', '--no-install-recommends', ...packages],
]) {
  const r = spawnSync(aptGet, args, { stdio: ['ignore', 'ignore', 'inherit'], env });
  if (r.status !== 0) {
    say(
      `apt-get ${args[0]} failed (${r.error?.message ?? `exit ${r.status}`}); run it yourself:\n\n  sudo ${command}\n`
    );
    process.exit(1);
  }
}
// Debian starts the packaged services; the tests start their own on free ports.
const service = onPath('service');
if (service) {
  for (const svc of SERVICES) spawnSync(service, [svc, 'stop'], { stdio: 'ignore' });
  say(`stopped the services the packages started (${SERVICES.join(', ')})`);
}
const still = TOOLS.filter((t) => !present(t));
if (still.length > 0) {
  say(`installed, but still not found: ${still.map((t) => t.name).join(', ')}`);
  process.exit(1);
}
say('done');
