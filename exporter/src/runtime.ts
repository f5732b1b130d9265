// How the exporter's process is started, however it is started: the shebangs of the `nexus-exporter`
// command (bin/nexus-exporter.js, what npm links and `npx` runs) and of src/cli.ts, `npm start`, `npm run demo` and `npm run demo:stack`, and the Docker image's
// environment. Node and the C library read these only when the process starts (v8.setFlagsFromString
// is too late to size the heap, and JavaScript cannot reach malloc's settings), so they are written
// into each of those launchers; tests/runtime-flags.test.ts keeps every one equal to what is here, and
// bench/ measures the exporter with them. README, Performance, has the figures.

/**
 * Node flags (all allowed in NODE_OPTIONS).
 *   --max-semi-space-size=1  caps V8's young generation at 1 MB per semi-space. By default it grows to
 *                            16 MB per semi-space under a burst of allocation (startup, the first polls)
 *                            and stays that size until a memory-reducing collection, minutes later.
 */
export const NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1'];

/**
 * Environment of the process.
 *   MALLOC_MMAP_THRESHOLD_  glibc serves allocations from this size up (128 KiB, its default) from
 *                           their own mappings, which go back to the system when freed. Without it
 *                           glibc raises the threshold after the first such block is freed, and the
 *                           large transient buffers of polls and compilations then stay in its heap.
 *                           Other C libraries ignore it.
 */
export const RUNTIME_ENV: Readonly<Record<string, string>> = { MALLOC_MMAP_THRESHOLD_: '131072' };

/** The command prefix the launchers write: `VAR=value … node flags…`. */
export function launchPrefix(): string {
  return [...Object.entries(RUNTIME_ENV).map(([k, v]) => `${k}=${v}`), 'node', ...NODE_FLAGS].join(' ');
}
