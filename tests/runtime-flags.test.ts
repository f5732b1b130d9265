// The exporter's runtime settings (exporter/src/runtime.ts) reach it however it is started: every
// launcher carries exactly those flags and that environment, the bin's shebang really passes them to
// node, NODE_OPTIONS (the Docker image) accepts the flags, and the flags do what they are there for:
// with them V8's young generation stays small under an allocation burst that grows it without them;
// the V8 flags the exporter sets on itself (runExporter) keep its old generation near what it holds.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { NODE_FLAGS, RUNTIME_ENV, V8_RUNTIME_FLAGS, launchPrefix } from '../exporter/src/runtime.js';

const root = new URL('../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');
const flags = NODE_FLAGS.join(' ');
const prefix = launchPrefix();
const scripts = (path: string) => (JSON.parse(read(path)) as { scripts: Record<string, string> }).scripts;
/** The `nexus-exporter` command (npm links it) and the compiled CLI, which can also be run directly. */
const BINS = ['exporter/bin/nexus-exporter.js', 'exporter/src/cli.ts'];
const shebang = (path = BINS[0]!) => read(path).split('\n')[0]!;

describe('runtime settings', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nexus-flags-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('are written into every launcher', () => {
    assert.ok(NODE_FLAGS.length > 0, 'NODE_FLAGS.length > 0');
    assert.equal(
      prefix,
      `${Object.entries(RUNTIME_ENV)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')} node ${flags}`
    );
    for (const bin of BINS) assert.equal(shebang(bin), `#!/usr/bin/env -S ${prefix}`, bin);
    assert.equal(
      (JSON.parse(read('exporter/package.json')) as { bin: Record<string, string> }).bin['nexus-exporter'],
      BINS[0]!.replace('exporter/', '')
    );
    const exporter = scripts('exporter/package.json');
    assert.equal(exporter.start, `${prefix} dist/cli.js`);
    assert.equal(exporter.demo, `${prefix} --import tsx src/demo.ts`);
    const top = scripts('package.json');
    assert.equal(top.start, `${prefix} exporter/dist/cli.js`);
    assert.equal(top.demo, 'npm run demo -w exporter');
    assert.equal(top['demo:stack'], `${prefix} --import tsx scripts/demo-stack.ts`);
    // The image's environment reaches every node process in it, the compose file's demo included.
    const dockerfile = read('exporter/Dockerfile');
    const env = (name: string) => new RegExp(`^\\s*(?:ENV\\s+)?${name}=(?:"([^"]*)"|(\\S+))`, 'm').exec(dockerfile);
    const options = env('NODE_OPTIONS');
    assert.ok(options, 'the Dockerfile sets NODE_OPTIONS');
    assert.equal(options[1] ?? options[2], flags);
    for (const [k, v] of Object.entries(RUNTIME_ENV)) {
      const m = env(k);
      assert.ok(m, `the Dockerfile sets ${k}`);
      assert.equal(m[1] ?? m[2], v);
    }
    const compose = read('docker-compose.yml');
    for (const k of ['NODE_OPTIONS', ...Object.keys(RUNTIME_ENV)])
      assert.doesNotMatch(compose, new RegExp(k), `compose does not override ${k}`);
  });

  it('reach node through the shebang, and the flags through NODE_OPTIONS', () => {
    const file = join(dir, 'argv.js');
    const names = JSON.stringify(Object.keys(RUNTIME_ENV));
    writeFileSync(
      file,
      `${shebang()}\nprocess.stdout.write(JSON.stringify({ argv: process.execArgv, env: Object.fromEntries(${names}.map((k) => [k, process.env[k]])), options: process.env.NODE_OPTIONS ?? null }));\n`
    );
    chmodSync(file, 0o755);
    const clean: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: '' };
    for (const k of Object.keys(RUNTIME_ENV)) delete clean[k];
    const viaShebang = JSON.parse(execFileSync(file, { encoding: 'utf8', env: clean })) as {
      argv: string[];
      env: Record<string, string>;
    };
    assert.deepEqual(viaShebang.argv, [...NODE_FLAGS]);
    assert.deepEqual(viaShebang.env, RUNTIME_ENV);
    // Node refuses flags that NODE_OPTIONS may not carry, so this fails if one is not allowed there.
    const viaEnv = spawnSync(process.execPath, [file], { encoding: 'utf8', env: { ...clean, NODE_OPTIONS: flags } });
    assert.equal(viaEnv.status, 0, viaEnv.stderr);
    assert.equal((JSON.parse(viaEnv.stdout) as { options: string }).options, flags);
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
    const youngMb = (env: string) =>
      Number(
        execFileSync(process.execPath, ['-e', burst], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: env } })
      );
    const without = youngMb('');
    const withFlags = youngMb(flags);
    assert.ok(without > 2 * capMb, `the burst grows the young generation without the flags (${without} MB)`);
    assert.ok(
      withFlags <= 2 * capMb,
      `with the flags it stays within two semi-spaces of ${capMb} MB (${withFlags} MB)`
    );
  });

  it("keep the old generation within 1.5 times what it holds (plus V8's step) where V8 lets it grow to 4 times", () => {
    assert.ok(
      V8_RUNTIME_FLAGS.some((f) => f.startsWith('--heap-growing-percent=')),
      "V8_RUNTIME_FLAGS.some((f) => f.startsWith('--heap-growing-percent='))"
    );
    const listen = read('exporter/src/server/listen.ts');
    assert.match(
      listen,
      /export async function runExporter\(.*\{\n\s*applyV8RuntimeFlags\(\);/,
      'runExporter sets them before anything else'
    );
    // Garbage that survives the young generation (a ring of recent objects, as polls' parsed answers and
    // scrapes' strings are) beside ~50 MB the process holds: the largest heap in use between major
    // collections, against what a full collection leaves.
    const file = join(dir, 'old-space.mts');
    writeFileSync(
      file,
      `
      import { getHeapStatistics } from 'node:v8';
      import { applyV8RuntimeFlags } from ${JSON.stringify(fileURLToPath(new URL('exporter/src/runtime.ts', root)))};
      if (process.argv[2] === 'apply') applyV8RuntimeFlags();
      const keep = [];
      for (let i = 0; i < 300000; i++) keep.push({ i, s: 'kept ' + i, a: [i] });
      const ring = new Array(30000);
      let largest = 0;
      for (let i = 0; i < 3000000; i++) {
        ring[i % ring.length] = { i, s: 'value ' + i, a: [i, i + 1] };
        if (i % 2000 === 0) largest = Math.max(largest, getHeapStatistics().used_heap_size);
      }
      (globalThis as unknown as { gc: () => void }).gc();
      process.stdout.write(JSON.stringify({ ratio: largest / getHeapStatistics().used_heap_size, held: keep.length + ring.length }));`
    );
    const ratio = (...args: string[]) =>
      (
        JSON.parse(
          execFileSync(process.execPath, ['--import', 'tsx', '--expose-gc', ...NODE_FLAGS, file, ...args], {
            encoding: 'utf8',
            env: { ...process.env, NODE_OPTIONS: '' },
          })
        ) as { ratio: number }
      ).ratio;
    const without = ratio();
    const withFlags = ratio('apply');
    assert.ok(
      without > 2.5,
      `without them the heap in use grows to more than 2.5 times what is held (${without.toFixed(2)})`
    );
    assert.ok(withFlags < 2, `with them it stays under twice what is held (${withFlags.toFixed(2)})`);
  });
});
