// One exporter per state directory. Two exporters on one stateDir would each rewrite the credential
// store and the ledgers from their own memory, and an acknowledged change of one would be lost to the
// other. `<stateDir>/nexus.lock` names the holder (pid, host, start time); it is created exclusively
// and complete (written aside, then linked into place), and its mtime is refreshed every 15 s.
//
// An existing lock is taken over when its holder is gone: on this host, when its pid is dead (a
// kill -9, a crash) or is our own pid (a restarted container); on any host, when it has not been
// refreshed for 60 s (a holder on another host or in another container, whose pid means nothing here).
// The takeover renames the stale file aside and checks it is the one judged stale, so two exporters
// starting at once cannot both take it.
import { randomBytes } from 'node:crypto';
import { link, readFile, rename, stat, unlink, utimes } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../log.js';
import { VERSION } from '../version.js';
import { writeFileAtomic } from './atomic.js';

export const LOCK_FILE = 'nexus.lock';
export const HEARTBEAT_MS = 15_000;
export const STALE_AFTER_MS = 60_000;

export interface LockHolder {
  pid: number;
  host: string;
  startedAt: string;
  version?: string;
}

export class LockError extends Error {
  override readonly name = 'LockError';
}

/** Lock files held by this process: another Exporter in the same process must not take them. */
const heldHere = new Map<string, LockHolder>();

export class StateLock {
  private heartbeat?: NodeJS.Timeout;

  private constructor(
    readonly path: string,
    private readonly content: string,
    private readonly log: Logger
  ) {}

  /** Takes the lock of `stateDir`, or throws a LockError naming the exporter that holds it. */
  static async acquire(stateDir: string, log: Logger): Promise<StateLock> {
    const path = join(stateDir, LOCK_FILE);
    const here = heldHere.get(path);
    if (here) throw new LockError(heldMessage(stateDir, path, here, ' (this same process)'));
    const me: LockHolder = {
      pid: process.pid,
      host: hostname(),
      startedAt: new Date().toISOString(),
      version: VERSION,
    };
    const content = `${JSON.stringify(me)}\n`;
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        await writeFileAtomic(path, Buffer.from(content), { mode: 0o644, exclusive: true });
        const lock = new StateLock(path, content, log);
        lock.start(me);
        return lock;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const found = await readLock(path);
      if (!found) continue; // released meanwhile
      const why = staleReason(found.holder, found.mtimeMs);
      if (!why) throw new LockError(heldMessage(stateDir, path, found.holder!));
      if (await moveAside(path, found.text)) {
        log.warn(
          { path, holder: found.holder ?? found.text.slice(0, 200) },
          `took over the state directory lock: ${why}`
        );
      }
    }
    throw new LockError(`could not take ${path}: other exporters keep taking it; run one exporter per state directory`);
  }

  private start(me: LockHolder): void {
    heldHere.set(this.path, me);
    let warned = false;
    this.heartbeat = setInterval(() => {
      const now = new Date();
      utimes(this.path, now, now).catch((e: unknown) => {
        if (!warned)
          this.log.warn(
            { path: this.path, err: e },
            'cannot refresh the state directory lock; another exporter may take it over after 60 s'
          );
        warned = true;
      });
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  /** Releases the lock (only if the file is still ours). */
  async release(): Promise<void> {
    if (!heldHere.has(this.path)) return;
    clearInterval(this.heartbeat);
    heldHere.delete(this.path);
    const found = await readLock(this.path).catch(() => undefined);
    if (found?.text === this.content) await unlink(this.path).catch(() => undefined);
  }
}

async function readLock(path: string): Promise<{ text: string; holder?: LockHolder; mtimeMs: number } | undefined> {
  try {
    const [text, info] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
    return { text, holder: parseHolder(text), mtimeMs: info.mtimeMs };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

function parseHolder(text: string): LockHolder | undefined {
  try {
    const v = JSON.parse(text) as Partial<LockHolder>;
    if (Number.isInteger(v.pid) && typeof v.host === 'string' && typeof v.startedAt === 'string')
      return v as LockHolder;
  } catch {
    // not a lock this version wrote
  }
  return undefined;
}

/** Why the holder is gone, or undefined while it may be alive. */
export function staleReason(holder: LockHolder | undefined, mtimeMs: number, now = Date.now()): string | undefined {
  if (!holder) return 'the lock file is not readable as a lock';
  if (now - mtimeMs > STALE_AFTER_MS)
    return `its holder (pid ${holder.pid} on ${holder.host}) has not refreshed it for ${Math.round((now - mtimeMs) / 1000)} s`;
  if (holder.host !== hostname()) return undefined;
  if (holder.pid === process.pid) return `its holder had this process's pid ${holder.pid} (an earlier run)`;
  return alive(holder.pid) ? undefined : `its holder, pid ${holder.pid}, is no longer running`;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by another user
  }
}

/**
 * Renames the stale lock aside, if it is still the one that was judged stale; a lock another exporter
 * took meanwhile is put back. Returns whether the stale lock was removed.
 */
async function moveAside(path: string, staleText: string): Promise<boolean> {
  const aside = join(path, '..', `.${LOCK_FILE}.${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
  try {
    await rename(path, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
  const moved = await readFile(aside, 'utf8');
  if (moved !== staleText) await link(aside, path).catch(() => undefined);
  await unlink(aside);
  return moved === staleText;
}

function heldMessage(stateDir: string, path: string, h: LockHolder, extra = ''): string {
  return (
    `another nexus-exporter holds the state directory ${stateDir}: pid ${h.pid} on host ${h.host}, started ${h.startedAt}${extra} (lock file ${path}). ` +
    'Run one exporter per state directory: stop that one, or give this one its own stateDir. ' +
    `A lock whose holder is gone is taken over at start (a dead pid on this host, or no refresh for ${STALE_AFTER_MS / 1000} s).`
  );
}
