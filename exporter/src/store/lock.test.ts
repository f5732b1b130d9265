// One exporter per state directory: the lock names its holder, refuses a second exporter while the
// holder may be alive, and is taken over when it is gone (dead pid on this host, no refresh for 60 s).
// Then with real processes: a second exporter exits non-zero naming the first; after a kill -9 the
// next one takes over.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { silentLogger } from '../log.js';
import { tempDir } from '../testing/harness.js';
import { HEARTBEAT_MS, LOCK_FILE, LockError, StateLock, type LockHolder } from './lock.js';

let dir: { path: string; remove(): Promise<void> };
beforeEach(async () => {
  dir = await tempDir('nexus-lock-');
});
afterEach(() => dir.remove());

const lockPath = () => join(dir.path, LOCK_FILE);

async function writeHolder(holder: Partial<LockHolder> | string, ageMs = 0): Promise<void> {
  await writeFile(
    lockPath(),
    typeof holder === 'string'
      ? holder
      : JSON.stringify({ host: hostname(), startedAt: '2026-01-01T00:00:00.000Z', ...holder })
  );
  const at = new Date(Date.now() - ageMs);
  await utimes(lockPath(), at, at);
}

/** The pid of a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '0']);
  return r.pid!;
}

describe('StateLock', () => {
  it('records its holder and refuses a second holder in the same process until released', async () => {
    const lock = await StateLock.acquire(dir.path, silentLogger);
    const holder = JSON.parse(await readFile(lockPath(), 'utf8')) as LockHolder;
    assert.equal(holder.pid, process.pid);
    assert.equal(holder.host, hostname());
    assert.ok(Date.parse(holder.startedAt) > 0, 'Date.parse(holder.startedAt) > 0');
    await assert.rejects(
      StateLock.acquire(dir.path, silentLogger),
      (e: unknown) => e instanceof LockError && e.message.includes(`pid ${process.pid} on host ${hostname()}`)
    );
    await lock.release();
    assert.equal(existsSync(lockPath()), false, 'released: the file is gone');
    await (await StateLock.acquire(dir.path, silentLogger)).release();
  });

  it('refuses a lock whose holder is alive on this host, naming pid, host and start time', async () => {
    await writeHolder({ pid: process.ppid, startedAt: '2026-02-03T04:05:06.000Z' });
    await assert.rejects(StateLock.acquire(dir.path, silentLogger), (e: unknown) => {
      assert.ok(e instanceof LockError, 'e instanceof LockError');
      assert.match(
        e.message,
        new RegExp(`pid ${process.ppid} on host ${hostname()}, started 2026-02-03T04:05:06.000Z`)
      );
      assert.match(e.message, /one exporter per state directory/);
      return true;
    });
  });

  it('takes over a lock whose holder is dead, or was this pid, or is unreadable', async () => {
    for (const stale of [{ pid: deadPid() }, { pid: process.pid }, 'garbage']) {
      await writeHolder(stale);
      const lock = await StateLock.acquire(dir.path, silentLogger);
      assert.equal(
        (JSON.parse(await readFile(lockPath(), 'utf8')) as LockHolder).pid,
        process.pid,
        JSON.stringify(stale)
      );
      await lock.release();
    }
  });

  it('on another host: refused while refreshed, taken over after 60 s without a refresh', async () => {
    await writeHolder({ pid: 1, host: 'elsewhere.example' }, 5_000);
    await assert.rejects(StateLock.acquire(dir.path, silentLogger), /pid 1 on host elsewhere\.example/);
    await writeHolder({ pid: 1, host: 'elsewhere.example' }, 90_000);
    const lock = await StateLock.acquire(dir.path, silentLogger);
    await lock.release();
  });

  it('refreshes its mtime while held, and leaves alone a lock that is no longer its own', async (t) => {
    t.mock.timers.enable({ apis: ['setInterval'] });
    const lock = await StateLock.acquire(dir.path, silentLogger);
    const old = new Date(Date.now() - 50_000);
    await utimes(lockPath(), old, old);
    t.mock.timers.tick(HEARTBEAT_MS);
    const fresh = async () => (await stat(lockPath())).mtimeMs > Date.now() - 10_000;
    for (let i = 0; i < 200 && !(await fresh()); i++) await new Promise((r) => setImmediate(r));
    assert.ok(await fresh(), 'refreshed');
    await writeHolder({ pid: process.ppid });
    await lock.release();
    assert.equal(existsSync(lockPath()), true, "another holder's lock is not removed");
  });
});

describe('two exporters on one state directory (real processes)', { timeout: 180_000 }, () => {
  const CLI = fileURLToPath(new URL('../cli.ts', import.meta.url));
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  });

  function start(config: string) {
    const proc = spawn(process.execPath, ['--import', 'tsx', CLI, '--config', config], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    children.push(proc);
    let stderr = '';
    proc.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
    const listening = async () => {
      for (let i = 0; i < 1200; i++) {
        const m = /"url":"([^"]+)","accounts":\d+,"msg":"nexus exporter listening"/.exec(stderr);
        if (m) return m[1]!;
        if (proc.exitCode !== null) throw new Error(`exited ${proc.exitCode}: ${stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`did not start: ${stderr}`);
    };
    return { proc, exited, listening, stderr: () => stderr };
  }

  it('a second exporter exits non-zero naming the first; after a kill -9 the next takes over', async () => {
    const config = join(dir.path, 'nexus.yaml');
    await writeFile(config, `listen: 127.0.0.1:0\nstateDir: ${join(dir.path, 'state')}\n`);
    const first = start(config);
    const url = await first.listening();

    const second = start(config);
    const outcome = await Promise.race([
      second.exited.then((code) => `exited ${code}`),
      second.listening().then(() => 'listening too'),
    ]);
    assert.equal(outcome, 'exited 1', second.stderr());
    assert.match(
      second.stderr(),
      new RegExp(
        `another nexus-exporter holds the state directory .*: pid ${first.proc.pid} on host ${hostname()}, started \\d{4}-`
      )
    );
    assert.equal((await fetch(`${url}/healthz`)).status, 200, 'the first keeps running');

    first.proc.kill('SIGKILL');
    await first.exited;
    const third = start(config);
    await third.listening();
    assert.match(
      third.stderr(),
      new RegExp(`took over the state directory lock: its holder, pid ${first.proc.pid}, is no longer running`)
    );
    third.proc.kill('SIGTERM');
    assert.equal(await third.exited, 0, third.stderr());
    assert.equal(existsSync(join(dir.path, 'state', LOCK_FILE)), false, 'a clean stop releases the lock');
  });
});
