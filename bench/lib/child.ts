// Starts a benchmark target (target.ts) in a child process and talks to it over IPC.
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { ProcessStats, TargetSpec } from '../target.js';
import { targetEntry } from './build.js';

export class Target {
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  private constructor(
    readonly child: ChildProcess,
    readonly url: string
  ) {
    child.on('message', (msg: { id?: number; result?: unknown; error?: string }) => {
      if (msg.id === undefined) return;
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (msg.error !== undefined) p.reject(new Error(msg.error));
      else p.resolve(msg.result);
    });
  }

  static start(
    spec: TargetSpec,
    timeoutMs = 120_000,
    nodeArgs: string[] = [],
    env: Record<string, string> = {}
  ): Promise<Target> {
    const entry = targetEntry();
    const execArgv = [...(entry.endsWith('.ts') ? ['--import', 'tsx'] : []), ...nodeArgs];
    if (!existsSync(entry)) throw new Error(`benchmark target ${entry} is missing`);
    const child = fork(entry, [JSON.stringify(spec)], {
      execArgv,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill();
        reject(new Error(`target ${spec.mode} did not start within ${timeoutMs} ms`));
      }, timeoutMs);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`target ${spec.mode} exited with ${code}`));
      });
      child.on('message', (msg: { type?: string; url?: string }) => {
        if (msg.type !== 'ready') return;
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve(new Target(child, msg.url!));
      });
    });
  }

  call<T>(cmd: string, extra: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ id, cmd, ...extra });
    });
  }

  stats(): Promise<ProcessStats> {
    return this.call<ProcessStats>('stats');
  }

  async stop(): Promise<void> {
    const exited = new Promise<void>((resolve) => {
      if (this.child.exitCode !== null) resolve();
      else this.child.once('exit', () => resolve());
    });
    await Promise.race([this.call('stop').catch(() => undefined), new Promise((r) => setTimeout(r, 5000))]);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}
