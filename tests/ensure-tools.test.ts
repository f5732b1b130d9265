// scripts/ensure-tools.mjs, which `npm test` and .ci/run call first: quiet when the Debian tools are
// there; installs the missing packages with apt-get as root (a recording apt-get stands in for the real
// one, and creates the binaries the way the packages would); otherwise stops at once with the command.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync, mkdtempSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('../scripts/ensure-tools.mjs', import.meta.url));
const ALL = ['prometheus', 'promtool', 'prometheus-alertmanager', 'amtool', 'chromium'];
const isRoot = process.getuid?.() === 0;
const SETPRIV = '/usr/bin/setpriv';

let root: string;
before(() => {
  root = mkdtempSync(join(tmpdir(), 'nexus-ensure-tools-'));
  chmodSync(root, 0o755);
});
after(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
/** A fresh directory of tools (stub executables) and a fresh directory for commands (apt-get, service). */
function machine(tools: string[], commands: Record<string, string> = {}) {
  const base = join(root, String(n++));
  const toolDir = join(base, 'tools');
  const binDir = join(base, 'bin');
  mkdirSync(toolDir, { recursive: true });
  mkdirSync(binDir, { recursive: true });
  chmodSync(base, 0o777); // another user (the setpriv case) must be able to write the log
  const stub = (dir: string, name: string, body = 'exit 0') => {
    writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(dir, name), 0o755);
  };
  for (const t of tools) stub(toolDir, t);
  for (const [name, body] of Object.entries(commands)) stub(binDir, name, body);
  const run = (asUser?: number) => {
    const env = {
      PATH: binDir,
      NEXUS_TOOL_DIRS: toolDir,
      CHROMIUM_PATH: join(toolDir, 'chromium'),
      LOG: join(base, 'log'),
    };
    const [cmd, args] =
      asUser === undefined
        ? [process.execPath, [SCRIPT]]
        : [SETPRIV, [`--reuid=${asUser}`, `--regid=${asUser}`, '--clear-groups', process.execPath, SCRIPT]];
    return spawnSync(cmd, args, { env, encoding: 'utf8', timeout: 60_000 });
  };
  const log = () => (existsSync(join(base, 'log')) ? readFileSync(join(base, 'log'), 'utf8') : '');
  return { toolDir, run, log };
}

/** An apt-get that records its arguments and "installs" by creating the packages' binaries. */
const FAKE_APT = (toolDir: string) => `echo "apt-get $*" >> "$LOG"
make() { for b in "$@"; do printf '#!/bin/sh\\n' > ${toolDir}/$b; /bin/chmod +x ${toolDir}/$b; done; }
case "$*" in *install*)
  for p in "$@"; do case "$p" in
    prometheus) make prometheus promtool;;
    prometheus-alertmanager) make prometheus-alertmanager amtool;;
    chromium) make chromium;;
  esac; done;;
esac`;

describe('scripts/ensure-tools.mjs', () => {
  it('says nothing and exits 0 when every tool is installed', () => {
    const m = machine(ALL, { 'apt-get': 'echo "apt-get $*" >> "$LOG"; exit 1' });
    const r = m.run();
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.equal(m.log(), '', 'apt-get is not called');
  });

  it('without apt-get, stops at once with the one command that installs what is missing', () => {
    const m = machine(['prometheus', 'promtool', 'chromium']);
    const r = m.run();
    assert.equal(r.status, 1);
    assert.match(r.stderr, /the tests need alertmanager, amtool \(Debian package prometheus-alertmanager\)/);
    assert.match(r.stderr, /^ {2}sudo apt-get install -y --no-install-recommends prometheus-alertmanager$/m);
  });

  it('as root with apt-get: installs only the missing packages, says so, and stops the services they start', (t) => {
    if (!isRoot) return t.skip('installing needs root (CI runs as root)');
    const m = machine(['prometheus', 'promtool'], { service: 'echo "service $*" >> "$LOG"' });
    writeFileSync(join(m.toolDir, '..', 'bin', 'apt-get'), `#!/bin/sh\n${FAKE_APT(m.toolDir)}\n`);
    chmodSync(join(m.toolDir, '..', 'bin', 'apt-get'), 0o755);
    const r = m.run();
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /installing prometheus-alertmanager, chromium for alertmanager, amtool, chromium/);
    assert.deepEqual(m.log().trim().split('\n'), [
      'apt-get update -qq',
      'apt-get install -y -qq --no-install-recommends prometheus-alertmanager chromium',
      'service prometheus stop',
      'service prometheus-alertmanager stop',
      'service prometheus-node-exporter stop',
    ]);
    assert.equal(m.run().status, 0, 'and afterwards there is nothing to do');
  });

  it('as root, a failing apt-get stops with the command to run', (t) => {
    if (!isRoot) return t.skip('installing needs root (CI runs as root)');
    const m = machine([], { 'apt-get': 'exit 100' });
    const r = m.run();
    assert.equal(r.status, 1);
    assert.match(r.stderr, /apt-get update failed \(exit 100\)/);
    assert.match(
      r.stderr,
      /sudo apt-get install -y --no-install-recommends prometheus prometheus-alertmanager chromium/
    );
  });

  it('as another user, never calls apt-get and prints the command', (t) => {
    if (!isRoot || !existsSync(SETPRIV)) return t.skip('needs root and setpriv (util-linux) to run as another user');
    const m = machine([], { 'apt-get': 'echo "apt-get $*" >> "$LOG"' });
    const r = m.run(65534);
    assert.equal(r.status, 1, r.stderr);
    assert.match(
      r.stderr,
      /sudo apt-get install -y --no-install-recommends prometheus prometheus-alertmanager chromium/
    );
    assert.equal(m.log(), '');
  });

  it('is what npm test and .ci/run call first', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      scripts: Record<string, string>;
    };
    assert.match(pkg.scripts.test!, /^node scripts\/ensure-tools\.mjs && /);
    const ci = readFileSync(new URL('../.ci/run', import.meta.url), 'utf8');
    assert.match(ci, /^node scripts\/ensure-tools\.mjs$/m);
    assert.doesNotMatch(ci, /apt-get/, 'one place for the install logic');
  });
});
