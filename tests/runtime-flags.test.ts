// The exporter's runtime flags (exporter/src/runtime.ts) reach it however it is started: every launcher
// carries exactly that list, the bin's shebang really passes it to node, NODE_OPTIONS (the Docker image)
// accepts it, and it does what it is there for: with it V8's young generation stays small under an
// allocation burst that grows it without it.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { NODE_FLAGS } from '../exporter/src/runtime.js';

const root = new URL('../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');
const flags = NODE_FLAGS.join(' ');
const scripts = (path: string) => (JSON.parse(read(path)) as { scripts: Record<string, string> }).scripts;

describe('runtime flags', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nexus-flags-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('are written into every launcher', () => {
    assert.ok(NODE_FLAGS.length > 0);
    assert.equal(read('exporter/src/cli.ts').split('\n')[0], `#!/usr/bin/env -S node ${flags}`, 'the bin');
    const exporter = scripts('exporter/package.json');
    assert.equal(exporter.start, `node ${flags} dist/cli.js`);
    assert.equal(exporter.demo, `node ${flags} --import tsx src/demo.ts`);
    const top = scripts('package.json');
    assert.equal(top.start, `node ${flags} exporter/dist/cli.js`);
    assert.equal(top.demo, 'npm run demo -w exporter');
    assert.equal(top['demo:stack'], `node ${flags} --import tsx scripts/demo-stack.ts`);
    // The image's environment reaches every node process in it, the compose file's demo included.
    const env = /^\s*NODE_OPTIONS=(?:"([^"]*)"|(\S+))/m.exec(read('exporter/Dockerfile'));
    assert.ok(env, 'the Dockerfile sets NODE_OPTIONS');
    assert.equal(env[1] ?? env[2], flags);
    assert.doesNotMatch(read('docker-compose.yml'), /NODE_OPTIONS/, 'compose does not override the image');
  });

  it('reach node through the shebang and through NODE_OPTIONS', () => {
    const file = join(dir, 'argv.js');
    writeFileSync(file, `${read('exporter/src/cli.ts').split('\n')[0]}\nprocess.stdout.write(JSON.stringify({ argv: process.execArgv, env: process.env.NODE_OPTIONS ?? null }));\n`);
    chmodSync(file, 0o755);
    const viaShebang = JSON.parse(execFileSync(file, { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } })) as { argv: string[] };
    assert.deepEqual(viaShebang.argv, [...NODE_FLAGS]);
    // Node refuses flags that NODE_OPTIONS may not carry, so this fails if one is not allowed there.
    const viaEnv = spawnSync(process.execPath, [file], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: flags } });
    assert.equal(viaEnv.status, 0, viaEnv.stderr);
    assert.equal((JSON.parse(viaEnv.stdout) as { env: string }).env, flags);
  });

  it('keep the young generation within --max-semi-space-size under a burst that grows it by default', () => {
    const semi = NODE_FLAGS.find((f) => f.startsWith('--max-semi-space-size='));
    assert.ok(semi, 'the flags cap the young generation');
    const capMb = Number(semi.split('=')[1]);
    // Objects that survive a few collections, as a poll's parsed answers do, make V8 grow the young generation.
    const burst = `
      const v8 = require('node:v8');
      const keep = [];
      let largest = 0;
      for (let i = 0; i < 400000; i++) {
        keep.push({ i, s: 'value ' + i, a: [i, i + 1] });
        if (keep.length > 60000) keep.splice(0, 30000);
        if (i % 1000 === 0) largest = Math.max(largest, v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size);
      }
      process.stdout.write(String(largest / 1048576));`;
    const youngMb = (env: string) => Number(execFileSync(process.execPath, ['-e', burst], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: env } }));
    const without = youngMb('');
    const withFlags = youngMb(flags);
    assert.ok(without > 2 * capMb, `the burst grows the young generation without the flags (${without} MB)`);
    assert.ok(withFlags <= 2 * capMb, `with the flags it stays within two semi-spaces of ${capMb} MB (${withFlags} MB)`);
  });
});
