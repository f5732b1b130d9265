// Memory and CPU of another process, read from outside it (Linux /proc), so that measuring adds
// nothing to what is measured: RSS and its anonymous and file-backed parts, the peak RSS, CPU time.
import { readFileSync } from 'node:fs';

export interface ProcMemory {
  /** Resident set size (VmRSS), bytes. */
  rss: number;
  /** Anonymous memory: the V8 heap, malloc, stacks. */
  anon: number;
  /** File-backed pages: the node binary's code and data, shared libraries. */
  file: number;
  /** Peak RSS since start (VmHWM). */
  peak: number;
}

export function procMemory(pid: number): ProcMemory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status);
    if (!m) throw new Error(`/proc/${pid}/status has no ${key}`);
    return Number(m[1]) * 1024;
  };
  return { rss: kb('VmRSS'), anon: kb('RssAnon'), file: kb('RssFile'), peak: kb('VmHWM') };
}

const TICKS_PER_SECOND = 100; // USER_HZ, 100 on every Linux architecture Node runs on

/** User plus system CPU time of a process, ms. */
export function procCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces), from field 3: utime and stime are 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND) * 1000;
}
