// `npx nexus-exporter` works in a clone after `npm ci` and `npm run build`: the workspace's bin is
// linked into node_modules/.bin at install time (its file exists before the build) and runs the built
// CLI. `--no` (and checking the link first) keeps npx from ever fetching a package of that name.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { VERSION } from '../exporter/src/version.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

describe('the nexus-exporter command', { timeout: 300_000 }, () => {
  it('runs through npx after npm run build', () => {
    const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(build.status, 0, build.stderr);
    // Linked by npm ci, so npx runs it and never looks it up in the registry.
    assert.ok(existsSync(join(ROOT, 'node_modules', '.bin', 'nexus-exporter')), 'npm linked the command');
    for (const cwd of [ROOT, join(ROOT, 'exporter')]) {
      const version = spawnSync('npx', ['nexus-exporter', '--version'], { cwd, encoding: 'utf8' });
      assert.equal(version.status, 0, version.stderr);
      assert.equal(version.stdout.trim(), VERSION);
    }
    const check = spawnSync('npx', ['--no', '--', 'nexus-exporter', 'check-config', '--config', 'missing.yaml'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    assert.equal(check.status, 1);
    assert.match(check.stderr, /invalid configuration in missing\.yaml:\n {2}file not found/);
  });
});
