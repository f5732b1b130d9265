// Local binaries (Debian's prometheus and prometheus-alertmanager packages), child processes in their
// own process group that are always killed, free ports, and polling waits.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';

const INSTALL_HINT = 'install it with: apt-get install -y --no-install-recommends prometheus prometheus-alertmanager';

/** The first of `names` found on PATH (or under /usr/bin and /usr/sbin). */
export function findBinary(...names: string[]): string {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/usr/sbin', '/usr/local/bin'];
  for (const name of names) {
    for (const dir of dirs) {
      const candidate = join(dir, name);
      if (dir && existsSync(candidate)) return candidate;
    }
  }
  throw new Error(`none of ${names.join(', ')} is installed; ${INSTALL_HINT}`);
}

export const binaries = {
  prometheus: () => findBinary('prometheus'),
  promtool: () => findBinary('promtool'),
  // Debian names the daemon prometheus-alertmanager; upstream tarballs and images call it alertmanager.
  alertmanager: () => findBinary('alertmanager', 'prometheus-alertmanager'),
  amtool: () => findBinary('amtool'),
};

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion (for promtool/amtool checks). */
export function run(cmd: string, args: string[], opts: { cwd?: string; timeoutMs?: number } = {}): RunResult {
  const r = spawnSync(cmd, args, { cwd: opts.cwd, encoding: 'utf8', timeout: opts.timeoutMs ?? 120_000 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A long-running child in its own process group, with its output in a log file. */
export class Daemon {
  private exited = false;
  readonly exit: Promise<number | null>;

  private constructor(
    readonly name: string,
    readonly child: ChildProcess,
    readonly logPath: string
  ) {
    this.exit = new Promise((resolve) =>
      child.once('exit', (code) => {
        this.exited = true;
        live.delete(this);
        resolve(code);
      })
    );
  }

  static start(name: string, cmd: string, args: string[], logPath: string): Daemon {
    const log = createWriteStream(logPath);
    const child = spawn(cmd, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
    const d = new Daemon(name, child, logPath);
    live.add(d);
    return d;
  }

  get running(): boolean {
    return !this.exited;
  }

  /** The end of the log, for failure messages. */
  tail(lines = 30): string {
    try {
      return readFileSync(this.logPath, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  /** SIGTERM to the whole process group, SIGKILL after `graceMs`. */
  async stop(graceMs = 5000): Promise<void> {
    if (this.exited || this.child.pid === undefined) return;
    killGroup(this.child.pid, 'SIGTERM');
    const timer = setTimeout(() => killGroup(this.child.pid!, 'SIGKILL'), graceMs);
    await this.exit;
    clearTimeout(timer);
  }
}

const live = new Set<Daemon>();

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

// Last resort: a test process that exits without running its `after` hooks still takes its children along.
process.once('exit', () => {
  for (const d of live) if (d.child.pid !== undefined) killGroup(d.child.pid, 'SIGKILL');
});

/** A TCP port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Calls `check` until it returns something other than undefined/false, or throws after `timeoutMs`
 * with `what` and the last value or error. For conditions on other processes: never a fixed sleep.
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  opts: { timeoutMs?: number; intervalMs?: number; describe?: () => string | Promise<string> } = {}
): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
      last = v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      const extra = opts.describe ? `\n${await opts.describe()}` : '';
      throw new Error(
        `timed out waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})${extra}`
      );
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 250));
  }
}
